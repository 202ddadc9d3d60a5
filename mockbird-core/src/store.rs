//! [`DatabaseService`]: all persistence, split into one sub-trait per aggregate.
//!
//! Every backend guarantees what the method docs say; the conformance suite
//! (feature `testkit`) checks each guarantee against any backend. Lists come
//! back in creation order unless a method says otherwise.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::*;

/// Why a store call failed. Every backend maps its own errors into these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such record.
    #[error("{entity} {key} not found")]
    NotFound {
        /// What kind of record.
        entity: &'static str,
        /// Which one.
        key: String,
    },
    /// A unique value is taken, or an invariant forbids the change (last owner).
    #[error("{entity} {key} already exists")]
    Conflict {
        /// What kind of record.
        entity: &'static str,
        /// The value in conflict.
        key: String,
    },
    /// The organization's plan allows no more mocks.
    #[error("endpoint limit of {limit} reached")]
    LimitExceeded {
        /// The plan's endpoint cap.
        limit: u32,
    },
    /// The backend failed (I/O, connection, timeout).
    #[error("{backend} store failed: {source}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// A [`StoreError::NotFound`].
    pub fn not_found(entity: &'static str, key: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            key: key.to_string(),
        }
    }

    /// A [`StoreError::Conflict`].
    pub fn conflict(entity: &'static str, key: impl ToString) -> Self {
        StoreError::Conflict {
            entity,
            key: key.to_string(),
        }
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Users and their credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; [`StoreError::Conflict`] if the email is taken (case-insensitive).
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// The user with this id.
    async fn user(&self, id: Uuid) -> StoreResult<User>;
    /// The user with this email (case-insensitive) and their password hash.
    async fn user_credentials(&self, email: &str) -> StoreResult<UserCredentials>;
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: Uuid, hash: &str) -> StoreResult<()>;
    /// Renames a user.
    async fn update_user_name(&self, id: Uuid, name: &str) -> StoreResult<User>;
    /// Deletes the user, and in the same transaction every organization of which they
    /// are the only owner (with its projects, mocks, logs and keys).
    async fn delete_user(&self, id: Uuid) -> StoreResult<()>;
}

/// Organizations, members and invitations.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an organization with `owner_id` as owner; conflict if the slug is taken.
    async fn create_org(&self, org: NewOrganization) -> StoreResult<Organization>;
    /// The organization with this id.
    async fn org(&self, id: Uuid) -> StoreResult<Organization>;
    /// The organization with this slug.
    async fn org_by_slug(&self, slug: &str) -> StoreResult<Organization>;
    /// Organizations the user belongs to.
    async fn orgs_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Organization>>;
    /// Every organization, oldest first (background jobs such as log retention).
    async fn all_orgs(&self) -> StoreResult<Vec<Organization>>;
    /// Renames an organization.
    async fn rename_org(&self, id: Uuid, name: &str) -> StoreResult<Organization>;
    /// Changes its plan.
    async fn set_org_plan(&self, id: Uuid, plan: &str) -> StoreResult<Organization>;
    /// Deletes it with its projects, mocks, responses, logs, keys, invitations and memberships.
    async fn delete_org(&self, id: Uuid) -> StoreResult<()>;
    /// The user's membership; [`StoreError::NotFound`] if not a member.
    async fn membership(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<Membership>;
    /// Members with their users.
    async fn members(&self, org_id: Uuid) -> StoreResult<Vec<MemberInfo>>;
    /// Adds a member; conflict if already one.
    async fn add_member(&self, org_id: Uuid, user_id: Uuid, role: Role) -> StoreResult<Membership>;
    /// Changes a role; conflict if it would leave the organization without an owner.
    async fn set_member_role(
        &self,
        org_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> StoreResult<Membership>;
    /// Removes a member; conflict if they are the last owner.
    async fn remove_member(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<()>;
    /// Stores an invitation.
    async fn create_invitation(&self, invitation: NewInvitation) -> StoreResult<Invitation>;
    /// The invitation with this token hash.
    async fn invitation_by_token_hash(&self, token_hash: &str) -> StoreResult<Invitation>;
    /// Open and accepted invitations of an organization.
    async fn invitations(&self, org_id: Uuid) -> StoreResult<Vec<Invitation>>;
    /// Revokes (deletes) an invitation of `org_id` not yet accepted; not
    /// found if unknown, of another organization, or already accepted.
    async fn delete_invitation(&self, org_id: Uuid, invitation_id: Uuid) -> StoreResult<()>;
    /// Marks the invitation accepted and adds the member, atomically; conflict if
    /// already accepted or already a member, not found if unknown.
    async fn accept_invitation(
        &self,
        invitation_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Membership>;
}

/// Projects.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Creates a project; conflict if the slug is taken.
    async fn create_project(&self, project: NewProject) -> StoreResult<Project>;
    /// The project with this id.
    async fn project(&self, id: Uuid) -> StoreResult<Project>;
    /// The project with this slug (the serving hot path on a cache miss).
    async fn project_by_slug(&self, slug: &str) -> StoreResult<Project>;
    /// Projects of one organization.
    async fn projects_for_org(&self, org_id: Uuid) -> StoreResult<Vec<Project>>;
    /// Projects of every organization the user belongs to.
    async fn projects_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Project>>;
    /// Applies a validated patch; conflict if the new slug is taken.
    async fn update_project(&self, id: Uuid, patch: ProjectPatch) -> StoreResult<Project>;
    /// Deletes it with its mocks, responses and logs.
    async fn delete_project(&self, id: Uuid) -> StoreResult<()>;
    /// The project with all mocks and responses, for compiling or exporting.
    async fn project_bundle(&self, id: Uuid) -> StoreResult<ProjectBundle>;
    /// Creates a project with these mocks and responses in one transaction (import,
    /// duplicate). With `endpoint_limit`, fails with [`StoreError::LimitExceeded`] and
    /// creates nothing if the organization would hold more mocks than that.
    async fn create_project_with_mocks(
        &self,
        project: NewProject,
        mocks: Vec<(MockDef, Vec<ResponseDef>)>,
        endpoint_limit: Option<u32>,
    ) -> StoreResult<Project>;
    /// Mocks across all projects of the organization.
    async fn count_org_mocks(&self, org_id: Uuid) -> StoreResult<u32>;
}

/// Mocks and their responses.
#[async_trait]
pub trait MockStore: Send + Sync {
    /// Creates a mock; conflict on the same (project, path, method); with
    /// `endpoint_limit`, [`StoreError::LimitExceeded`] when the organization is at its cap
    /// (checked in the same transaction, so concurrent creates cannot overshoot).
    async fn create_mock(
        &self,
        project_id: Uuid,
        mock: MockDef,
        endpoint_limit: Option<u32>,
    ) -> StoreResult<Mock>;
    /// The mock with this id.
    async fn mock(&self, id: Uuid) -> StoreResult<Mock>;
    /// Mocks of a project.
    async fn mocks_for_project(&self, project_id: Uuid) -> StoreResult<Vec<Mock>>;
    /// Replaces a mock's fields; conflict on the same (project, path, method).
    async fn update_mock(&self, id: Uuid, mock: MockDef) -> StoreResult<Mock>;
    /// Deletes it with its responses and logs.
    async fn delete_mock(&self, id: Uuid) -> StoreResult<()>;
    /// Adds a response; if it is default, the mock's other responses stop being default.
    async fn create_response(
        &self,
        mock_id: Uuid,
        response: ResponseDef,
    ) -> StoreResult<MockResponse>;
    /// The response with this id.
    async fn response(&self, id: Uuid) -> StoreResult<MockResponse>;
    /// Responses of a mock, in creation order.
    async fn responses(&self, mock_id: Uuid) -> StoreResult<Vec<MockResponse>>;
    /// Replaces a response's fields (default exclusivity as in create).
    async fn update_response(&self, id: Uuid, response: ResponseDef) -> StoreResult<MockResponse>;
    /// Deletes a response.
    async fn delete_response(&self, id: Uuid) -> StoreResult<()>;
}

/// Request logs.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Stores a batch; entries whose project no longer exists are skipped. Returns how many were stored.
    /// Stores whose writes can fail part-way (SQLite, PostgreSQL) also skip entries they already
    /// hold (same id), so a retried batch stores nothing twice.
    /// Borrowed, so a caller that may retry the batch does not copy it first.
    async fn insert_logs(&self, logs: &[NewRequestLog]) -> StoreResult<u64>;
    /// A page of logs, newest first, filtered by date range (inclusive) and status.
    async fn logs(&self, scope: LogScope, query: LogQuery) -> StoreResult<Page<RequestLog>>;
    /// Logs of a scope since an instant, oldest first, at most `limit` (for analytics).
    async fn logs_since(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<RequestLog>>;
    /// Aggregates of a scope's logs at or after `since`, in buckets of
    /// `bucket_secs` aligned to the Unix epoch (UTC).
    async fn log_stats(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        bucket_secs: u32,
    ) -> StoreResult<LogStats>;
    /// Deletes logs of the organization's projects older than `before`, one
    /// bounded step at a time (at most `batch` entries, or `batch` stored
    /// chunks for a store that keeps entries in chunks); returns how many
    /// entries went (call until 0).
    async fn delete_logs_before(
        &self,
        org_id: Uuid,
        before: DateTime<Utc>,
        batch: u32,
    ) -> StoreResult<u64>;
}

/// Monthly usage counters.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Adds to the organization's counters for `month` (`YYYY-MM`), creating them at zero.
    async fn add_usage(
        &self,
        org_id: Uuid,
        month: &str,
        requests: u64,
        bandwidth_bytes: u64,
    ) -> StoreResult<UsageRecord>;
    /// The counters; zeros when nothing was counted.
    async fn usage(&self, org_id: Uuid, month: &str) -> StoreResult<UsageRecord>;
    /// Records that the usage alert at `percent` of the quota went out for `month`;
    /// true only for the first call (so each alert is sent once, across instances and restarts).
    async fn claim_usage_alert(&self, org_id: Uuid, month: &str, percent: u8) -> StoreResult<bool>;
}

/// API keys.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a key; conflict if the hash exists.
    async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey>;
    /// The key with this id.
    async fn api_key(&self, id: Uuid) -> StoreResult<ApiKey>;
    /// The key with this hash (authentication).
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<ApiKey>;
    /// Keys created by a user, across organizations.
    async fn api_keys_for_user(&self, user_id: Uuid) -> StoreResult<Vec<ApiKey>>;
    /// Keys of an organization.
    async fn api_keys_for_org(&self, org_id: Uuid) -> StoreResult<Vec<ApiKey>>;
    /// Records a use.
    async fn touch_api_key(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;
    /// Replaces the key's secret (new prefix and hash) in place; the old hash stops working.
    async fn rotate_api_key(&self, id: Uuid, prefix: &str, key_hash: &str) -> StoreResult<ApiKey>;
    /// Deletes a key.
    async fn delete_api_key(&self, id: Uuid) -> StoreResult<()>;
}

/// Refresh and password-reset tokens.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a refresh token.
    async fn create_refresh_token(&self, token: NewRefreshToken) -> StoreResult<RefreshToken>;
    /// The refresh token with this hash.
    async fn refresh_token_by_hash(&self, token_hash: &str) -> StoreResult<RefreshToken>;
    /// Marks a token used, atomically: `true` the first time, `false` if it already was
    /// used or revoked (reuse).
    async fn use_refresh_token(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Revokes every token of a family.
    async fn revoke_token_family(&self, family_id: Uuid) -> StoreResult<()>;
    /// Revokes every token of a user.
    async fn revoke_user_tokens(&self, user_id: Uuid) -> StoreResult<()>;
    /// Stores a reset token.
    async fn create_reset_token(
        &self,
        user_id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<ResetToken>;
    /// Uses a reset token, atomically and once: the user id if the token is known,
    /// unused and not expired at `now`; else [`StoreError::NotFound`].
    async fn consume_reset_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Uuid>;
}

/// Subscriptions, invoices and billing events.
#[async_trait]
pub trait BillingStore: Send + Sync {
    /// The organization's subscription.
    async fn subscription(&self, org_id: Uuid) -> StoreResult<Subscription>;
    /// Creates or replaces it.
    async fn upsert_subscription(&self, subscription: Subscription) -> StoreResult<Subscription>;
    /// Invoices, newest first.
    async fn invoices(&self, org_id: Uuid) -> StoreResult<Vec<Invoice>>;
    /// Creates or replaces an invoice by id.
    async fn upsert_invoice(&self, invoice: Invoice) -> StoreResult<Invoice>;
    /// Records an event once: `true` if new, `false` if its id was seen before.
    async fn record_billing_event(&self, event: BillingEvent) -> StoreResult<bool>;
    /// Forgets a recorded event (its processing failed), so a redelivery is applied.
    async fn forget_billing_event(&self, id: &str) -> StoreResult<()>;
}

/// The audit trail.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry.
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry>;
    /// The organization's latest entries, newest first.
    async fn audit_entries(&self, org_id: Uuid, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}

/// All persistence MockBird needs, as one object-safe trait used as `Arc<dyn DatabaseService>`.
#[async_trait]
pub trait DatabaseService:
    UserStore
    + OrgStore
    + ProjectStore
    + MockStore
    + LogStore
    + UsageStore
    + ApiKeyStore
    + SessionStore
    + BillingStore
    + AuditStore
    + std::fmt::Debug
    + 'static
{
    /// The backend's name: `memory`, `sqlite`, `postgres`.
    fn backend(&self) -> &'static str;
    /// Whether the store answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;
    /// Makes what is stored complete on disk and closes connections (at
    /// shutdown; SQLite checkpoints its WAL into the database file). Calls
    /// after it fail.
    async fn close(&self) {}
}
