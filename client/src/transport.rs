//! Sending one call: credentials and signing headers, the query string,
//! and a JSON, form or protobuf body.

use crate::error::ClientError;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Headers computed afresh for every request (NetEase's CheckSum).
pub type Signer = Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>;

/// Raw bytes answered by a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The HTTP side shared by the generated clients.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base_url: String,
    headers: Vec<(String, String)>,
    signer: Option<Signer>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("headers", &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

impl Transport {
    pub fn new(base_url: impl Into<String>) -> Self {
        Transport {
            http: reqwest::Client::new(),
            base_url: base_url.into().trim_end_matches('/').to_string(),
            headers: Vec::new(),
            signer: None,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Use this `reqwest` client (timeouts, proxies, TLS).
    pub fn set_http(&mut self, http: reqwest::Client) {
        self.http = http;
    }

    /// A header sent on every request (`None` removes it).
    pub fn set_header(&mut self, name: &str, value: Option<String>) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        if let Some(v) = value {
            self.headers.push((name.to_string(), v));
        }
    }

    pub fn set_signer(&mut self, signer: Option<Signer>) {
        self.signer = signer;
    }

    pub async fn send(&self, call: Call) -> Result<Reply, ClientError> {
        let url = format!("{}{}", self.base_url, call.path);
        let mut req = self.http.request(call.method, url);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(s) = &self.signer {
            for (k, v) in s() {
                req = req.header(k, v);
            }
        }
        for (k, v) in &call.headers {
            req = req.header(*k, v.as_str());
        }
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        req = match call.body {
            CallBody::None => req,
            CallBody::Json(v) => {
                req.header(reqwest::header::CONTENT_TYPE, "application/json").body(v.to_string())
            }
            CallBody::Form(pairs) => req.form(&pairs),
            CallBody::Protobuf(bytes) => {
                req.header(reqwest::header::CONTENT_TYPE, "application/x-protobuf").body(bytes)
            }
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp.bytes().await?.to_vec();
        Ok(Reply { status, content_type, bytes })
    }
}

/// What a call sends.
#[derive(Debug, Clone, PartialEq)]
pub enum CallBody {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Protobuf(Vec<u8>),
}

/// One request being built by a generated method.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: reqwest::Method,
    pub path: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub query: Vec<(String, String)>,
    pub body: CallBody,
}

fn to_object<I: Serialize>(input: &I) -> Result<Map<String, Value>, ClientError> {
    match serde_json::to_value(input)
        .map_err(|e| ClientError::Decode(format!("the input could not be written: {e}")))?
    {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(ClientError::Decode(format!("the input is not an object: {other}"))),
    }
}

/// A value as query-string or form text: strings as they are, lists
/// comma-separated, objects as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            a.iter().map(text).collect::<Vec<_>>().join(",")
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Call {
    pub fn new(method: reqwest::Method, path: &'static str) -> Self {
        Call { method, path, headers: Vec::new(), query: Vec::new(), body: CallBody::None }
    }

    pub fn header(&mut self, name: &'static str, value: impl ToString) {
        self.headers.push((name, value.to_string()));
    }

    /// Every field into the query string.
    pub fn query_input<I: Serialize>(&mut self, input: &I) -> Result<(), ClientError> {
        for (k, v) in to_object(input)? {
            if !v.is_null() {
                self.query.push((k, text(&v)));
            }
        }
        Ok(())
    }

    /// Fields named in `query` into the query string, the others into a
    /// JSON object body (sent when `body` is true, `{}` if empty).
    pub fn json_input<I: Serialize>(
        &mut self,
        input: &I,
        query: &[&str],
        body: bool,
    ) -> Result<(), ClientError> {
        let mut rest = Map::new();
        for (k, v) in to_object(input)? {
            if v.is_null() {
                continue;
            }
            if query.contains(&k.as_str()) {
                self.query.push((k, text(&v)));
            } else {
                rest.insert(k, v);
            }
        }
        if body {
            self.body = CallBody::Json(Value::Object(rest));
        }
        Ok(())
    }

    /// Fields named in `query` into the query string, the others into a
    /// form body.
    pub fn form_input<I: Serialize>(&mut self, input: &I, query: &[&str]) -> Result<(), ClientError> {
        let mut form = Vec::new();
        for (k, v) in to_object(input)? {
            if v.is_null() {
                continue;
            }
            if query.contains(&k.as_str()) {
                self.query.push((k, text(&v)));
            } else {
                form.push((k, text(&v)));
            }
        }
        self.body = CallBody::Form(form);
        Ok(())
    }

    /// The whole input as the JSON body (an array body).
    pub fn json_body<I: Serialize>(&mut self, input: &I) -> Result<(), ClientError> {
        self.body = CallBody::Json(
            serde_json::to_value(input)
                .map_err(|e| ClientError::Decode(format!("the input could not be written: {e}")))?,
        );
        Ok(())
    }

    pub fn protobuf<M: prost::Message>(&mut self, message: &M) {
        self.body = CallBody::Protobuf(message.encode_to_vec());
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn is_json(&self) -> bool {
        self.content_type.contains("json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_split_into_query_and_body() {
        let mut c = Call::new(reqwest::Method::POST, "/x");
        c.json_input(&json!({"user_id": 7, "alias": "", "list": [1, 2], "none": null}), &["user_id"], true)
            .unwrap();
        assert_eq!(c.query, vec![("user_id".to_string(), "7".to_string())]);
        assert_eq!(c.body, CallBody::Json(json!({"alias": "", "list": [1, 2]})));
        let mut c = Call::new(reqwest::Method::GET, "/x");
        c.query_input(&json!({"ids": [1, 2], "cursor": "a"})).unwrap();
        assert_eq!(
            c.query,
            vec![("ids".to_string(), "1,2".to_string()), ("cursor".to_string(), "a".to_string())]
        );
        let mut c = Call::new(reqwest::Method::POST, "/x");
        c.form_input(&json!({"accid": "a", "type": 1, "flag": true}), &[]).unwrap();
        assert_eq!(
            c.body,
            CallBody::Form(vec![
                ("accid".into(), "a".into()),
                ("type".into(), "1".into()),
                ("flag".into(), "true".into())
            ])
        );
        let mut c = Call::new(reqwest::Method::POST, "/x");
        c.json_input(&(), &[], true).unwrap();
        assert_eq!(c.body, CallBody::Json(json!({})));
    }
}
