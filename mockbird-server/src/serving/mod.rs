//! Serving mocks at `/m/{slug}/{path…}` and `{slug}.{mock domain}/{path…}`.

use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use mockbird_core::engine::Outcome;
use mockbird_core::model::HttpMethod;
use mockbird_core::request::MockRequest;
use mockbird_core::routing::Route;
use mockbird_core::template::{Budget, TemplateError};
use uuid::Uuid;

use crate::cache::Snapshot;
use crate::error::ApiError;
use crate::limits::{OrgQuota, QuotaStatus, set_rate_headers};
use crate::logs::EntryBuilder;
use crate::metrics::RouteClass;
use crate::sandbox::SandboxBusy;
use crate::state::AppState;

/// The client's address, put in each request's extensions by the connection loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddr(pub std::net::SocketAddr);

/// The client's IP as the connection loop recorded it (the TCP peer, or the
/// forwarded client when the peer is a trusted proxy); `0.0.0.0` if unknown.
pub(crate) fn client_ip(extensions: &http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<ClientAddr>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// Which project and mock path a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Project slug.
    pub slug: String,
    /// The mock path (after `/m/{slug}` when served by path).
    pub path: String,
    /// Served under `/m/{slug}` rather than by host name.
    pub by_path: bool,
}

/// The mock a request is for: `{slug}.{mock domain}` hosts first, then
/// `/m/{slug}/…` paths; `None` for everything else (and for `/m/` alone).
pub(crate) fn target(state: &AppState, req: &Request) -> Option<Target> {
    if let Some(domain) = state.settings.mock_domain.as_deref() {
        let slug = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| slug_from_host(h, domain));
        if let Some(slug) = slug {
            return Some(Target {
                slug,
                path: req.uri().path().to_owned(),
                by_path: false,
            });
        }
    }
    let raw = req.uri().path().strip_prefix("/m/")?;
    let (slug, rest) = match raw.split_once('/') {
        Some((slug, rest)) => (slug, format!("/{rest}")),
        None => (raw, "/".to_owned()),
    };
    (!slug.is_empty()).then(|| Target {
        slug: slug.to_owned(),
        path: rest,
        by_path: true,
    })
}

/// The project slug when `host` is `{slug}.{mock_domain}` (port ignored;
/// host names are case-insensitive, slugs are lower case).
pub(crate) fn slug_from_host(host: &str, mock_domain: &str) -> Option<String> {
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let cut = host.len().checked_sub(mock_domain.len())?;
    let (slug, domain) = (host.get(..cut)?, host.get(cut..)?);
    let slug = slug.strip_suffix('.')?;
    (domain.eq_ignore_ascii_case(mock_domain) && !slug.is_empty() && !slug.contains('.'))
        .then(|| slug.to_ascii_lowercase())
}

/// Serves one mock request: the answer plus the headers every `/m/` response
/// carries, counted in the metrics.
pub(crate) async fn serve(state: AppState, req: Request, target: Target) -> Response {
    let Target {
        slug,
        path,
        by_path,
    } = target;
    let started = Instant::now();
    let (mut res, served) = answer(&state, req, &slug, path, started).await;
    let headers = res.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    scope_cookies(headers, by_path.then_some(slug.as_str()));
    state
        .metrics
        .request(RouteClass::Mock, res.status().as_u16());
    let took = started.elapsed();
    state.metrics.mock_latency(took);
    if let Some(s) = served {
        state.logs.submit(s.entry.finish(
            s.project_id,
            s.mock_id,
            s.response_id,
            res.status().as_u16(),
            u32::try_from(took.as_millis()).unwrap_or(u32::MAX),
        ));
    }
    res
}

/// What a log entry needs besides the request: whose it is and what answered.
#[derive(Debug)]
struct Served {
    entry: EntryBuilder,
    project_id: Uuid,
    mock_id: Option<Uuid>,
    response_id: Option<Uuid>,
}

async fn answer(
    state: &AppState,
    req: Request,
    slug: &str,
    path: String,
    arrived: Instant,
) -> (Response, Option<Served>) {
    let ip = req.extensions().get::<ClientAddr>().map(|c| c.0.ip());
    // The body first, whatever the answer: a request refused early still has
    // its body read (bounded), so the connection stays usable.
    let (parts, body) = req.into_parts();
    // `held` keeps the body's share of the process's body budget until the
    // answer is ready.
    let held = match crate::body::read(body, &parts.headers, crate::body::MAX_MOCK_BODY).await {
        Ok(b) => b,
        Err(res) => return (res, None),
    };
    let body = held.bytes.clone();
    let snapshot = match state
        .snapshots
        .get(state.store.as_ref(), &state.metrics, slug)
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return (ApiError::project_not_found().into_response(), None),
        Err(e) => return (e.into_response(), None),
    };
    // One wall-clock reading for the log entry and the quota's reset.
    let now = mockbird_core::clock::now();
    let mut served = state.logs.enabled().then(|| Served {
        entry: EntryBuilder::new(
            &parts.method,
            &path,
            parts.uri.query(),
            &parts.headers,
            &body,
            ip,
            now,
        ),
        project_id: snapshot.project.id,
        mock_id: None,
        response_id: None,
    });
    let quota = match state.limits.quota(snapshot.project.org_id).await {
        Ok(q) => q,
        Err(e) => return (e.into_response(), served),
    };
    let mut res = if quota.has_room() {
        let known = Known {
            snapshot: &snapshot,
            quota: &quota,
            ip: ip.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
            arrived,
        };
        admitted(state, known, parts, body, path, served.as_mut()).await
    } else {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "SUBSCRIPTION_LIMIT",
            "This organization has used its monthly mock requests; upgrade the plan for more",
        )
        .into_response()
    };
    // The organization's monthly quota (`unlimited` when the plan has none).
    let status: QuotaStatus = quota.status(now);
    set_rate_headers(
        res.headers_mut(),
        status.limit,
        status.remaining,
        status.reset_secs,
    );
    (res, served)
}

/// The project and limits a request is served under.
struct Known<'a> {
    snapshot: &'a Snapshot,
    quota: &'a OrgQuota,
    ip: std::net::IpAddr,
    /// When the request arrived (the burst limit's clock).
    arrived: Instant,
}

/// A request within the monthly quota: preflight, private-project check,
/// the engine, then the burst limit; counted unless the burst limit refuses it.
async fn admitted(
    state: &AppState,
    known: Known<'_>,
    parts: http::request::Parts,
    body: bytes::Bytes,
    path: String,
    served: Option<&mut Served>,
) -> Response {
    let Known {
        snapshot,
        quota,
        ip,
        arrived,
    } = known;
    if parts.method == Method::OPTIONS
        && parts
            .headers
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        && !has_explicit_options(snapshot, &path)
    {
        state.limits.count(quota);
        return preflight(&parts.headers);
    }
    if !snapshot.project.is_public {
        let allowed = match crate::auth::authenticate(state, &parts.headers).await {
            Ok(caller) => {
                caller.key_org.is_none_or(|k| k == snapshot.project.org_id)
                    && state
                        .store
                        .membership(snapshot.project.org_id, caller.user.id)
                        .await
                        .is_ok()
            }
            Err(_) => false,
        };
        if !allowed {
            // Not the owner's traffic: never counted against the quota, but
            // limited as the client IP's, like anonymous `/api` calls.
            if !state.limits.api_call(&format!("ip:{ip}")).await.allowed {
                return ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMIT_EXCEEDED",
                    "Too many unauthenticated requests from this address",
                )
                .into_response();
            }
            return ApiError::unauthorized(
                "This project is private: send an API key or token of its organization",
            )
            .into_response();
        }
    }
    let trace = parts.headers.contains_key(TRACE_HEADER);
    let request = MockRequest {
        method: parts.method,
        path,
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let outcome = match snapshot.engine.handle_within(&request, Budget::INLINE) {
        // Too heavy for a request thread: again, in the sandbox, under the
        // full budget.
        Outcome::TemplateError {
            error: TemplateError::OverBudget(_),
            ..
        } => {
            let engine = snapshot.engine.clone();
            let tenant = snapshot.project.org_id;
            match state
                .sandbox
                .run(tenant, move || engine.handle(&request))
                .await
            {
                Ok(outcome) => outcome,
                Err(SandboxBusy) => {
                    state.limits.count(quota);
                    return ApiError::template_busy().into_response();
                }
            }
        }
        outcome => outcome,
    };
    let (mock_id, response_id) = match &outcome {
        Outcome::Matched(m) => (Some(m.mock_id), Some(m.response_id)),
        Outcome::NoMatchingResponse { mock_id, .. } => (Some(*mock_id), None),
        Outcome::TemplateError {
            mock_id,
            response_id,
            ..
        } => (Some(*mock_id), Some(*response_id)),
        Outcome::NotFound | Outcome::MethodNotAllowed { .. } => (None, None),
    };
    if let Some(s) = served {
        (s.mock_id, s.response_id) = (mock_id, response_id);
    }
    if let Some(mock) = mock_id
        && let Err(wait) = state.limits.burst(quota, mock, ip, arrived)
    {
        let mut res = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            "Too many requests to this endpoint; slow down",
        )
        .into_response();
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        return res;
    }
    state.limits.count(quota);
    if let Outcome::Matched(m) = &outcome {
        quota.add_bytes(m.body.len() as u64);
    }
    let mut res = respond(outcome).await;
    if trace {
        traced(res.headers_mut(), mock_id, response_id);
    }
    res
}

/// A request carrying this header (any value) is answered with the ids of
/// the mock and response that answered it (`X-Mockbird-Mock-Id`,
/// `X-Mockbird-Response-Id`): the dashboard's "try it" shows them.
const TRACE_HEADER: &str = "x-mockbird-trace";

fn traced(headers: &mut HeaderMap, mock: Option<uuid::Uuid>, response: Option<uuid::Uuid>) {
    for (name, id) in [
        ("x-mockbird-mock-id", mock),
        ("x-mockbird-response-id", response),
    ] {
        if let Some(v) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
            headers.insert(name, v);
        }
    }
}

fn has_explicit_options(snapshot: &Snapshot, path: &str) -> bool {
    match snapshot.engine.route(&Method::OPTIONS, path) {
        Route::Found { value, .. } => snapshot.methods.get(&value) == Some(&HttpMethod::Options),
        _ => false,
    }
}

fn preflight(headers: &HeaderMap) -> Response {
    let allow_headers = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"));
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    );
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

async fn respond(outcome: Outcome) -> Response {
    let (delay, res) = outcome.into_response();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    res.map(Body::from)
}

/// Rewrites every `Set-Cookie`: `Domain` removed; when served by path, `Path`
/// set to `/m/{slug}` so a mock can never set cookies for the product itself.
fn scope_cookies(headers: &mut HeaderMap, path_slug: Option<&str>) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        let Ok(text) = cookie.to_str() else { continue };
        let mut parts: Vec<String> = text
            .split(';')
            .map(|p| p.trim().to_owned())
            .filter(|p| {
                let key = p
                    .split('=')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                key != "domain" && (path_slug.is_none() || key != "path")
            })
            .collect();
        if let Some(slug) = path_slug {
            parts.push(format!("Path=/m/{slug}"));
        }
        if let Ok(v) = HeaderValue::from_str(&parts.join("; ")) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_lose_domain_and_get_the_project_path() {
        let mut h = HeaderMap::new();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("sid=1; Domain=evil.com; Path=/; HttpOnly"),
        );
        scope_cookies(&mut h, Some("shop"));
        assert_eq!(
            h.get(header::SET_COOKIE).unwrap(),
            "sid=1; HttpOnly; Path=/m/shop"
        );
        let mut h = HeaderMap::new();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("a=b; domain=x.com; Path=/api"),
        );
        scope_cookies(&mut h, None);
        assert_eq!(h.get(header::SET_COOKIE).unwrap(), "a=b; Path=/api");
    }

    #[test]
    fn slug_comes_from_the_first_label_of_the_mock_domain() {
        assert_eq!(
            slug_from_host("shop.mocks.test:8080", "mocks.test").as_deref(),
            Some("shop")
        );
        assert_eq!(
            slug_from_host("Shop.MOCKS.Test", "mocks.test").as_deref(),
            Some("shop"),
            "host names are case-insensitive"
        );
        assert_eq!(
            slug_from_host("é.mocks.test", "mocks.test").as_deref(),
            Some("é")
        );
        assert_eq!(slug_from_host("x", "mocks.test"), None);
        assert_eq!(slug_from_host("mocks.test", "mocks.test"), None);
        assert_eq!(slug_from_host("a.b.mocks.test", "mocks.test"), None);
        assert_eq!(slug_from_host("shop.other.test", "mocks.test"), None);
    }
}
