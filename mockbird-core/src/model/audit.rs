//! The audit trail: who did what in an organization.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Identifier.
    pub id: Uuid,
    /// The organization it happened in.
    pub org_id: Uuid,
    /// Who did it (`None` for the system).
    pub user_id: Option<Uuid>,
    /// What was done, e.g. `project.delete`.
    pub action: String,
    /// What it was done to, e.g. a project id.
    pub target: String,
    /// Details.
    pub details: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// The organization it happened in.
    pub org_id: Uuid,
    /// Who did it.
    pub user_id: Option<Uuid>,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// Details.
    pub details: serde_json::Value,
}
