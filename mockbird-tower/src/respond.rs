//! Turning requests into [`MockRequest`]s and [`Outcome`]s into HTTP responses.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use mockbird_core::engine::Outcome;
use mockbird_core::request::MockRequest;

use crate::body::{BodyError, read_body};

/// Largest request body a served mock reads, in bytes (10 MiB).
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// A JSON error response `{"error": code, "message": message}`.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"error": code, "message": message}).to_string();
    json_response(status, body)
}

fn json_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Reads a request's body (up to [`MAX_REQUEST_BODY`], with [`read_body`]) into
/// a [`MockRequest`]; `Err` is the response to send instead (413, closing the
/// connection when the rest could not be discarded; 400 for a broken body).
pub(crate) async fn read_request<B>(req: Request<B>) -> Result<MockRequest, Response<Full<Bytes>>>
where
    B: http_body::Body,
{
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = match read_body(body, declared, MAX_REQUEST_BODY, |_| true).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge { drained, .. }) => {
            let mut res = json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "Request body exceeds 10 MiB",
            );
            if !drained {
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return Err(res);
        }
        Err(BodyError::Refused | BodyError::Broken) => {
            return Err(json_error(
                StatusCode::BAD_REQUEST,
                "VALIDATION_FAILED",
                "Request body could not be read",
            ));
        }
    };
    Ok(MockRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    })
}

/// The HTTP response for an outcome, after the mock's delay.
pub(crate) async fn respond(outcome: Outcome) -> Response<Full<Bytes>> {
    let (delay, res) = outcome.into_response();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    res.map(Full::new)
}
