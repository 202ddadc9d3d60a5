//! The SQL both durable stores share.
//!
//! This directory is not a crate: `mockbird-store-sqlite` and
//! `mockbird-store-postgres` each compile it as a module (`#[path]`), next to
//! their own `dialect` module that names the driver (`Db`), how ids and
//! timestamps are bound and read, and the few statements that differ (row
//! locks, reading JSON). Every query and every multi-row invariant is
//! written once, yet each crate gets concrete, non-generic sqlx code.
//!
//! Each crate's store type is `crate::Store` and provides `reader()`,
//! `writer()` (pools) and `begin()` (a write transaction).

mod billing;
mod convert;
mod keys;
mod log_chunks;
mod log_hours;
mod logs;
mod mocks;
mod orgs;
mod projects;
mod sessions;
mod support;
mod users;

pub use logs::LOG_BATCH_ROWS;
pub(crate) use support::backend;
