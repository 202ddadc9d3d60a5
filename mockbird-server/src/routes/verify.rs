//! `GET /api/projects/{id}/verify`: what a CI suite asks of a shared mock —
//! how many requests of a kind arrived, and which no mock answered, with why.
//! Answered from the request log (entries are stored within about 0.2 s of
//! being served).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use mockbird_core::ValidationError;
use mockbird_core::engine::Outcome;
use mockbird_core::model::{HttpMethod, LogQuery, LogScope, MAX_PAGE_SIZE, RequestLog, Role};
use mockbird_core::request::MockRequest;
use mockbird_core::routing::PathPattern;
use mockbird_core::template::Budget;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::openapi::errors;
use crate::routes::access;
use crate::state::AppState;

/// Most log entries one verification looks at; past it the answer says
/// `complete: false` (narrow the time range).
pub(crate) const MAX_SCANNED: u64 = 50_000;
/// Most unmatched requests one verification lists (the newest).
pub(crate) const MAX_UNMATCHED: usize = 50;

/// The query of `GET /api/projects/{id}/verify`, as documented; read by
/// [`Filter::parse`] so that every problem is named at once.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // documentation only
struct VerifyParams {
    /// Only requests with this method.
    #[param(inline)]
    method: Option<RequestMethod>,
    /// Only requests whose path matches: an exact path, or a pattern with
    /// `{param}` (one segment) and `{*rest}` (the rest), as a mock's path.
    #[param(value_type = Option<String>, schema_with = mockbird_core::model::path_schema)]
    path: Option<String>,
    /// Only requests this mock answered (one of its responses was served).
    mock_id: Option<Uuid>,
    /// RFC 3339, inclusive.
    start_date: Option<DateTime<Utc>>,
    /// RFC 3339, inclusive.
    end_date: Option<DateTime<Utc>>,
}

/// An HTTP method a request arrives with.
#[derive(ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)] // documentation only
enum RequestMethod {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
    HEAD,
    OPTIONS,
}

/// Which requests count.
struct Filter {
    method: Option<String>,
    path: Option<PathPattern>,
    mock_id: Option<Uuid>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl Filter {
    fn parse(raw: Option<&str>) -> Result<Filter, ValidationError> {
        let mut f = Filter {
            method: None,
            path: None,
            mock_id: None,
            start: None,
            end: None,
        };
        let mut errors = ValidationError::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "method" => match value.parse::<HttpMethod>() {
                    Ok(m) if m != HttpMethod::Any => f.method = Some(m.as_str().to_owned()),
                    _ => errors.push(
                        "method",
                        "must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS",
                    ),
                },
                "path" => match PathPattern::parse(&value) {
                    Ok(p) => f.path = Some(p),
                    Err(e) => errors.push("path", e.to_string()),
                },
                "mockId" => match value.parse::<Uuid>() {
                    Ok(id) => f.mock_id = Some(id),
                    Err(_) => errors.push("mockId", "must be a mock's id (a UUID)"),
                },
                "startDate" | "endDate" => match DateTime::parse_from_rfc3339(&value) {
                    Ok(t) if key == "startDate" => f.start = Some(t.with_timezone(&Utc)),
                    Ok(t) => f.end = Some(t.with_timezone(&Utc)),
                    Err(_) => errors.push(key.as_ref(), "must be an RFC 3339 date-time"),
                },
                other => errors.push(
                    other,
                    "is not a filter: method, path, mockId, startDate or endDate",
                ),
            }
        }
        errors.into_result(f)
    }

    fn holds(&self, log: &RequestLog) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| log.request_method.eq_ignore_ascii_case(m))
            && self
                .path
                .as_ref()
                .is_none_or(|p| p.matches(&log.request_path).is_some())
            && self
                .mock_id
                .is_none_or(|id| log.mock_id == Some(id) && log.response_id.is_some())
    }
}

/// The answer of a verification.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Verification {
    /// Requests that match every filter.
    pub count: u64,
    /// Whether every logged request of the range was looked at; `false`
    /// past 50,000 entries (narrow `startDate`/`endDate`).
    pub complete: bool,
    /// Log entries looked at.
    pub scanned: u64,
    /// Of the matching requests, those no mock answered (404 or 405 without
    /// a response served), newest first, at most 50.
    pub unmatched: Vec<Unmatched>,
}

/// A request no mock answered, and why.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Unmatched {
    /// The logged request.
    pub request: RequestLog,
    /// Why the project's mocks, as they are now, do not answer it: the
    /// serving error's body (`{error, message, details}` — each failed
    /// condition with expected and actual value for `NO_MATCHING_RESPONSE`);
    /// `null` when a mock answers it now (the mocks changed since).
    #[schema(value_type = Option<Object>)]
    pub reason: Option<serde_json::Value>,
}

/// `GET /api/projects/{id}/verify?method=&path=&mockId=&startDate=&endDate=`.
#[utoipa::path(
    get,
    path = "/api/projects/{id}/verify",
    operation_id = "verifyProjectRequests",
    tag = "logs",
    summary = "Count a project's requests of a kind, and list the unmatched ones with why",
    params(("id" = Uuid, Path, description = "The project"), VerifyParams),
    responses(
        (status = 200, description = "How many requests matched, and the unmatched ones with their reasons", body = Verification),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Verification>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let filter = Filter::parse(raw.as_deref())?;
    let scope = match filter.mock_id {
        Some(mock) => LogScope::Mock(mock),
        None => LogScope::Project(project.id),
    };
    let mut query = LogQuery {
        limit: MAX_PAGE_SIZE,
        start: filter.start,
        end: filter.end,
        ..LogQuery::default()
    };
    let mut answer = Verification {
        count: 0,
        complete: true,
        scanned: 0,
        unmatched: Vec::new(),
    };
    let mut unmatched = Vec::new();
    loop {
        let page = state.store.logs(scope, query).await?;
        let last = page.items.last().map(|e| (e.created_at, e.id));
        for log in page.items {
            if log.project_id != project.id {
                continue; // a mock id of another project counts nothing
            }
            answer.scanned += 1;
            if !filter.holds(&log) {
                continue;
            }
            answer.count += 1;
            let refused = log.response_id.is_none() && matches!(log.response_status, 404 | 405);
            if refused && unmatched.len() < MAX_UNMATCHED {
                unmatched.push(log);
            }
        }
        match last {
            Some((at, id)) if answer.scanned < MAX_SCANNED => {
                query.end = Some(at);
                query.end_below_id = Some(id);
            }
            Some(_) => {
                answer.complete = false;
                break;
            }
            None => break,
        }
    }
    let snapshot = state
        .snapshots
        .get(state.store.as_ref(), &state.metrics, &project.slug)
        .await?;
    answer.unmatched = unmatched
        .into_iter()
        .map(|log| {
            let reason = snapshot
                .as_ref()
                .and_then(|s| why_unmatched(&s.engine, &log));
            Unmatched {
                request: log,
                reason,
            }
        })
        .collect();
    Ok(Json(answer))
}

/// The serving error `engine` gives the logged request now; `None` when it answers it.
fn why_unmatched(
    engine: &mockbird_core::engine::Engine,
    log: &RequestLog,
) -> Option<serde_json::Value> {
    let method = http::Method::from_bytes(log.request_method.as_bytes()).ok()?;
    let mut request = MockRequest::new(method, &log.request_path);
    if !log.request_query.is_empty() {
        request.query = Some(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&log.request_query)
                .finish(),
        );
    }
    for (k, v) in &log.request_headers {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            request.headers.append(k, v);
        }
    }
    if let Some(body) = &log.request_body {
        request.body = bytes::Bytes::from(body.clone());
    }
    // Selection only matters here; a template that now answers is not rendered past the inline budget.
    match engine.handle_within(&request, Budget::INLINE) {
        Outcome::Matched(_) | Outcome::TemplateError { .. } => None,
        other => other.error_answer().map(|a| a.body),
    }
}
