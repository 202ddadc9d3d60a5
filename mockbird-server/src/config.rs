//! Command-line flags, each also read from a `MOCKBIRD_*` environment variable
//! (flags win over the environment, which wins over the defaults).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Mock or real implementation of an external service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// Fast in-memory tokens and hashes, for demos and tests.
    Mock,
    /// argon2id passwords and signed JWT access tokens.
    Real,
}

/// How the server writes its own log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format).
    Json,
}

/// Billing implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BillingMode {
    /// Subscriptions change at once, no payment; answers say `mockMode: true`.
    Mock,
    /// The Stripe API (`--stripe-secret-key`, `--stripe-webhook-secret`).
    Stripe,
}

/// Email implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmailMode {
    /// An in-memory outbox (readable at `/api/dev/outbox` with `--expose-outbox`).
    Mock,
    /// SMTP (`--smtp-url`, `--email-from`).
    Smtp,
}

/// MockBird's reference server.
#[derive(Debug, Clone, Parser)]
#[command(name = "mockbird-server", version, about, long_about = None)]
pub struct Config {
    /// Format of the server's log lines (`MOCKBIRD_LOG` sets the level filter).
    #[arg(long, env = "MOCKBIRD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Address to listen on.
    #[arg(long, env = "MOCKBIRD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Where data lives: `memory`, `sqlite:PATH`, or a `postgres://` URL.
    #[arg(long, env = "MOCKBIRD_STORE", default_value = "sqlite:./mockbird.db")]
    pub store: String,

    /// The server's public base URL, used in `baseUrl`, mock `url` and emails
    /// (default: `http://` + the listen address).
    #[arg(long, env = "MOCKBIRD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Serve project `slug` at `http://{slug}.{mock-domain}/…` as well as under `/m/{slug}/`.
    #[arg(long, env = "MOCKBIRD_MOCK_DOMAIN")]
    pub mock_domain: Option<String>,

    /// Secret for signing access tokens. When absent, one is generated on first
    /// start and kept in `--secret-file`.
    #[arg(long, env = "MOCKBIRD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Where a generated JWT secret is kept (mode 0600).
    #[arg(
        long,
        env = "MOCKBIRD_SECRET_FILE",
        default_value = "./mockbird.secret"
    )]
    pub secret_file: PathBuf,

    /// Authentication implementation.
    #[arg(long, env = "MOCKBIRD_AUTH", value_enum, default_value = "real")]
    pub auth: AuthMode,

    /// Billing implementation.
    #[arg(long, env = "MOCKBIRD_BILLING", value_enum, default_value = "mock")]
    pub billing: BillingMode,

    /// Email implementation.
    #[arg(long, env = "MOCKBIRD_EMAIL", value_enum, default_value = "mock")]
    pub email: EmailMode,

    /// Stripe's API base URL (tests point it at a MockBird project mimicking Stripe).
    #[arg(long, env = "MOCKBIRD_STRIPE_API_BASE", default_value = mockbird_core::service::stripe::DEFAULT_API_BASE)]
    pub stripe_api_base: String,

    /// Stripe secret key (`sk_…`), for `--billing stripe`.
    #[arg(long, env = "MOCKBIRD_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Webhook signing secrets (`whsec_…`), comma-separated: several are accepted
    /// while a secret is rotated. The mock billing service verifies with them
    /// too. Without one, `POST /api/billing/webhook` is off (404): there is no
    /// built-in secret.
    #[arg(long, env = "MOCKBIRD_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// SMTP server for `--email smtp`, as a lettre URL: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host:465`.
    #[arg(long, env = "MOCKBIRD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of the product's emails.
    #[arg(
        long,
        env = "MOCKBIRD_EMAIL_FROM",
        default_value = "MockBird <noreply@mockbird.local>"
    )]
    pub email_from: String,

    /// Plan new organizations start on.
    #[arg(long, env = "MOCKBIRD_DEFAULT_PLAN", default_value = "free")]
    pub default_plan: String,

    /// Plans as a JSON array shaped like `GET /api/billing/plans`, given
    /// inline (`--plans '[{…}]'`) or as a file path (default: free, pro, team).
    #[arg(long, env = "MOCKBIRD_PLANS")]
    pub plans: Option<String>,

    /// Serve `GET /api/dev/outbox` (mock email only) to requests whose
    /// `X-Mockbird-Outbox-Token` equals `--outbox-token` (required with it).
    #[arg(long, env = "MOCKBIRD_EXPOSE_OUTBOX")]
    pub expose_outbox: bool,

    /// The token `/api/dev/outbox` asks for (at least 16 characters).
    #[arg(long, env = "MOCKBIRD_OUTBOX_TOKEN", hide_env_values = true)]
    pub outbox_token: Option<String>,

    /// Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed for
    /// the client IP (comma-separated CIDRs, e.g. `10.0.0.0/8,::1/128`); off by default.
    #[arg(long, env = "MOCKBIRD_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Seconds a client may take to send a request's headers before the connection is closed.
    #[arg(long, env = "MOCKBIRD_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Milliseconds between the shutdown signal and closing idle keep-alive
    /// connections; answers in that window say `Connection: close`.
    #[arg(long, env = "MOCKBIRD_DRAIN_MS", default_value_t = 500)]
    pub drain_ms: u64,

    /// Seconds a request may take end to end (mock delays included) before 503.
    #[arg(long, env = "MOCKBIRD_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Request log entries that may wait for the background writer (beyond
    /// that, entries are dropped and counted); 0 turns request logging off.
    #[arg(long, env = "MOCKBIRD_LOG_BUFFER", default_value_t = 16_384)]
    pub log_buffer: usize,

    /// Redis for what several instances share: quota counters, `/api` limits,
    /// snapshot invalidation (`redis://host:port`). Without it, limits are per instance.
    #[arg(long, env = "MOCKBIRD_REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key and of the invalidation channel, so several
    /// deployments can share one Redis.
    #[arg(long, env = "MOCKBIRD_REDIS_PREFIX", default_value = crate::adapters::cluster::DEFAULT_PREFIX)]
    pub redis_prefix: String,

    /// `/api` calls per minute per user, API key or anonymous client IP.
    #[arg(long, env = "MOCKBIRD_API_RATE_LIMIT", default_value_t = crate::limits::DEFAULT_API_LIMIT)]
    pub api_rate_limit: u32,

    /// Seconds between runs of the log retention job (deletes logs older than each plan keeps).
    #[arg(long, env = "MOCKBIRD_RETENTION_INTERVAL_SECS", default_value_t = 3600)]
    pub retention_interval_secs: u64,

    /// Plans given in code (embedding, tests); wins over `--plans`.
    #[arg(skip)]
    pub plan_list: Option<Vec<mockbird_core::model::Plan>>,

    /// Concurrent password hashes (each argon2id hash takes 19 MiB).
    #[arg(long, env = "MOCKBIRD_HASH_CONCURRENCY", default_value_t = 4)]
    pub hash_concurrency: usize,
}

/// The outbox token of [`Config::for_tests`].
pub const TEST_OUTBOX_TOKEN: &str = "test-outbox-token-0123456789";

impl Config {
    /// The webhook secrets configured (none: webhooks are off).
    pub fn webhook_secrets(&self) -> Vec<String> {
        mockbird_core::service::comma_list(
            self.stripe_webhook_secret.as_deref().unwrap_or_default(),
        )
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Defaults for tests: memory store, mock services, outbox exposed, any port.
    pub fn for_tests() -> Self {
        let mut config = Config::parse_from(["mockbird-server"]);
        config.listen = "127.0.0.1:0".parse().expect("valid address");
        config.store = "memory".into();
        config.jwt_secret = Some("test-secret-not-for-production".into());
        config.expose_outbox = true;
        config.outbox_token = Some(TEST_OUTBOX_TOKEN.into());
        config.drain_ms = 0;
        config
    }
}
