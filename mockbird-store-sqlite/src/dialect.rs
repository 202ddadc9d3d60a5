//! SQLite's side of the shared SQL: ids as hyphenated UUID text, timestamps as
//! fixed-width RFC 3339 text (`2026-11-23T10:00:00.123456Z`), so comparing the
//! text compares the instants and the indexes on `created_at` order by time.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

/// The driver.
pub(crate) type Db = sqlx::Sqlite;

/// A write transaction of this driver.
pub(crate) type Tx = sqlx::Transaction<'static, Db>;
/// A result row.
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
/// Name used in errors and `DatabaseService::backend`.
pub(crate) const BACKEND: &str = "sqlite";
/// A log chunk's response-time histogram as rows `(key, value)`: milliseconds and count.
pub(crate) const TIMES_EACH: &str = "json_each(c.times)";

/// In the upsert of `request_log_hours`: the stored histogram plus the new one.
pub(crate) const MERGED_TIMES: &str = "(SELECT json_group_object(key, n) FROM (\
     SELECT key, SUM(value) AS n FROM (\
       SELECT key, value FROM json_each(request_log_hours.times) \
       UNION ALL SELECT key, value FROM json_each(excluded.times)) \
     GROUP BY key))";

/// A timestamp column as whole seconds since the Unix epoch.
pub(crate) fn epoch(col: &str) -> String {
    format!("CAST(strftime('%s', substr({col}, 1, 19)) AS INTEGER)")
}

/// An id as bound.
pub(crate) fn id(u: Uuid) -> String {
    u.hyphenated().to_string()
}

/// A timestamp as bound: UTC, microseconds, fixed width.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Written field by field: `format()` parses its pattern on every call,
    // which showed in profiles at one timestamp per stored request log.
    let t = mockbird_core::clock::storable(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_micros().min(999_999)
    )
}

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// An id column.
pub(crate) fn get_id(row: &DbRow, col: &str) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(&row.try_get::<String, _>(col)?).map_err(decode_err)
}

/// A nullable id column.
pub(crate) fn get_opt_id(row: &DbRow, col: &str) -> Result<Option<Uuid>, sqlx::Error> {
    row.try_get::<Option<String>, _>(col)?
        .map(|s| Uuid::parse_str(&s).map_err(decode_err))
        .transpose()
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(decode_err)
}

/// A timestamp column.
pub(crate) fn get_ts(row: &DbRow, col: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    parse_ts(&row.try_get::<String, _>(col)?)
}

/// A nullable timestamp column.
pub(crate) fn get_opt_ts(row: &DbRow, col: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get::<Option<String>, _>(col)?
        .map(|s| parse_ts(&s))
        .transpose()
}

/// Nothing to do: write transactions start with `BEGIN IMMEDIATE`, which
/// already holds the database's single write lock.
pub(crate) async fn lock_org(_tx: &mut Tx, _org_id: Uuid) -> Result<(), sqlx::Error> {
    Ok(())
}

/// The mock's row (`project_id`), under the write lock every write transaction holds.
pub(crate) async fn lock_mock(tx: &mut Tx, mock_id: Uuid) -> Result<Option<DbRow>, sqlx::Error> {
    sqlx::query("SELECT project_id FROM mocks WHERE id = $1")
        .bind(id(mock_id))
        .fetch_optional(&mut **tx)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fixed_width_rfc3339_micros() {
        for text in [
            "2026-11-23T10:00:00Z",
            "2026-01-02T03:04:05.000006Z",
            "0001-01-01T00:00:00.123456Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            let t = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            let old = mockbird_core::clock::storable(t).format("%Y-%m-%dT%H:%M:%S%.6fZ");
            assert_eq!(ts(t), old.to_string());
            assert_eq!(ts(t).len(), 27);
        }
    }
}
