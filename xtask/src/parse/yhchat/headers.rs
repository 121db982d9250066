//! The `请求头:` part: a table of the headers an operation needs.
//!
//! Format:
//!
//! ```text
//! 请求头:
//! | 名称 | 必须 | 备注 |
//! |---|---|---|
//! | token | 是 | 无 |
//! ```
//!
//! Columns are found by their header (`名称`/`参数`/`name` is needed;
//! `必须`, `备注` and `类型` are optional, in any order); a missing type is a
//! string, `无` or `-` is no description, and `必须` reads `是`/`否` (or
//! `Y`/`N`, `true`/`false`). A `|` row pulldown-cmark did not take for a
//! table (no delimiter row) is split here; the delimiter row is skipped.
//! The part holds the table and nothing else.

use super::lines::Piece;
use crate::error::{DocError, DocResult};
use crate::model::{Field, Type};
use crate::parse::enums::from_description;
use crate::parse::markdown::{clean_cell, split_row};
use crate::parse::rows::{Header, parse_type};

pub(super) fn header_table(file: &str, marker_line: usize, rows: &[&Piece]) -> DocResult<Vec<Field>> {
    let expected = "expected a `| 名称 | 必须 | 备注 |` table after `请求头:`";
    let mut cols: Option<[Option<usize>; 4]> = None;
    let mut fields = Vec::new();
    for p in rows {
        let cells: Vec<String> = match &p.cells {
            Some(c) => c.clone(),
            // A pipe row pulldown-cmark did not see as a table (no delimiter row).
            None if p.text.starts_with('|') => split_row(&p.text).iter().map(|c| clean_cell(c)).collect(),
            None => return Err(DocError::new(file, p.line, expected)),
        };
        if cells.iter().all(|c| !c.is_empty() && c.trim_matches(':').chars().all(|ch| ch == '-')) {
            continue;
        }
        let Some([name, required, desc, ty]) = cols else {
            let h = Header::new(file, p.line, &cells);
            let name = Some(h.need(&["名称", "参数", "参数名", "name"])?);
            let (required, desc) = (
                h.find(&["必须", "必填", "是否必须", "required"]),
                h.find(&["备注", "说明", "描述", "description"]),
            );
            cols = Some([name, required, desc, h.find(&["类型", "type"])]);
            continue;
        };
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let n = cell(name);
        if n.is_empty() {
            return Err(DocError::new(file, p.line, "expected a header name in the `名称` column"));
        }
        let ty = match cell(ty) {
            "" => Type::String,
            t => parse_type(t, n).map_err(|e| DocError::new(file, p.line, e))?,
        };
        let mut f = Field::new(n, ty, p.line);
        f.required = match cell(required) {
            "是" | "必须" | "必填" | "Y" | "y" | "yes" | "true" => Some(true),
            "否" | "N" | "n" | "no" | "false" => Some(false),
            "" => None,
            other => {
                return Err(DocError::new(
                    file,
                    p.line,
                    format!("expected `是` or `否` in the `必须` column, found `{other}`"),
                ));
            }
        };
        f.description = match cell(desc) {
            "无" | "-" => String::new(),
            d => d.to_string(),
        };
        f.enum_values = from_description(&f.description);
        fields.push(f);
    }
    if cols.is_none() {
        return Err(DocError::new(file, marker_line, expected));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{doc, op};
    use crate::model::Type;

    #[test]
    fn reads_the_headers() {
        let d = doc();
        for o in &d.operations {
            assert_eq!(o.headers.len(), 1);
            let h = &o.headers[0];
            assert_eq!(
                (h.name.as_str(), h.required, h.ty.clone(), h.description.as_str()),
                ("token", Some(true), Type::String, "")
            );
        }
        // The lines after the table, which GFM reads as its rows, are the body.
        let delete = op(&d, "/v1/friend/delete-friend");
        assert_eq!(delete.body.as_ref().unwrap().fields.len(), 2);
    }
}
