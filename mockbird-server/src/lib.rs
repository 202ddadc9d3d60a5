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

pub mod adapters;
pub mod app;
pub mod auth;
mod body;
pub mod cache;
pub mod config;
pub mod emails;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod proxy;
pub mod request_id;
pub mod routes;
pub mod sandbox;
pub mod serving;
pub mod state;

pub mod conns;
mod startup;

pub use config::{Config, LogFormat};
pub use startup::{RunningServer, StartError, build_state, start};
