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
pub(crate) struct ApiJson<T>(pub T);

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
        json_body(&bytes).map(ApiJson)
    }
}

/// A JSON body read by [`ApiJson`]'s rules (no NUL, unknown fields named),
/// for handlers that take the bytes themselves.
pub(crate) fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(bytes) {
        return Err(ApiError::bad_request(
            "invalid JSON body: text may not contain the NUL character (\\u0000)",
        ));
    }
    parse_body(bytes)
}

/// Fields of a resource's own representation that a client may send back
/// (GET, edit, PUT): accepted at the top level of any body and ignored.
pub(crate) const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "orgId",
    "projectId",
    "mockId",
    "createdAt",
    "updatedAt",
    "mockCount",
    "baseUrl",
    "url",
    "plan",
    "slug",
];

/// A field's path as the API names it: `conditions.0.vaule`.
fn field_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    let (parent, own) = match path {
        Path::Root => return String::new(),
        Path::Map { parent, key } => (parent, key.clone()),
        Path::Seq { parent, index } => (parent, index.to_string()),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => return field_path(parent),
    };
    let before = field_path(parent);
    if before.is_empty() {
        own
    } else {
        format!("{before}.{own}")
    }
}

/// Reads a JSON body as `T`. A field `T` does not know is a 400 naming it
/// (a typo must not be dropped in silence), except the top-level
/// [`READ_ONLY_FIELDS`].
fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_ignored::deserialize(&mut de, |path| {
        let path = field_path(&path);
        if !READ_ONLY_FIELDS.contains(&path.as_str()) {
            unknown.push(path);
        }
    })
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    if unknown.is_empty() {
        return Ok(value);
    }
    let mut err = ApiError::bad_request(format!("{}: is not a known field", unknown[0]));
    err.errors.extend(
        unknown[1..]
            .iter()
            .map(|f| format!("{f}: is not a known field")),
    );
    Err(err)
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

/// A JSON body that may be left out entirely: no body, or `null`, is `T::default()`.
#[derive(Debug)]
pub(crate) struct OptionalJson<T>(pub T);

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
        ApiJson::<Option<T>>::from_request(req, state)
            .await
            .map(|ApiJson(v)| OptionalJson(v.unwrap_or_default()))
    }
}

/// An id from the path; a malformed one answers like a missing resource.
pub(crate) fn parse_id(raw: &str, not_found: fn() -> ApiError) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| not_found())
}

/// The client's IP (see [`crate::serving::client_ip`]) as an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::serving::client_ip(&parts.extensions)))
    }
}
