//! Connection settings, from code or from `MOCKBIRD_DATABASE_*` variables.

use std::str::FromStr;
use std::time::Duration;

use mockbird_core::store::StoreError;
use sqlx::postgres::PgConnectOptions;

/// How to connect to PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    /// Server, database, user (parsed from a `postgres://` URL).
    pub options: PgConnectOptions,
    /// Most connections the pool opens (default 10).
    pub max_connections: u32,
    /// How long a call waits for a connection before failing (default 3 s;
    /// sqlx's 30 s would turn an outage into a hang).
    pub acquire_timeout: Duration,
    /// Server-side limit per statement (default 10 s).
    pub statement_timeout: Duration,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        backend: "postgres",
        source: format!("invalid {what}: {e}").into(),
    }
}

impl PostgresConfig {
    /// Defaults for a `postgres://user@host:port/database` URL.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        Ok(Self {
            options: PgConnectOptions::from_str(url).map_err(|e| invalid("database URL", e))?,
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(10),
        })
    }

    /// The same settings for another database on the same server.
    pub fn with_database(mut self, database: &str) -> Self {
        self.options = self.options.database(database);
        self
    }

    /// From the environment: `MOCKBIRD_DATABASE_URL` (required),
    /// `MOCKBIRD_DATABASE_MAX_CONNECTIONS`, `MOCKBIRD_DATABASE_ACQUIRE_TIMEOUT_MS`,
    /// `MOCKBIRD_DATABASE_STATEMENT_TIMEOUT_MS`.
    pub fn from_env() -> Result<Self, StoreError> {
        let url = std::env::var("MOCKBIRD_DATABASE_URL")
            .map_err(|_| invalid("environment", "MOCKBIRD_DATABASE_URL is not set"))?;
        let mut config = Self::from_url(&url)?;
        let number = |name: &str| -> Result<Option<u64>, StoreError> {
            std::env::var(name)
                .ok()
                .map(|v| v.parse::<u64>().map_err(|e| invalid(name, e)))
                .transpose()
        };
        if let Some(n) = number("MOCKBIRD_DATABASE_MAX_CONNECTIONS")? {
            config.max_connections = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
        }
        if let Some(ms) = number("MOCKBIRD_DATABASE_ACQUIRE_TIMEOUT_MS")? {
            config.acquire_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = number("MOCKBIRD_DATABASE_STATEMENT_TIMEOUT_MS")? {
            config.statement_timeout = Duration::from_millis(ms);
        }
        Ok(config)
    }
}
