//! The PostgreSQL store against the whole conformance suite, each case on its own database.

mod common;

mockbird_core::store_conformance_tests!(common::fresh_store);
