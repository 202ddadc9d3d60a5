//! Request extractors whose failures are API errors in the contract's shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http::{StatusCode, header};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::ApiError;

/// A JSON body: anything but `application/json` → 400, malformed or mistyped
/// JSON → 400 naming the problem, over the body limit → 413.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json")
                    || v.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::bad_request(
                "body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    "Request body exceeds 2 MiB",
                )
            } else {
                ApiError::bad_request("request body could not be read")
            }
        })?;
        if has_nul_escape(&bytes) {
            return Err(ApiError::bad_request(
                "invalid JSON body: text may not contain the NUL character (\\u0000)",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// Whether a JSON text holds `\u0000` — the only way a NUL gets into one —
/// which no store keeps alike (PostgreSQL text refuses it): refused on every
/// store, for every field.
fn has_nul_escape(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(i, w)| {
        w == b"\\u0000" && json[..i].iter().rev().take_while(|c| **c == b'\\').count() % 2 == 0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn nul_escapes_are_found_but_escaped_backslashes_are_not() {
        assert!(super::has_nul_escape(br#"{"name":"a\u0000b"}"#));
        assert!(super::has_nul_escape(br#"{"name":"\\\u0000"}"#));
        assert!(!super::has_nul_escape(br#"{"name":"\\u0000"}"#));
        assert!(!super::has_nul_escape(br#"{"name":"u0000"}"#));
    }
}

/// A JSON body that may be left out entirely (no body: `T::default()`).
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        ApiJson::from_request(req, state)
            .await
            .map(|ApiJson(v)| OptionalJson(v))
    }
}

/// An id from the path; a malformed one answers like a missing resource.
pub fn parse_id(raw: &str, not_found: fn() -> ApiError) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| not_found())
}

/// The client's IP (see [`crate::serving::client_ip`]) as an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::serving::client_ip(&parts.extensions)))
    }
}
