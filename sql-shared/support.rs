//! What every query module uses: the transaction type and the conversions of
//! driver errors and rows into the store's results.

use mockbird_core::store::StoreError;

use crate::dialect;

pub(crate) use crate::dialect::Tx;

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
