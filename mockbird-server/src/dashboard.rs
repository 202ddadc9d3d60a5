//! The web dashboard: the app built from `dashboard/` (its output committed
//! in `dashboard/dist`, checked against a fresh build in CI) embedded in the
//! binary and served at `/` for every path the router does not own.
//!
//! - a file of the build is served as it is; the hashed files under
//!   `/assets/` are cached for a year (`immutable`), the rest revalidated by
//!   `ETag`;
//! - any other `GET`/`HEAD` path outside `/api` is an app route and gets the
//!   app's `index.html`, so links such as `/reset-password?token=…` from the
//!   emails open the right page;
//! - HTML carries a strict Content-Security-Policy: scripts, styles and
//!   connections only from this origin (and the mock domain, for "try it").

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};

use crate::error::ApiError;
use crate::state::AppState;

/// The built app (`dashboard/dist`), embedded at compile time.
#[derive(rust_embed::Embed)]
#[folder = "../dashboard/dist"]
struct Assets;

const INDEX: &str = "index.html";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router's fallback: the dashboard for `GET`/`HEAD` outside `/api`,
/// the JSON 404 of the API for everything else.
pub(crate) async fn fallback(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    let api = path == "/api" || path.starts_with("/api/");
    if api || (method != Method::GET && method != Method::HEAD) {
        return not_found("No such endpoint");
    }
    let name = path.trim_start_matches('/');
    let (name, file) = match Assets::get(name) {
        Some(file) if !name.is_empty() => (name, file),
        // A missing file (a name with an extension) is a 404, not the app.
        _ if is_file_name(name) => {
            return not_found("No such file");
        }
        _ => match Assets::get(INDEX) {
            Some(file) => (INDEX, file),
            None => {
                return not_found("The dashboard is not built");
            }
        },
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = file.data.into_owned().into_response();
        let mime = mime_guess::from_path(name).first_or_octet_stream();
        if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        res
    };
    let h = res.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if name.ends_with(".html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            csp(state.settings.mock_domain.as_deref()),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

/// The API's JSON 404.
fn not_found(message: &'static str) -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message).into_response()
}

/// The last segment of `path` has an extension (`app.js`, `favicon.svg`).
fn is_file_name(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

/// The app's Content-Security-Policy: nothing inline, nothing from outside
/// this origin, except connections to the mock domain's project hosts.
fn csp(mock_domain: Option<&str>) -> HeaderValue {
    let mocks = mock_domain
        .map(|d| format!(" http://*.{d} https://*.{d}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'{mocks}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_app_routes_are_told_apart() {
        assert!(is_file_name("assets/index-abc.js"));
        assert!(is_file_name("favicon.svg"));
        assert!(!is_file_name("projects/42/mocks"));
        assert!(!is_file_name("reset-password"));
    }

    #[test]
    fn the_policy_allows_nothing_inline_and_names_the_mock_domain() {
        let p = csp(Some("mock.example.com"));
        let p = p.to_str().unwrap();
        assert!(p.contains("script-src 'self';"));
        assert!(!p.contains("unsafe"));
        assert!(
            p.contains("connect-src 'self' http://*.mock.example.com https://*.mock.example.com;")
        );
        assert!(csp(None).to_str().unwrap().contains("connect-src 'self';"));
    }
}
