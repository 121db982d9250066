//! The picture: one panel per case, the latency percentiles (p50 to max) of
//! every target, backend and scale as lines on a log scale, so that a tail a
//! table's p99 hides shows.

use std::path::Path;

use plotters::prelude::*;

use super::CaseInfo;
use super::report::Results;

const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(23, 190, 207),
];

pub(crate) fn svg(r: &Results, cases: &[CaseInfo], file: &Path) -> anyhow::Result<()> {
    let columns = 2usize;
    let rows = cases.len().div_ceil(columns).max(1);
    let size = (1200u32, 360 * u32::try_from(rows).unwrap_or(1) + 40);
    let root = SVGBackend::new(file, size).into_drawing_area();
    root.fill(&WHITE).map_err(draw)?;
    let root = root
        .titled(
            &format!("Latency percentiles (ms, log scale) — {} — commit {}", r.started, r.commit),
            ("sans-serif", 20),
        )
        .map_err(draw)?;
    let panels = root.split_evenly((rows, columns));
    let series_names: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for row in &r.rows {
            let name = series(row.target.as_str(), &row.backend, &row.scale);
            if !v.contains(&name) {
                v.push(name);
            }
        }
        v
    };
    for (panel, case) in panels.iter().zip(cases) {
        let lines: Vec<_> = r.rows.iter().filter(|row| row.case == case.name).collect();
        let values = lines.iter().flat_map(|l| tail(&l.load.curve).map(|&(_, us)| us as f64 / 1000.0));
        let (lo, hi) = values.fold((f64::MAX, 0f64), |(lo, hi), v| (lo.min(v.max(0.001)), hi.max(v)));
        let (lo, hi) = if hi <= 0.0 { (0.01, 1.0) } else { (lo / 1.5, hi * 1.5) };
        let points = lines.first().map_or(0, |l| tail(&l.load.curve).count());
        let labels: Vec<String> =
            lines.first().map(|l| tail(&l.load.curve).map(|&(p, _)| label(p)).collect()).unwrap_or_default();
        let mut chart = ChartBuilder::on(panel)
            .caption(&case.title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..(points.max(2) - 1) as f64, (lo..hi).log_scale())
            .map_err(draw)?;
        chart
            .configure_mesh()
            .x_labels(points.max(2))
            .x_label_formatter(&|x| labels.get(x.round() as usize).cloned().unwrap_or_default())
            .y_label_formatter(&|y| format!("{y}"))
            .draw()
            .map_err(draw)?;
        for line in lines {
            let name = series(&line.target, &line.backend, &line.scale);
            let i = series_names.iter().position(|n| *n == name).unwrap_or(0);
            let color = PALETTE[i % PALETTE.len()];
            let data: Vec<(f64, f64)> = tail(&line.load.curve)
                .enumerate()
                .map(|(x, &(_, us))| (x as f64, (us as f64 / 1000.0).max(lo)))
                .collect();
            chart
                .draw_series(LineSeries::new(data, color.stroke_width(2)))
                .map_err(draw)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(draw)?;
    }
    root.present().map_err(draw)?;
    Ok(())
}

/// The curve from the median up: the tail is what a table's p99 hides.
fn tail(curve: &[(f64, u64)]) -> impl Iterator<Item = &(f64, u64)> {
    curve.iter().filter(|(p, _)| *p >= 50.0)
}

fn series(target: &str, backend: &str, scale: &str) -> String {
    if target == "ceiling" { "ceiling".into() } else { format!("{target} {backend} {scale}") }
}

fn label(p: f64) -> String {
    if p >= 100.0 { "max".into() } else { format!("p{p}") }
}

fn draw<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the plot: {e:?}")
}
