//! Operations: health, readiness, metrics, `/api/system`, the dev outbox, plans.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use mockbird_core::model::Plan;
use mockbird_core::service::SentEmail;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::openapi::errors;
use crate::state::AppState;

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` (healthz), `ready` or `unavailable` (readyz).
    pub status: &'static str,
    /// The store's backend (`memory`, `sqlite`, `postgres`); readyz only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<&'static str>,
}

/// `GET /healthz`: the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "getHealth",
    tag = "operations",
    summary = "The process runs",
    responses((status = 200, description = "The process runs", body = Health)),
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        store: None,
    })
}

/// `GET /readyz`: 200 when the store answers, else 503.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "getReadiness",
    tag = "operations",
    summary = "Ready when the store answers",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The store does not answer", body = Health),
    ),
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(Health {
            status: "ready",
            store: Some(state.store.backend()),
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    store: Some(state.store.backend()),
                }),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "getMetrics",
    tag = "operations",
    summary = "Prometheus metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain")),
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state
            .metrics
            .render(state.shared.as_ref().map(|s| s.healthy())),
    )
        .into_response()
}

/// Whether a service is the built-in mock or the real one.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// The built-in mock: nothing leaves the process.
    Mock,
    /// The real implementation.
    Real,
}

impl Mode {
    fn of(is_mock: bool) -> Self {
        if is_mock { Mode::Mock } else { Mode::Real }
    }
}

/// The mode of each external service.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Services {
    /// Password hashing and tokens.
    pub auth: Mode,
    /// Payments.
    pub billing: Mode,
    /// Email.
    pub email: Mode,
}

/// What `GET /api/system` says about this server.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SystemInfo {
    /// The server's version.
    pub version: &'static str,
    /// The store's backend.
    pub store: &'static str,
    /// Each service's mode.
    pub services: Services,
    /// True when any service is a mock.
    pub mock_mode: bool,
    /// The domain whose subdomains serve projects (`{slug}.{domain}`), if set.
    pub mock_domain: Option<String>,
    /// Request log entries dropped because the queue was full.
    pub dropped_logs: u64,
    /// Where quotas and `/api` limits are counted: `local` (this instance) or `redis` (shared).
    pub limits: &'static str,
    /// False while the breaker skips Redis; none without Redis.
    pub redis_healthy: Option<bool>,
    /// Instances sharing the limits (burst buckets refill at the plan's rate ÷ this).
    pub instances: u32,
}

/// `GET /api/system`: version, store and which services are mocks.
#[utoipa::path(
    get,
    path = "/api/system",
    operation_id = "getSystem",
    tag = "system",
    summary = "Version, store and service modes",
    responses(
        (status = 200, description = "This server", body = SystemInfo),
    ),
)]
pub(crate) async fn system(State(state): State<AppState>) -> Json<SystemInfo> {
    Json(SystemInfo {
        version: env!("CARGO_PKG_VERSION"),
        store: state.store.backend(),
        services: Services {
            auth: Mode::of(state.auth.is_mock()),
            billing: Mode::of(state.billing.is_mock()),
            email: Mode::of(state.email.is_mock()),
        },
        mock_mode: state.auth.is_mock() || state.billing.is_mock() || state.email.is_mock(),
        mock_domain: state.settings.mock_domain.clone(),
        dropped_logs: state.logs.counters().dropped.get(),
        limits: if state.shared.is_some() {
            "redis"
        } else {
            "local"
        },
        redis_healthy: state.shared.as_ref().map(|s| s.healthy()),
        instances: state.limits.instances(),
    })
}

/// `?to=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OutboxQuery {
    /// Only messages to this address; default all.
    to: Option<String>,
}

/// `GET /api/dev/outbox?to=EMAIL`: only with mock email, `--expose-outbox`
/// and `X-Mockbird-Outbox-Token: <--outbox-token>`.
#[utoipa::path(
    get,
    path = "/api/dev/outbox",
    operation_id = "readOutbox",
    tag = "system",
    summary = "Emails the mock email service sent (only with mock email and --expose-outbox)",
    params(("X-Mockbird-Outbox-Token" = String, Header, description = "The --outbox-token"), OutboxQuery),
    responses(
        (status = 200, description = "Messages, newest first", body = [SentEmail]),
        (status = 401, response = errors::Unauthorized),
        (status = 404, description = "The outbox is not exposed", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn outbox(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Vec<SentEmail>>, ApiError> {
    let Some(outbox) = &state.outbox else {
        return Err(ApiError::not_found());
    };
    let given = headers
        .get("x-mockbird-outbox-token")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let expected = state.settings.outbox_token.as_bytes();
    if expected.is_empty() || !mockbird_core::token::constant_time_eq(given, expected) {
        return Err(ApiError::unauthorized(
            "The outbox needs the X-Mockbird-Outbox-Token header set to --outbox-token",
        ));
    }
    let mails = match q.to.as_deref() {
        Some(to) => outbox.outbox(to),
        None => outbox.all(),
    };
    Ok(Json(mails))
}

/// `GET /api/billing/plans`.
#[utoipa::path(
    get,
    path = "/api/billing/plans",
    operation_id = "listPlans",
    tag = "system",
    summary = "Plans",
    responses(
        (status = 200, description = "The plans of this server", body = [Plan]),
    ),
)]
pub(crate) async fn plans(State(state): State<AppState>) -> Json<Vec<Plan>> {
    Json(state.plans.as_ref().clone())
}
