//! `projects`, and whole projects with their mocks (bundle, import, duplicate).

use std::collections::HashMap;

use async_trait::async_trait;
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use super::convert::{self, MOCK_COLS, PROJECT_COLS, RESPONSE_COLS};
use super::mocks::{insert_mock, insert_response, org_mock_count};
use super::support::{Tx, all, backend, found, one, write_err};
use crate::Store;
use crate::dialect::{self, id, ts};

/// Inserts a project row inside `tx`; conflict if the slug is taken.
async fn insert_project(tx: &mut Tx, new: &NewProject) -> StoreResult<Uuid> {
    let org = sqlx::query("SELECT id FROM organizations WHERE id = $1")
        .bind(id(new.org_id))
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
    found(org, "organization", new.org_id)?;
    let project_id = Uuid::new_v4();
    let now = clock::now();
    sqlx::query(
        "INSERT INTO projects (id, org_id, name, slug, description, is_public, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id(project_id))
    .bind(id(new.org_id))
    .bind(&new.name)
    .bind(&new.slug)
    .bind(&new.description)
    .bind(new.is_public)
    .bind(ts(now))
    .execute(&mut **tx)
    .await
    .map_err(|e| write_err(e, "project", &new.slug))?;
    Ok(project_id)
}

#[async_trait]
impl ProjectStore for Store {
    async fn create_project(&self, project: NewProject) -> StoreResult<Project> {
        let mut tx = self.begin().await?;
        let project_id = insert_project(&mut tx, &project).await?;
        tx.commit().await.map_err(backend)?;
        self.project(project_id).await
    }

    async fn project(&self, project_id: Uuid) -> StoreResult<Project> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects p WHERE p.id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id(project_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::project, "project", project_id)
    }

    async fn project_by_slug(&self, slug: &str) -> StoreResult<Project> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects p WHERE p.slug = $1"
        ));
        let row = sqlx::query(sql)
            .bind(slug)
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::project, "project", slug)
    }

    async fn projects_for_org(&self, org_id: Uuid) -> StoreResult<Vec<Project>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects p WHERE p.org_id = $1 ORDER BY p.rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(org_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::project)
    }

    async fn projects_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Project>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects p \
             JOIN organization_members m ON m.org_id = p.org_id \
             WHERE m.user_id = $1 ORDER BY p.rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(user_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::project)
    }

    async fn update_project(&self, project_id: Uuid, patch: ProjectPatch) -> StoreResult<Project> {
        let slug = patch.slug.clone();
        let done = sqlx::query(
            "UPDATE projects SET name = COALESCE($2, name), description = COALESCE($3, description), \
             is_public = COALESCE($4, is_public), slug = COALESCE($5, slug), updated_at = $6 \
             WHERE id = $1",
        )
        .bind(id(project_id))
        .bind(patch.name)
        .bind(patch.description)
        .bind(patch.is_public)
        .bind(patch.slug)
        .bind(ts(clock::now()))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "project", slug.unwrap_or_default()))?;
        found(
            (done.rows_affected() == 1).then_some(()),
            "project",
            project_id,
        )?;
        self.project(project_id).await
    }

    async fn delete_project(&self, project_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(id(project_id))
            .execute(self.writer())
            .await
            .map_err(backend)?;
        found(
            (done.rows_affected() == 1).then_some(()),
            "project",
            project_id,
        )
    }

    async fn project_bundle(&self, project_id: Uuid) -> StoreResult<ProjectBundle> {
        let project = self.project(project_id).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MOCK_COLS} FROM mocks WHERE project_id = $1 ORDER BY rowid"
        ));
        let mocks = sqlx::query(sql)
            .bind(id(project_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        let mocks = all(mocks, convert::mock)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESPONSE_COLS} FROM mock_responses \
             WHERE mock_id IN (SELECT id FROM mocks WHERE project_id = $1) ORDER BY rowid"
        ));
        let responses = sqlx::query(sql)
            .bind(id(project_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        let mut by_mock: HashMap<Uuid, Vec<MockResponse>> = HashMap::new();
        for r in all(responses, convert::response)? {
            by_mock.entry(r.mock_id).or_default().push(r);
        }
        let mocks = mocks
            .into_iter()
            .map(|m| {
                let responses = by_mock.remove(&m.id).unwrap_or_default();
                (m, responses)
            })
            .collect();
        Ok(ProjectBundle { project, mocks })
    }

    async fn create_project_with_mocks(
        &self,
        project: NewProject,
        mocks: Vec<(MockDef, Vec<ResponseDef>)>,
        endpoint_limit: Option<u32>,
    ) -> StoreResult<Project> {
        let mut tx = self.begin().await?;
        dialect::lock_org(&mut tx, project.org_id)
            .await
            .map_err(backend)?;
        if let Some(limit) = endpoint_limit {
            let count = org_mock_count(&mut tx, project.org_id).await?;
            if count + mocks.len() as u64 > u64::from(limit) {
                return Err(StoreError::LimitExceeded { limit });
            }
        }
        let project_id = insert_project(&mut tx, &project).await?;
        for (def, responses) in mocks {
            let mock = insert_mock(&mut tx, project_id, def).await?;
            for r in responses {
                insert_response(&mut tx, mock.id, r).await?;
            }
        }
        tx.commit().await.map_err(backend)?;
        self.project(project_id).await
    }

    async fn count_org_mocks(&self, org_id: Uuid) -> StoreResult<u32> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mocks m JOIN projects p ON p.id = m.project_id WHERE p.org_id = $1",
        )
        .bind(id(org_id))
        .fetch_one(self.reader())
        .await
        .map_err(backend)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
