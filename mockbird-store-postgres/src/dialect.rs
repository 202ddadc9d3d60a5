//! PostgreSQL's side of the shared SQL: native `UUID` and `TIMESTAMPTZ`
//! values, `SELECT … FOR UPDATE` row locks, and JSON read with `json_each_text`.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

/// The driver.
pub(crate) type Db = sqlx::Postgres;

/// A write transaction of this driver.
pub(crate) type Tx = sqlx::Transaction<'static, Db>;
/// A result row.
pub(crate) type DbRow = sqlx::postgres::PgRow;
/// Name used in errors and `DatabaseService::backend`.
pub(crate) const BACKEND: &str = "postgres";
/// A log chunk's response-time histogram as rows `(key, value)`: milliseconds and count.
pub(crate) const TIMES_EACH: &str = "json_each_text(CAST(c.times AS json))";

/// In the upsert of `request_log_hours`: the stored histogram plus the new one.
pub(crate) const MERGED_TIMES: &str = "(SELECT CAST(json_object_agg(key, n) AS TEXT) FROM (\
     SELECT key, SUM(CAST(value AS BIGINT)) AS n FROM (\
       SELECT key, value FROM json_each_text(CAST(request_log_hours.times AS json)) \
       UNION ALL SELECT key, value FROM json_each_text(CAST(EXCLUDED.times AS json))) u \
     GROUP BY key) g)";

/// A timestamp column as whole seconds since the Unix epoch.
pub(crate) fn epoch(col: &str) -> String {
    format!("CAST(floor(extract(epoch FROM {col})) AS BIGINT)")
}

/// An id as bound.
pub(crate) fn id(u: Uuid) -> Uuid {
    u
}

/// A timestamp as bound.
pub(crate) fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    mockbird_core::clock::storable(t)
}

/// An id column.
pub(crate) fn get_id(row: &DbRow, col: &str) -> Result<Uuid, sqlx::Error> {
    row.try_get(col)
}

/// A nullable id column.
pub(crate) fn get_opt_id(row: &DbRow, col: &str) -> Result<Option<Uuid>, sqlx::Error> {
    row.try_get(col)
}

/// A timestamp column.
pub(crate) fn get_ts(row: &DbRow, col: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    row.try_get(col)
}

/// A nullable timestamp column.
pub(crate) fn get_opt_ts(row: &DbRow, col: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get(col)
}

/// Locks the organization's row until `tx` ends: serializes endpoint-cap
/// checks and last-owner checks of one organization across sessions.
pub(crate) async fn lock_org(tx: &mut Tx, org_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM organizations WHERE id = $1 FOR UPDATE")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await
        .map(drop)
}

/// Locks the mock's row until `tx` ends (default-response exclusivity) and
/// returns it (`project_id`).
pub(crate) async fn lock_mock(tx: &mut Tx, mock_id: Uuid) -> Result<Option<DbRow>, sqlx::Error> {
    sqlx::query("SELECT project_id FROM mocks WHERE id = $1 FOR UPDATE")
        .bind(mock_id)
        .fetch_optional(&mut **tx)
        .await
}
