//! The SQL both durable stores share.
//!
//! This directory is not a crate: `mockbird-store-sqlite` and
//! `mockbird-store-postgres` each compile it as a module (`#[path]`), next to
//! their own `dialect` module that names the driver (`Db`), how ids and
//! timestamps are bound and read, and the few statements that differ (row
//! locks, reading JSON). Every query and every multi-row invariant is
//! written once, yet each crate gets concrete, non-generic sqlx code.
//!
//! Each crate's store type is `crate::Store` and provides `reader()`,
//! `writer()` (pools) and `begin()` (a write transaction).

mod billing;
mod convert;
mod keys;
mod log_chunks;
mod logs;
mod mocks;
mod orgs;
mod projects;
mod sessions;
mod users;

use mockbird_core::store::StoreError;

use crate::dialect;

pub use logs::LOG_BATCH_ROWS;

/// A write transaction of the crate's driver.
pub(crate) type Tx = sqlx::Transaction<'static, dialect::Db>;

/// A driver failure as a [`StoreError::Backend`].
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend {
        backend: dialect::BACKEND,
        source: Box::new(e),
    }
}

/// A failed write: a unique violation is a conflict on `entity`/`key`, a
/// missing parent row (foreign key) is "not found", the rest is a backend error.
pub(crate) fn write_err(e: sqlx::Error, entity: &'static str, key: impl ToString) -> StoreError {
    if let Some(db) = e.as_database_error() {
        if db.is_unique_violation() {
            return StoreError::conflict(entity, key);
        }
        if db.is_foreign_key_violation() {
            return StoreError::not_found("referenced record", key);
        }
    }
    backend(e)
}

/// `Some(row)` or [`StoreError::NotFound`].
pub(crate) fn found<T>(
    row: Option<T>,
    entity: &'static str,
    key: impl ToString,
) -> Result<T, StoreError> {
    row.ok_or_else(|| StoreError::not_found(entity, key))
}

/// A `u64`/`u32` count or amount as the signed integer SQL stores.
pub(crate) fn int(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

/// Converts every row with `f`.
pub(crate) fn all<T>(
    rows: Vec<dialect::DbRow>,
    f: fn(&dialect::DbRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(|r| f(r).map_err(backend)).collect()
}

/// Converts one row with `f`, or [`StoreError::NotFound`] when there is none.
pub(crate) fn one<T>(
    row: Option<dialect::DbRow>,
    f: fn(&dialect::DbRow) -> Result<T, sqlx::Error>,
    entity: &'static str,
    key: impl ToString,
) -> Result<T, StoreError> {
    f(&found(row, entity, key)?).map_err(backend)
}

/// `t` limited to years 0001–9999, the range both stores keep exactly (the
/// SQLite text form is fixed-width only there; PostgreSQL rejects far less,
/// but a query bound such as `DateTime::MIN_UTC` must not be an error).
pub(crate) fn clamp_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{TimeZone, Utc};
    let min = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single().unwrap_or(t);
    let max = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(t);
    t.clamp(min, max)
}
