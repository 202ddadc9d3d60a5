//! `GET /api/mocks/{id}/logs` and `GET /api/projects/{id}/logs`: request logs,
//! newest first, paged and filtered.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use mockbird_core::ValidationError;
use mockbird_core::model::{LogQuery, LogScope, MAX_PAGE_SIZE, Page, RequestLog, Role};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::openapi::errors;
use crate::routes::access;
use crate::state::AppState;

/// The query of both log endpoints, as documented; [`parse_query`] reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documentation only: the query is parsed by hand to list every problem
struct LogParams {
    /// 1-based page (default 1), counted from `cursor` when one is given;
    /// deeper than 100: `cursor`.
    #[param(minimum = 1, maximum = 100)]
    page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// RFC 3339, inclusive (after `endDate`: an empty page).
    start_date: Option<DateTime<Utc>>,
    /// RFC 3339, inclusive.
    end_date: Option<DateTime<Utc>>,
    /// Exact response status.
    #[param(minimum = 100, maximum = 599)]
    status: Option<u16>,
    /// The `nextCursor` of the previous page: entries older than it (page 1 only).
    #[param(pattern = "^[0-9]{1,16}_[0-9a-fA-F]{32}$")]
    cursor: Option<String>,
}

/// The deepest `page` (× at most 100 per page: 10,000 entries); deeper,
/// `cursor` is the way on.
pub(crate) const MAX_PAGE: u32 = 100;

/// A page of logs and where the next one starts.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogPage {
    /// The page.
    #[serde(flatten)]
    pub page: Page<RequestLog>,
    /// Pass as `cursor` for the entries after this page (keyset paging, as
    /// deep as the logs go); absent on a last page.
    pub next_cursor: Option<String>,
}

impl From<Page<RequestLog>> for LogPage {
    fn from(page: Page<RequestLog>) -> Self {
        let full = page.items.len() as u64 == u64::from(page.limit);
        let next_cursor = page
            .items
            .last()
            .filter(|_| full)
            .map(|e| format!("{}_{}", e.created_at.timestamp_micros(), e.id.simple()));
        LogPage { page, next_cursor }
    }
}

/// A `nextCursor`: the last entry's time (microseconds since 1970, at most
/// 16 digits) and id (32 hex digits), `{micros}_{id}`, as the documented
/// pattern says.
fn parse_cursor(raw: &str) -> Option<(DateTime<Utc>, uuid::Uuid)> {
    let (at, id) = raw.split_once('_')?;
    let digits = (1..=16).contains(&at.len()) && at.bytes().all(|b| b.is_ascii_digit());
    let hex = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !digits || !hex {
        return None;
    }
    let at = DateTime::from_timestamp_micros(at.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

/// Parses `page, limit, startDate, endDate, status`; every problem at once.
fn parse_query(raw: Option<&str>) -> Result<LogQuery, ValidationError> {
    let mut q = LogQuery::default();
    let mut errors = ValidationError::default();
    let mut cursor = None;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "page" => match value.parse::<u32>() {
                Ok(n) if n >= 1 => q.page = n,
                _ => errors.push("page", "must be a whole number of at least 1"),
            },
            "limit" => match value.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => q.limit = n,
                _ => errors.push("limit", format!("must be between 1 and {MAX_PAGE_SIZE}")),
            },
            "startDate" | "endDate" => match DateTime::parse_from_rfc3339(&value) {
                Ok(t) if key == "startDate" => q.start = Some(t.with_timezone(&Utc)),
                Ok(t) => q.end = Some(t.with_timezone(&Utc)),
                Err(_) => errors.push(key.as_ref(), "must be an RFC 3339 date-time"),
            },
            "cursor" => match parse_cursor(&value) {
                Some(c) => cursor = Some(c),
                None => errors.push("cursor", "must be a nextCursor from an earlier page"),
            },
            "status" => match value.parse::<u16>() {
                Ok(n) if (100..=599).contains(&n) => q.status = Some(n),
                _ => errors.push("status", "must be an HTTP status code (100–599)"),
            },
            _ => {}
        }
    }
    if let Some(c) = cursor {
        // Entries after the cursor's in newest-first order: older, or as old
        // with a lower id.
        let (at, id) = c;
        match q.end {
            Some(end) if end < at => {}
            _ => {
                q.end = Some(at);
                q.end_below_id = Some(id);
            }
        }
    }
    if q.page > MAX_PAGE {
        errors.push(
            "page",
            format!(
                "may be at most {MAX_PAGE}; go deeper with cursor=<nextCursor of the previous page>"
            ),
        );
    }
    errors.into_result(q)
}

/// `GET /api/mocks/{id}/logs`.
#[utoipa::path(
    get,
    path = "/api/mocks/{id}/logs",
    operation_id = "listMockLogs",
    tag = "logs",
    summary = "Request logs of a mock, newest first",
    params(("id" = Uuid, Path, description = "The mock"), LogParams),
    responses(
        (status = 200, description = "A page of the mock's requests, newest first", body = LogPage),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn mock_logs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<LogPage>> {
    let (_, mock) = access::mock(&state, &caller, &id).await?;
    let query = parse_query(raw.as_deref())?;
    Ok(Json(
        state
            .store
            .logs(LogScope::Mock(mock.id), query)
            .await?
            .into(),
    ))
}

/// `GET /api/projects/{id}/logs`: every mock of the project, unmatched requests too.
#[utoipa::path(
    get,
    path = "/api/projects/{id}/logs",
    operation_id = "listProjectLogs",
    tag = "logs",
    summary = "Request logs of a project (unmatched requests too), newest first",
    params(("id" = Uuid, Path, description = "The project"), LogParams),
    responses(
        (status = 200, description = "A page of the project's requests, newest first", body = LogPage),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn project_logs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<LogPage>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let query = parse_query(raw.as_deref())?;
    Ok(Json(
        state
            .store
            .logs(LogScope::Project(project.id), query)
            .await?
            .into(),
    ))
}

/// How often an idle log stream sends a keep-alive comment (and notices shutdown).
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// `GET /api/projects/{id}/logs/stream`: the project's new requests as they
/// are served, as server-sent events (`event: log`, data: one request log
/// entry as JSON). Entries come before they are stored; page the older ones
/// with `listProjectLogs`. A stream that fell behind gets `event: lagged`
/// (data: how many it missed) and goes on with the newest.
#[utoipa::path(
    get,
    path = "/api/projects/{id}/logs/stream",
    operation_id = "streamProjectLogs",
    tag = "logs",
    summary = "New requests of a project, live (server-sent events)",
    params(("id" = Uuid, Path, description = "The project")),
    responses(
        (status = 200, description = "An endless `text/event-stream`: `event: log` with a request log entry per event", content_type = "text/event-stream", body = String),
        (status = 404, response = errors::NotFound),
        (status = 503, response = errors::Busy),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn stream_project_logs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    use axum::response::sse::{Event, Sse};
    use tokio::sync::broadcast::error::RecvError;

    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let Some(watch) = state.logs.watch(caller.user.id) else {
        return Err(ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "TOO_MANY_STREAMS",
            format!(
                "At most {} log streams per user are open at once; close one",
                crate::logs::live::MAX_STREAMS_PER_USER
            ),
        ));
    };
    let project_id = project.id;
    let events =
        futures_util::stream::unfold((watch, state), move |(mut watch, state)| async move {
            loop {
                let next = tokio::time::timeout(KEEP_ALIVE, watch.entries.recv()).await;
                if state.draining.load(std::sync::atomic::Ordering::Acquire) {
                    return None;
                }
                let event = match next {
                    Err(_idle) => Event::default().comment("keep-alive"),
                    Ok(Ok(entry)) if entry.project_id == project_id => {
                        match Event::default().event("log").json_data(&*entry) {
                            Ok(e) => e,
                            Err(_) => continue,
                        }
                    }
                    Ok(Ok(_other_project)) => continue,
                    Ok(Err(RecvError::Lagged(n))) => {
                        Event::default().event("lagged").data(n.to_string())
                    }
                    Ok(Err(RecvError::Closed)) => return None,
                };
                return Some((Ok::<_, std::convert::Infallible>(event), (watch, state)));
            }
        });
    Ok(Sse::new(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_validated_all_at_once() {
        let q = parse_query(Some(
            "page=2&limit=50&status=404&startDate=2026-01-01T00:00:00Z",
        ))
        .unwrap();
        assert_eq!((q.page, q.limit, q.status), (2, 50, Some(404)));
        assert!(q.start.is_some() && q.end.is_none());
        let e = parse_query(Some("page=0&limit=101&status=abc&endDate=yesterday")).unwrap_err();
        let text = e.to_string();
        for field in ["page", "limit", "status", "endDate"] {
            assert!(text.contains(field), "{text}");
        }
        assert_eq!(parse_query(None).unwrap(), LogQuery::default());
    }

    #[test]
    fn the_page_window_holds_on_both_sides_and_the_cursor_goes_deeper() {
        assert!(parse_query(Some("page=100&limit=100")).is_ok());
        let e = parse_query(Some("page=101&limit=100"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cursor"), "{e}");
        assert!(parse_query(Some("page=9999999")).is_err());
        let id = "00000000000000000000000000000007";
        let q = parse_query(Some(&format!("cursor=1767225600000005_{id}"))).unwrap();
        assert_eq!(
            q.end.unwrap().to_rfc3339(),
            "2026-01-01T00:00:00.000005+00:00"
        );
        assert_eq!(q.end_below_id.unwrap().simple().to_string(), id);
        // An earlier endDate stays the bound, with no id cut.
        let q = parse_query(Some(&format!(
            "endDate=2025-01-01T00:00:00Z&cursor=1767225600000000_{id}"
        )))
        .unwrap();
        assert_eq!(
            (q.end.unwrap().to_rfc3339(), q.end_below_id),
            ("2025-01-01T00:00:00+00:00".into(), None)
        );
        // With a cursor, page counts from it.
        let q = parse_query(Some(&format!("cursor=1767225600000000_{id}&page=2"))).unwrap();
        assert_eq!(q.page, 2);
        for bad in [
            "nope".to_owned(),
            "1767225600000000".to_owned(),
            "1767225600000000_nope".to_owned(),
            "_".to_owned(),
            format!("12345678901234567_{id}"),
            format!("-5_{id}"),
            "1767225600000000_00000000-0000-0000-0000-000000000007".to_owned(),
        ] {
            assert!(
                parse_query(Some(&format!("cursor={bad}"))).is_err(),
                "{bad}"
            );
        }
    }
}
