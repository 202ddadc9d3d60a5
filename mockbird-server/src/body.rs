//! Request body limits, enforced before any handler runs: 2 MiB under `/api`
//! (10 MiB for an imported file), 10 MiB elsewhere (mock serving). A body over the limit gets the JSON 413 —
//! after the rest of it has been read and thrown away (up to [`DRAIN_LIMIT`](mockbird_tower::body::DRAIN_LIMIT)
//! bytes within [`DRAIN_TIME`](mockbird_tower::body::DRAIN_TIME)), so the client, still sending, sees the answer
//! instead of a connection reset, and the connection stays usable.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::Body as _;

use mockbird_tower::body::{BodyError, read_body};

use crate::error::ApiError;

/// Largest `/api` request body (docs/http-api.md: 2 MiB).
pub(crate) const MAX_API_BODY: usize = 2 * 1024 * 1024;

/// Largest request body a mock reads (docs/http-api.md: 10 MiB).
pub(crate) const MAX_MOCK_BODY: usize = 10 * 1024 * 1024;

/// Bytes of request bodies the whole process holds at once (256 MiB);
/// past it, a request whose body does not fit is refused with 503.
pub(crate) const MAX_BUFFERED_BODIES: usize = 256 * 1024 * 1024;

static BUDGET: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(MAX_BUFFERED_BODIES));

/// A read body and its share of [`MAX_BUFFERED_BODIES`], given back on drop:
/// keep it as long as the bytes are in use.
#[derive(Debug)]
pub(crate) struct HeldBody {
    /// The bytes.
    pub(crate) bytes: Bytes,
    _held: Option<tokio::sync::SemaphorePermit<'static>>,
}

/// The limit that applies to a request path routed by the axum router (mock
/// requests never reach it: `serving::serve` reads their bodies itself).
fn limit_for(path: &str) -> usize {
    if path == "/api/projects/import" {
        crate::routes::projects::MAX_IMPORT_BODY
    } else if path == "/api" || path.starts_with("/api/") {
        MAX_API_BODY
    } else {
        MAX_MOCK_BODY
    }
}

/// Middleware: reads the body within its limit (handlers then see it whole),
/// or answers 413.
pub(crate) async fn limit(req: Request, next: Next) -> Response {
    let limit = limit_for(req.uri().path());
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    match read(body, &parts.headers, limit).await {
        Ok(held) => {
            next.run(Request::from_parts(parts, Body::from(held.bytes.clone())))
                .await
        }
        Err(res) => res,
    }
}

/// Reads a whole body of at most `limit` bytes (with the reader every
/// server of mocks shares, [`mockbird_tower::body::read_body`]), counted in
/// the process's body budget as it arrives; over the limit, over the budget,
/// or unreadable, the error answer (413, closing the connection when the rest
/// could not be discarded; 503; or 400).
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<HeldBody, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut held: Option<tokio::sync::SemaphorePermit<'static>> = None;
    let admit = |n: usize| match BUDGET.try_acquire_many(u32::try_from(n).unwrap_or(u32::MAX)) {
        Ok(p) => {
            match &mut held {
                Some(h) => h.merge(p),
                None => held = Some(p),
            }
            true
        }
        Err(_) => false,
    };
    match read_body(body, declared, limit, admit).await {
        Ok(bytes) => Ok(HeldBody { bytes, _held: held }),
        Err(BodyError::TooLarge { limit, drained }) => Err(too_large(limit, drained)),
        Err(BodyError::Refused) => Err(server_busy()),
        Err(BodyError::Broken) => {
            Err(ApiError::bad_request("request body could not be read").into_response())
        }
    }
}

fn server_busy() -> Response {
    let mut res = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVER_BUSY",
        "The server holds too many request bodies right now; retry shortly",
    )
    .into_response();
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

/// 413; when the rest of the body could not be discarded, the connection is
/// closed after the answer.
fn too_large(limit: usize, drained: bool) -> Response {
    let mut res = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("Request body exceeds {} MiB", limit / (1024 * 1024)),
    )
    .into_response();
    if !drained {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_get_the_smaller_limit() {
        assert_eq!(limit_for("/api/projects"), MAX_API_BODY);
        assert_eq!(limit_for("/api"), MAX_API_BODY);
        assert_eq!(limit_for("/apiary"), MAX_MOCK_BODY);
        assert_eq!(limit_for("/m/shop/api/x"), MAX_MOCK_BODY);
    }
}
