//! `refresh_tokens` and `password_reset_tokens`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use super::convert;
use super::support::{backend, found, one, write_err};
use crate::Store;
use crate::dialect::{get_id, id, ts};

#[async_trait]
impl SessionStore for Store {
    async fn create_refresh_token(&self, token: NewRefreshToken) -> StoreResult<RefreshToken> {
        let created = RefreshToken::create(token);
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id(created.id))
        .bind(id(created.user_id))
        .bind(id(created.family_id))
        .bind(&created.token_hash)
        .bind(ts(created.expires_at))
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "refresh token", "hash"))?;
        Ok(created)
    }

    async fn refresh_token_by_hash(&self, token_hash: &str) -> StoreResult<RefreshToken> {
        let row = sqlx::query(
            "SELECT id, user_id, family_id, token_hash, expires_at, used_at, revoked_at, created_at \
             FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.reader())
        .await
        .map_err(backend)?;
        one(row, convert::refresh_token, "refresh token", "hash")
    }

    async fn use_refresh_token(&self, token_id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
        // One guarded UPDATE: of two concurrent uses exactly one changes the row.
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $2 \
             WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(id(token_id))
        .bind(ts(clock::truncate(at)))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        let exists = sqlx::query("SELECT id FROM refresh_tokens WHERE id = $1")
            .bind(id(token_id))
            .fetch_optional(self.writer())
            .await
            .map_err(backend)?;
        found(exists, "refresh token", token_id).map(|_| false)
    }

    async fn revoke_token_family(&self, family_id: Uuid) -> StoreResult<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(id(family_id))
        .bind(ts(clock::now()))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn revoke_user_tokens(&self, user_id: Uuid) -> StoreResult<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(id(user_id))
        .bind(ts(clock::now()))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn create_reset_token(
        &self,
        user_id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<ResetToken> {
        self.user(user_id).await?;
        let created = ResetToken {
            id: Uuid::new_v4(),
            user_id,
            token_hash: token_hash.to_owned(),
            expires_at: clock::truncate(expires_at),
            used_at: None,
            created_at: clock::now(),
        };
        sqlx::query(
            "INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id(created.id))
        .bind(id(user_id))
        .bind(token_hash)
        .bind(ts(created.expires_at))
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "reset token", "hash"))?;
        Ok(created)
    }

    async fn consume_reset_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Uuid> {
        let row = sqlx::query(
            "UPDATE password_reset_tokens SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(ts(clock::truncate(now)))
        .fetch_optional(self.writer())
        .await
        .map_err(backend)?;
        get_id(&found(row, "reset token", "hash")?, "user_id").map_err(backend)
    }
}
