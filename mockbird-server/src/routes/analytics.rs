//! `GET /api/mocks/{id}/analytics` and `GET /api/projects/{id}/analytics`:
//! request counts, errors and response times over a window ending now, in
//! buckets aligned to their size (UTC), empty buckets listed with zeros.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use mockbird_core::ValidationError;
use mockbird_core::model::{LogScope, LogStats, Role};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::{mocks, projects};
use crate::state::AppState;

/// A window ending now, and the size of its buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
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
    pub fn parse(raw: Option<&str>) -> Result<Period, ValidationError> {
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

    /// The name in answers.
    pub fn name(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// Bucket size in seconds.
    pub fn bucket_secs(self) -> u32 {
        match self {
            Period::Hour => 60,
            Period::Day => 3_600,
            Period::Week | Period::Month => 86_400,
        }
    }

    /// Number of buckets.
    pub fn buckets(self) -> i64 {
        match self {
            Period::Hour => 60,
            Period::Day => 24,
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    /// Start of the first bucket of the window ending at `now` (the last bucket holds `now`).
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
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

/// The answer shared by both endpoints: totals and every bucket of the window.
pub fn summary(period: Period, start: DateTime<Utc>, stats: &LogStats) -> Value {
    let size = i64::from(period.bucket_secs());
    let mut found = stats.buckets.iter().peekable();
    let mut series = Vec::with_capacity(period.buckets() as usize);
    for i in 0..period.buckets() {
        let at = start + chrono::Duration::seconds(i * size);
        let (requests, errors, total_ms) = match found.next_if(|b| b.start == at) {
            Some(b) => (b.requests, b.errors, b.total_ms),
            None => (0, 0, 0),
        };
        series.push(json!({
            "bucketStart": at,
            "requests": requests,
            "errors": errors,
            "avgResponseTimeMs": avg(total_ms, requests),
        }));
    }
    let total = stats.total();
    let errors: u64 = stats.buckets.iter().map(|b| b.errors).sum();
    let total_ms: u64 = stats.buckets.iter().map(|b| b.total_ms).sum();
    json!({
        "period": period.name(),
        "totalRequests": total,
        "errorCount": errors,
        "avgResponseTimeMs": avg(total_ms, total),
        "p95ResponseTimeMs": stats.p95_ms,
        "series": series,
    })
}

/// `period=hour|day|week|month` (documentation of the query).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only: parsed by `Period::parse`
struct AnalyticsParams {
    /// `hour` (1-minute buckets), `day` (hours, default), `week` or `month` (30 days, in days).
    period: Option<String>,
}

/// `GET /api/mocks/{id}/analytics`.
#[utoipa::path(
    get,
    path = "/api/mocks/{id}/analytics",
    operation_id = "getMockAnalytics",
    tag = "logs",
    summary = "Requests, errors and response times of a mock over a window",
    params(("id" = String, Path), AnalyticsParams),
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn mock_analytics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let (_, mock) = mocks::load(&state, &caller, &id).await?;
    let (answer, _) = analyze(&state, LogScope::Mock(mock.id), raw.as_deref()).await?;
    Ok(Json(answer))
}

/// The window `raw` asks for, its stored aggregates, and the answer both endpoints share.
async fn analyze(
    state: &AppState,
    scope: LogScope,
    raw: Option<&str>,
) -> ApiResult<(Value, LogStats)> {
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
    params(("id" = String, Path), AnalyticsParams),
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn project_analytics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let project = projects::load(&state, &caller, &id, Role::Member).await?;
    let (mut answer, stats) =
        analyze(&state, LogScope::Project(project.id), raw.as_deref()).await?;
    let mut by_mock = stats.by_mock;
    for m in state.store.mocks_for_project(project.id).await? {
        if !by_mock.iter().any(|(id, _)| *id == Some(m.id)) {
            by_mock.push((Some(m.id), 0));
        }
    }
    answer["byMock"] = by_mock
        .iter()
        .map(|(id, n)| json!({"mockId": id, "requests": n}))
        .collect();
    Ok(Json(answer))
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
        let series = v["series"].as_array().unwrap();
        assert_eq!(series.len(), 60);
        assert_eq!(series[2]["requests"], 4);
        assert_eq!(series[2]["avgResponseTimeMs"], 2.5);
        assert_eq!(series[0]["requests"], 0);
        assert_eq!(
            (v["totalRequests"].as_u64(), v["errorCount"].as_u64()),
            (Some(4), Some(1))
        );
        assert_eq!(v["p95ResponseTimeMs"], 7);
    }
}
