//! A dialect's JSON envelope: success values from the spec's `x-success`,
//! the result under `x-payload` or flattened next to them, errors as
//! `{code, <x-error-message>: message}`. Always HTTP 200.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// One dialect's envelope, as the generated router declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// A successful answer's fields, each with its value already written as
    /// JSON (`[("code", "200"), ("message", "null")]`): answers copy them.
    pub success: &'static [(&'static str, &'static str)],
    /// The field carrying the code.
    pub code: &'static str,
    /// The field carrying an error's text.
    pub message: &'static str,
    /// The field carrying the result, if the dialect has one.
    pub payload: Option<&'static str>,
    /// The code answering an internal error (a result that cannot be written).
    pub internal: i32,
}

impl Envelope {
    /// `{` and the success fields other than those in `skip`, each followed by `,`.
    fn open(&self, skip: impl Fn(&str) -> bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        for (k, v) in self.success.iter().filter(|(k, _)| !skip(k)) {
            push_key(&mut out, k);
            out.extend_from_slice(v.as_bytes());
            out.push(b',');
        }
        out
    }

    /// The success envelope with `value` under the payload field (or
    /// flattened when the dialect has none).
    pub fn ok_payload<T: Serialize>(&self, value: &T) -> Response {
        let Some(payload) = self.payload else { return self.ok_flat(value) };
        let mut out = self.open(|k| k == payload);
        push_key(&mut out, payload);
        if let Err(e) = serde_json::to_writer(&mut out, value) {
            return self.error(self.internal, &format!("the result could not be written: {e}"));
        }
        out.push(b'}');
        json_bytes(out)
    }

    /// The success envelope with the fields of `value` (an object; `()` adds
    /// none) next to the success fields; `None` fields are left out.
    pub fn ok_flat<T: Serialize>(&self, value: &T) -> Response {
        // A struct (nearly every reply) is written field by field (`flat`);
        // anything else through a `Value`.
        if let Ok(flat) = super::flat::fields(value, self.payload) {
            let mut out = self.open(|k| flat.names.contains(&k));
            out.extend_from_slice(&flat.json);
            close(&mut out);
            return json_bytes(out);
        }
        let fields: Vec<(String, Value)> = match serde_json::to_value(value) {
            Ok(Value::Object(fields)) => {
                fields.into_iter().filter(|(k, v)| !v.is_null() || self.payload == Some(k.as_str())).collect()
            }
            Ok(Value::Null) => match self.payload {
                Some(p) => vec![(p.to_string(), Value::Null)],
                None => Vec::new(),
            },
            Ok(other) => match self.payload {
                Some(p) => vec![(p.to_string(), other)],
                None => return self.error(self.internal, "the result is not an object"),
            },
            Err(e) => return self.error(self.internal, &format!("the result could not be written: {e}")),
        };
        let mut out = self.open(|k| fields.iter().any(|(f, _)| f == k));
        for (k, v) in &fields {
            push_key(&mut out, k);
            // A `Value` always serializes.
            let _ = serde_json::to_writer(&mut out, v);
            out.push(b',');
        }
        close(&mut out);
        json_bytes(out)
    }

    /// `{code, message}` (plus a null payload where the dialect has one).
    pub fn error(&self, code: i32, message: &str) -> Response {
        json(self.error_value(code, message))
    }

    pub fn error_value(&self, code: i32, message: &str) -> Value {
        let mut m = Map::new();
        m.insert(self.code.to_string(), Value::from(code));
        m.insert(self.message.to_string(), Value::from(message));
        if let Some(p) = self.payload {
            m.insert(p.to_string(), Value::Null);
        }
        Value::Object(m)
    }
}

/// Ends an object whose every field is followed by `,`: the last `,` closes it instead.
fn close(out: &mut Vec<u8>) {
    if let Some(last) = out.last_mut().filter(|b| **b == b',') {
        *last = b'}';
    } else {
        out.push(b'}');
    }
}

/// `"key":`
fn push_key(out: &mut Vec<u8>, key: &str) {
    // A `&str` always serializes.
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// HTTP 200 with a JSON body.
pub fn json(v: Value) -> Response {
    json_bytes(v.to_string().into_bytes())
}

fn json_bytes(body: Vec<u8>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAXIM: Envelope = Envelope {
        success: &[("code", "200"), ("message", "null")],
        code: "code",
        message: "message",
        payload: Some("data"),
        internal: 20000,
    };
    const NETEASE: Envelope =
        Envelope { success: &[("code", "200")], code: "code", message: "desc", payload: None, internal: 500 };

    async fn body(r: Response) -> Value {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[derive(Serialize)]
    struct Paged {
        data: Vec<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
        version: Option<i32>,
    }

    #[tokio::test]
    async fn maxim_shapes() {
        assert_eq!(
            body(MAXIM.ok_payload(&true)).await.to_string(),
            r#"{"code":200,"message":null,"data":true}"#
        );
        assert_eq!(
            body(MAXIM.ok_payload(&())).await.to_string(),
            r#"{"code":200,"message":null,"data":null}"#
        );
        let p = Paged { data: vec![1], cursor: None, version: Some(3) };
        assert_eq!(
            body(MAXIM.ok_flat(&p)).await.to_string(),
            r#"{"code":200,"message":null,"data":[1],"version":3}"#
        );
        assert_eq!(
            body(MAXIM.error(10002, "bad")).await.to_string(),
            r#"{"code":10002,"message":"bad","data":null}"#
        );
    }

    #[tokio::test]
    async fn flat_fields_override_success_fields_and_non_structs_still_answer() {
        #[derive(Serialize)]
        struct Override {
            message: &'static str,
            data: Option<i64>,
        }
        assert_eq!(
            body(MAXIM.ok_flat(&Override { message: "hi", data: None })).await.to_string(),
            r#"{"code":200,"message":"hi","data":null}"#
        );
        let map: std::collections::BTreeMap<&str, i64> = [("size", 2)].into();
        assert_eq!(body(NETEASE.ok_flat(&map)).await.to_string(), r#"{"code":200,"size":2}"#);
        assert_eq!(
            body(MAXIM.ok_flat(&vec![1])).await.to_string(),
            r#"{"code":200,"message":null,"data":[1]}"#
        );
    }

    #[tokio::test]
    async fn netease_shapes() {
        #[derive(Serialize)]
        struct Reply {
            size: Option<i32>,
            friends: Option<Vec<i32>>,
        }
        assert_eq!(body(NETEASE.ok_flat(&())).await.to_string(), r#"{"code":200}"#);
        assert_eq!(
            body(NETEASE.ok_flat(&Reply { size: Some(0), friends: None })).await.to_string(),
            r#"{"code":200,"size":0}"#
        );
        assert_eq!(body(NETEASE.error(414, "x")).await.to_string(), r#"{"code":414,"desc":"x"}"#);
    }
}
