//! MockBird's [`DatabaseService`] on embedded SQLite: the zero-setup default
//! (`./mockbird.db`), durable across crashes.
//!
//! The database runs in WAL mode with `synchronous=NORMAL` (a committed
//! transaction survives the process being killed), foreign keys on and a busy
//! timeout. Writes go through one connection, each in a `BEGIN IMMEDIATE`
//! transaction, so multi-row invariants (one default response, endpoint caps,
//! last owner) cannot race; reads use a pool of read-only connections that
//! never wait for the writer. Migrations are embedded and run on open.
//!
//! ```
//! use mockbird_core::store::{DatabaseService, UserStore};
//! use mockbird_core::model::NewUser;
//! use mockbird_store_sqlite::SqliteStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("mockbird.db")).await?;
//! let user = store
//!     .create_user(NewUser {
//!         email: "ada@example.com".into(),
//!         name: "Ada".into(),
//!         password_hash: "argon2id$…".into(),
//!     })
//!     .await?;
//! assert_eq!(store.user(user.id).await?.email, "ada@example.com");
//! assert_eq!(store.backend(), "sqlite");
//! # Ok(())
//! # }
//! ```

mod dialect;
#[path = "../../sql-shared/mod.rs"]
mod sql;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use mockbird_core::store::{DatabaseService, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use sql::LOG_BATCH_ROWS;

/// The embedded migrations.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How to open a SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    /// The database file; created when missing.
    pub path: PathBuf,
    /// Read-only connections in the reader pool.
    pub readers: u32,
    /// How long a statement waits for a lock held by another process.
    pub busy_timeout: Duration,
    /// How long a call waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl SqliteConfig {
    /// Defaults for `path`: 4 readers, 5 s busy timeout, 5 s acquire timeout.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A [`DatabaseService`] on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    path: PathBuf,
}

/// The store type the shared SQL implements the traits for.
pub(crate) type Store = SqliteStore;

fn open_err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend {
        backend: dialect::BACKEND,
        source: e.into(),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with default settings
    /// and brings its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::open_with(SqliteConfig::new(path.as_ref())).await
    }

    /// Opens with explicit settings.
    pub async fn open_with(config: SqliteConfig) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(&config.path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(config.busy_timeout)
            .foreign_keys(true);
        // No ping before each use: a connection to a local file does not go
        // stale, and the ping is a round trip to the driver's worker thread.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options.clone().create_if_missing(true))
            .await
            .map_err(open_err)?;
        MIGRATOR.run(&writer).await.map_err(open_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(config.readers.max(1))
            .test_before_acquire(false)
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options.read_only(true))
            .await
            .map_err(open_err)?;
        tracing::info!(path = %config.path.display(), "sqlite store open (WAL, synchronous=NORMAL)");
        Ok(Self {
            writer,
            reader,
            path: config.path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes both pools, waiting for running calls; later calls fail.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A write transaction holding the database's write lock from its start.
    pub(crate) async fn begin(&self) -> StoreResult<dialect::Tx> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql::backend)
    }
}

#[async_trait]
impl DatabaseService for SqliteStore {
    fn backend(&self) -> &'static str {
        dialect::BACKEND
    }

    async fn close(&self) {
        self.reader.close().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
        }
        self.writer.close().await;
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(sql::backend)?;
        Ok(())
    }
}
