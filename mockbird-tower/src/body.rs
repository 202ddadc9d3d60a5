//! Reading a request body whole within a limit: the one reader of every
//! server of mocks (the hosted server, [`crate::MockService`], [`crate::MockServer`]).

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

/// Most bytes reserved up front for a body that declares its length (the
/// rest as it arrives: a slow client declaring 10 MiB holds only what it sent).
pub const MAX_PREALLOCATION: usize = 64 * 1024;
/// Most bytes read and discarded after a body went over its limit.
pub const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// Longest time spent discarding the rest of an oversized body.
pub const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Over `limit` bytes (declared or sent). `drained` says whether the rest
    /// was read and discarded, so the connection can carry the next request;
    /// if not, the answer should close it.
    #[error("request body exceeds {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The rest was read and discarded.
        drained: bool,
    },
    /// The caller's `admit` refused a chunk (a memory budget, for example).
    #[error("request body refused")]
    Refused,
    /// The body broke off or could not be read.
    #[error("request body could not be read")]
    Broken,
}

/// Reads `body` whole, at most `limit` bytes. A `declared` length (the
/// `Content-Length`) over the limit fails before anything is read. A body
/// that arrives in one chunk is returned without a copy; for one in several,
/// at most [`MAX_PREALLOCATION`] of the declared length is reserved at once. `admit(n)` is asked
/// before each chunk of `n` bytes is kept and may refuse it. Over the limit,
/// the rest is discarded (at most [`DRAIN_LIMIT`] bytes for [`DRAIN_TIME`]).
pub async fn read_body<B: Body>(
    body: B,
    declared: Option<u64>,
    limit: usize,
    mut admit: impl FnMut(usize) -> bool,
) -> Result<Bytes, BodyError> {
    let mut body = std::pin::pin!(body);
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(body.as_mut(), limit).await);
    }
    let reserve = declared.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    // The first chunk is kept as it came (no copy: most bodies are one chunk);
    // a buffer is made only when a second one arrives.
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    let mut len = 0usize;
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let mut data = match frame.map(http_body::Frame::into_data) {
            Ok(Ok(data)) => data,
            Ok(Err(_trailers)) => continue,
            Err(_) => return Err(BodyError::Broken),
        };
        let n = data.remaining();
        if len + n > limit {
            over = true;
            break;
        }
        if !admit(n) {
            return Err(BodyError::Refused);
        }
        len += n;
        match first.take() {
            None if buf.is_empty() => first = Some(data.copy_to_bytes(n)),
            held => {
                if let Some(held) = held {
                    buf.reserve(reserve.clamp(len, MAX_PREALLOCATION.max(len)));
                    buf.put(held);
                }
                buf.put(data);
            }
        }
    }
    if over {
        // Awaited outside the loop: a frame's error type need not be `Send`.
        return Err(too_large(body.as_mut(), limit).await);
    }
    Ok(match first {
        Some(only) => only,
        None => buf.freeze(),
    })
}

/// Discards what is left of `body` (bounded) and says whether all of it went.
async fn too_large<B: Body>(mut body: std::pin::Pin<&mut B>, limit: usize) -> BodyError {
    let drain = async {
        let mut read = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                read += data.remaining();
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
    BodyError::TooLarge { limit, drained }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    #[tokio::test]
    async fn both_sides_of_the_limit_and_a_refusing_budget() {
        let ten = || Full::new(Bytes::from_static(b"0123456789"));
        assert_eq!(
            read_body(ten(), Some(10), 10, |_| true)
                .await
                .unwrap()
                .len(),
            10
        );
        assert_eq!(
            read_body(ten(), None, 9, |_| true).await,
            Err(BodyError::TooLarge {
                limit: 9,
                drained: true
            })
        );
        assert_eq!(
            read_body(ten(), Some(11), 10, |_| true).await,
            Err(BodyError::TooLarge {
                limit: 10,
                drained: true
            })
        );
        assert_eq!(
            read_body(ten(), None, 10, |_| false).await,
            Err(BodyError::Refused)
        );
        let chunks = http_body_util::StreamBody::new(futures_util::stream::iter(
            ["ab", "", "cde", "f"]
                .map(|c| Ok::<_, std::convert::Infallible>(http_body::Frame::data(Bytes::from(c)))),
        ));
        assert_eq!(
            read_body(chunks, Some(6), 6, |_| true).await.unwrap(),
            Bytes::from_static(b"abcdef")
        );
        let empty = Full::new(Bytes::new());
        assert!(
            read_body(empty, None, 0, |_| false)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
