//! Turning a served request into a [`RequestLog`]: credentials redacted, the
//! body cut at [`MAX_LOGGED_BODY`], the path percent-decoded.

use std::collections::BTreeMap;
use std::net::IpAddr;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, header};
use mockbird_core::model::RequestLog;
use uuid::Uuid;

/// Most request-body bytes kept in a log entry (docs/http-api.md: 64 KiB).
pub(crate) const MAX_LOGGED_BODY: usize = 64 * 1024;

/// Most bytes of request headers (names and values) kept in a log entry;
/// past it the rest are left out and [`TRUNCATED_HEADERS_KEY`] says so.
pub(crate) const MAX_LOGGED_HEADER_BYTES: usize = 8 * 1024;
/// The key a log entry's headers get when some were left out.
pub(crate) const TRUNCATED_HEADERS_KEY: &str = "x-mockbird-headers-truncated";

/// Headers whose values are never stored.
const REDACTED: [&str; 6] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "x-auth-token",
    "x-mockbird-outbox-token",
];

/// What an entry holds in the log queue's byte budget: its body and headers.
pub(crate) fn held_bytes(e: &RequestLog) -> usize {
    e.request_body.as_ref().map_or(0, String::len)
        + e.request_headers
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

/// Bytes as text: valid UTF-8 (nearly every header) copied as is in one
/// validation pass, anything else decoded with replacement characters.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// An address as text, IPv4 written digit by digit (the formatting machinery
/// behind `to_string` showed in profiles at one address per request).
fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let mut out = String::with_capacity(15);
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    out.push(char::from(b'0' + octet / 10 % 10));
                }
                out.push(char::from(b'0' + octet % 10));
            }
            out
        }
        IpAddr::V6(_) => ip.to_string(),
    }
}

/// What is known of a request before it is answered.
#[derive(Debug)]
pub(crate) struct EntryBuilder {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    body: Option<String>,
    truncated: bool,
    ip: Option<IpAddr>,
    user_agent: Option<String>,
    at: DateTime<Utc>,
}

impl EntryBuilder {
    /// Captures the request that arrived `at`: `path` is the mock path (after `/m/{slug}`).
    pub(crate) fn new(
        method: &Method,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &Bytes,
        ip: Option<IpAddr>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut logged = BTreeMap::new();
        let mut kept = 0usize;
        for (name, value) in headers {
            let key = name.as_str();
            kept += key.len() + value.len();
            if kept > MAX_LOGGED_HEADER_BYTES {
                logged.insert(
                    TRUNCATED_HEADERS_KEY.to_owned(),
                    format!("headers past {MAX_LOGGED_HEADER_BYTES} bytes were not logged"),
                );
                break;
            }
            let value = if REDACTED.contains(&key) {
                "[redacted]".to_owned()
            } else {
                text(value.as_bytes())
            };
            logged
                .entry(key.to_owned())
                .and_modify(|v: &mut String| {
                    if v != "[redacted]" {
                        v.push_str(", ");
                        v.push_str(&value);
                    }
                })
                .or_insert(value);
        }
        let mut query_map = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            query_map.entry(k.into_owned()).or_insert(v.into_owned());
        }
        let truncated = body.len() > MAX_LOGGED_BODY;
        let kept = &body[..body.len().min(MAX_LOGGED_BODY)];
        let body = (!kept.is_empty()).then(|| String::from_utf8_lossy(kept).into_owned());
        EntryBuilder {
            method: method.as_str().to_owned(),
            path: percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .into_owned(),
            headers: logged,
            query: query_map,
            body,
            truncated,
            ip,
            user_agent: headers.get(header::USER_AGENT).map(|v| text(v.as_bytes())),
            at,
        }
    }

    /// The entry, once the answer is known.
    pub(crate) fn finish(
        self,
        project_id: Uuid,
        mock_id: Option<Uuid>,
        response_id: Option<Uuid>,
        status: u16,
        response_time_ms: u32,
    ) -> RequestLog {
        RequestLog {
            // Time-ordered ids: new rows land at the end of the primary-key
            // index instead of at random pages (4–5× faster inserts on SQLite).
            id: mockbird_core::token::uuid_v7(),
            mock_id,
            project_id,
            request_method: self.method,
            request_path: self.path,
            request_headers: self.headers,
            request_query: self.query,
            request_body: self.body,
            request_body_truncated: self.truncated,
            response_id,
            response_status: status,
            response_time_ms,
            ip_address: self.ip.map(ip_text),
            user_agent: self.user_agent,
            created_at: self.at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn addresses_and_header_text() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.100.255",
            "9.99.199.200",
            "::1",
            "fe80::1",
        ] {
            let addr: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(addr), ip);
        }
        assert_eq!(text(b"curl/8.5"), "curl/8.5");
        assert_eq!(text("é".as_bytes()), "é");
        assert_eq!(text(&[b'a', 0xff]), "a\u{fffd}");
    }

    #[test]
    fn credentials_are_redacted_body_cut_and_path_decoded() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        h.insert(header::COOKIE, HeaderValue::from_static("sid=1"));
        h.insert("x-api-key", HeaderValue::from_static("mk_abc"));
        h.insert(header::USER_AGENT, HeaderValue::from_static("curl/8"));
        let body = Bytes::from(vec![b'a'; MAX_LOGGED_BODY + 10]);
        let e = EntryBuilder::new(
            &Method::POST,
            "/a%20b/c%2Fd",
            Some("q=1&q=2&x=%C3%A9"),
            &h,
            &body,
            Some("127.0.0.1".parse().unwrap()),
            Utc::now(),
        )
        .finish(Uuid::nil(), None, None, 404, 3);
        assert_eq!(e.request_headers["authorization"], "[redacted]");
        assert_eq!(e.request_headers["cookie"], "[redacted]");
        assert_eq!(e.request_headers["x-api-key"], "[redacted]");
        assert_eq!(e.user_agent.as_deref(), Some("curl/8"));
        assert_eq!(e.request_path, "/a b/c/d");
        assert_eq!(e.request_query["q"], "1");
        assert_eq!(e.request_query["x"], "é");
        assert!(e.request_body_truncated);
        assert_eq!(e.request_body.unwrap().len(), MAX_LOGGED_BODY);
        assert_eq!(e.ip_address.as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn header_bytes_are_capped_on_both_sides_of_the_limit() {
        let entry =
            |value_len: usize| {
                let mut h = HeaderMap::new();
                h.insert(
                    "x-a",
                    HeaderValue::from_str(&"v".repeat(value_len)).unwrap(),
                );
                h.insert(
                    header::PROXY_AUTHORIZATION,
                    HeaderValue::from_static("Basic x"),
                );
                EntryBuilder::new(&Method::GET, "/", None, &h, &Bytes::new(), None, Utc::now())
                    .finish(Uuid::nil(), None, None, 200, 1)
            };
        // "x-a" + value + "proxy-authorization" + "Basic x" = the limit exactly.
        let fits = MAX_LOGGED_HEADER_BYTES - 3 - 19 - 7;
        let e = entry(fits);
        assert_eq!(e.request_headers["proxy-authorization"], "[redacted]");
        assert!(!e.request_headers.contains_key(TRUNCATED_HEADERS_KEY));
        let e = entry(fits + 1);
        assert!(e.request_headers.contains_key(TRUNCATED_HEADERS_KEY));
        assert!(held_bytes(&entry(300_000)) < 2 * MAX_LOGGED_HEADER_BYTES);
    }
}
