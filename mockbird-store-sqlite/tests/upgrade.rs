//! A database written before request logs were chunked upgrades in place
//! when the store opens it: every entry reads back.

#[path = "../../sql-shared/testdata/upgrade.rs"]
mod upgrade;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use mockbird_store_sqlite::SqliteStore;

#[tokio::test]
async fn logs_stored_one_row_per_entry_read_back_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true)
        .connect()
        .await
        .unwrap();
    sqlx::migrate!("./migrations")
        .run_to(upgrade::BEFORE, &mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(upgrade::OLD_LOGS)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    upgrade::check(&store).await;
}
