//! Building the services from the configuration, and serving with hyper-util:
//! header read timeout, graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use mockbird_core::model::Plan;
use mockbird_core::service::{AuthChoice, BillingChoice, EmailChoice, ServiceChoices};
use mockbird_core::store::DatabaseService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::adapters::cluster::Shared;
use crate::cache::SnapshotCache;
use crate::config::{AuthMode, BillingMode, Config, EmailMode};
use crate::limits::{Limits, LimitsConfig};
use crate::logs::LogPipeline;
use crate::metrics::Metrics;
use crate::sandbox::Sandbox;
use crate::state::{AppState, Services, Settings};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] mockbird_core::store::StoreError),
    /// Binding or file I/O failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

async fn open_store(spec: &str) -> Result<Arc<dyn DatabaseService>, StartError> {
    if spec == "memory" {
        return Ok(Arc::new(mockbird_store_memory::MemoryStore::new()));
    }
    if let Some(path) = spec.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        return Ok(Arc::new(
            mockbird_store_sqlite::SqliteStore::open(path).await?,
        ));
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let mut config = mockbird_store_postgres::PostgresConfig::from_url(spec)?;
        if let Ok(env) = mockbird_store_postgres::PostgresConfig::from_env() {
            config.max_connections = env.max_connections;
            config.acquire_timeout = env.acquire_timeout;
            config.statement_timeout = env.statement_timeout;
        }
        return Ok(Arc::new(
            mockbird_store_postgres::PostgresStore::connect(config).await?,
        ));
    }
    Err(StartError::Config(format!(
        "--store must be memory, sqlite:PATH or a postgres:// URL, not {spec:?}"
    )))
}

/// The JWT secret: given, or read from / generated into `file` (mode 0600).
fn jwt_secret(config: &Config) -> Result<String, StartError> {
    if let Some(s) = &config.jwt_secret {
        if s.len() < 16 {
            return Err(StartError::Config(
                "--jwt-secret must be at least 16 characters".into(),
            ));
        }
        return Ok(s.clone());
    }
    let file: &Path = &config.secret_file;
    if let Ok(existing) = std::fs::read_to_string(file) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 16 {
            return Ok(existing);
        }
    }
    let secret = mockbird_core::token::random_hex(32);
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(file)?;
        f.write_all(secret.as_bytes())?;
        f.sync_all()?;
    }
    tracing::info!(file = %file.display(), "generated a JWT secret");
    Ok(secret)
}

fn plans(config: &Config) -> Result<Vec<Plan>, StartError> {
    let plans = match &config.plans {
        _ if config.plan_list.is_some() => config.plan_list.clone().unwrap_or_default(),
        None => Plan::defaults(),
        Some(inline) if inline.trim_start().starts_with('[') => serde_json::from_str(inline)
            .map_err(|e| StartError::Config(format!("--plans (inline JSON): {e}")))?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartError::Config(format!("--plans {path}: {e}")))?;
            serde_json::from_str(&text)
                .map_err(|e| StartError::Config(format!("--plans {path}: {e}")))?
        }
    };
    if !plans.iter().any(|p| p.tier == config.default_plan) {
        return Err(StartError::Config(format!(
            "--default-plan {} is not one of the plans",
            config.default_plan
        )));
    }
    Ok(plans)
}

/// The services kit's choices that the server's settings make (the server
/// names its own flags in the errors; the kit builds them).
fn service_choices(config: &Config) -> Result<ServiceChoices, StartError> {
    let auth = match config.auth {
        AuthMode::Mock => AuthChoice::Mock,
        AuthMode::Real => AuthChoice::Real {
            secret: jwt_secret(config)?.into_bytes(),
            concurrency: config.hash_concurrency,
        },
    };
    let billing = match config.billing {
        BillingMode::Mock => BillingChoice::Mock {
            webhook_secrets: config.webhook_secrets(),
        },
        BillingMode::Stripe => {
            let key = config.stripe_secret_key.clone().ok_or_else(|| {
                StartError::Config(
                    "--billing stripe needs --stripe-secret-key (MOCKBIRD_STRIPE_SECRET_KEY)"
                        .into(),
                )
            })?;
            if config.webhook_secrets().is_empty() {
                return Err(StartError::Config(
                    "--billing stripe needs --stripe-webhook-secret (MOCKBIRD_STRIPE_WEBHOOK_SECRET)"
                        .into(),
                ));
            }
            BillingChoice::Stripe {
                api_base: config.stripe_api_base.clone(),
                secret_key: key,
                webhook_secrets: config.webhook_secrets(),
            }
        }
    };
    let email = match config.email {
        EmailMode::Mock => EmailChoice::Mock,
        EmailMode::Smtp => EmailChoice::Smtp {
            url: config.smtp_url.clone().ok_or_else(|| {
                StartError::Config("--email smtp needs --smtp-url (MOCKBIRD_SMTP_URL)".into())
            })?,
            from: config.email_from.clone(),
        },
    };
    Ok(ServiceChoices {
        auth,
        billing,
        email,
    })
}

/// Builds the shared state: store, services, plans, caches.
pub async fn build_state(config: &Config) -> Result<AppState, StartError> {
    let store = open_store(&config.store).await?;
    let kit = service_choices(config)?
        .build()
        .map_err(|e| StartError::Config(e.to_string()))?;
    let outbox = match (&kit.outbox, config.expose_outbox, &config.outbox_token) {
        (None, _, _) | (Some(_), false, _) => None,
        (Some(mock), true, Some(t)) if t.trim().len() >= 16 => {
            tracing::warn!(
                "THE EMAIL OUTBOX IS EXPOSED at /api/dev/outbox to whoever sends its token: for tests only"
            );
            Some(mock.clone())
        }
        (Some(_), true, _) => {
            return Err(StartError::Config(
                "--expose-outbox needs --outbox-token of at least 16 characters (MOCKBIRD_OUTBOX_TOKEN)"
                    .into(),
            ));
        }
    };
    let (auth, billing, email) = (kit.auth, kit.billing, kit.email);
    let plans = Arc::new(plans(config)?);
    let shared = match &config.redis_url {
        Some(url) => Some(Arc::new(
            Shared::new(url, &config.redis_prefix)
                .map_err(|e| StartError::Config(format!("--redis-url: {e}")))?,
        )),
        None => None,
    };
    let limits = Limits::new(
        store.clone(),
        email.clone(),
        shared.clone(),
        LimitsConfig {
            plans: plans.clone(),
            api_per_minute: config.api_rate_limit.max(1),
            public_url: config.public_url(),
        },
    );
    limits.start();
    let metrics = Arc::new(Metrics::default());
    let logs = LogPipeline::start(store.clone(), config.log_buffer);
    for counter in logs.counters().collectors() {
        metrics.register(counter);
    }
    Ok(AppState::new(Services {
        store: store.clone(),
        auth,
        email,
        outbox,
        billing,
        plans,
        settings: Arc::new(Settings {
            public_url: config.public_url(),
            mock_domain: config.mock_domain.clone(),
            default_plan: config.default_plan.clone(),
            outbox_token: config.outbox_token.clone().unwrap_or_default(),
            webhooks: !config.webhook_secrets().is_empty(),
            trusted_proxies: crate::proxy::TrustedProxies::parse(&config.trusted_proxies)
                .map_err(StartError::Config)?,
        }),
        snapshots: Arc::new(SnapshotCache::default()),
        sandbox: Arc::new(Sandbox::default()),
        draining: std::sync::atomic::AtomicBool::new(false),
        metrics,
        logs,
        limits,
        shared,
    }))
}

/// A server accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    jobs: Vec<JoinHandle<()>>,
    state: AppState,
}

impl RunningServer {
    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (tests read the outbox through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, lets open requests finish (up to 10 s), stores the
    /// request logs still queued, and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        for job in self.jobs {
            job.abort();
        }
        self.state.limits.shutdown().await;
        self.state.logs.shutdown().await;
        // A complete database file (SQLite: WAL checkpointed), pool closed.
        self.state.store.close().await;
        let c = self.state.logs.counters();
        tracing::info!(
            written = c.written.get(),
            dropped = c.dropped.get(),
            failed = c.failed.get(),
            "request logs flushed"
        );
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("install SIGTERM handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

/// Builds everything from `config`, binds, logs what runs as a mock, and serves.
pub async fn start(mut config: Config) -> Result<RunningServer, StartError> {
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    let state = build_state(&config).await?;
    let app = crate::app::App::new(
        state.clone(),
        Duration::from_secs(config.request_timeout_secs.max(1)),
    );
    let mode = |mock: bool| if mock { "MOCK" } else { "real" };
    tracing::info!(
        %addr,
        store = state.store.backend(),
        auth = mode(state.auth.is_mock()),
        billing = mode(state.billing.is_mock()),
        email = mode(state.email.is_mock()),
        redis = state.shared.is_some(),
        "mockbird-server listening"
    );
    let (stop, mut stopped) = watch::channel(false);
    let header_timeout = Duration::from_secs(config.header_timeout_secs.max(1));
    let drain = Duration::from_millis(config.drain_ms);
    let conns = Arc::new(crate::conns::Connections::default());
    let app_state = state.clone();
    let task = tokio::spawn(async move {
        let graceful = GracefulShutdown::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
                    let proxy = app_state.settings.trusted_proxies.trusts_peer(peer.ip());
                    let slot = match conns.open((!proxy).then_some(peer.ip())) {
                        Ok(slot) => slot,
                        Err(why) => {
                            // Answered once, then closed: a clear refusal, not a reset.
                            let service = hyper::service::service_fn(move |_| {
                                std::future::ready(Ok::<_, std::convert::Infallible>(
                                    crate::conns::refusal(why),
                                ))
                            });
                            let conn = builder.keep_alive(false).serve_connection(TokioIo::new(stream), service);
                            tokio::spawn(async move {
                                let _ = tokio::time::timeout(header_timeout, conn).await;
                            });
                            continue;
                        }
                    };
                    let service = TowerToHyperService::new(app.for_peer(peer));
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        drop(slot);
                    });
                }
                _ = stopped.changed() => break,
            }
        }
        drop(listener);
        // Keep-alive clients get `Connection: close` on their next answer for
        // a moment before idle connections are closed, so a request written
        // just after the signal is answered rather than reset.
        app_state
            .draining
            .store(true, std::sync::atomic::Ordering::Release);
        tokio::time::sleep(drain).await;
        if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("connections still open after 10 s; closing");
        }
    });
    let jobs = crate::jobs::spawn(&state, &config);
    Ok(RunningServer {
        addr,
        stop,
        task,
        jobs,
        state,
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn with_plans(arg: &str) -> Result<Vec<Plan>, StartError> {
        plans(&Config::parse_from(["mockbird-server", "--plans", arg]))
    }

    #[test]
    fn plans_come_inline_or_from_a_file_and_errors_name_the_flag() {
        let mut list = Plan::defaults();
        list[0].request_limit = Some(7);
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(with_plans(&json).unwrap()[0].request_limit, Some(7));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plans.json");
        std::fs::write(&file, &json).unwrap();
        assert_eq!(
            with_plans(file.to_str().unwrap()).unwrap()[0].request_limit,
            Some(7)
        );
        for bad in ["[{\"tier\": 1}]", "/no/such/plans.json"] {
            let e = with_plans(bad).unwrap_err().to_string();
            assert!(e.contains("--plans"), "{e}");
        }
        let e = with_plans("[]").unwrap_err().to_string();
        assert!(e.contains("--default-plan free"), "{e}");
    }
}
