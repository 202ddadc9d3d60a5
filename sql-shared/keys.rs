//! `api_keys`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use super::convert::{self, KEY_COLS};
use super::support::{all, backend, found, one, write_err};
use crate::Store;
use crate::dialect::{id, ts};

#[async_trait]
impl ApiKeyStore for Store {
    async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
        self.org(key.org_id).await?;
        let created = ApiKey::create(key);
        sqlx::query(
            "INSERT INTO api_keys (id, org_id, user_id, name, prefix, key_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id(created.id))
        .bind(id(created.org_id))
        .bind(id(created.user_id))
        .bind(&created.name)
        .bind(&created.prefix)
        .bind(&created.key_hash)
        .bind(created.expires_at.map(ts))
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "api key", &created.prefix))?;
        Ok(created)
    }

    async fn api_key(&self, key_id: Uuid) -> StoreResult<ApiKey> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1"));
        let row = sqlx::query(sql)
            .bind(id(key_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::api_key, "api key", key_id)
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<ApiKey> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLS} FROM api_keys WHERE key_hash = $1"
        ));
        let row = sqlx::query(sql)
            .bind(key_hash)
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::api_key, "api key", "hash")
    }

    async fn api_keys_for_user(&self, user_id: Uuid) -> StoreResult<Vec<ApiKey>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLS} FROM api_keys WHERE user_id = $1 ORDER BY rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(user_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::api_key)
    }

    async fn api_keys_for_org(&self, org_id: Uuid) -> StoreResult<Vec<ApiKey>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLS} FROM api_keys WHERE org_id = $1 ORDER BY rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(org_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::api_key)
    }

    async fn touch_api_key(&self, key_id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        let done = sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id(key_id))
            .bind(ts(clock::truncate(at)))
            .execute(self.writer())
            .await
            .map_err(backend)?;
        found((done.rows_affected() == 1).then_some(()), "api key", key_id)
    }

    async fn rotate_api_key(
        &self,
        key_id: Uuid,
        prefix: &str,
        key_hash: &str,
    ) -> StoreResult<ApiKey> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE api_keys SET prefix = $2, key_hash = $3 WHERE id = $1 RETURNING {KEY_COLS}"
        ));
        let row = sqlx::query(sql)
            .bind(id(key_id))
            .bind(prefix)
            .bind(key_hash)
            .fetch_optional(self.writer())
            .await
            .map_err(|e| write_err(e, "api key", prefix))?;
        one(row, convert::api_key, "api key", key_id)
    }

    async fn delete_api_key(&self, key_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = $1")
            .bind(id(key_id))
            .execute(self.writer())
            .await
            .map_err(backend)?;
        found((done.rows_affected() == 1).then_some(()), "api key", key_id)
    }
}
