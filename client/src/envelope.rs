//! Reading a dialect's envelope: a non-success code is [`ClientError::Api`].

use crate::error::ClientError;
use crate::transport::{Binary, Reply};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One dialect's envelope, as the generated client declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// The field carrying the code.
    pub code: &'static str,
    /// The success code.
    pub success: i64,
    /// The field carrying an error's text.
    pub message: &'static str,
    /// The field carrying the result, if the dialect has one.
    pub payload: Option<&'static str>,
}

impl Envelope {
    /// The answer's fields, once its code says success.
    pub fn check(&self, reply: &Reply) -> Result<Map<String, Value>, ClientError> {
        let v: Value = serde_json::from_slice(&reply.bytes).map_err(|e| {
            ClientError::Decode(format!(
                "HTTP {} answered {:?}, not a JSON envelope: {e}",
                reply.status,
                String::from_utf8_lossy(&reply.bytes).chars().take(200).collect::<String>()
            ))
        })?;
        let Value::Object(m) = v else {
            return Err(ClientError::Decode(format!("the answer is not a JSON object: {v}")));
        };
        let code = m
            .get(self.code)
            .and_then(Value::as_i64)
            .ok_or_else(|| ClientError::Decode(format!("the answer has no integer `{}`", self.code)))?;
        if code != self.success {
            let message = m.get(self.message).and_then(Value::as_str).unwrap_or("").to_string();
            return Err(ClientError::Api { code: code as i32, message });
        }
        Ok(m)
    }

    /// The payload field as `T` (absent: `null`).
    pub fn payload<T: DeserializeOwned>(&self, reply: &Reply) -> Result<T, ClientError> {
        let mut m = self.check(reply)?;
        let v = self.payload.and_then(|p| m.remove(p)).unwrap_or(Value::Null);
        serde_json::from_value(v).map_err(|e| ClientError::Decode(format!("the result does not fit: {e}")))
    }

    /// The whole answer as `T` (the envelope's own fields are ignored).
    pub fn flat<T: DeserializeOwned>(&self, reply: &Reply) -> Result<T, ClientError> {
        let m = self.check(reply)?;
        serde_json::from_value(Value::Object(m))
            .map_err(|e| ClientError::Decode(format!("the answer does not fit: {e}")))
    }

    /// Success and nothing else.
    pub fn unit(&self, reply: &Reply) -> Result<(), ClientError> {
        self.check(reply).map(|_| ())
    }

    /// A protobuf message; a JSON answer is an error envelope.
    pub fn protobuf<M: prost::Message + Default>(&self, reply: &Reply) -> Result<M, ClientError> {
        if reply.is_json() {
            self.check(reply)?;
            return Err(ClientError::Decode("expected a protobuf answer, got JSON".into()));
        }
        M::decode(reply.bytes.as_slice())
            .map_err(|e| ClientError::Decode(format!("the answer is not the expected protobuf message: {e}")))
    }

    /// Raw bytes; a JSON answer with an error code is an error.
    pub fn binary(&self, reply: Reply) -> Result<Binary, ClientError> {
        if reply.is_json()
            && let Err(e @ ClientError::Api { .. }) = self.check(&reply)
        {
            return Err(e);
        }
        Ok(Binary { content_type: reply.content_type, bytes: reply.bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAXIM: Envelope =
        Envelope { code: "code", success: 200, message: "message", payload: Some("data") };

    fn reply(body: &str) -> Reply {
        Reply { status: 200, content_type: "application/json".into(), bytes: body.as_bytes().to_vec() }
    }

    #[test]
    fn success_and_errors() {
        assert!(MAXIM.payload::<bool>(&reply(r#"{"code":200,"message":null,"data":true}"#)).unwrap());
        MAXIM.unit(&reply(r#"{"code":200,"message":null,"data":null}"#)).unwrap();
        match MAXIM.payload::<bool>(&reply(r#"{"code":402,"message":"expired","data":null}"#)) {
            Err(ClientError::Api { code, message }) => assert_eq!((code, message.as_str()), (402, "expired")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(MAXIM.unit(&reply("not json")), Err(ClientError::Decode(_))));
    }
}
