//! Request body limits, enforced before any handler runs: 2 MiB under `/api`,
//! 10 MiB elsewhere (mock serving). A body over the limit gets the JSON 413 —
//! after the rest of it has been read and thrown away (up to [`DRAIN_LIMIT`]
//! bytes within [`DRAIN_TIME`]), so the client, still sending, sees the answer
//! instead of a connection reset, and the connection stays usable.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::Body as _;
use http_body_util::BodyExt;

use crate::error::ApiError;

/// Largest `/api` request body (docs/http-api.md: 2 MiB).
pub(crate) const MAX_API_BODY: usize = 2 * 1024 * 1024;

/// Largest request body a mock reads (docs/http-api.md: 10 MiB).
pub(crate) const MAX_MOCK_BODY: usize = 10 * 1024 * 1024;

/// Bytes of request bodies the whole process holds at once (256 MiB);
/// past it, a request whose body does not fit is refused with 503.
pub(crate) const MAX_BUFFERED_BODIES: usize = 256 * 1024 * 1024;

/// Most bytes reserved up front for a body that declares its length (the
/// rest is reserved as it arrives, so a slow client declaring 10 MiB holds
/// only what it sent).
const MAX_PREALLOCATION: usize = 64 * 1024;

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

/// Most bytes read and discarded after a body went over its limit.
pub(crate) const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// Longest time spent discarding the rest of an oversized body.
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(5);

/// The limit that applies to a request path routed by the axum router (mock
/// requests never reach it: `serving::serve` reads their bodies itself).
fn limit_for(path: &str) -> usize {
    if path == "/api" || path.starts_with("/api/") {
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

/// Reads a whole body of at most `limit` bytes, counted in the process's
/// body budget as it arrives; over the limit, over the budget, or
/// unreadable, the error answer (413 after draining, 503, or 400).
pub(crate) async fn read(
    mut body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<HeldBody, Response> {
    if body.is_end_stream() {
        return Ok(HeldBody {
            bytes: Bytes::new(),
            _held: None,
        });
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(body, limit).await);
    }
    let mut buf =
        BytesMut::with_capacity(declared.map_or(0, |n| n as usize).min(MAX_PREALLOCATION));
    let mut held: Option<tokio::sync::SemaphorePermit<'static>> = None;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::bad_request("request body could not be read").into_response());
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(too_large(body, limit).await);
            }
            let n = u32::try_from(data.len()).unwrap_or(u32::MAX);
            match BUDGET.try_acquire_many(n) {
                Ok(p) => match &mut held {
                    Some(h) => h.merge(p),
                    None => held = Some(p),
                },
                Err(_) => return Err(server_busy()),
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(HeldBody {
        bytes: buf.freeze(),
        _held: held,
    })
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

/// Discards what is left of `body` (bounded), then answers 413; when the body
/// could not be drained the connection is closed after the answer.
async fn too_large(mut body: Body, limit: usize) -> Response {
    let drain = async {
        let mut read = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                read += data.len();
                if read > DRAIN_LIMIT {
                    return false;
                }
            }
        }
        true
    };
    let drained = tokio::time::timeout(DRAIN_TIME, drain)
        .await
        .unwrap_or(false);
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
