//! Operations: health, readiness, metrics, `/api/system`, the dev outbox, plans.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use mockbird_core::model::Plan;
use serde::Deserialize;
use serde_json::{Value, json};

use std::sync::atomic::Ordering;

use crate::error::ApiError;
use crate::logs::LogCounters;
use crate::state::AppState;

/// `GET /healthz`: the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "getHealth",
    tag = "operations",
    summary = "The process runs",
    responses((status = 200, description = "`{\"status\": \"ok\"}`")),
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the store answers, else 503.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "getReadiness",
    tag = "operations",
    summary = "Ready when the store answers",
    responses(
        (status = 200, description = "`{\"status\": \"ready\", \"store\": …}`"),
        (status = 503, description = "The store does not answer"),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({"status": "ready", "store": state.store.backend()})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "store": state.store.backend()})),
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
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render() + &log_metrics(state.logs.counters()) + &redis_metric(&state),
    )
        .into_response()
}

/// The request log counters in Prometheus text.
fn log_metrics(c: &LogCounters) -> String {
    let mut out = String::new();
    for (name, help, value) in [
        ("written", "Request log entries stored", &c.written),
        (
            "dropped",
            "Request log entries dropped because the queue was full",
            &c.dropped,
        ),
        (
            "failed",
            "Request log entries given up after store errors",
            &c.failed,
        ),
    ] {
        out.push_str(&format!(
            "# HELP mockbird_logs_{name}_total {help}\n# TYPE mockbird_logs_{name}_total counter\nmockbird_logs_{name}_total {}\n",
            value.load(Ordering::Relaxed)
        ));
    }
    out
}

/// `mockbird_redis_up`: 1 while Redis answers, 0 while the breaker skips it (absent without Redis).
fn redis_metric(state: &AppState) -> String {
    match &state.shared {
        Some(s) => format!(
            "# HELP mockbird_redis_up Whether Redis answered the last call.\n# TYPE mockbird_redis_up gauge\nmockbird_redis_up {}\n",
            u8::from(s.healthy())
        ),
        None => String::new(),
    }
}

fn mode(is_mock: bool) -> &'static str {
    if is_mock { "mock" } else { "real" }
}

/// `GET /api/system`: version, store and which services are mocks.
#[utoipa::path(
    get,
    path = "/api/system",
    operation_id = "getSystem",
    tag = "system",
    summary = "Version, store and service modes",
    responses((status = 200, description = "Success")),
)]
pub async fn system(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "store": state.store.backend(),
        "services": {
            "auth": mode(state.auth.is_mock()),
            "billing": mode(state.billing.is_mock()),
            "email": mode(state.email.is_mock()),
        },
        "mockMode": state.auth.is_mock() || state.billing.is_mock() || state.email.is_mock(),
        "mockDomain": state.settings.mock_domain,
        "droppedLogs": state.logs.counters().dropped.load(Ordering::Relaxed),
        // Where quotas and `/api` limits are counted: `local` (this instance) or
        // `redis` (shared); `redisHealthy` is false while the breaker skips Redis.
        "limits": if state.shared.is_some() { "redis" } else { "local" },
        "redisHealthy": state.shared.as_ref().map(|s| s.healthy()),
        // Instances sharing the limits (burst buckets refill at the plan's rate ÷ this).
        "instances": state.limits.instances(),
    }))
}

/// `?to=`.
#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
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
    responses((status = 200, description = "Success")),
)]
pub async fn outbox(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!(mails)))
}

/// `GET /api/billing/plans`.
#[utoipa::path(
    get,
    path = "/api/billing/plans",
    operation_id = "listPlans",
    tag = "system",
    summary = "Plans",
    responses((status = 200, description = "Success")),
)]
pub async fn plans(State(state): State<AppState>) -> Json<Vec<Plan>> {
    Json(state.plans.as_ref().clone())
}
