//! The indexes the hot queries use, from PostgreSQL's `EXPLAIN` (with
//! sequential scans and sorts disabled, since a near-empty table is always
//! cheaper to scan and sort).

mod common;

use sqlx::{Connection, Row};

#[tokio::test]
async fn hot_queries_use_their_indexes() {
    let Some(config) = common::fresh_config().await else {
        return;
    };
    let _store = mockbird_store_postgres::PostgresStore::connect(config.clone())
        .await
        .unwrap();
    let mut conn = sqlx::PgConnection::connect_with(&config.options)
        .await
        .unwrap();
    // Forbid what an empty table makes cheapest, so the plan shows what the
    // indexes can do: find the rows and deliver them in the order asked.
    for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("SET {setting} = off")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let id = "'00000000-0000-0000-0000-000000000000'";
    let cases = [
        (
            "SELECT id FROM projects WHERE slug = 'x'".to_owned(),
            "projects_slug_key",
        ),
        (
            format!("SELECT id FROM mocks WHERE project_id = {id} ORDER BY rowid"),
            "mocks_project",
        ),
        (
            format!(
                "SELECT c.id FROM request_log_chunks c WHERE c.project_id = {id} \
                 AND c.last_at >= now() - interval '1 day' ORDER BY c.last_at DESC, c.id DESC LIMIT 256"
            ),
            "request_log_chunks_project",
        ),
        (
            format!(
                "SELECT c.id FROM request_log_chunks c WHERE c.mock_id = {id} \
                 ORDER BY c.last_at DESC, c.id DESC LIMIT 256 OFFSET 256"
            ),
            "request_log_chunks_mock",
        ),
        (
            "SELECT id FROM api_keys WHERE key_hash = 'h'".to_owned(),
            "api_keys_key_hash_key",
        ),
    ];
    for (sql, index) in cases {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
        let plan = plan.join("\n");
        assert!(plan.contains(index), "{sql}\n{plan}");
        assert!(!plan.contains("Sort"), "{sql} sorts:\n{plan}");
        eprintln!("{sql}\n{plan}\n");
    }
}
