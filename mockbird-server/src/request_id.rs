//! `X-Request-Id`: a client's own id is honoured when it is sane (1–128
//! visible ASCII characters), otherwise one is made (a UUIDv7). The id is
//! echoed on the response and, for `/api` requests, carried by the span every
//! log line of the request is written in (with method and path).

use http::{HeaderMap, HeaderName, HeaderValue};

/// The header.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client-sent id honoured.
pub(crate) const MAX_REQUEST_ID_CHARS: usize = 128;

/// The request's id: the client's when sane, else a new one.
pub(crate) fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(&REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty()
                && b.len() <= MAX_REQUEST_ID_CHARS
                && b.iter().all(|c| c.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            let mut buf = uuid::Uuid::encode_buffer();
            let id = mockbird_core::token::uuid_v7()
                .hyphenated()
                .encode_lower(&mut buf);
            HeaderValue::from_str(id).expect("a UUID is a header value")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(v: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID, HeaderValue::from_bytes(v).unwrap());
        h
    }

    #[test]
    fn sane_ids_are_kept_and_others_replaced() {
        assert_eq!(request_id(&with(b"abc-123")), "abc-123");
        let at = "x".repeat(MAX_REQUEST_ID_CHARS);
        assert_eq!(request_id(&with(at.as_bytes())), at.as_str());
        for bad in [
            &b"a b"[..],
            b"\t",
            &[b'y'; MAX_REQUEST_ID_CHARS + 1][..],
            b"caf\xc3\xa9",
        ] {
            let made = request_id(&with(bad));
            assert_eq!(made.len(), 36, "{made:?}");
            assert_ne!(made.as_bytes(), bad);
        }
        assert_eq!(request_id(&HeaderMap::new()).len(), 36);
    }
}
