//! The HTTP surface: `/api` (management), `/m/` (serving), operations.

pub mod auth;
pub mod billing;
pub mod keys;
pub mod mocks;
pub mod orgs;
pub mod projects;
pub mod system;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use http::StatusCode;

use crate::error::ApiError;
use crate::metrics::RouteClass;
use crate::serving;
use crate::state::AppState;

/// A slug from `name` (or `fallback` when nothing of it is usable): as is when
/// free, else with a random suffix, trying a few times.
pub(crate) async fn unique_slug<F, Fut>(
    name: &str,
    fallback: &str,
    taken: F,
) -> Result<String, ApiError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let base = mockbird_core::model::slugify(name);
    let base: String = base
        .chars()
        .take(50)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    let base = if base.is_empty() {
        fallback.to_owned()
    } else {
        base
    };
    if !taken(base.clone()).await {
        return Ok(base);
    }
    for _ in 0..10 {
        let candidate = format!("{base}-{}", mockbird_core::token::random_hex(3));
        if !taken(candidate.clone()).await {
            return Ok(candidate);
        }
    }
    Err(ApiError::internal("no free slug"))
}

/// Largest `/api` request body (shared/API.md: 2 MiB).
pub const MAX_API_BODY: usize = 2 * 1024 * 1024;

/// The management API under `/api`.
fn api() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(auth::register))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me).delete(auth::delete_me))
        .route("/api/auth/refresh", post(auth::refresh))
        .route("/api/auth/forgot-password", post(auth::forgot_password))
        .route("/api/auth/reset-password", post(auth::reset_password))
        .route("/api/auth/password", put(auth::change_password))
        .route("/api/orgs", get(orgs::list).post(orgs::create))
        .route(
            "/api/orgs/{id}",
            get(orgs::get).put(orgs::update).delete(orgs::delete),
        )
        .route("/api/orgs/{id}/members", get(orgs::members))
        .route(
            "/api/orgs/{id}/members/{user_id}",
            put(orgs::set_role).delete(orgs::remove),
        )
        .route("/api/orgs/{id}/invitations", post(orgs::invite))
        .route("/api/invitations/{token}/accept", post(orgs::accept))
        .route("/api/projects", get(projects::list).post(projects::create))
        .route("/api/projects/import", post(projects::import))
        .route(
            "/api/projects/{id}",
            get(projects::get)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route("/api/projects/{id}/duplicate", post(projects::duplicate))
        .route("/api/projects/{id}/export", get(projects::export))
        .route(
            "/api/projects/{id}/mocks",
            get(mocks::list).post(mocks::create),
        )
        .route(
            "/api/mocks/{id}",
            get(mocks::get).put(mocks::update).delete(mocks::delete),
        )
        .route(
            "/api/mocks/{id}/responses",
            get(mocks::responses).post(mocks::create_response),
        )
        .route(
            "/api/mocks/{id}/responses/{response_id}",
            put(mocks::update_response).delete(mocks::delete_response),
        )
        .route("/api/keys", get(keys::list).post(keys::create))
        .route("/api/keys/{id}/rotate", post(keys::rotate))
        .route("/api/keys/{id}", axum::routing::delete(keys::delete))
        .route("/api/billing/plans", get(system::plans))
        .route("/api/billing/subscription", get(billing::subscription))
        .route("/api/billing/create-checkout", post(billing::checkout))
        .route("/api/billing/cancel", post(billing::cancel))
        .route("/api/billing/invoices", get(billing::invoices))
        .route("/api/billing/update-payment", post(billing::update_payment))
        .route("/api/billing/webhook", post(billing::webhook))
        .route("/api/system", get(system::system))
        .route("/api/dev/outbox", get(system::outbox))
        .route("/api/openapi.json", get(crate::openapi::document))
        .layer(DefaultBodyLimit::max(MAX_API_BODY))
}

/// The whole application as one service: mock requests (by path or host) go
/// straight to [`serving::serve`] — body limit and request timeout applied
/// there — and everything else through the axum [`router`].
#[derive(Debug, Clone)]
pub struct App {
    state: AppState,
    router: Router,
    request_timeout: Duration,
}

impl App {
    /// The application over `state`.
    pub fn new(state: AppState, request_timeout: Duration) -> Self {
        App {
            router: router(state.clone(), request_timeout),
            state,
            request_timeout,
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
        let req = req.map(axum::body::Body::new);
        match serving::target(&self.state, &req) {
            Some(target) => {
                let state = self.state.clone();
                let limit = self.request_timeout;
                Box::pin(async move {
                    Ok(with_timeout(limit, serving::serve(state, req, target)).await)
                })
            }
            None => {
                let mut router = self.router.clone();
                Box::pin(async move { tower::Service::call(&mut router, req).await })
            }
        }
    }
}

/// The axum router: the management API, operations, and `/m/` serving by path
/// (serving by host name is done by [`App`]).
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let serving = Router::new()
        .route("/m/{slug}", any(serving::by_path))
        .route("/m/{slug}/", any(serving::by_path))
        .route("/m/{slug}/{*path}", any(serving::by_path))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(api())
        .merge(serving)
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(middleware::from_fn(crate::body::limit))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            timeout(req, next, request_timeout)
        }))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "No such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "This path does not accept this method",
    )
}

/// Request counting for everything but mock serving (counted where it is served).
async fn front(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let class = if path.starts_with("/m/") {
        None
    } else if path.starts_with("/api") {
        Some(RouteClass::Api)
    } else {
        Some(RouteClass::Ops)
    };
    let started = Instant::now();
    let res = next.run(req).await;
    if let Some(class) = class {
        state.metrics.request(class, res.status().as_u16());
        tracing::debug!(
            status = res.status().as_u16(),
            took_us = started.elapsed().as_micros() as u64,
            "request"
        );
    }
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
