//! MockBird's [`DatabaseService`] on PostgreSQL: for production, and for
//! several server instances sharing one database.
//!
//! Native types (`UUID`, `TIMESTAMPTZ`, `JSONB`, `INET`), embedded migrations
//! run on connect (under PostgreSQL's advisory lock, so instances starting
//! together are safe), row locks for the multi-row invariants. The pool has a
//! short acquire timeout and a statement timeout, so an outage turns into fast,
//! clear errors instead of hangs, and it heals by itself: connections are
//! checked before use, and new ones are opened once the server is back.
//!
//! ```no_run
//! use mockbird_core::store::DatabaseService;
//! use mockbird_store_postgres::{PostgresConfig, PostgresStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = PostgresConfig::from_url("postgres://postgres@127.0.0.1:5432/mockbird")?;
//! let store = PostgresStore::connect(config).await?;
//! store.ping().await?;
//! assert_eq!(store.backend(), "postgres");
//! # Ok(())
//! # }
//! ```

mod config;
mod dialect;
#[path = "../../sql-shared/mod.rs"]
mod sql;

use async_trait::async_trait;
use mockbird_core::store::{DatabaseService, StoreError, StoreResult};
use sqlx::postgres::{PgPool, PgPoolOptions};

pub use config::PostgresConfig;
pub use sql::LOG_BATCH_ROWS;

/// The embedded migrations.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A [`DatabaseService`] on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

/// The store type the shared SQL implements the traits for.
pub(crate) type Store = PostgresStore;

fn connect_err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend {
        backend: dialect::BACKEND,
        source: e.into(),
    }
}

impl PostgresStore {
    /// Connects and brings the schema up to date.
    pub async fn connect(config: PostgresConfig) -> StoreResult<Self> {
        let options = config.options.clone().options([(
            "statement_timeout",
            config.statement_timeout.as_millis().to_string(),
        )]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        MIGRATOR.run(&pool).await.map_err(connect_err)?;
        tracing::info!(
            max_connections = config.max_connections,
            acquire_timeout_ms = config.acquire_timeout.as_millis() as u64,
            "postgres store connected"
        );
        Ok(Self { pool })
    }

    /// Closes the pool, waiting for running calls; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn reader(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction (READ COMMITTED; invariants take row locks).
    pub(crate) async fn begin(&self) -> StoreResult<dialect::Tx> {
        self.pool.begin().await.map_err(sql::backend)
    }
}

#[async_trait]
impl DatabaseService for PostgresStore {
    fn backend(&self) -> &'static str {
        dialect::BACKEND
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(sql::backend)?;
        Ok(())
    }
}
