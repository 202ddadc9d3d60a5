//! The store conformance suite: one `pub async fn` per behaviour every
//! [`DatabaseService`](crate::store::DatabaseService) must have, each handed an empty store.
//!
//! A store crate runs all of it with one line in a test file:
//!
//! ```ignore
//! async fn fresh_store() -> Option<MemoryStore> { Some(MemoryStore::new()) }
//! mockbird_core::store_conformance_tests!(fresh_store);
//! ```
//!
//! The factory returns `None` to skip (e.g. no database configured); it should
//! panic instead when the environment demands the test run (CI).

mod cases;
pub mod crash;
mod fixtures;

pub use cases::*;
pub use fixtures::*;

/// Expands to one `#[tokio::test]` per conformance case, each on a fresh store
/// from `$factory` (an `async fn() -> Option<S>` where `S: DatabaseService`).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:path) => {
        $crate::__conformance_test!($factory;
            user_round_trip
            user_email_is_unique
            delete_user_removes_sole_owned_orgs
            org_creator_is_owner
            org_slug_is_unique
            org_rename_and_plan
            last_owner_is_protected
            invitation_is_accepted_once
            delete_org_cascades
            project_round_trip
            project_slug_is_unique
            projects_are_tenant_scoped
            delete_project_cascades
            create_project_with_mocks_and_bundle
            create_project_with_mocks_is_all_or_nothing
            mock_round_trip
            mock_path_and_method_are_unique
            endpoint_limit_counts_the_whole_org
            concurrent_creates_respect_the_endpoint_limit
            response_round_trip
            is_default_is_exclusive
            delete_mock_cascades
            logs_paginate_newest_first
            logs_filter_by_date_and_status
            logs_keyset_pages_through_shared_timestamps
            logs_are_scoped_by_mock_and_project
            insert_logs_skips_vanished_projects
            logs_since_and_retention
            log_stats_aggregate_by_bucket
            hourly_stats_match_the_entries
            logs_are_exact_inside_one_minute
            logs_forget_deleted_responses
            concurrent_log_writers_lose_nothing
            usage_accumulates_per_month
            usage_alerts_are_claimed_once
            api_key_round_trip
            api_key_hash_is_unique
            refresh_tokens_rotate_and_revoke
            refresh_token_use_is_atomic
            reset_tokens_are_single_use_and_expire
            subscriptions_and_invoices
            billing_events_are_idempotent
            audit_trail_is_per_org
            concurrent_registrations_of_one_email
            ping_and_backend
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test {
    ($factory:path; $($case:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                match $factory().await {
                    Some(store) => $crate::testkit::$case(::std::sync::Arc::new(store)).await,
                    None => eprintln!("skipped {}: store not configured", stringify!($case)),
                }
            }
        )*
    };
}
