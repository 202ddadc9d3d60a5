//! The server over real HTTP: every endpoint of shared/API.md in scope, and its errors.

mod auth;
mod common;
mod journey;
mod serving;
mod tenancy;
mod validation;
