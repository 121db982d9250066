//! Header parameters (act-as `user_id`, `group_id`) and raw credential
//! headers.

use super::params::{Kind, coerce};
use super::rejection::Rejection;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A header's value as text; absent, empty or not UTF-8 is `None`.
pub fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An optional header parameter of the given kind; a value that does not
/// fit is rejected naming the header.
pub fn header<T: DeserializeOwned>(
    headers: &HeaderMap,
    name: &str,
    kind: Kind,
) -> Result<Option<T>, Rejection> {
    let raw = match headers.get(name) {
        None => return Ok(None),
        Some(v) => v
            .to_str()
            .map_err(|_| Rejection::invalid(format!("header `{name}` is not valid text")))?
            .trim()
            .to_string(),
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let v = coerce(Value::String(raw), kind)
        .map_err(|want| Rejection::invalid(format!("header `{name}` must be {want}")))?;
    serde_json::from_value(v).map(Some).map_err(|e| Rejection::invalid(format!("header `{name}`: {e}")))
}

/// A required header parameter.
pub fn required_header<T: DeserializeOwned>(
    headers: &HeaderMap,
    name: &str,
    kind: Kind,
) -> Result<T, Rejection> {
    header(headers, name, kind)?
        .ok_or_else(|| Rejection::invalid(format!("missing required header `{name}`")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn integer_headers() {
        let h = map(&[("user_id", "42"), ("group_id", "x"), ("empty", "")]);
        assert_eq!(header::<i64>(&h, "user_id", Kind::I64).unwrap(), Some(42));
        assert_eq!(header::<i64>(&h, "missing", Kind::I64).unwrap(), None);
        assert_eq!(header::<i64>(&h, "empty", Kind::I64).unwrap(), None);
        let e = header::<i64>(&h, "group_id", Kind::I64).unwrap_err();
        assert!(e.message.contains("`group_id`"), "{}", e.message);
        assert!(required_header::<i64>(&h, "missing", Kind::I64).unwrap_err().message.contains("`missing`"));
    }

    #[test]
    fn credentials_are_raw_text() {
        let h = map(&[("app_id", " app "), ("access-token", "")]);
        assert_eq!(header_string(&h, "app_id").as_deref(), Some("app"));
        assert_eq!(header_string(&h, "access-token"), None);
    }
}
