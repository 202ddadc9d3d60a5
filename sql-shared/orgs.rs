//! `organizations`, `organization_members`, `invitations`.

use async_trait::async_trait;
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use super::convert::{self, ORG_COLS, USER_COLS};
use super::support::{Tx, all, backend, found, one, write_err};
use crate::Store;
use crate::dialect::{self, id, ts};

fn member_key(org_id: Uuid, user_id: Uuid) -> String {
    format!("{org_id}/{user_id}")
}

/// The member's role, read inside `tx` after locking the organization.
async fn role_and_owners(tx: &mut Tx, org_id: Uuid, user_id: Uuid) -> StoreResult<(Role, i64)> {
    dialect::lock_org(tx, org_id).await.map_err(backend)?;
    let row = sqlx::query(
        "SELECT m.role, (SELECT COUNT(*) FROM organization_members o \
                         WHERE o.org_id = m.org_id AND o.role = 'owner') AS owners \
         FROM organization_members m WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(id(org_id))
    .bind(id(user_id))
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend)?;
    let row = found(row, "membership", member_key(org_id, user_id))?;
    let role: String = sqlx::Row::try_get(&row, "role").map_err(backend)?;
    let owners: i64 = sqlx::Row::try_get(&row, "owners").map_err(backend)?;
    let role = role
        .parse()
        .map_err(|e| backend(sqlx::Error::Decode(Box::new(e))))?;
    Ok((role, owners))
}

#[async_trait]
impl OrgStore for Store {
    async fn create_org(&self, org: NewOrganization) -> StoreResult<Organization> {
        let created = Organization {
            id: Uuid::new_v4(),
            name: org.name,
            slug: org.slug,
            plan: org.plan,
            created_at: clock::now(),
        };
        let mut tx = self.begin().await?;
        let owner = sqlx::query("SELECT id FROM users WHERE id = $1")
            .bind(id(org.owner_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        found(owner, "user", org.owner_id)?;
        sqlx::query(
            "INSERT INTO organizations (id, name, slug, plan, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id(created.id))
        .bind(&created.name)
        .bind(&created.slug)
        .bind(&created.plan)
        .bind(ts(created.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_err(e, "organization", &created.slug))?;
        sqlx::query(
            "INSERT INTO organization_members (org_id, user_id, role, joined_at) \
             VALUES ($1, $2, 'owner', $3)",
        )
        .bind(id(created.id))
        .bind(id(org.owner_id))
        .bind(ts(created.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_err(e, "membership", member_key(created.id, org.owner_id)))?;
        tx.commit().await.map_err(backend)?;
        Ok(created)
    }

    async fn org(&self, org_id: Uuid) -> StoreResult<Organization> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organizations o WHERE o.id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id(org_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::org, "organization", org_id)
    }

    async fn org_by_slug(&self, slug: &str) -> StoreResult<Organization> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organizations o WHERE o.slug = $1"
        ));
        let row = sqlx::query(sql)
            .bind(slug)
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::org, "organization", slug)
    }

    async fn orgs_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Organization>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organizations o \
             JOIN organization_members m ON m.org_id = o.id \
             WHERE m.user_id = $1 ORDER BY o.rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(user_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::org)
    }

    async fn all_orgs(&self) -> StoreResult<Vec<Organization>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organizations o ORDER BY o.rowid"
        ));
        let rows = sqlx::query(sql)
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::org)
    }

    async fn rename_org(&self, org_id: Uuid, name: &str) -> StoreResult<Organization> {
        let row = sqlx::query(
            "UPDATE organizations SET name = $2 WHERE id = $1 RETURNING id, name, slug, plan, created_at",
        )
        .bind(id(org_id))
        .bind(name)
        .fetch_optional(self.writer())
        .await
        .map_err(backend)?;
        one(row, convert::org, "organization", org_id)
    }

    async fn set_org_plan(&self, org_id: Uuid, plan: &str) -> StoreResult<Organization> {
        let row = sqlx::query(
            "UPDATE organizations SET plan = $2 WHERE id = $1 RETURNING id, name, slug, plan, created_at",
        )
        .bind(id(org_id))
        .bind(plan)
        .fetch_optional(self.writer())
        .await
        .map_err(backend)?;
        one(row, convert::org, "organization", org_id)
    }

    async fn delete_org(&self, org_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id(org_id))
            .execute(self.writer())
            .await
            .map_err(backend)?;
        found(
            (done.rows_affected() == 1).then_some(()),
            "organization",
            org_id,
        )
    }

    async fn membership(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<Membership> {
        let row = sqlx::query(
            "SELECT org_id, user_id, role, joined_at FROM organization_members \
             WHERE org_id = $1 AND user_id = $2",
        )
        .bind(id(org_id))
        .bind(id(user_id))
        .fetch_optional(self.reader())
        .await
        .map_err(backend)?;
        one(
            row,
            convert::membership,
            "membership",
            member_key(org_id, user_id),
        )
    }

    async fn members(&self, org_id: Uuid) -> StoreResult<Vec<MemberInfo>> {
        self.org(org_id).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS}, m.role, m.joined_at FROM organization_members m \
             JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.rowid"
        ));
        let rows = sqlx::query(sql)
            .bind(id(org_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::member_info)
    }

    async fn add_member(&self, org_id: Uuid, user_id: Uuid, role: Role) -> StoreResult<Membership> {
        self.org(org_id).await?;
        self.user(user_id).await?;
        let m = Membership {
            org_id,
            user_id,
            role,
            joined_at: clock::now(),
        };
        sqlx::query(
            "INSERT INTO organization_members (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id(org_id))
        .bind(id(user_id))
        .bind(role.as_str())
        .bind(ts(m.joined_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "membership", member_key(org_id, user_id)))?;
        Ok(m)
    }

    async fn set_member_role(
        &self,
        org_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> StoreResult<Membership> {
        let mut tx = self.begin().await?;
        let (current, owners) = role_and_owners(&mut tx, org_id, user_id).await?;
        if current == Role::Owner && role != Role::Owner && owners == 1 {
            return Err(StoreError::conflict("organization owner", "last owner"));
        }
        let row = sqlx::query(
            "UPDATE organization_members SET role = $3 WHERE org_id = $1 AND user_id = $2 \
             RETURNING org_id, user_id, role, joined_at",
        )
        .bind(id(org_id))
        .bind(id(user_id))
        .bind(role.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let m = one(
            row,
            convert::membership,
            "membership",
            member_key(org_id, user_id),
        )?;
        tx.commit().await.map_err(backend)?;
        Ok(m)
    }

    async fn remove_member(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (current, owners) = role_and_owners(&mut tx, org_id, user_id).await?;
        if current == Role::Owner && owners == 1 {
            return Err(StoreError::conflict("organization owner", "last owner"));
        }
        sqlx::query("DELETE FROM organization_members WHERE org_id = $1 AND user_id = $2")
            .bind(id(org_id))
            .bind(id(user_id))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn create_invitation(&self, inv: NewInvitation) -> StoreResult<Invitation> {
        self.org(inv.org_id).await?;
        let created = Invitation::create(inv);
        sqlx::query(
            "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id(created.id))
        .bind(id(created.org_id))
        .bind(&created.email)
        .bind(created.role.as_str())
        .bind(&created.token_hash)
        .bind(id(created.invited_by))
        .bind(ts(created.expires_at))
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "invitation", "token"))?;
        Ok(created)
    }

    async fn invitation_by_token_hash(&self, token_hash: &str) -> StoreResult<Invitation> {
        let row = sqlx::query("SELECT * FROM invitations WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::invitation, "invitation", "token")
    }

    async fn invitations(&self, org_id: Uuid) -> StoreResult<Vec<Invitation>> {
        let rows = sqlx::query("SELECT * FROM invitations WHERE org_id = $1 ORDER BY rowid")
            .bind(id(org_id))
            .fetch_all(self.reader())
            .await
            .map_err(backend)?;
        all(rows, convert::invitation)
    }

    async fn delete_invitation(&self, org_id: Uuid, invitation_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query(
            "DELETE FROM invitations WHERE id = $1 AND org_id = $2 AND accepted_at IS NULL",
        )
        .bind(id(invitation_id))
        .bind(id(org_id))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        found(
            (done.rows_affected() == 1).then_some(()),
            "invitation",
            invitation_id,
        )
    }

    async fn accept_invitation(
        &self,
        invitation_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Membership> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT * FROM invitations WHERE id = $1")
            .bind(id(invitation_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let inv = one(row, convert::invitation, "invitation", invitation_id)?;
        let user = sqlx::query("SELECT id FROM users WHERE id = $1")
            .bind(id(user_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        found(user, "user", user_id)?;
        let now = clock::now();
        // The guarded update makes acceptance single-use even under concurrency.
        let done = sqlx::query(
            "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL",
        )
        .bind(id(invitation_id))
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::conflict("invitation", "already accepted"));
        }
        let m = Membership {
            org_id: inv.org_id,
            user_id,
            role: inv.role,
            joined_at: now,
        };
        sqlx::query(
            "INSERT INTO organization_members (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id(m.org_id))
        .bind(id(user_id))
        .bind(m.role.as_str())
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_err(e, "membership", member_key(m.org_id, user_id)))?;
        tx.commit().await.map_err(backend)?;
        Ok(m)
    }
}
