//! Request logs, their queries, and monthly usage.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationError;

/// Largest page size of a log query.
pub const MAX_PAGE_SIZE: u32 = 100;

/// One request served (or refused) under `/m/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RequestLog {
    /// Identifier.
    pub id: Uuid,
    /// The matched mock; `None` when no mock matched.
    pub mock_id: Option<Uuid>,
    /// The project addressed.
    pub project_id: Uuid,
    /// Method as received.
    pub request_method: String,
    /// Percent-decoded path after `/m/{slug}`.
    pub request_path: String,
    /// Headers, with credentials `[redacted]`.
    pub request_headers: BTreeMap<String, String>,
    /// Query parameters (first value of each).
    pub request_query: BTreeMap<String, String>,
    /// Body as text, at most 64 KiB.
    pub request_body: Option<String>,
    /// Whether the body was cut at 64 KiB.
    pub request_body_truncated: bool,
    /// The response served; `None` when none was.
    pub response_id: Option<Uuid>,
    /// Status returned.
    pub response_status: u16,
    /// Time to answer, in milliseconds (delay included).
    pub response_time_ms: u32,
    /// Client address.
    pub ip_address: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// When the request arrived.
    pub created_at: DateTime<Utc>,
}

/// A log entry to be stored; the same fields as [`RequestLog`], id included
/// (made by the writer so a retried batch cannot duplicate).
pub type NewRequestLog = RequestLog;

/// Which logs a query looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogScope {
    /// One mock's logs.
    Mock(Uuid),
    /// All of a project's logs, unmatched requests included.
    Project(Uuid),
}

/// Pagination and filters of a log query. Results are newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogQuery {
    /// 1-based page.
    pub page: u32,
    /// Page size, 1–100.
    pub limit: u32,
    /// Only entries at or after this instant.
    pub start: Option<DateTime<Utc>>,
    /// Only entries at or before this instant.
    pub end: Option<DateTime<Utc>>,
    /// With `end`: of the entries logged at exactly `end`, only those whose
    /// id sorts below this one (keyset paging resumes after the last entry
    /// of a page, by timestamp and then id, so entries sharing a microsecond
    /// are neither skipped nor repeated).
    pub end_below_id: Option<Uuid>,
    /// Only entries with this status.
    pub status: Option<u16>,
}

impl Default for LogQuery {
    fn default() -> Self {
        LogQuery {
            page: 1,
            limit: 20,
            start: None,
            end: None,
            end_below_id: None,
            status: None,
        }
    }
}

impl LogQuery {
    /// Validates page (≥ 1) and limit (1–100), all problems at once.
    pub fn new(page: u32, limit: u32) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        if page == 0 {
            errors.push("page", "must be at least 1");
        }
        if limit == 0 || limit > MAX_PAGE_SIZE {
            errors.push("limit", format!("must be between 1 and {MAX_PAGE_SIZE}"));
        }
        errors.into_result(LogQuery {
            page,
            limit,
            ..LogQuery::default()
        })
    }

    /// Whether an entry logged at `at` with `id` is inside the time range.
    pub fn holds(&self, at: DateTime<Utc>, id: Uuid) -> bool {
        self.start.is_none_or(|t| at >= t)
            && self.end.is_none_or(|t| {
                at < t || (at == t && self.end_below_id.is_none_or(|below| id < below))
            })
    }

    /// Whether every entry logged between `first` and `last` (inclusive) is
    /// inside the time range, whatever its id.
    pub fn covers(&self, first: DateTime<Utc>, last: DateTime<Utc>) -> bool {
        self.start.is_none_or(|t| first >= t)
            && self
                .end
                .is_none_or(|t| last < t || (last == t && self.end_below_id.is_none()))
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.limit)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The entries of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Page size asked for.
    pub limit: u32,
    /// Entries over all pages.
    pub total: u64,
}

/// An organization's usage in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    /// The organization.
    pub org_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// Requests counted against the quota.
    pub request_count: u64,
    /// Response bytes served.
    pub bandwidth_bytes: u64,
}

/// Requests of one time bucket, as [`crate::store::LogStore::log_stats`] counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogBucket {
    /// Start of the bucket (aligned to its size, UTC).
    pub start: DateTime<Utc>,
    /// Requests in the bucket.
    pub requests: u64,
    /// Of those, responses with status ≥ 400.
    pub errors: u64,
    /// Sum of their response times, in milliseconds.
    pub total_ms: u64,
}

/// Aggregates of a scope's logs since an instant: what analytics are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStats {
    /// Buckets that hold requests, oldest first (empty buckets are absent).
    pub buckets: Vec<LogBucket>,
    /// Requests per mock, most first; `None` collects unmatched requests.
    pub by_mock: Vec<(Option<Uuid>, u64)>,
    /// 95th percentile of the response times (nearest rank), 0 without requests.
    pub p95_ms: u32,
}

impl LogStats {
    /// All requests counted.
    pub fn total(&self) -> u64 {
        self.buckets.iter().map(|b| b.requests).sum()
    }

    /// Rank (0-based, ascending) of the 95th percentile among `n` values: nearest rank.
    pub fn p95_rank(n: u64) -> u64 {
        (n * 95).div_ceil(100).saturating_sub(1)
    }
}
