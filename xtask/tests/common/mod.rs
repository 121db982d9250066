//! What the parse tests share: the documents' raw text read on its own
//! terms, so that a count checks the parser instead of repeating it.

// Each test crate compiles this module and uses only some of it.
#![allow(dead_code)]

use xtask::model::{Field, Operation};

/// The source lines, numbered from 1, in groups: a group opens at each line
/// `opens` accepts and runs to the next; lines before the first are left out.
pub(crate) fn per_operation(src: &str, opens: impl Fn(&str) -> bool) -> Vec<Vec<(usize, &str)>> {
    let mut ops: Vec<Vec<(usize, &str)>> = Vec::new();
    for (i, line) in src.lines().enumerate() {
        if opens(line) {
            ops.push(Vec::new());
        }
        if let Some(op) = ops.last_mut() {
            op.push((i + 1, line));
        }
    }
    ops
}

/// Every field of an operation, nested ones included, in document order.
pub(crate) fn op_fields(op: &Operation) -> Vec<&Field> {
    fn all(fields: &[Field]) -> Vec<&Field> {
        fields.iter().flat_map(|f| std::iter::once(f).chain(all(&f.children))).collect()
    }
    let mut out = all(&op.headers);
    out.extend(all(&op.query));
    if let Some(b) = &op.body {
        out.extend(all(&b.fields));
    }
    for r in &op.responses {
        out.extend(all(&r.fields));
    }
    out.sort_by_key(|f| f.line);
    out
}

/// `src` without the lines numbered (from 0) in `drop`, cut at the first
/// char boundary from byte `cut` on: a damaged document.
pub(crate) fn mangle(src: &str, drop: &[usize], cut: usize) -> String {
    let kept: Vec<&str> =
        src.lines().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, l)| l).collect();
    let text = kept.join("\n");
    let end = text.char_indices().map(|(i, _)| i).find(|i| *i >= cut).unwrap_or(text.len());
    text.get(..end).unwrap_or_default().to_string()
}
