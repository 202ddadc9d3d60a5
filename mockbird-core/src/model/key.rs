//! API keys: organization-scoped credentials stored as hashes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An API key as stored (the key itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl ApiKey {
    /// A new, never-used key with a fresh id, created now.
    pub fn create(key: NewApiKey) -> Self {
        ApiKey {
            id: Uuid::new_v4(),
            org_id: key.org_id,
            user_id: key.user_id,
            name: key.name,
            prefix: key.prefix,
            key_hash: key.key_hash,
            last_used_at: None,
            expires_at: key.expires_at.map(crate::clock::truncate),
            created_at: crate::clock::now(),
        }
    }
}
