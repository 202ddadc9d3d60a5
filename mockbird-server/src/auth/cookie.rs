//! The dashboard's session: a request carrying `X-Mockbird-Session: cookie`
//! gets its refresh token in an HttpOnly, `SameSite=Strict` cookie scoped to
//! `/api/auth` instead of the JSON body, and refresh reads it from there, so
//! no page script ever sees it. Without the header, nothing changes: tokens
//! travel in the JSON bodies. The custom header also means a cross-site form
//! cannot ask for a cookie refresh (it forces a CORS preflight).

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, header};

use super::session::{REFRESH_TTL_DAYS, SessionTokens};

/// The header that asks for the cookie session, and its one value.
pub(crate) const SESSION_HEADER: &str = "x-mockbird-session";
const COOKIE_MODE: &str = "cookie";
/// The cookie holding the dashboard's refresh token.
pub(crate) const REFRESH_COOKIE: &str = "mockbird_refresh";
const COOKIE_PATH: &str = "/api/auth";

/// How a request wants its session delivered, and the refresh token its
/// cookie presents (read only in cookie mode).
#[derive(Debug, Default)]
pub(crate) struct SessionMode {
    cookie: bool,
    presented: Option<String>,
    secure: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for SessionMode {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers))
    }
}

impl SessionMode {
    /// The mode `headers` ask for.
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let cookie = headers
            .get(SESSION_HEADER)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(COOKIE_MODE.as_bytes()));
        if !cookie {
            return Self::default();
        }
        let presented = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == REFRESH_COOKIE)
            .map(|c| c.value().to_owned());
        let secure = headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        Self {
            cookie,
            presented,
            secure,
        }
    }

    /// The refresh token the cookie presents, in cookie mode.
    pub(crate) fn presented(&self) -> Option<&str> {
        self.presented.as_deref()
    }

    /// Hands `tokens` out: unchanged without cookie mode; in cookie mode the
    /// refresh token moves from the body into a `Set-Cookie` header.
    pub(crate) fn deliver(&self, mut tokens: SessionTokens) -> (HeaderMap, SessionTokens) {
        let mut headers = HeaderMap::new();
        if self.cookie
            && let Some(refresh) = tokens.refresh_token.take()
        {
            let max_age = cookie::time::Duration::days(REFRESH_TTL_DAYS);
            headers.insert(header::SET_COOKIE, self.cookie_header(refresh, max_age));
        }
        (headers, tokens)
    }

    /// A `Set-Cookie` that removes the refresh cookie (logout).
    pub(crate) fn clear(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::SET_COOKIE,
            self.cookie_header(String::new(), cookie::time::Duration::ZERO),
        );
        headers
    }

    fn cookie_header(&self, value: String, max_age: cookie::time::Duration) -> HeaderValue {
        let cookie = cookie::Cookie::build((REFRESH_COOKIE, value))
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .path(COOKIE_PATH)
            .secure(self.secure)
            .max_age(max_age)
            .build();
        HeaderValue::try_from(cookie.to_string()).expect("a token cookie is a valid header value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> SessionTokens {
        SessionTokens {
            access_token: "a".into(),
            refresh_token: Some("rt_1".into()),
            expires_in: 900,
        }
    }

    #[test]
    fn without_the_header_tokens_stay_in_the_body_and_cookies_are_not_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("mockbird_refresh=rt_x"),
        );
        let mode = SessionMode::of(&h);
        assert_eq!(mode.presented(), None);
        let (set, t) = mode.deliver(tokens());
        assert!(set.is_empty());
        assert_eq!(t.refresh_token.as_deref(), Some("rt_1"));
    }

    #[test]
    fn cookie_mode_moves_the_refresh_token_into_a_strict_http_only_cookie() {
        let mut h = HeaderMap::new();
        h.insert(SESSION_HEADER, HeaderValue::from_static("Cookie"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; mockbird_refresh=rt_x; other=\"q;\""),
        );
        let mode = SessionMode::of(&h);
        assert_eq!(mode.presented(), Some("rt_x"));
        let (set, t) = mode.deliver(tokens());
        assert_eq!(t.refresh_token, None);
        let cookie = set[header::SET_COOKIE].to_str().unwrap();
        for part in [
            "mockbird_refresh=rt_1",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/api/auth",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "{cookie}");
        assert!(
            mode.clear()[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }
}
