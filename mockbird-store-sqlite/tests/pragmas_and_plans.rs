//! The connection settings the store promises, and the indexes the hot
//! queries use (`EXPLAIN QUERY PLAN`).

use sqlx::Row;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use mockbird_store_sqlite::SqliteStore;

async fn open() -> (tempfile::TempDir, SqliteStore, sqlx::SqliteConnection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let conn = SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    (dir, store, conn)
}

async fn plan(conn: &mut sqlx::SqliteConnection, sql: &'static str) -> String {
    let rows = sqlx::query(sql).fetch_all(conn).await.unwrap();
    rows.iter()
        .map(|r| r.get::<String, _>("detail"))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn database_is_in_wal_mode_and_reopens_idempotently() {
    let (dir, store, mut conn) = open().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    store.close().await;
    conn.close().await.unwrap();
    // Migrations already applied: opening again changes nothing and succeeds.
    let again = SqliteStore::open(dir.path().join("plans.db"))
        .await
        .unwrap();
    mockbird_core::store::DatabaseService::ping(&again)
        .await
        .unwrap();
}

#[tokio::test]
async fn hot_queries_use_their_indexes() {
    let (_dir, _store, mut conn) = open().await;
    let cases = [
        (
            "EXPLAIN QUERY PLAN SELECT id FROM projects WHERE slug = 'x'",
            "sqlite_autoindex_projects",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT id FROM mocks WHERE project_id = 'p' ORDER BY rowid",
            "mocks_project",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT c.id FROM request_log_chunks c WHERE c.project_id = 'p' \
             AND c.last_at >= 'a' AND c.first_at <= 'b' ORDER BY c.last_at DESC, c.id DESC LIMIT 256",
            "request_log_chunks_project",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT c.id FROM request_log_chunks c WHERE c.mock_id = 'm' \
             ORDER BY c.last_at DESC, c.id DESC LIMIT 256 OFFSET 256",
            "request_log_chunks_mock",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT id FROM api_keys WHERE key_hash = 'h'",
            "sqlite_autoindex_api_keys",
        ),
    ];
    for (sql, expected) in cases {
        let detail = plan(&mut conn, sql).await;
        assert!(detail.contains(expected), "{sql}\n  plan: {detail}");
        assert!(
            !detail.contains("USE TEMP B-TREE FOR ORDER BY"),
            "{sql}\n  sorts: {detail}"
        );
        eprintln!("{sql}\n  -> {detail}");
    }
}
