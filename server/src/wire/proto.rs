//! Protobuf request bodies and replies (`application/x-protobuf`).

use super::params::read_body;
use super::rejection::Rejection;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The media type of protobuf bodies.
pub const CONTENT_TYPE: &str = "application/x-protobuf";

/// Decodes a body as message `M`; an empty body is the default message.
pub async fn decode<M: prost::Message + Default>(body: Body) -> Result<M, Rejection> {
    let bytes = read_body(body).await?;
    decode_bytes(&bytes)
}

pub fn decode_bytes<M: prost::Message + Default>(bytes: &[u8]) -> Result<M, Rejection> {
    M::decode(bytes)
        .map_err(|e| Rejection::invalid(format!("the request body is not a valid protobuf message: {e}")))
}

/// HTTP 200 with the encoded message.
pub fn reply<M: prost::Message>(message: &M) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], message.encode_to_vec()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Send {
        #[prost(string, tag = "2")]
        number: String,
    }

    #[tokio::test]
    async fn round_trip_and_rejection() {
        let m = Send { number: "123".into() };
        let got: Send = decode(Body::from(m.encode_to_vec())).await.unwrap();
        assert_eq!(got, m);
        let empty: Send = decode(Body::empty()).await.unwrap();
        assert_eq!(empty, Send::default());
        let e = decode::<Send>(Body::from(vec![0x12, 0x05, b'a'])).await.unwrap_err();
        assert!(e.message.contains("protobuf"));
        let r = reply(&m);
        assert_eq!(r.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
    }
}
