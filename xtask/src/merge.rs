//! Turning parsed documents into one set of logical operations per vendor:
//! the export document's one-heading-per-method repetitions collapse into one
//! operation served on every method, and a more precise document (the typed
//! MaxIM one) is merged over a less precise one field by field.

use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Operation, Response};

/// Collapses operations on the same path with the same title and identical
/// tables (the export's `3.1 POST /user/authmode` + `3.2 PUT
/// /user/authmode`) into one operation carrying every method. Same tables
/// under another title are another operation (`POST /user/push/tag` binds a
/// tag, `DELETE` with the same tables unbinds it). Operations on one path that differ stay
/// apart; naming them is the overrides' job.
pub fn collapse_methods(mut doc: Document) -> Document {
    let mut out: Vec<Operation> = Vec::new();
    for op in doc.operations.drain(..) {
        let same = out.iter_mut().find(|o| o.path == op.path && same_tables(o, &op));
        match same {
            Some(o) => {
                for m in &op.methods {
                    if !o.methods.contains(m) {
                        o.methods.push(*m);
                    }
                }
                if o.description.is_none() {
                    o.description = op.description;
                }
            }
            None => out.push(op),
        }
    }
    doc.operations = out;
    doc
}

fn same_tables(a: &Operation, b: &Operation) -> bool {
    fn norm_fields(fs: &[Field]) -> Vec<Field> {
        fs.iter().map(|f| Field { line: 0, children: norm_fields(&f.children), ..f.clone() }).collect()
    }
    fn norm_body(b: &Option<Body>) -> Option<Body> {
        b.as_ref().map(|b| Body { fields: norm_fields(&b.fields), ..b.clone() })
    }
    fn norm_resp(rs: &[Response]) -> Vec<Response> {
        rs.iter().map(|r| Response { fields: norm_fields(&r.fields), ..r.clone() }).collect()
    }
    a.section == b.section
        && a.summary == b.summary
        && norm_fields(&a.headers) == norm_fields(&b.headers)
        && norm_fields(&a.query) == norm_fields(&b.query)
        && norm_body(&a.body) == norm_body(&b.body)
        && norm_resp(&a.responses) == norm_resp(&b.responses)
}

/// Merges `precise` over `base`: an operation of `precise` replaces the
/// facts of the `base` operation on the same path whose methods overlap
/// (types, required flags, body shape, descriptions), while everything only
/// `base` knows is kept. Operations only `precise` has are added.
pub fn merge_precise(mut base: Document, precise: &Document) -> DocResult<Document> {
    for p in &precise.operations {
        let hits: Vec<usize> = base
            .operations
            .iter()
            .enumerate()
            .filter(|(_, b)| b.path == p.path && b.methods.iter().any(|m| p.methods.contains(m)))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [] => {
                let mut op = p.clone();
                if !base.sections.iter().any(|s| s.title == op.section)
                    && let Some(s) = precise.sections.iter().find(|s| s.title == op.section)
                {
                    base.sections.push(s.clone());
                }
                op.section = p.section.clone();
                base.operations.push(op);
            }
            [i] => merge_operation(&mut base.operations[*i], p),
            _ => {
                return Err(DocError::new(
                    &precise.source,
                    p.line,
                    format!(
                        "`{}` matches {} operations of {}; expected one",
                        p.path,
                        hits.len(),
                        base.source
                    ),
                ));
            }
        }
    }
    for s in &precise.sections {
        if let Some(b) = base.sections.iter_mut().find(|b| b.title == s.title)
            && b.anchor.is_none()
        {
            b.anchor = s.anchor.clone();
        }
    }
    Ok(base)
}

fn merge_operation(b: &mut Operation, p: &Operation) {
    for m in &p.methods {
        if !b.methods.contains(m) {
            b.methods.push(*m);
        }
    }
    if p.anchor.is_some() {
        b.anchor = p.anchor.clone();
    }
    if !p.summary.is_empty() {
        b.summary = p.summary.clone();
    }
    if p.description.is_some() {
        b.description = p.description.clone();
    }
    b.headers = merge_fields(&b.headers, &p.headers);
    b.query = merge_fields(&b.query, &p.query);
    b.body = match (&b.body, &p.body) {
        (Some(bb), Some(pb)) => Some(Body {
            media: pb.media,
            fields: merge_fields(&bb.fields, &pb.fields),
            message: pb.message.clone().or(bb.message.clone()),
            example: pb.example.clone().or(bb.example.clone()),
        }),
        (None, Some(pb)) => Some(pb.clone()),
        (bb, None) => bb.clone(),
    };
    let mut responses = Vec::new();
    for pr in &p.responses {
        match b.responses.iter().find(|r| r.status == pr.status) {
            Some(br) => responses.push(Response {
                status: pr.status,
                media: pr.media,
                fields: merge_fields(&br.fields, &pr.fields),
                message: pr.message.clone().or(br.message.clone()),
                example: pr.example.clone().or(br.example.clone()),
            }),
            None => responses.push(pr.clone()),
        }
    }
    for br in &b.responses {
        if !responses.iter().any(|r| r.status == br.status) {
            responses.push(br.clone());
        }
    }
    b.responses = responses;
}

/// Field lists merged by name, the precise side winning; fields only the
/// base side has are appended. A precise body that is one unnamed array
/// (the typed `/roster/apply/batch`) takes the base's flat fields as the
/// array's item fields.
pub fn merge_fields(base: &[Field], precise: &[Field]) -> Vec<Field> {
    if let [root] = precise
        && root.name.is_empty()
        && !base.iter().any(|f| f.name.is_empty())
    {
        let mut root = root.clone();
        root.children = merge_fields(base, &root.children);
        return vec![root];
    }
    let mut out: Vec<Field> = precise
        .iter()
        .map(|p| match base.iter().find(|b| b.name == p.name) {
            Some(b) => merge_field(b, p),
            None => p.clone(),
        })
        .collect();
    for b in base {
        if !precise.iter().any(|p| p.name == b.name) {
            out.push(b.clone());
        }
    }
    out
}

fn merge_field(b: &Field, p: &Field) -> Field {
    Field {
        name: p.name.clone(),
        ty: p.ty.clone(),
        required: p.required.or(b.required),
        default: p.default.clone().or(b.default.clone()),
        description: if p.description.is_empty() { b.description.clone() } else { p.description.clone() },
        max_length: p.max_length.or(b.max_length),
        example: p.example.clone().or(b.example.clone()),
        enum_values: if p.enum_values.is_empty() { b.enum_values.clone() } else { p.enum_values.clone() },
        proto_number: p.proto_number.or(b.proto_number),
        children: merge_fields(&b.children, &p.children),
        line: p.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, Type};

    fn op(methods: &[Method], path: &str, body: Vec<Field>) -> Operation {
        Operation {
            methods: methods.to_vec(),
            path: path.into(),
            section: "s".into(),
            number: None,
            anchor: None,
            summary: "x".into(),
            description: None,
            line: 1,
            headers: vec![],
            query: vec![],
            body: Some(Body { media: crate::model::Media::Json, fields: body, message: None, example: None }),
            responses: vec![],
        }
    }
    fn doc(ops: Vec<Operation>) -> Document {
        Document {
            vendor: "v".into(),
            source: "d.md".into(),
            title: "t".into(),
            servers: vec![],
            description: None,
            sections: vec![],
            operations: ops,
        }
    }

    #[test]
    fn identical_repeats_collapse_and_different_ones_stay() {
        let f = |t| vec![Field::new("user_id", t, 3)];
        let d = doc(vec![
            op(&[Method::Post], "/a", f(Type::Int32)),
            op(&[Method::Put], "/a", f(Type::Int32)),
            op(&[Method::Get], "/a", f(Type::String)),
        ]);
        let c = collapse_methods(d);
        assert_eq!(c.operations.len(), 2);
        assert_eq!(c.operations[0].methods, vec![Method::Post, Method::Put]);
    }

    #[test]
    fn precise_wins_and_nothing_is_lost() {
        let mut extra = Field::new("only_in_export", Type::String, 9);
        extra.description = "kept".into();
        let base = doc(vec![op(&[Method::Post], "/a", vec![Field::new("user_id", Type::Int32, 1), extra])]);
        let mut typed_id = Field::new("user_id", Type::Int64, 2);
        typed_id.required = Some(true);
        let precise = doc(vec![op(&[Method::Post, Method::Put], "/a", vec![typed_id])]);
        let m = merge_precise(base, &precise).unwrap();
        let o = &m.operations[0];
        assert_eq!(o.methods, vec![Method::Post, Method::Put]);
        let fs = &o.body.as_ref().unwrap().fields;
        assert_eq!(fs[0].ty, Type::Int64);
        assert_eq!(fs[0].required, Some(true));
        assert_eq!(fs[1].name, "only_in_export");
    }

    #[test]
    fn array_body_takes_flat_fields_as_items() {
        let base = vec![Field::new("user_id", Type::Int32, 1), Field::new("reason", Type::String, 2)];
        let mut root = Field::new("", Type::Array(Box::new(Type::Object)), 5);
        root.children = vec![Field::new("user_id", Type::Int64, 6)];
        let merged = merge_fields(&base, &[root]);
        assert_eq!(merged.len(), 1);
        let names: Vec<_> = merged[0].children.iter().map(|c| (c.name.as_str(), c.ty.clone())).collect();
        assert_eq!(names, vec![("user_id", Type::Int64), ("reason", Type::String)]);
    }
}
