//! A fresh database per test on the server named by `MOCKBIRD_TEST_POSTGRES_URL`,
//! so tests run in parallel without seeing each other.

#![allow(dead_code, unreachable_pub)]

use mockbird_store_postgres::{PostgresConfig, PostgresStore};
use sqlx::Connection;

/// The test server's URL; `None` (with a note) when unset, a panic when unset under CI.
pub fn test_url() -> Option<String> {
    match std::env::var("MOCKBIRD_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but MOCKBIRD_TEST_POSTGRES_URL is not: PostgreSQL tests must run")
        }
        Err(_) => {
            eprintln!("skipped: MOCKBIRD_TEST_POSTGRES_URL not set");
            None
        }
    }
}

/// Creates an empty database and returns settings pointing at it.
pub async fn fresh_config() -> Option<PostgresConfig> {
    let url = test_url()?;
    let name = format!("mockbird_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to MOCKBIRD_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let mut config = PostgresConfig::from_url(&url)
        .expect("valid test URL")
        .with_database(&name);
    config.max_connections = 4;
    Some(config)
}

/// A store on a fresh database.
pub async fn fresh_store() -> Option<PostgresStore> {
    let config = fresh_config().await?;
    Some(PostgresStore::connect(config).await.expect("connect store"))
}
