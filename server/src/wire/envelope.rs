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
    /// A successful answer's fields as a JSON object (`{"code":200,"message":null}`).
    pub success: &'static str,
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
    fn success_fields(&self) -> Map<String, Value> {
        match serde_json::from_str(self.success) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// The success envelope with `value` under the payload field (or
    /// flattened when the dialect has none).
    pub fn ok_payload<T: Serialize>(&self, value: &T) -> Response {
        let Some(payload) = self.payload else { return self.ok_flat(value) };
        match serde_json::to_value(value) {
            Ok(v) => {
                let mut m = self.success_fields();
                m.insert(payload.to_string(), v);
                json(Value::Object(m))
            }
            Err(e) => self.error(self.internal, &format!("the result could not be written: {e}")),
        }
    }

    /// The success envelope with the fields of `value` (an object; `()` adds
    /// none) next to the success fields; `None` fields are left out.
    pub fn ok_flat<T: Serialize>(&self, value: &T) -> Response {
        let mut m = self.success_fields();
        match serde_json::to_value(value) {
            Ok(Value::Object(fields)) => {
                for (k, v) in fields {
                    if !v.is_null() || self.payload == Some(k.as_str()) {
                        m.insert(k, v);
                    }
                }
            }
            Ok(Value::Null) => {
                if let Some(p) = self.payload {
                    m.insert(p.to_string(), Value::Null);
                }
            }
            Ok(other) => match self.payload {
                Some(p) => {
                    m.insert(p.to_string(), other);
                }
                None => return self.error(self.internal, "the result is not an object"),
            },
            Err(e) => return self.error(self.internal, &format!("the result could not be written: {e}")),
        }
        json(Value::Object(m))
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

/// HTTP 200 with a JSON body.
pub fn json(v: Value) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAXIM: Envelope = Envelope {
        success: r#"{"code":200,"message":null}"#,
        code: "code",
        message: "message",
        payload: Some("data"),
        internal: 20000,
    };
    const NETEASE: Envelope =
        Envelope { success: r#"{"code":200}"#, code: "code", message: "desc", payload: None, internal: 500 };

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
