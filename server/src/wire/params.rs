//! Lenient request parameters, as real clients send them: the query
//! string's pairs merged with the body's fields (JSON object or form; the
//! body wins), values from text coerced to the field's kind, an empty string
//! for an optional non-text value taken as absent. Errors name the field.

use super::rejection::Rejection;
use axum::body::{Body, Bytes};
use axum::http::{Method, header, request::Parts};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// The most a request body may hold.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What a field holds, for coercing text (query strings, forms, headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    I32,
    I64,
    F64,
    Bool,
    /// A list; from text: a JSON array or comma-separated values.
    List(&'static Kind),
    /// Anything else (objects, free JSON): from text only when it is JSON.
    Any,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::I32 => "a 32-bit integer",
            Kind::I64 => "an integer",
            Kind::F64 => "a number",
            Kind::Bool => "a boolean",
            Kind::List(_) => "a list",
            Kind::Any => "a JSON value",
        }
    }
}

/// What the body is when its `Content-Type` does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    Json,
    Form,
}

/// Reads a body up to [`BODY_LIMIT`].
pub async fn read_body(body: Body) -> Result<Bytes, Rejection> {
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| Rejection::invalid("the request body could not be read or is too large"))
}

/// A whole JSON body as `T` (a nameless array body).
pub async fn json_body<T: DeserializeOwned>(body: Body) -> Result<T, Rejection> {
    let bytes = read_body(body).await?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| Rejection::invalid("the request body is not UTF-8"))?;
    let text = if text.trim().is_empty() { "[]" } else { text };
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Rejection::invalid(format!("the request body is not valid JSON: {e}")))?;
    serde_json::from_value(v).map_err(|e| Rejection::invalid(format!("request body: {e}")))
}

/// The merged parameters of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    map: Map<String, Value>,
}

impl Params {
    /// Query string plus body (ignored for GET and HEAD).
    pub async fn read(parts: &Parts, body: Body, mode: BodyMode) -> Result<Params, Rejection> {
        let bytes = if parts.method == Method::GET || parts.method == Method::HEAD {
            Bytes::new()
        } else {
            read_body(body).await?
        };
        let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        Params::parse(parts.uri.query(), ct, &bytes, mode)
    }

    /// The merge itself: query pairs first, then the body's fields over them.
    pub fn parse(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
        mode: BodyMode,
    ) -> Result<Params, Rejection> {
        let mut map = Map::new();
        if let Some(q) = query {
            pairs_into(q.as_bytes(), &mut map);
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let form = ct.contains("application/x-www-form-urlencoded")
            || (mode == BodyMode::Form && !ct.contains("json"));
        if form {
            let mut body_map = Map::new();
            pairs_into(body, &mut body_map);
            map.extend(body_map);
        } else {
            let text =
                std::str::from_utf8(body).map_err(|_| Rejection::invalid("the request body is not UTF-8"))?;
            if !text.trim().is_empty() {
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(o)) => map.extend(o),
                    Ok(Value::Null) => {}
                    Ok(_) => return Err(Rejection::invalid("the request body must be a JSON object")),
                    Err(e) => {
                        return Err(Rejection::invalid(format!("the request body is not valid JSON: {e}")));
                    }
                }
            }
        }
        Ok(Params { map })
    }

    /// From a JSON object (tests, internal calls).
    pub fn from_map(map: Map<String, Value>) -> Params {
        Params { map }
    }

    /// A required field.
    pub fn required<T: DeserializeOwned>(
        &mut self,
        name: &str,
        kind: Kind,
        max_len: Option<usize>,
    ) -> Result<T, Rejection> {
        self.optional(name, kind, max_len)?
            .ok_or_else(|| Rejection::invalid(format!("missing required parameter `{name}`")))
    }

    /// An optional field: absent, `null`, or an empty string for a
    /// non-text kind is `None`.
    pub fn optional<T: DeserializeOwned>(
        &mut self,
        name: &str,
        kind: Kind,
        max_len: Option<usize>,
    ) -> Result<Option<T>, Rejection> {
        let v = match self.map.remove(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() && kind != Kind::Str => return Ok(None),
            Some(v) => v,
        };
        let v = coerce(v, kind)
            .map_err(|want| Rejection::invalid(format!("parameter `{name}` must be {want}")))?;
        if let (Some(max), Value::String(s)) = (max_len, &v)
            && s.chars().count() > max
        {
            return Err(Rejection::too_long(format!("parameter `{name}` is longer than {max} characters")));
        }
        serde_json::from_value(v)
            .map(Some)
            .map_err(|e| Rejection::invalid(format!("parameter `{name}`: {e}")))
    }
}

/// `a=1&b=2&a=3` into the map; a repeated key becomes a list.
fn pairs_into(bytes: &[u8], map: &mut Map<String, Value>) {
    for (k, v) in form_urlencoded::parse(bytes) {
        let k = k.into_owned();
        let v = Value::String(v.into_owned());
        match map.get_mut(&k) {
            Some(Value::Array(a)) => a.push(v),
            Some(prev) => {
                let first = std::mem::take(prev);
                *prev = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(k, v);
            }
        }
    }
}

/// A value in the shape `kind` wants; on failure, what was wanted.
pub(crate) fn coerce(v: Value, kind: Kind) -> Result<Value, &'static str> {
    let want = kind.describe();
    match kind {
        Kind::Str => match v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            Value::Array(mut a) if a.len() == 1 => coerce(a.remove(0), kind),
            _ => Err(want),
        },
        Kind::I32 | Kind::I64 => {
            let n = match &v {
                Value::Number(n) => n.as_i64().or_else(|| {
                    n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)
                }),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                Value::Array(a) if a.len() == 1 => return coerce(a[0].clone(), kind),
                _ => None,
            }
            .ok_or(want)?;
            if kind == Kind::I32 && i32::try_from(n).is_err() {
                return Err(want);
            }
            Ok(Value::Number(n.into()))
        }
        Kind::F64 => match &v {
            Value::Number(_) => Ok(v),
            Value::String(s) => {
                s.trim().parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number).ok_or(want)
            }
            Value::Array(a) if a.len() == 1 => coerce(a[0].clone(), kind),
            _ => Err(want),
        },
        Kind::Bool => match &v {
            Value::Bool(_) => Ok(v),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Value::Bool(false)),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Value::Bool(true)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(want),
            },
            Value::Array(a) if a.len() == 1 => coerce(a[0].clone(), kind),
            _ => Err(want),
        },
        Kind::List(inner) => {
            let items = match v {
                Value::Array(a) => a,
                Value::String(s) => {
                    let t = s.trim();
                    if t.starts_with('[') {
                        match serde_json::from_str::<Value>(t) {
                            Ok(Value::Array(a)) => a,
                            _ => return Err(want),
                        }
                    } else if t.is_empty() {
                        Vec::new()
                    } else {
                        t.split(',').map(|p| Value::String(p.trim().to_string())).collect()
                    }
                }
                other => vec![other],
            };
            items
                .into_iter()
                .map(|i| coerce(i, *inner))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
                .map_err(|_| want)
        }
        Kind::Any => match v {
            Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
                Ok(serde_json::from_str(&s).unwrap_or(Value::String(s)))
            }
            other => Ok(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn json(q: &str, body: &str) -> Params {
        Params::parse(Some(q), Some("application/json"), body.as_bytes(), BodyMode::Json).unwrap()
    }

    #[test]
    fn query_and_body_merge_with_the_body_winning() {
        let mut p = json("user_id=7&alias=q", r#"{"alias":"body","extra":1}"#);
        assert_eq!(p.required::<i64>("user_id", Kind::I64, None).unwrap(), 7);
        assert_eq!(p.required::<String>("alias", Kind::Str, None).unwrap(), "body");
    }

    #[test]
    fn empty_bodies_and_trailing_question_marks() {
        for body in ["", "{}", "  ", "null"] {
            let mut p = json("", body);
            assert_eq!(p.optional::<i64>("user_id", Kind::I64, None).unwrap(), None);
        }
        let mut p = Params::parse(None, None, b"", BodyMode::Json).unwrap();
        assert_eq!(p.optional::<String>("cursor", Kind::Str, None).unwrap(), None);
    }

    #[test]
    fn empty_strings_are_absent_for_non_text() {
        let mut p = json("cursor=&limit=", r#"{"alias":""}"#);
        assert_eq!(p.optional::<String>("cursor", Kind::Str, None).unwrap(), Some(String::new()));
        assert_eq!(p.optional::<i32>("limit", Kind::I32, None).unwrap(), None);
        assert_eq!(p.optional::<String>("alias", Kind::Str, None).unwrap(), Some(String::new()));
        let mut p = json("limit=", "");
        let e = p.required::<i32>("limit", Kind::I32, None).unwrap_err();
        assert!(e.message.contains("`limit`"));
    }

    #[test]
    fn numbers_and_booleans_as_strings() {
        let mut p = json("user_id=9007199254740993&flag=true&n=1.5&on=0", r#"{"big":"12","b":"false"}"#);
        assert_eq!(p.required::<i64>("user_id", Kind::I64, None).unwrap(), 9007199254740993);
        assert!(p.required::<bool>("flag", Kind::Bool, None).unwrap());
        assert_eq!(p.required::<f64>("n", Kind::F64, None).unwrap(), 1.5);
        assert!(!p.required::<bool>("on", Kind::Bool, None).unwrap());
        assert_eq!(p.required::<i64>("big", Kind::I64, None).unwrap(), 12);
        assert!(!p.required::<bool>("b", Kind::Bool, None).unwrap());
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let mut p = json("user_id=abc&limit=99999999999", "");
        let e = p.required::<i64>("user_id", Kind::I64, None).unwrap_err();
        assert_eq!(e.kind, super::super::RejectionKind::InvalidParameter);
        assert!(e.message.contains("`user_id`"), "{}", e.message);
        let e = p.required::<i32>("limit", Kind::I32, None).unwrap_err();
        assert!(e.message.contains("`limit`"), "{}", e.message);
        let e = p.required::<i64>("group_id", Kind::I64, None).unwrap_err();
        assert!(e.message.contains("`group_id`") && e.message.contains("missing"), "{}", e.message);
        let mut p = json("", r#"{"user_list":{"a":1}}"#);
        let e = p.required::<Vec<i64>>("user_list", Kind::List(&Kind::I64), None).unwrap_err();
        assert!(e.message.contains("`user_list`"), "{}", e.message);
    }

    #[test]
    fn invalid_json_and_non_objects_are_rejected() {
        let e = Params::parse(None, Some("application/json"), b"{not json", BodyMode::Json).unwrap_err();
        assert!(e.message.contains("JSON"));
        assert!(Params::parse(None, Some("application/json"), b"[1]", BodyMode::Json).is_err());
    }

    #[test]
    fn lists_from_text() {
        let mut p = json("a=1,2,3&b=[4,5]&c=6&c=7&d=", "");
        assert_eq!(p.required::<Vec<i64>>("a", Kind::List(&Kind::I64), None).unwrap(), vec![1, 2, 3]);
        assert_eq!(p.required::<Vec<i64>>("b", Kind::List(&Kind::I64), None).unwrap(), vec![4, 5]);
        assert_eq!(p.required::<Vec<i64>>("c", Kind::List(&Kind::I64), None).unwrap(), vec![6, 7]);
        assert_eq!(p.optional::<Vec<i64>>("d", Kind::List(&Kind::I64), None).unwrap(), None);
    }

    #[test]
    fn forms_merge_and_enforce_max_length() {
        let mut p = Params::parse(
            Some("accid=q"),
            None,
            b"accid=zhangsan&type=1&msg=%E4%BD%A0%E5%A5%BD",
            BodyMode::Form,
        )
        .unwrap();
        assert_eq!(p.required::<String>("accid", Kind::Str, Some(32)).unwrap(), "zhangsan");
        assert_eq!(p.required::<i32>("type", Kind::I32, None).unwrap(), 1);
        // Two characters, six bytes: within a limit of two.
        assert_eq!(p.required::<String>("msg", Kind::Str, Some(2)).unwrap(), "你好");
        let mut p =
            Params::parse(None, Some("application/x-www-form-urlencoded"), b"accid=abcdef", BodyMode::Form)
                .unwrap();
        let e = p.required::<String>("accid", Kind::Str, Some(5)).unwrap_err();
        assert_eq!(e.kind, super::super::RejectionKind::TooLong);
        assert!(e.message.contains("`accid`"));
    }

    #[test]
    fn nested_objects_come_through_serde() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Inner {
            a: i64,
        }
        let mut p = json("q={\"a\":2}", r#"{"o":{"a":1},"bad":{"a":"x"}}"#);
        assert_eq!(p.required::<Inner>("o", Kind::Any, None).unwrap(), Inner { a: 1 });
        assert_eq!(p.required::<Inner>("q", Kind::Any, None).unwrap(), Inner { a: 2 });
        let e = p.required::<Inner>("bad", Kind::Any, None).unwrap_err();
        assert!(e.message.contains("`bad`"));
    }

    #[tokio::test]
    async fn array_bodies() {
        let v: Vec<i64> = json_body(Body::from("[1,2]")).await.unwrap();
        assert_eq!(v, vec![1, 2]);
        let v: Vec<i64> = json_body(Body::from("")).await.unwrap();
        assert!(v.is_empty());
        assert!(json_body::<Vec<i64>>(Body::from("{")).await.is_err());
    }
}
