//! `[[shared_schemas]]` overrides: components that the documents describe
//! once per operation but that are one object (the three token calls answer
//! the same token). The listed components must exist and have the same
//! shape; the first one's text is kept under the shared name, the others
//! are removed and every `$ref` to them points at it. Generated code then
//! has one type where the API has one object.
//!
//! `[[schema_names]]` name a component the documents describe once, the
//! same way: the component must exist and the name be free.
//!
//! With `lenient` (`--allow-unused-overrides`, the repository's overrides
//! on one section of a document) a rule whose components are not all there
//! acts on those that are: sharing needs two of them, naming needs its one;
//! otherwise the rule is skipped. Shapes that differ and names that are
//! taken stay errors.

use crate::error::{DocError, DocResult};
use crate::overrides::{SchemaNameRule, SharedSchemaRule};
use serde_json::{Map, Value};

const PREFIX: &str = "#/components/schemas/";

pub fn apply(
    file: &str,
    rules: &[SharedSchemaRule],
    lenient: bool,
    schemas: &mut Map<String, Value>,
    paths: &mut Value,
) -> DocResult<()> {
    for rule in rules {
        let err = |msg: String| DocError::new(file, 0, format!("shared schema `{}`: {msg}", rule.name));
        let [first, others @ ..] = rule.schemas.as_slice() else {
            return Err(err("lists no schemas; sharing needs two or more".into()));
        };
        if others.is_empty() {
            return Err(err("lists one schema; sharing needs two or more".into()));
        }
        let present: Vec<String>;
        let (first, others) = if lenient {
            present = rule.schemas.iter().filter(|s| schemas.contains_key(*s)).cloned().collect();
            match present.as_slice() {
                [first, others @ ..] if !others.is_empty() => (first, others),
                _ => continue,
            }
        } else {
            (first, others)
        };
        let shape_of = |name: &String| {
            schemas
                .get(name)
                .map(shape)
                .ok_or_else(|| err(format!("`{name}` is not a component (the override matches nothing)")))
        };
        let expected = shape_of(first)?;
        for other in others {
            if shape_of(other)? != expected {
                return Err(err(format!("`{other}` does not have the shape of `{first}`")));
            }
        }
        if schemas.contains_key(&rule.name) && !rule.schemas.contains(&rule.name) {
            return Err(err("the name is taken by another component".into()));
        }
        // Rename in place (the first's position, its descriptions) and drop the rest.
        *schemas = std::mem::take(schemas)
            .into_iter()
            .filter(|(k, _)| !others.contains(k))
            .map(|(k, v)| if &k == first { (rule.name.clone(), v) } else { (k, v) })
            .collect();
        for old in std::iter::once(first).chain(others) {
            let (from, to) = (format!("{PREFIX}{old}"), Value::String(format!("{PREFIX}{}", rule.name)));
            for v in schemas.values_mut() {
                retarget(v, &from, &to);
            }
            retarget(paths, &from, &to);
        }
    }
    Ok(())
}

/// Renames each rule's component in place and points every `$ref` at the new name.
pub fn name(
    file: &str,
    rules: &[SchemaNameRule],
    lenient: bool,
    schemas: &mut Map<String, Value>,
    paths: &mut Value,
) -> DocResult<()> {
    for rule in rules {
        let err = |msg: String| DocError::new(file, 0, format!("schema name `{}`: {msg}", rule.name));
        if !schemas.contains_key(&rule.schema) {
            if lenient {
                continue;
            }
            return Err(err(format!("`{}` is not a component (the override matches nothing)", rule.schema)));
        }
        if schemas.contains_key(&rule.name) {
            return Err(err("the name is taken by another component".into()));
        }
        *schemas = std::mem::take(schemas)
            .into_iter()
            .map(|(k, v)| if k == rule.schema { (rule.name.clone(), v) } else { (k, v) })
            .collect();
        let (from, to) =
            (format!("{PREFIX}{}", rule.schema), Value::String(format!("{PREFIX}{}", rule.name)));
        for v in schemas.values_mut() {
            retarget(v, &from, &to);
        }
        retarget(paths, &from, &to);
    }
    Ok(())
}

/// A schema without its prose: what code generated from it depends on.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "description" | "examples" | "example"))
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        other => other.clone(),
    }
}

fn retarget(v: &mut Value, from: &str, to: &Value) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if k == "$ref" && child.as_str() == Some(from) {
                    *child = to.clone();
                } else {
                    retarget(child, from, to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| retarget(c, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(name: &str, schemas: &[&str]) -> SharedSchemaRule {
        SharedSchemaRule {
            name: name.into(),
            schemas: schemas.iter().map(|s| s.to_string()).collect(),
            reason: "test".into(),
        }
    }

    fn token(desc: &str) -> Value {
        json!({"type": "object", "description": desc, "properties": {"token": {"type": "string", "description": desc}}})
    }

    #[test]
    fn same_shapes_become_one_component_and_refs_follow() {
        let mut schemas: Map<String, Value> = serde_json::from_value(json!({
            "A": {"type": "object"}, "TokenIdData": token("id"), "TokenUserData": token("user"), "Z": {"$ref": "#/components/schemas/TokenUserData"}
        }))
        .unwrap();
        let mut paths =
            json!({"/token/user": {"post": {"schema": {"$ref": "#/components/schemas/TokenUserData"}}}});
        apply(
            "o.toml",
            &[rule("TokenData", &["TokenIdData", "TokenUserData"])],
            false,
            &mut schemas,
            &mut paths,
        )
        .unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["A", "TokenData", "Z"]);
        assert_eq!(schemas["TokenData"], token("id"), "the first one's text is kept");
        assert_eq!(schemas["Z"]["$ref"], "#/components/schemas/TokenData");
        assert_eq!(paths["/token/user"]["post"]["schema"]["$ref"], "#/components/schemas/TokenData");
    }

    #[test]
    fn a_named_component_keeps_its_place_and_refs_follow() {
        let mut schemas: Map<String, Value> = serde_json::from_value(json!({
            "A": {"type": "object"}, "ListDataItem": token("x"), "Z": {"items": {"$ref": "#/components/schemas/ListDataItem"}}
        }))
        .unwrap();
        let mut paths = json!({"/l": {"get": {"schema": {"$ref": "#/components/schemas/ListDataItem"}}}});
        let rule = |name: &str, schema: &str| SchemaNameRule {
            name: name.into(),
            schema: schema.into(),
            reason: "test".into(),
        };
        name("o.toml", &[rule("Entry", "ListDataItem")], false, &mut schemas, &mut paths).unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["A", "Entry", "Z"]);
        assert_eq!(schemas["Entry"], token("x"));
        assert_eq!(schemas["Z"]["items"]["$ref"], "#/components/schemas/Entry");
        assert_eq!(paths["/l"]["get"]["schema"]["$ref"], "#/components/schemas/Entry");
        for (r, says) in [(rule("S", "Missing"), "matches nothing"), (rule("A", "Z"), "taken")] {
            let e = name("o.toml", &[r], false, &mut schemas, &mut paths).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_rule_that_does_not_fit_is_an_error() {
        let base: Map<String, Value> =
            serde_json::from_value(json!({"A": token("a"), "B": token("b"), "C": {"type": "object"}}))
                .unwrap();
        for (r, says) in [
            (rule("S", &["A", "Missing"]), "matches nothing"),
            (rule("S", &["A", "C"]), "does not have the shape"),
            (rule("C", &["A", "B"]), "taken"),
            (rule("S", &["A"]), "needs two"),
        ] {
            let (mut schemas, mut paths) = (base.clone(), json!({}));
            let e = apply("o.toml", &[r], false, &mut schemas, &mut paths).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn lenient_rules_act_on_what_is_there_and_skip_the_rest() {
        let base: Map<String, Value> =
            serde_json::from_value(json!({"A": token("a"), "B": token("b"), "C": {"type": "object"}}))
                .unwrap();
        let (mut schemas, mut paths) = (base.clone(), json!({"r": {"$ref": "#/components/schemas/B"}}));
        apply(
            "o.toml",
            &[rule("S", &["A", "Missing", "B"]), rule("T", &["C", "Gone"])],
            true,
            &mut schemas,
            &mut paths,
        )
        .unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["S", "C"]);
        assert_eq!(paths["r"]["$ref"], "#/components/schemas/S");
        let e =
            apply("o.toml", &[rule("S", &["A", "C", "Missing"])], true, &mut base.clone(), &mut json!({}))
                .unwrap_err()
                .to_string();
        assert!(e.contains("does not have the shape"), "{e}");
        let named = SchemaNameRule { name: "N".into(), schema: "Missing".into(), reason: "test".into() };
        let mut schemas = base.clone();
        name("o.toml", &[named], true, &mut schemas, &mut json!({})).unwrap();
        assert_eq!(schemas, base);
    }
}
