//! The SQLite store against the whole conformance suite, each case on its own file.

use mockbird_store_sqlite::SqliteStore;

async fn fresh_store() -> Option<SqliteStore> {
    // The directory must outlive the store: leak it (the OS temp dir is cleaned elsewhere).
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Some(
        SqliteStore::open(dir.join("mockbird.db"))
            .await
            .expect("open sqlite store"),
    )
}

mockbird_core::store_conformance_tests!(fresh_store);
