//! The server over real HTTP: every endpoint of docs/http-api.md in scope, and its errors.

mod auth;
mod billing;
mod common;
mod dashboard;
mod email;
mod hostile;
mod imports;
mod journey;
mod limits;
mod logs;
mod serving;
mod tenancy;
mod validation;

/// This copy of the suite runs on SQLite (`tests/api_postgres.rs` runs it on PostgreSQL).
const ON_POSTGRES: bool = false;
