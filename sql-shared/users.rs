//! `users`: accounts and credentials.

use async_trait::async_trait;
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use super::convert::{self, USER_COLS};
use super::support::{backend, one, write_err};
use crate::Store;
use crate::dialect::{id, ts};

#[async_trait]
impl UserStore for Store {
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let created = User {
            id: Uuid::new_v4(),
            email: user.email.trim().to_lowercase(),
            name: user.name,
            created_at: clock::now(),
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id(created.id))
        .bind(&created.email)
        .bind(&created.name)
        .bind(&user.password_hash)
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "user", &created.email))?;
        Ok(created)
    }

    async fn user(&self, user_id: Uuid) -> StoreResult<User> {
        let row =
            sqlx::query("SELECT u.id, u.email, u.name, u.created_at FROM users u WHERE u.id = $1")
                .bind(id(user_id))
                .fetch_optional(self.reader())
                .await
                .map_err(backend)?;
        one(row, convert::user, "user", user_id)
    }

    async fn user_credentials(&self, email: &str) -> StoreResult<UserCredentials> {
        let email = email.trim().to_lowercase();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM users u WHERE u.email = $1"
        ));
        let row = sqlx::query(sql)
            .bind(&email)
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::credentials, "user", email)
    }

    async fn set_password_hash(&self, user_id: Uuid, hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id(user_id))
            .bind(hash)
            .execute(self.writer())
            .await
            .map_err(backend)?;
        super::support::found((done.rows_affected() == 1).then_some(()), "user", user_id)
    }

    async fn update_user_name(&self, user_id: Uuid, name: &str) -> StoreResult<User> {
        let row = sqlx::query(
            "UPDATE users SET name = $2 WHERE id = $1 RETURNING id, email, name, created_at",
        )
        .bind(id(user_id))
        .bind(name)
        .fetch_optional(self.writer())
        .await
        .map_err(backend)?;
        one(row, convert::user, "user", user_id)
    }

    async fn delete_user(&self, user_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Organizations the user alone owns go with them (cascading to their projects,
        // mocks, logs and keys); memberships, keys and tokens cascade from the user.
        sqlx::query(
            "DELETE FROM organizations WHERE id IN ( \
               SELECT m.org_id FROM organization_members m \
               WHERE m.user_id = $1 AND m.role = 'owner' \
                 AND (SELECT COUNT(*) FROM organization_members o \
                      WHERE o.org_id = m.org_id AND o.role = 'owner') = 1)",
        )
        .bind(id(user_id))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id(user_id))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("user", user_id));
        }
        tx.commit().await.map_err(backend)
    }
}
