//! `mocks` and `mock_responses`.

use async_trait::async_trait;
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use sqlx::types::Json;
use uuid::Uuid;

use super::convert::{self, MOCK_COLS, RESPONSE_COLS};
use super::support::{Tx, all, backend, found, int, one, write_err};
use crate::Store;
use crate::dialect::{self, get_id, id, ts};

fn mock_key(def: &MockDef) -> String {
    format!("{} {}", def.method, def.path)
}

/// Bumps a project's `updatedAt` (any change to its mocks).
pub(crate) async fn touch_project(tx: &mut Tx, project_id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE projects SET updated_at = $2 WHERE id = $1")
        .bind(id(project_id))
        .bind(ts(clock::now()))
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Mocks across all projects of an organization, read inside `tx`.
pub(crate) async fn org_mock_count(tx: &mut Tx, org_id: Uuid) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mocks m JOIN projects p ON p.id = m.project_id WHERE p.org_id = $1",
    )
    .bind(id(org_id))
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Inserts a mock inside `tx`; conflict on the same (project, path, method).
pub(crate) async fn insert_mock(tx: &mut Tx, project_id: Uuid, def: MockDef) -> StoreResult<Mock> {
    let mock = Mock::create(project_id, def);
    sqlx::query(
        "INSERT INTO mocks (id, project_id, name, path, method, description, is_active, \
         response_type, response_delay_ms, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id(mock.id))
    .bind(id(project_id))
    .bind(&mock.name)
    .bind(&mock.path)
    .bind(mock.method.as_str())
    .bind(&mock.description)
    .bind(mock.is_active)
    .bind(mock.response_type.as_str())
    .bind(i64::from(mock.response_delay))
    .bind(ts(mock.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| write_err(e, "mock", format!("{} {}", mock.method, mock.path)))?;
    Ok(mock)
}

/// Inserts a response inside `tx`, first clearing the mock's other defaults if
/// this one is default. The caller has locked the mock (or created it in `tx`).
pub(crate) async fn insert_response(
    tx: &mut Tx,
    mock_id: Uuid,
    def: ResponseDef,
) -> StoreResult<MockResponse> {
    if def.is_default {
        clear_default(tx, mock_id, None).await?;
    }
    let response = MockResponse::create(mock_id, def);
    sqlx::query(
        "INSERT INTO mock_responses (id, mock_id, name, status_code, headers, body, conditions, \
         weight, is_default, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id(response.id))
    .bind(id(mock_id))
    .bind(&response.name)
    .bind(i64::from(response.status_code))
    .bind(Json(&response.headers))
    .bind(&response.body)
    .bind(Json(&response.conditions))
    .bind(i64::from(response.weight))
    .bind(response.is_default)
    .bind(ts(response.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| write_err(e, "response", mock_id))?;
    Ok(response)
}

/// Clears `isDefault` on the mock's responses other than `except`.
async fn clear_default(tx: &mut Tx, mock_id: Uuid, except: Option<Uuid>) -> StoreResult<()> {
    sqlx::query(
        "UPDATE mock_responses SET is_default = FALSE \
         WHERE mock_id = $1 AND is_default AND ($2 IS NULL OR id <> $2)",
    )
    .bind(id(mock_id))
    .bind(except.map(id))
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Locks the mock inside `tx` and returns its project.
async fn lock_mock(tx: &mut Tx, mock_id: Uuid) -> StoreResult<Uuid> {
    let row = dialect::lock_mock(tx, mock_id).await.map_err(backend)?;
    let row = found(row, "mock", mock_id)?;
    get_id(&row, "project_id").map_err(backend)
}

#[async_trait]
impl MockStore for Store {
    async fn create_mock(
        &self,
        project_id: Uuid,
        mock: MockDef,
        endpoint_limit: Option<u32>,
    ) -> StoreResult<Mock> {
        let mut tx = self.begin().await?;
        let org = sqlx::query("SELECT org_id FROM projects WHERE id = $1")
            .bind(id(project_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let org_id = get_id(&found(org, "project", project_id)?, "org_id").map_err(backend)?;
        if let Some(limit) = endpoint_limit {
            // The organization row lock serializes concurrent creates, so the
            // count cannot be overtaken between this check and the insert.
            dialect::lock_org(&mut tx, org_id).await.map_err(backend)?;
            if org_mock_count(&mut tx, org_id).await? >= u64::from(limit) {
                return Err(StoreError::LimitExceeded { limit });
            }
        }
        let created = insert_mock(&mut tx, project_id, mock).await?;
        touch_project(&mut tx, project_id).await?;
        tx.commit().await.map_err(backend)?;
        Ok(created)
    }

    async fn mock(&self, mock_id: Uuid) -> StoreResult<Mock> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {MOCK_COLS} FROM mocks WHERE id = $1"));
        let row = sqlx::query(sql)
            .bind(id(mock_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::mock, "mock", mock_id)
    }

    async fn mocks_for_project(&self, project_id: Uuid) -> StoreResult<Vec<Mock>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MOCK_COLS} FROM mocks WHERE project_id = $1 ORDER BY rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(project_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::mock)
    }

    async fn update_mock(&self, mock_id: Uuid, def: MockDef) -> StoreResult<Mock> {
        let key = mock_key(&def);
        let mut tx = self.begin().await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE mocks SET name = $2, path = $3, method = $4, description = $5, is_active = $6, \
             response_type = $7, response_delay_ms = $8, updated_at = $9 WHERE id = $1 \
             RETURNING {MOCK_COLS}"
        ));
        let row = sqlx::query(sql)
            .bind(id(mock_id))
            .bind(def.name)
            .bind(def.path)
            .bind(def.method.as_str())
            .bind(def.description)
            .bind(def.is_active)
            .bind(def.response_type.as_str())
            .bind(i64::from(def.response_delay))
            .bind(ts(clock::now()))
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| write_err(e, "mock", &key))?;
        let updated = one(row, convert::mock, "mock", mock_id)?;
        touch_project(&mut tx, updated.project_id).await?;
        tx.commit().await.map_err(backend)?;
        Ok(updated)
    }

    async fn delete_mock(&self, mock_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("DELETE FROM mocks WHERE id = $1 RETURNING project_id")
            .bind(id(mock_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let project_id = get_id(&found(row, "mock", mock_id)?, "project_id").map_err(backend)?;
        touch_project(&mut tx, project_id).await?;
        tx.commit().await.map_err(backend)
    }

    async fn create_response(
        &self,
        mock_id: Uuid,
        response: ResponseDef,
    ) -> StoreResult<MockResponse> {
        let mut tx = self.begin().await?;
        let project_id = lock_mock(&mut tx, mock_id).await?;
        let created = insert_response(&mut tx, mock_id, response).await?;
        touch_project(&mut tx, project_id).await?;
        tx.commit().await.map_err(backend)?;
        Ok(created)
    }

    async fn response(&self, response_id: Uuid) -> StoreResult<MockResponse> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESPONSE_COLS} FROM mock_responses WHERE id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id(response_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::response, "response", response_id)
    }

    async fn responses(&self, mock_id: Uuid) -> StoreResult<Vec<MockResponse>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESPONSE_COLS} FROM mock_responses WHERE mock_id = $1 ORDER BY rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(mock_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::response)
    }

    async fn update_response(
        &self,
        response_id: Uuid,
        def: ResponseDef,
    ) -> StoreResult<MockResponse> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT mock_id FROM mock_responses WHERE id = $1")
            .bind(id(response_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let mock_id = get_id(&found(row, "response", response_id)?, "mock_id").map_err(backend)?;
        let project_id = lock_mock(&mut tx, mock_id).await?;
        if def.is_default {
            clear_default(&mut tx, mock_id, Some(response_id)).await?;
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE mock_responses SET name = $2, status_code = $3, headers = $4, body = $5, \
             conditions = $6, weight = $7, is_default = $8 WHERE id = $1 RETURNING {RESPONSE_COLS}"
        ));
        let row = sqlx::query(sql)
            .bind(id(response_id))
            .bind(&def.name)
            .bind(i64::from(def.status_code))
            .bind(Json(&def.headers))
            .bind(&def.body)
            .bind(Json(&def.conditions))
            .bind(int(def.weight))
            .bind(def.is_default)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let updated = one(row, convert::response, "response", response_id)?;
        touch_project(&mut tx, project_id).await?;
        tx.commit().await.map_err(backend)?;
        Ok(updated)
    }

    async fn delete_response(&self, response_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM mock_responses WHERE id = $1")
            .bind(id(response_id))
            .execute(self.writer())
            .await
            .map_err(backend)?;
        found(
            (done.rows_affected() == 1).then_some(()),
            "response",
            response_id,
        )
    }
}
