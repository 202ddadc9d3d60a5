//! Refresh tokens (rotated, in families) and password-reset tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A refresh token as stored. Tokens from one login share a `family_id`;
/// presenting a used one revokes the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// The login this token descends from.
    pub family_id: Uuid,
    /// SHA-256 (hex) of the token; unique.
    pub token_hash: String,
    /// Unusable after this.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a new one.
    pub used_at: Option<DateTime<Utc>>,
    /// When it (or its family) was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

/// A refresh token to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefreshToken {
    /// Owner.
    pub user_id: Uuid,
    /// The login it descends from (a new id for a new login).
    pub family_id: Uuid,
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// Unusable after this.
    pub expires_at: DateTime<Utc>,
}

/// A single-use password-reset token as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetToken {
    /// Identifier.
    pub id: Uuid,
    /// Whose password it resets.
    pub user_id: Uuid,
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// Unusable after this.
    pub expires_at: DateTime<Utc>,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl RefreshToken {
    /// A new, unused, unrevoked token with a fresh id, created now.
    pub fn create(token: NewRefreshToken) -> Self {
        RefreshToken {
            id: Uuid::new_v4(),
            user_id: token.user_id,
            family_id: token.family_id,
            token_hash: token.token_hash,
            expires_at: crate::clock::truncate(token.expires_at),
            used_at: None,
            revoked_at: None,
            created_at: crate::clock::now(),
        }
    }
}
