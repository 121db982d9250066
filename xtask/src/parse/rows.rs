//! What the dialects' parameter tables have in common: columns found by
//! header name, a row's cells read into a [`Field`], and `⇥`-marked rows
//! nested under the row above them. The messages are shared too, so a
//! defect reads the same whichever document has it.

use crate::error::{DocError, DocResult};
use crate::model::{Field, Type};
use crate::parse::{enums, markdown};

/// The type spellings to suggest when a type cell is wrong.
pub const TYPES: &str = "int32, int64, string, boolean, number, object or array[...]";

/// A table's header row: columns are found by name, because the documents
/// do not keep one column order.
pub struct Header<'a> {
    file: &'a str,
    line: usize,
    names: &'a [String],
}

impl<'a> Header<'a> {
    pub fn new(file: &'a str, line: usize, names: &'a [String]) -> Self {
        Header { file, line, names }
    }

    /// The first column named one of `names`.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        self.names.iter().position(|h| names.contains(&h.trim()))
    }

    /// As [`Header::find`], for a column the table must have.
    pub fn need(&self, names: &[&str]) -> DocResult<usize> {
        self.find(names).ok_or_else(|| {
            DocError::new(
                self.file,
                self.line,
                format!("table header `{}` has no `{}` column", self.names.join(" | "), names.join("` or `")),
            )
        })
    }
}

/// The trimmed cell in column `i`; a row shorter than that has an empty one.
pub fn cell(cells: &[String], i: usize) -> &str {
    cells.get(i).map_or("", |c| c.trim())
}

/// `⇥⇥ uid` → (2, `uid`): the depth the leading `⇥` give, and the name.
pub fn nesting(cell: &str) -> (usize, &str) {
    let indent = |c: char| c == '⇥' || c.is_whitespace();
    let depth = cell.chars().take_while(|c| indent(*c)).filter(|c| *c == '⇥').count();
    (depth, cell.trim_start_matches(indent).trim())
}

/// The type a cell names; the error names the field.
pub fn parse_type(text: &str, name: &str) -> Result<Type, String> {
    text.parse().map_err(|e| format!("field `{name}`: {e}; expected {TYPES}"))
}

/// A yes/no cell in the dialect's own words (`true`/`false`, `必填`/`选填`).
pub fn flag(text: &str, column: &str, [yes, no]: [&str; 2], name: &str) -> Result<bool, String> {
    match text {
        t if t == yes => Ok(true),
        t if t == no => Ok(false),
        other => Err(format!("field `{name}`: expected `{yes}` or `{no}` in {column}, found `{other}`")),
    }
}

/// Sets the description from its cell (`<br>` as newlines) and the values
/// it enumerates.
pub fn describe(field: &mut Field, text: &str) {
    field.description = markdown::clean_cell(text);
    field.enum_values = enums::from_description(&field.description);
}

/// Appends `field`, read from a row with `depth` `⇥`, as the last child of
/// the last row one level up.
pub fn nest(top: &mut Vec<Field>, depth: usize, field: Field) -> Result<(), String> {
    let marks = "⇥".repeat(depth);
    let mut level = top;
    for d in 0..depth {
        let Some(parent) = level.last_mut() else {
            let above =
                if d == 0 { "a row without ⇥".to_string() } else { format!("a {} row", "⇥".repeat(d)) };
            return Err(format!(
                "a {marks} row `{}` must follow {above}; a nesting level was skipped",
                field.name
            ));
        };
        // Rows further up hold children already: only the parent can be a scalar.
        if d + 1 == depth && !parent.ty.holds_children() {
            return Err(format!(
                "a {marks} row `{}` under a scalar: `{}` is {}; only object and array[object] rows take ⇥ children",
                field.name, parent.name, parent.ty
            ));
        }
        level = &mut parent.children;
    }
    level.push(field);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(rows: &[(usize, &str, Type)]) -> Result<Vec<Field>, String> {
        let mut top = Vec::new();
        for (i, (depth, name, ty)) in rows.iter().enumerate() {
            nest(&mut top, *depth, Field::new(*name, ty.clone(), i + 1))?;
        }
        Ok(top)
    }

    #[test]
    fn nests_under_the_last_row_one_level_up() {
        let top = tree(&[
            (0, "a", Type::Object),
            (1, "b", Type::Object),
            (2, "c", Type::Int32),
            (1, "d", Type::Int32),
            (0, "e", Type::Int32),
        ])
        .unwrap();
        let names = |fs: &[Field]| fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&top), ["a", "e"]);
        assert_eq!(names(&top[0].children), ["b", "d"]);
        assert_eq!(names(&top[0].children[0].children), ["c"]);
    }

    #[test]
    fn a_skipped_level_is_named_before_a_scalar_parent() {
        let e = tree(&[(1, "a", Type::Int32)]).unwrap_err();
        assert_eq!(e, "a ⇥ row `a` must follow a row without ⇥; a nesting level was skipped");
        let e = tree(&[(0, "a", Type::String), (2, "b", Type::Int32)]).unwrap_err();
        assert!(e.contains("must follow a ⇥ row"), "{e}");
        let e = tree(&[(0, "a", Type::Object), (1, "b", Type::String), (2, "c", Type::Int32)]).unwrap_err();
        assert!(e.starts_with("a ⇥⇥ row `c` under a scalar: `b` is string;"), "{e}");
    }

    #[test]
    fn reads_names_types_and_flags() {
        assert_eq!(nesting("⇥ ⇥⇥  uid "), (3, "uid"));
        assert_eq!(nesting(" name"), (0, "name"));
        assert_eq!(nesting("⇥"), (1, ""));
        assert!(
            parse_type("varchar", "n")
                .unwrap_err()
                .starts_with("field `n`: unknown type `varchar`; expected int32")
        );
        assert_eq!(flag("必填", "是否必填", ["必填", "选填"], "a"), Ok(true));
        assert_eq!(
            flag("yes", "必填", ["true", "false"], "a").unwrap_err(),
            "field `a`: expected `true` or `false` in 必填, found `yes`"
        );
        let header = ["参数".to_string(), " 类型 ".to_string()];
        let h = Header::new("t.md", 3, &header);
        assert_eq!(h.find(&["类型"]), Some(1));
        assert_eq!(
            h.need(&["描述", "说明"]).unwrap_err().message,
            "table header `参数 |  类型 ` has no `描述` or `说明` column"
        );
    }
}
