//! The front door: one service that sends mock requests (by path or host)
//! to [`crate::serving`] and everything else through the axum router of
//! [`crate::routes`], with request ids, counting, the `/api` rate limit, the
//! body limit and the request timeout around them.

use std::time::{Duration, Instant};
use tracing::Instrument;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::error::ApiError;
use crate::metrics::RouteClass;
use crate::serving;
use crate::state::AppState;

/// The whole application as one service: mock requests (by path or host) go
/// straight to [`serving::serve`] — body limit and request timeout applied
/// there — and everything else through the axum router.
#[derive(Debug, Clone)]
pub(crate) struct App {
    state: AppState,
    router: Router,
    request_timeout: Duration,
    peer: Option<std::net::SocketAddr>,
}

impl App {
    /// The application over `state`.
    pub(crate) fn new(state: AppState, request_timeout: Duration) -> Self {
        App {
            router: router(state.clone(), request_timeout),
            state,
            request_timeout,
            peer: None,
        }
    }

    /// This application for one connection from `peer` (its requests carry a
    /// [`serving::ClientAddr`]).
    pub(crate) fn for_peer(&self, peer: std::net::SocketAddr) -> Self {
        App {
            peer: Some(peer),
            ..self.clone()
        }
    }
}

impl<B> tower::Service<http::Request<B>> for App
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let mut req = req.map(axum::body::Body::new);
        if let Some(peer) = self.peer {
            let ip = self
                .state
                .settings
                .trusted_proxies
                .client_ip(peer.ip(), req.headers());
            let addr = std::net::SocketAddr::new(ip, if ip == peer.ip() { peer.port() } else { 0 });
            req.extensions_mut().insert(serving::ClientAddr(addr));
        }
        let state = self.state.clone();
        let id = crate::request_id::request_id(req.headers());
        match serving::target(&self.state, &req) {
            Some(target) => {
                let limit = self.request_timeout;
                Box::pin(async move {
                    let res = with_timeout(limit, serving::serve(state.clone(), req, target)).await;
                    Ok(finish(&state, res, id))
                })
            }
            None => {
                let mut router = self.router.clone();
                let span = tracing::info_span!(
                    "request",
                    id = id.to_str().unwrap_or_default(),
                    method = %req.method(),
                    path = req.uri().path(),
                );
                Box::pin(
                    async move {
                        let res = tower::Service::call(&mut router, req).await?;
                        Ok(finish(&state, res, id))
                    }
                    .instrument(span),
                )
            }
        }
    }
}

/// Echoes the request id, and adds `Connection: close` once shutdown has begun.
fn finish(state: &AppState, mut res: Response, id: http::HeaderValue) -> Response {
    res.headers_mut().insert(crate::request_id::REQUEST_ID, id);
    if state.draining.load(std::sync::atomic::Ordering::Acquire) {
        res.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
    }
    res
}

/// The axum router: the management API and operations (mock serving, by
/// path or host name, is dispatched by [`App`] before the router).
fn router(state: AppState, request_timeout: Duration) -> Router {
    let (api, doc) = crate::routes::api().split_for_parts();
    let paid: Vec<&str> = state
        .plans
        .iter()
        .map(|p| p.tier.as_str())
        .filter(|t| *t != "free")
        .collect();
    let doc = crate::openapi::Document::new(doc, &paid);
    Router::new()
        .merge(api.layer(axum::Extension(doc)))
        .fallback(crate::dashboard::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        // `front` outside the body limit: a 413 is counted and rate-limited too.
        .layer(middleware::from_fn(crate::body::limit))
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            timeout(req, next, request_timeout)
        }))
        .with_state(state)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "This path does not accept this method",
    )
}

/// Who an `/api` call counts against: a valid Bearer token's user, a known,
/// unexpired API key (by hash), else — for no credential or an invalid one —
/// the client IP, so that made-up keys cannot buy fresh buckets.
async fn api_caller(state: &AppState, headers: &http::HeaderMap, ip: std::net::IpAddr) -> String {
    if let Some(token) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        && let Ok(claims) = state.auth.verify_access_token(token.trim())
    {
        return format!("u:{}", claims.user_id);
    }
    let ip = format!("ip:{ip}");
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| mockbird_core::token::looks_like_api_key(k))
        .map(mockbird_core::token::hash_token);
    let Some(hash) = key else { return ip };
    let now = mockbird_core::clock::now();
    match state.store.api_key_by_hash(&hash).await {
        Ok(stored) if stored.expires_at.is_none_or(|t| t > now) => format!("k:{hash}"),
        _ => ip,
    }
}

/// The per-minute `/api` limit: over it, 429 `RATE_LIMIT_EXCEEDED` with
/// `Retry-After`; every `/api` answer carries `X-RateLimit-*`.
async fn api_limit(state: &AppState, req: Request, next: Next) -> Response {
    let ip = serving::client_ip(req.extensions());
    let who = api_caller(state, req.headers(), ip).await;
    let window = state.limits.api_call(&who).await;
    let mut res = if window.allowed {
        next.run(req).await
    } else {
        let mut res = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            format!(
                "More than {} API calls in a minute; retry in {} s",
                window.limit, window.reset_secs
            ),
        )
        .into_response();
        res.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(window.reset_secs),
        );
        res
    };
    crate::limits::set_rate_headers(
        res.headers_mut(),
        Some(u64::from(window.limit)),
        Some(u64::from(window.remaining)),
        window.reset_secs,
    );
    res
}

/// Request counting for the router's traffic (mock serving is counted where it
/// is served), and the `/api` rate limit.
async fn front(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api");
    let class = if api {
        RouteClass::Api
    } else {
        RouteClass::Ops
    };
    let started = Instant::now();
    let res = if api {
        api_limit(&state, req, next).await
    } else {
        next.run(req).await
    };
    let took = started.elapsed();
    state.metrics.request(class, res.status().as_u16());
    if api {
        state.metrics.api_latency(took);
    }
    tracing::info!(
        status = res.status().as_u16(),
        took_us = took.as_micros() as u64,
        "answered"
    );
    res
}

/// Ends a request that takes longer than `limit` with 503.
async fn timeout(req: Request, next: Next, limit: Duration) -> Response {
    with_timeout(limit, next.run(req)).await
}

/// `answer`, or 503 when it takes longer than `limit`.
async fn with_timeout(
    limit: Duration,
    answer: impl std::future::Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(limit, answer).await {
        Ok(res) => res,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL",
            "The request took too long",
        )
        .into_response(),
    }
}
