//! `cargo xtask regen [--check]`, `cargo xtask openapi DOC.md… -o OUT.json` and
//! `cargo xtask bench` (the side-by-side benchmark, `docs/benchmarks.md`).

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::overrides::Overrides;
use xtask::{pipeline, regen};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Build tasks: specs and code generated from the vendors' API documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the OpenAPI specs (and the code generated from them).
    Regen {
        /// Write nothing; fail naming each file that differs from what regen would write.
        #[arg(long)]
        check: bool,
    },
    /// Convert documents outside the repository's set into one OpenAPI spec.
    Openapi {
        /// Documents of one vendor (MaxIM typed, Chinese or English, or export;
        /// NetEase or YHChat), in any order.
        #[arg(required = true)]
        docs: Vec<PathBuf>,
        /// Where to write the spec (`-` for standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// An override file (e.g. `spec/overrides/maxim.toml`).
        #[arg(long)]
        overrides: Option<PathBuf>,
        /// Skip override rules that find nothing in these documents (operation,
        /// field and section rules, shared schemas, schema names, envelope
        /// fields): a repository override file applied to a single section.
        #[arg(long)]
        allow_unused_overrides: bool,
    },
    /// Benchmark this server against a hand-written peer and the static-JSON
    /// ceiling (docs/benchmarks.md): one table, also under target/bench/.
    Bench(xtask::bench::BenchArgs),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Regen { check } => regen::regen(&regen::repo_root(), check),
        Command::Bench(args) => xtask::bench::run(&regen::repo_root(), args),
        Command::Openapi { docs, output, overrides, allow_unused_overrides } => {
            let cwd = std::env::current_dir()?;
            let names: Vec<String> = docs.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let parsed = pipeline::parse_all(&cwd, &refs)?;
            let mut o = match &overrides {
                Some(p) => Overrides::parse(&p.to_string_lossy(), &std::fs::read_to_string(p)?)?,
                None => Overrides::default(),
            };
            o.allow_unused = allow_unused_overrides;
            let (_, spec) = pipeline::build(parsed, &o)?;
            if !allow_unused_overrides {
                o.check_all_used()?;
            }
            let text = pipeline::to_json(&spec);
            if output.as_os_str() == "-" {
                print!("{text}");
            } else {
                std::fs::write(&output, text)?;
                eprintln!("wrote {}", output.display());
            }
            Ok(())
        }
    }
}
