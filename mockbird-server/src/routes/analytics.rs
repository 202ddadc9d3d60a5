//! `GET /api/mocks/{id}/analytics` and `GET /api/projects/{id}/analytics`:
//! request counts, errors and response times over a window ending now, in
//! buckets aligned to their size (UTC), empty buckets listed with zeros.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use mockbird_core::ValidationError;
use mockbird_core::model::{LogScope, LogStats, Role};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::openapi::errors;
use crate::routes::access;
use crate::state::AppState;

/// A window ending now, and the size of its buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Period {
    /// 60 one-minute buckets.
    Hour,
    /// 24 one-hour buckets.
    Day,
    /// 7 one-day buckets.
    Week,
    /// 30 one-day buckets.
    Month,
}

impl Period {
    /// Parses `period` (default `day`).
    pub(crate) fn parse(raw: Option<&str>) -> Result<Period, ValidationError> {
        let value = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "period")
            .map(|(_, v)| v.into_owned());
        match value.as_deref() {
            None | Some("day") => Ok(Period::Day),
            Some("hour") => Ok(Period::Hour),
            Some("week") => Ok(Period::Week),
            Some("month") => Ok(Period::Month),
            Some(_) => {
                let mut e = ValidationError::default();
                e.push("period", "must be hour, day, week or month");
                Err(e)
            }
        }
    }

    /// Bucket size in seconds.
    pub(crate) fn bucket_secs(self) -> u32 {
        match self {
            Period::Hour => 60,
            Period::Day => 3_600,
            Period::Week | Period::Month => 86_400,
        }
    }

    /// Number of buckets.
    pub(crate) fn buckets(self) -> i64 {
        match self {
            Period::Hour => 60,
            Period::Day => 24,
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    /// Start of the first bucket of the window ending at `now` (the last bucket holds `now`).
    pub(crate) fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let size = i64::from(self.bucket_secs());
        let current = now.timestamp().div_euclid(size) * size;
        DateTime::from_timestamp(current - (self.buckets() - 1) * size, 0).unwrap_or(now)
    }
}

fn avg(total_ms: u64, requests: u64) -> f64 {
    if requests == 0 {
        0.0
    } else {
        (total_ms as f64 / requests as f64 * 100.0).round() / 100.0
    }
}

/// One bucket of a window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Point {
    /// Start of the bucket (UTC, aligned to its size).
    pub bucket_start: DateTime<Utc>,
    /// Requests in it.
    pub requests: u64,
    /// Of those, answers with status ≥ 400.
    pub errors: u64,
    /// Mean response time in milliseconds, 2 decimals; 0 without requests.
    pub avg_response_time_ms: f64,
}

/// The answer shared by both endpoints: totals and every bucket of the window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Analytics {
    /// The window.
    pub period: Period,
    /// Requests in the window.
    pub total_requests: u64,
    /// Of those, answers with status ≥ 400.
    pub error_count: u64,
    /// Mean response time in milliseconds, 2 decimals.
    pub avg_response_time_ms: f64,
    /// 95th percentile of the response times (nearest rank), in milliseconds.
    pub p95_response_time_ms: u32,
    /// Every bucket of the window, oldest first, empty ones with zeros.
    pub series: Vec<Point>,
}

/// Requests of one mock in the window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MockCount {
    /// The mock; none for requests no mock matched.
    pub mock_id: Option<Uuid>,
    /// Requests in the window.
    pub requests: u64,
}

/// A project's analytics: the shared answer plus requests per mock.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectAnalytics {
    /// Totals and buckets.
    #[serde(flatten)]
    pub analytics: Analytics,
    /// Every mock of the project (zeros included), most requests first.
    pub by_mock: Vec<MockCount>,
}

/// The answer shared by both endpoints: totals and every bucket of the window.
pub(crate) fn summary(period: Period, start: DateTime<Utc>, stats: &LogStats) -> Analytics {
    let size = i64::from(period.bucket_secs());
    let mut found = stats.buckets.iter().peekable();
    let mut series = Vec::with_capacity(period.buckets() as usize);
    for i in 0..period.buckets() {
        let at = start + chrono::Duration::seconds(i * size);
        let (requests, errors, total_ms) = match found.next_if(|b| b.start == at) {
            Some(b) => (b.requests, b.errors, b.total_ms),
            None => (0, 0, 0),
        };
        series.push(Point {
            bucket_start: at,
            requests,
            errors,
            avg_response_time_ms: avg(total_ms, requests),
        });
    }
    let total = stats.total();
    let errors: u64 = stats.buckets.iter().map(|b| b.errors).sum();
    let total_ms: u64 = stats.buckets.iter().map(|b| b.total_ms).sum();
    Analytics {
        period,
        total_requests: total,
        error_count: errors,
        avg_response_time_ms: avg(total_ms, total),
        p95_response_time_ms: stats.p95_ms,
        series,
    }
}

/// `period=hour|day|week|month` (documentation of the query).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only: parsed by `Period::parse`
struct AnalyticsParams {
    /// `hour` (1-minute buckets), `day` (hours, default), `week` or `month` (30 days, in days).
    period: Option<Period>,
}

/// `GET /api/mocks/{id}/analytics`.
#[utoipa::path(
    get,
    path = "/api/mocks/{id}/analytics",
    operation_id = "getMockAnalytics",
    tag = "logs",
    summary = "Requests, errors and response times of a mock over a window",
    params(("id" = Uuid, Path, description = "The mock"), AnalyticsParams),
    responses(
        (status = 200, description = "The window's totals and buckets", body = Analytics),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn mock_analytics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Analytics>> {
    let (_, mock) = access::mock(&state, &caller, &id).await?;
    let (answer, _) = analyze(&state, LogScope::Mock(mock.id), raw.as_deref()).await?;
    Ok(Json(answer))
}

/// The window `raw` asks for, its stored aggregates, and the answer both endpoints share.
async fn analyze(
    state: &AppState,
    scope: LogScope,
    raw: Option<&str>,
) -> ApiResult<(Analytics, LogStats)> {
    let period = Period::parse(raw)?;
    let start = period.start(mockbird_core::clock::now());
    let stats = state
        .store
        .log_stats(scope, start, period.bucket_secs())
        .await?;
    Ok((summary(period, start, &stats), stats))
}

/// `GET /api/projects/{id}/analytics`: also requests per mock (every mock of
/// the project, zeros included; `mockId: null` for unmatched requests).
#[utoipa::path(
    get,
    path = "/api/projects/{id}/analytics",
    operation_id = "getProjectAnalytics",
    tag = "logs",
    summary = "Requests, errors and response times of a project over a window, per mock too",
    params(("id" = Uuid, Path, description = "The project"), AnalyticsParams),
    responses(
        (status = 200, description = "The window's totals, buckets and requests per mock", body = ProjectAnalytics),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn project_analytics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ProjectAnalytics>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let (analytics, stats) = analyze(&state, LogScope::Project(project.id), raw.as_deref()).await?;
    let mut by_mock = stats.by_mock;
    for m in state.store.mocks_for_project(project.id).await? {
        if !by_mock.iter().any(|(id, _)| *id == Some(m.id)) {
            by_mock.push((Some(m.id), 0));
        }
    }
    Ok(Json(ProjectAnalytics {
        analytics,
        by_mock: by_mock
            .into_iter()
            .map(|(mock_id, requests)| MockCount { mock_id, requests })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mockbird_core::model::LogBucket;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn windows_end_with_the_bucket_holding_now() {
        let now = at("2026-11-23T10:37:12Z");
        assert_eq!(Period::Hour.start(now), at("2026-11-23T09:38:00Z"));
        assert_eq!(Period::Day.start(now), at("2026-11-22T11:00:00Z"));
        assert_eq!(Period::Week.start(now), at("2026-11-17T00:00:00Z"));
        assert_eq!(Period::Month.start(now), at("2026-10-25T00:00:00Z"));
        assert_eq!(Period::parse(None).unwrap(), Period::Day);
        assert_eq!(Period::parse(Some("period=week")).unwrap(), Period::Week);
        assert!(Period::parse(Some("period=year")).is_err());
    }

    #[test]
    fn every_bucket_is_listed_and_totals_add_up() {
        let start = at("2026-11-23T09:38:00Z");
        let stats = LogStats {
            buckets: vec![LogBucket {
                start: at("2026-11-23T09:40:00Z"),
                requests: 4,
                errors: 1,
                total_ms: 10,
            }],
            by_mock: vec![],
            p95_ms: 7,
        };
        let v = summary(Period::Hour, start, &stats);
        assert_eq!(v.series.len(), 60);
        assert_eq!(v.series[2].requests, 4);
        assert_eq!(v.series[2].avg_response_time_ms, 2.5);
        assert_eq!(v.series[0].requests, 0);
        assert_eq!((v.total_requests, v.error_count), (4, 1));
        assert_eq!(v.p95_response_time_ms, 7);
    }
}
