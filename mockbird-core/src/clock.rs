//! Timestamps as every store keeps them: UTC, microsecond precision.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time, truncated to microseconds so it survives a round trip
/// through any store (PostgreSQL keeps microseconds) unchanged.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `at` truncated to microseconds (see [`now`]).
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The calendar month of `at` as `YYYY-MM`, the key of monthly usage.
pub fn month_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// The timestamp type used throughout MockBird.
pub type Timestamp = DateTime<Utc>;
