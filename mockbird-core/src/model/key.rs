//! API keys: organization-scoped credentials stored as hashes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An API key as stored (the key itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Identifier.
    pub id: Uuid,
    /// The organization it acts in.
    pub org_id: Uuid,
    /// The user it acts as.
    pub user_id: Uuid,
    /// Display name.
    pub name: String,
    /// First 8 characters of the key (`mk_` + 5 hex).
    pub prefix: String,
    /// SHA-256 (hex) of the whole key; unique.
    #[serde(skip_serializing)]
    pub key_hash: String,
    /// Last successful use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Unusable after this.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A key to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The organization it acts in.
    pub org_id: Uuid,
    /// The user it acts as.
    pub user_id: Uuid,
    /// Display name.
    pub name: String,
    /// First 8 characters of the key.
    pub prefix: String,
    /// SHA-256 (hex) of the key.
    pub key_hash: String,
    /// Unusable after this.
    pub expires_at: Option<DateTime<Utc>>,
}
