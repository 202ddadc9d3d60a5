//! The whole real-HTTP suite of `tests/api/` again, each test on a fresh
//! PostgreSQL database (`MOCKBIRD_TEST_POSTGRES_URL`; required under CI).

#[path = "api/auth.rs"]
mod auth;
#[path = "api/billing.rs"]
mod billing;
#[path = "api/common.rs"]
mod common;
#[path = "api/email.rs"]
mod email;
#[path = "api/hostile.rs"]
mod hostile;
#[path = "api/journey.rs"]
mod journey;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/logs.rs"]
mod logs;
#[path = "api/serving.rs"]
mod serving;
#[path = "api/tenancy.rs"]
mod tenancy;
#[path = "api/validation.rs"]
mod validation;

/// Every `App` of this copy runs on PostgreSQL.
const ON_POSTGRES: bool = true;
