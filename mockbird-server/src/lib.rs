//! MockBird's reference server: the hosted multi-tenant product.
//!
//! Users, organizations and roles, projects with public slugs, mocks served at
//! `/m/{slug}/{path}` (and `{slug}.{mock domain}`), API keys, plans, billing,
//! import/export — the contract of docs/http-api.md. Every external dependency
//! is a trait with a mock and a real implementation; which ones run is logged
//! at startup and reported by `GET /api/system`.
//!
//! ```no_run
//! use clap::Parser;
//! use mockbird_server::{Config, start};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::parse_from(["mockbird-server", "--store", "memory", "--listen", "127.0.0.1:0"]);
//! let server = start(config).await?;
//! println!("serving on http://{}", server.addr());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod adapters;
mod app;
mod auth;
mod body;
mod cache;
pub mod config;
mod conns;
mod dashboard;
mod emails;
mod error;
mod extract;
mod jobs;
mod limits;
mod logs;
mod metrics;
mod openapi;
mod proxy;
mod request_id;
mod routes;
mod sandbox;
mod serving;
mod startup;
mod state;

pub use config::{Config, LogFormat};
pub use conns::MAX_CONNECTIONS_PER_IP;
pub use jobs::retention;
pub use startup::{RunningServer, StartError, build_state, start};
pub use state::AppState;
