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

/// `t` limited to years 0001–9999, the range both SQL stores keep exactly (the
/// SQLite text form is fixed-width only there; PostgreSQL rejects far less,
/// but a query bound such as `DateTime::MIN_UTC` must not be an error).
pub fn storable(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::TimeZone;
    let min = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single().unwrap_or(t);
    let max = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(t);
    t.clamp(min, max)
}

/// The calendar month of `at` as `YYYY-MM`, the key of monthly usage.
pub fn month_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// The timestamp type used throughout MockBird.
pub type Timestamp = DateTime<Utc>;
