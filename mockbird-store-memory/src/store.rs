//! The trait implementations: every call takes the one lock once, so each is atomic.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use uuid::Uuid;

use crate::state::{State, get, get_mut, ordered};

/// An in-memory [`DatabaseService`]; clones are independent stores, share one through `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let mut s = self.write();
        if s.users.values().any(|u| u.row.user.email == user.email) {
            return Err(StoreError::conflict("user", &user.email));
        }
        let created = User {
            id: Uuid::new_v4(),
            email: user.email,
            name: user.name,
            created_at: clock::now(),
        };
        let row = s.seq(UserCredentials {
            user: created.clone(),
            password_hash: user.password_hash,
        });
        s.users.insert(created.id, row);
        Ok(created)
    }

    async fn user(&self, id: Uuid) -> StoreResult<User> {
        Ok(get(&self.read().users, "user", id)?.user.clone())
    }

    async fn user_credentials(&self, email: &str) -> StoreResult<UserCredentials> {
        let email = email.trim().to_lowercase();
        let s = self.read();
        s.users
            .values()
            .find(|u| u.row.user.email == email)
            .map(|u| u.row.clone())
            .ok_or_else(|| StoreError::not_found("user", email))
    }

    async fn set_password_hash(&self, id: Uuid, hash: &str) -> StoreResult<()> {
        get_mut(&mut self.write().users, "user", id)?.password_hash = hash.to_owned();
        Ok(())
    }

    async fn update_user_name(&self, id: Uuid, name: &str) -> StoreResult<User> {
        let mut s = self.write();
        let u = get_mut(&mut s.users, "user", id)?;
        u.user.name = name.to_owned();
        Ok(u.user.clone())
    }

    async fn delete_user(&self, id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        get(&s.users, "user", id)?;
        let sole: Vec<Uuid> = s
            .members
            .iter()
            .filter(|m| m.user_id == id && m.role == Role::Owner)
            .map(|m| m.org_id)
            .filter(|org| s.owners(*org) == 1)
            .collect();
        for org in sole {
            s.remove_org(org);
        }
        s.members.retain(|m| m.user_id != id);
        s.keys.retain(|_, k| k.row.user_id != id);
        s.refresh.retain(|_, t| t.user_id != id);
        s.resets.retain(|_, t| t.user_id != id);
        s.users.remove(&id);
        Ok(())
    }
}

#[async_trait]
impl OrgStore for MemoryStore {
    async fn create_org(&self, org: NewOrganization) -> StoreResult<Organization> {
        let mut s = self.write();
        get(&s.users, "user", org.owner_id)?;
        if s.orgs.values().any(|o| o.row.slug == org.slug) {
            return Err(StoreError::conflict("organization", &org.slug));
        }
        let now = clock::now();
        let created = Organization {
            id: Uuid::new_v4(),
            name: org.name,
            slug: org.slug,
            plan: org.plan,
            created_at: now,
        };
        let row = s.seq(created.clone());
        s.orgs.insert(created.id, row);
        s.members.push(Membership {
            org_id: created.id,
            user_id: org.owner_id,
            role: Role::Owner,
            joined_at: now,
        });
        Ok(created)
    }

    async fn org(&self, id: Uuid) -> StoreResult<Organization> {
        get(&self.read().orgs, "organization", id).cloned()
    }

    async fn org_by_slug(&self, slug: &str) -> StoreResult<Organization> {
        let s = self.read();
        s.orgs
            .values()
            .find(|o| o.row.slug == slug)
            .map(|o| o.row.clone())
            .ok_or_else(|| StoreError::not_found("organization", slug))
    }

    async fn orgs_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Organization>> {
        let s = self.read();
        Ok(ordered(&s.orgs, |o| {
            s.members
                .iter()
                .any(|m| m.org_id == o.id && m.user_id == user_id)
        }))
    }

    async fn all_orgs(&self) -> StoreResult<Vec<Organization>> {
        let s = self.read();
        Ok(ordered(&s.orgs, |_| true))
    }

    async fn rename_org(&self, id: Uuid, name: &str) -> StoreResult<Organization> {
        let mut s = self.write();
        let o = get_mut(&mut s.orgs, "organization", id)?;
        o.name = name.to_owned();
        Ok(o.clone())
    }

    async fn set_org_plan(&self, id: Uuid, plan: &str) -> StoreResult<Organization> {
        let mut s = self.write();
        let o = get_mut(&mut s.orgs, "organization", id)?;
        o.plan = plan.to_owned();
        Ok(o.clone())
    }

    async fn delete_org(&self, id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        get(&s.orgs, "organization", id)?;
        s.remove_org(id);
        Ok(())
    }

    async fn membership(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<Membership> {
        let s = self.read();
        s.members
            .iter()
            .find(|m| m.org_id == org_id && m.user_id == user_id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("membership", format!("{org_id}/{user_id}")))
    }

    async fn members(&self, org_id: Uuid) -> StoreResult<Vec<MemberInfo>> {
        let s = self.read();
        get(&s.orgs, "organization", org_id)?;
        Ok(s.members
            .iter()
            .filter(|m| m.org_id == org_id)
            .filter_map(|m| {
                let user = s.users.get(&m.user_id)?.row.user.clone();
                Some(MemberInfo {
                    user,
                    role: m.role,
                    joined_at: m.joined_at,
                })
            })
            .collect())
    }

    async fn add_member(&self, org_id: Uuid, user_id: Uuid, role: Role) -> StoreResult<Membership> {
        let mut s = self.write();
        get(&s.orgs, "organization", org_id)?;
        get(&s.users, "user", user_id)?;
        if s.members
            .iter()
            .any(|m| m.org_id == org_id && m.user_id == user_id)
        {
            return Err(StoreError::conflict(
                "membership",
                format!("{org_id}/{user_id}"),
            ));
        }
        let m = Membership {
            org_id,
            user_id,
            role,
            joined_at: clock::now(),
        };
        s.members.push(m.clone());
        Ok(m)
    }

    async fn set_member_role(
        &self,
        org_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> StoreResult<Membership> {
        let mut s = self.write();
        let owners = s.owners(org_id);
        let m = s
            .members
            .iter_mut()
            .find(|m| m.org_id == org_id && m.user_id == user_id)
            .ok_or_else(|| StoreError::not_found("membership", format!("{org_id}/{user_id}")))?;
        if m.role == Role::Owner && role != Role::Owner && owners == 1 {
            return Err(StoreError::conflict("organization owner", "last owner"));
        }
        m.role = role;
        Ok(m.clone())
    }

    async fn remove_member(&self, org_id: Uuid, user_id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        let owners = s.owners(org_id);
        let pos = s
            .members
            .iter()
            .position(|m| m.org_id == org_id && m.user_id == user_id)
            .ok_or_else(|| StoreError::not_found("membership", format!("{org_id}/{user_id}")))?;
        if s.members[pos].role == Role::Owner && owners == 1 {
            return Err(StoreError::conflict("organization owner", "last owner"));
        }
        s.members.remove(pos);
        Ok(())
    }

    async fn create_invitation(&self, inv: NewInvitation) -> StoreResult<Invitation> {
        let mut s = self.write();
        get(&s.orgs, "organization", inv.org_id)?;
        if s.invitations
            .values()
            .any(|i| i.row.token_hash == inv.token_hash)
        {
            return Err(StoreError::conflict("invitation", "token"));
        }
        let created = Invitation::create(inv);
        let row = s.seq(created.clone());
        s.invitations.insert(created.id, row);
        Ok(created)
    }

    async fn invitation_by_token_hash(&self, token_hash: &str) -> StoreResult<Invitation> {
        let s = self.read();
        s.invitations
            .values()
            .find(|i| i.row.token_hash == token_hash)
            .map(|i| i.row.clone())
            .ok_or_else(|| StoreError::not_found("invitation", "token"))
    }

    async fn invitations(&self, org_id: Uuid) -> StoreResult<Vec<Invitation>> {
        Ok(ordered(&self.read().invitations, |i| i.org_id == org_id))
    }

    async fn delete_invitation(&self, org_id: Uuid, invitation_id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        match s.invitations.get(&invitation_id) {
            Some(i) if i.row.org_id == org_id && i.row.accepted_at.is_none() => {
                s.invitations.remove(&invitation_id);
                Ok(())
            }
            _ => Err(StoreError::not_found("invitation", invitation_id)),
        }
    }

    async fn accept_invitation(
        &self,
        invitation_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Membership> {
        let mut s = self.write();
        let inv = get(&s.invitations, "invitation", invitation_id)?.clone();
        get(&s.users, "user", user_id)?;
        if inv.accepted_at.is_some() {
            return Err(StoreError::conflict("invitation", "already accepted"));
        }
        if s.members
            .iter()
            .any(|m| m.org_id == inv.org_id && m.user_id == user_id)
        {
            return Err(StoreError::conflict(
                "membership",
                format!("{}/{user_id}", inv.org_id),
            ));
        }
        let now = clock::now();
        get_mut(&mut s.invitations, "invitation", invitation_id)?.accepted_at = Some(now);
        let m = Membership {
            org_id: inv.org_id,
            user_id,
            role: inv.role,
            joined_at: now,
        };
        s.members.push(m.clone());
        Ok(m)
    }
}

#[async_trait]
impl ProjectStore for MemoryStore {
    async fn create_project(&self, project: NewProject) -> StoreResult<Project> {
        let mut s = self.write();
        get(&s.orgs, "organization", project.org_id)?;
        s.check_project_slug(&project.slug, None)?;
        let id = s.insert_project(project);
        s.project(id)
    }

    async fn project(&self, id: Uuid) -> StoreResult<Project> {
        self.read().project(id)
    }

    async fn project_by_slug(&self, slug: &str) -> StoreResult<Project> {
        let s = self.read();
        let id = s
            .projects
            .values()
            .find(|p| p.row.slug == slug)
            .map(|p| p.row.id)
            .ok_or_else(|| StoreError::not_found("project", slug))?;
        s.project(id)
    }

    async fn projects_for_org(&self, org_id: Uuid) -> StoreResult<Vec<Project>> {
        Ok(self.read().projects(|p| p.org_id == org_id))
    }

    async fn projects_for_user(&self, user_id: Uuid) -> StoreResult<Vec<Project>> {
        let s = self.read();
        Ok(s.projects(|p| {
            s.members
                .iter()
                .any(|m| m.user_id == user_id && m.org_id == p.org_id)
        }))
    }

    async fn update_project(&self, id: Uuid, patch: ProjectPatch) -> StoreResult<Project> {
        let mut s = self.write();
        get(&s.projects, "project", id)?;
        if let Some(slug) = &patch.slug {
            s.check_project_slug(slug, Some(id))?;
        }
        let p = get_mut(&mut s.projects, "project", id)?;
        if let Some(v) = patch.name {
            p.name = v;
        }
        if let Some(v) = patch.description {
            p.description = v;
        }
        if let Some(v) = patch.is_public {
            p.is_public = v;
        }
        if let Some(v) = patch.slug {
            p.slug = v;
        }
        p.updated_at = clock::now();
        s.project(id)
    }

    async fn delete_project(&self, id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        get(&s.projects, "project", id)?;
        s.remove_project(id);
        Ok(())
    }

    async fn project_bundle(&self, id: Uuid) -> StoreResult<ProjectBundle> {
        let s = self.read();
        let project = s.project(id)?;
        let mocks = ordered(&s.mocks, |m| m.project_id == id)
            .into_iter()
            .map(|m| {
                let responses = ordered(&s.responses, |r| r.mock_id == m.id);
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
        let mut s = self.write();
        get(&s.orgs, "organization", project.org_id)?;
        s.check_project_slug(&project.slug, None)?;
        let mut seen = std::collections::HashSet::new();
        for (def, _) in &mocks {
            if !seen.insert((def.path.as_str(), def.method)) {
                return Err(StoreError::conflict(
                    "mock",
                    format!("{} {}", def.method, def.path),
                ));
            }
        }
        if let Some(limit) = endpoint_limit
            && u64::from(s.org_mock_count(project.org_id)) + mocks.len() as u64 > u64::from(limit)
        {
            return Err(StoreError::LimitExceeded { limit });
        }
        let id = s.insert_project(project);
        for (def, responses) in mocks {
            let mock = s.insert_mock(id, def);
            for r in responses {
                s.insert_response(mock.id, r);
            }
        }
        s.project(id)
    }

    async fn count_org_mocks(&self, org_id: Uuid) -> StoreResult<u32> {
        Ok(self.read().org_mock_count(org_id))
    }
}

#[async_trait]
impl MockStore for MemoryStore {
    async fn create_mock(
        &self,
        project_id: Uuid,
        mock: MockDef,
        endpoint_limit: Option<u32>,
    ) -> StoreResult<Mock> {
        let mut s = self.write();
        let org_id = get(&s.projects, "project", project_id)?.org_id;
        s.check_mock_unique(project_id, &mock, None)?;
        if let Some(limit) = endpoint_limit
            && s.org_mock_count(org_id) >= limit
        {
            return Err(StoreError::LimitExceeded { limit });
        }
        Ok(s.insert_mock(project_id, mock))
    }

    async fn mock(&self, id: Uuid) -> StoreResult<Mock> {
        get(&self.read().mocks, "mock", id).cloned()
    }

    async fn mocks_for_project(&self, project_id: Uuid) -> StoreResult<Vec<Mock>> {
        Ok(ordered(&self.read().mocks, |m| m.project_id == project_id))
    }

    async fn update_mock(&self, id: Uuid, def: MockDef) -> StoreResult<Mock> {
        let mut s = self.write();
        let project_id = get(&s.mocks, "mock", id)?.project_id;
        s.check_mock_unique(project_id, &def, Some(id))?;
        let m = get_mut(&mut s.mocks, "mock", id)?;
        m.name = def.name;
        m.path = def.path;
        m.method = def.method;
        m.description = def.description;
        m.is_active = def.is_active;
        m.response_type = def.response_type;
        m.response_delay = def.response_delay;
        m.updated_at = clock::now();
        let updated = m.clone();
        s.touch_project(project_id);
        Ok(updated)
    }

    async fn delete_mock(&self, id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        get(&s.mocks, "mock", id)?;
        s.remove_mock(id);
        Ok(())
    }

    async fn create_response(
        &self,
        mock_id: Uuid,
        response: ResponseDef,
    ) -> StoreResult<MockResponse> {
        let mut s = self.write();
        let project_id = get(&s.mocks, "mock", mock_id)?.project_id;
        let created = s.insert_response(mock_id, response);
        s.touch_project(project_id);
        Ok(created)
    }

    async fn response(&self, id: Uuid) -> StoreResult<MockResponse> {
        get(&self.read().responses, "response", id).cloned()
    }

    async fn responses(&self, mock_id: Uuid) -> StoreResult<Vec<MockResponse>> {
        Ok(ordered(&self.read().responses, |r| r.mock_id == mock_id))
    }

    async fn update_response(&self, id: Uuid, def: ResponseDef) -> StoreResult<MockResponse> {
        let mut s = self.write();
        let mock_id = get(&s.responses, "response", id)?.mock_id;
        if def.is_default {
            s.clear_default(mock_id, Some(id));
        }
        let r = get_mut(&mut s.responses, "response", id)?;
        r.name = def.name;
        r.status_code = def.status_code;
        r.headers = def.headers;
        r.body = def.body;
        r.conditions = def.conditions;
        r.weight = def.weight;
        r.is_default = def.is_default;
        let updated = r.clone();
        if let Some(project_id) = s.mocks.get(&mock_id).map(|m| m.row.project_id) {
            s.touch_project(project_id);
        }
        Ok(updated)
    }

    async fn delete_response(&self, id: Uuid) -> StoreResult<()> {
        let mut s = self.write();
        s.responses
            .remove(&id)
            .ok_or_else(|| StoreError::not_found("response", id))?;
        // Logs keep the request but no longer name the response.
        for log in s.logs.iter_mut().filter(|l| l.response_id == Some(id)) {
            log.response_id = None;
        }
        Ok(())
    }
}

fn in_scope(log: &RequestLog, scope: LogScope) -> bool {
    match scope {
        LogScope::Mock(id) => log.mock_id == Some(id),
        LogScope::Project(id) => log.project_id == id,
    }
}

#[async_trait]
impl LogStore for MemoryStore {
    async fn insert_logs(&self, logs: &[NewRequestLog]) -> StoreResult<u64> {
        let mut s = self.write();
        let before = s.logs.len();
        for log in logs {
            if s.projects.contains_key(&log.project_id) {
                s.logs.push(log.clone());
            }
        }
        Ok((s.logs.len() - before) as u64)
    }

    async fn logs(&self, scope: LogScope, query: LogQuery) -> StoreResult<Page<RequestLog>> {
        let s = self.read();
        let mut matching: Vec<&RequestLog> = s
            .logs
            .iter()
            .filter(|l| in_scope(l, scope))
            .filter(|l| query.holds(l.created_at, l.id))
            .filter(|l| query.status.is_none_or(|st| l.response_status == st))
            .collect();
        matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = matching.len() as u64;
        let items = matching
            .into_iter()
            .skip(usize::try_from(query.offset()).unwrap_or(usize::MAX))
            .take(query.limit as usize)
            .cloned()
            .collect();
        Ok(Page {
            items,
            page: query.page,
            limit: query.limit,
            total,
        })
    }

    async fn logs_since(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<RequestLog>> {
        let s = self.read();
        let mut matching: Vec<&RequestLog> = s
            .logs
            .iter()
            .filter(|l| in_scope(l, scope) && l.created_at >= since)
            .collect();
        matching.sort_by_key(|l| l.created_at);
        Ok(matching.into_iter().take(limit as usize).cloned().collect())
    }

    async fn log_stats(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        bucket_secs: u32,
    ) -> StoreResult<LogStats> {
        let s = self.read();
        let size = i64::from(bucket_secs.max(1));
        let mut buckets: std::collections::BTreeMap<i64, LogBucket> = Default::default();
        let mut by_mock: std::collections::HashMap<Option<Uuid>, u64> = Default::default();
        let mut times = Vec::new();
        for l in s
            .logs
            .iter()
            .filter(|l| in_scope(l, scope) && l.created_at >= since)
        {
            let start = l.created_at.timestamp().div_euclid(size) * size;
            let b = buckets.entry(start).or_insert_with(|| LogBucket {
                start: DateTime::from_timestamp(start, 0).unwrap_or_default(),
                requests: 0,
                errors: 0,
                total_ms: 0,
            });
            b.requests += 1;
            b.errors += u64::from(l.response_status >= 400);
            b.total_ms += u64::from(l.response_time_ms);
            *by_mock.entry(l.mock_id).or_default() += 1;
            times.push(l.response_time_ms);
        }
        times.sort_unstable();
        let p95_ms = times
            .get(LogStats::p95_rank(times.len() as u64) as usize)
            .copied()
            .unwrap_or(0);
        let mut by_mock: Vec<_> = by_mock.into_iter().collect();
        by_mock.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(LogStats {
            buckets: buckets.into_values().collect(),
            by_mock,
            p95_ms,
        })
    }

    async fn delete_logs_before(
        &self,
        org_id: Uuid,
        before: DateTime<Utc>,
        batch: u32,
    ) -> StoreResult<u64> {
        let mut s = self.write();
        let projects: std::collections::HashSet<Uuid> = s
            .projects
            .values()
            .filter(|p| p.row.org_id == org_id)
            .map(|p| p.row.id)
            .collect();
        let mut left = batch as usize;
        let before_len = s.logs.len();
        s.logs.retain(|l| {
            if left > 0 && l.created_at < before && projects.contains(&l.project_id) {
                left -= 1;
                false
            } else {
                true
            }
        });
        Ok((before_len - s.logs.len()) as u64)
    }
}

#[async_trait]
impl UsageStore for MemoryStore {
    async fn add_usage(
        &self,
        org_id: Uuid,
        month: &str,
        requests: u64,
        bandwidth_bytes: u64,
    ) -> StoreResult<UsageRecord> {
        let mut s = self.write();
        let u = s
            .usage
            .entry((org_id, month.to_owned()))
            .or_insert_with(|| UsageRecord {
                org_id,
                month: month.to_owned(),
                request_count: 0,
                bandwidth_bytes: 0,
            });
        u.request_count += requests;
        u.bandwidth_bytes += bandwidth_bytes;
        Ok(u.clone())
    }

    async fn claim_usage_alert(&self, org_id: Uuid, month: &str, percent: u8) -> StoreResult<bool> {
        let mut s = self.write();
        get(&s.orgs, "organization", org_id)?;
        Ok(s.usage_alerts.insert((org_id, month.to_owned(), percent)))
    }

    async fn usage(&self, org_id: Uuid, month: &str) -> StoreResult<UsageRecord> {
        let s = self.read();
        Ok(s.usage
            .get(&(org_id, month.to_owned()))
            .cloned()
            .unwrap_or(UsageRecord {
                org_id,
                month: month.to_owned(),
                request_count: 0,
                bandwidth_bytes: 0,
            }))
    }
}

#[async_trait]
impl ApiKeyStore for MemoryStore {
    async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
        let mut s = self.write();
        get(&s.orgs, "organization", key.org_id)?;
        if s.keys.values().any(|k| k.row.key_hash == key.key_hash) {
            return Err(StoreError::conflict("api key", &key.prefix));
        }
        let created = ApiKey::create(key);
        let row = s.seq(created.clone());
        s.keys.insert(created.id, row);
        Ok(created)
    }

    async fn api_key(&self, id: Uuid) -> StoreResult<ApiKey> {
        get(&self.read().keys, "api key", id).cloned()
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<ApiKey> {
        let s = self.read();
        s.keys
            .values()
            .find(|k| k.row.key_hash == key_hash)
            .map(|k| k.row.clone())
            .ok_or_else(|| StoreError::not_found("api key", "hash"))
    }

    async fn api_keys_for_user(&self, user_id: Uuid) -> StoreResult<Vec<ApiKey>> {
        Ok(ordered(&self.read().keys, |k| k.user_id == user_id))
    }

    async fn api_keys_for_org(&self, org_id: Uuid) -> StoreResult<Vec<ApiKey>> {
        Ok(ordered(&self.read().keys, |k| k.org_id == org_id))
    }

    async fn touch_api_key(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        get_mut(&mut self.write().keys, "api key", id)?.last_used_at = Some(clock::truncate(at));
        Ok(())
    }

    async fn rotate_api_key(&self, id: Uuid, prefix: &str, key_hash: &str) -> StoreResult<ApiKey> {
        let mut s = self.write();
        if s.keys
            .values()
            .any(|k| k.row.key_hash == key_hash && k.row.id != id)
        {
            return Err(StoreError::conflict("api key", prefix));
        }
        let k = get_mut(&mut s.keys, "api key", id)?;
        k.prefix = prefix.to_owned();
        k.key_hash = key_hash.to_owned();
        Ok(k.clone())
    }

    async fn delete_api_key(&self, id: Uuid) -> StoreResult<()> {
        self.write()
            .keys
            .remove(&id)
            .map(drop)
            .ok_or_else(|| StoreError::not_found("api key", id))
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_refresh_token(&self, token: NewRefreshToken) -> StoreResult<RefreshToken> {
        let mut s = self.write();
        if s.refresh.values().any(|t| t.token_hash == token.token_hash) {
            return Err(StoreError::conflict("refresh token", "hash"));
        }
        let created = RefreshToken::create(token);
        s.refresh.insert(created.id, created.clone());
        Ok(created)
    }

    async fn refresh_token_by_hash(&self, token_hash: &str) -> StoreResult<RefreshToken> {
        let s = self.read();
        s.refresh
            .values()
            .find(|t| t.token_hash == token_hash)
            .cloned()
            .ok_or_else(|| StoreError::not_found("refresh token", "hash"))
    }

    async fn use_refresh_token(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut s = self.write();
        let t = s
            .refresh
            .get_mut(&id)
            .ok_or_else(|| StoreError::not_found("refresh token", id))?;
        if t.used_at.is_some() || t.revoked_at.is_some() {
            return Ok(false);
        }
        t.used_at = Some(clock::truncate(at));
        Ok(true)
    }

    async fn revoke_token_family(&self, family_id: Uuid) -> StoreResult<()> {
        let now = clock::now();
        for t in self
            .write()
            .refresh
            .values_mut()
            .filter(|t| t.family_id == family_id && t.revoked_at.is_none())
        {
            t.revoked_at = Some(now);
        }
        Ok(())
    }

    async fn revoke_user_tokens(&self, user_id: Uuid) -> StoreResult<()> {
        let now = clock::now();
        for t in self
            .write()
            .refresh
            .values_mut()
            .filter(|t| t.user_id == user_id && t.revoked_at.is_none())
        {
            t.revoked_at = Some(now);
        }
        Ok(())
    }

    async fn create_reset_token(
        &self,
        user_id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<ResetToken> {
        let mut s = self.write();
        get(&s.users, "user", user_id)?;
        let created = ResetToken {
            id: Uuid::new_v4(),
            user_id,
            token_hash: token_hash.to_owned(),
            expires_at: clock::truncate(expires_at),
            used_at: None,
            created_at: clock::now(),
        };
        s.resets.insert(created.id, created.clone());
        Ok(created)
    }

    async fn consume_reset_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Uuid> {
        let mut s = self.write();
        let t = s
            .resets
            .values_mut()
            .find(|t| t.token_hash == token_hash && t.used_at.is_none() && t.expires_at > now)
            .ok_or_else(|| StoreError::not_found("reset token", "hash"))?;
        t.used_at = Some(clock::truncate(now));
        Ok(t.user_id)
    }
}

#[async_trait]
impl BillingStore for MemoryStore {
    async fn subscription(&self, org_id: Uuid) -> StoreResult<Subscription> {
        self.read()
            .subscriptions
            .get(&org_id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("subscription", org_id))
    }

    async fn upsert_subscription(&self, subscription: Subscription) -> StoreResult<Subscription> {
        let mut s = self.write();
        get(&s.orgs, "organization", subscription.org_id)?;
        s.subscriptions
            .insert(subscription.org_id, subscription.clone());
        Ok(subscription)
    }

    async fn invoices(&self, org_id: Uuid) -> StoreResult<Vec<Invoice>> {
        let s = self.read();
        let mut v: Vec<Invoice> = s
            .invoices
            .values()
            .filter(|i| i.org_id == org_id)
            .cloned()
            .collect();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(v)
    }

    async fn upsert_invoice(&self, invoice: Invoice) -> StoreResult<Invoice> {
        let mut s = self.write();
        get(&s.orgs, "organization", invoice.org_id)?;
        s.invoices.insert(invoice.id.clone(), invoice.clone());
        Ok(invoice)
    }

    async fn record_billing_event(&self, event: BillingEvent) -> StoreResult<bool> {
        let mut s = self.write();
        if s.events.contains_key(&event.id) {
            return Ok(false);
        }
        s.events.insert(event.id.clone(), event);
        Ok(true)
    }

    async fn forget_billing_event(&self, id: &str) -> StoreResult<()> {
        self.write().events.remove(id);
        Ok(())
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let created = AuditEntry {
            id: Uuid::new_v4(),
            org_id: entry.org_id,
            user_id: entry.user_id,
            action: entry.action,
            target: entry.target,
            details: entry.details,
            created_at: clock::now(),
        };
        self.write().audit.push(created.clone());
        Ok(created)
    }

    async fn audit_entries(&self, org_id: Uuid, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let s = self.read();
        Ok(s.audit
            .iter()
            .rev()
            .filter(|e| e.org_id == org_id)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl DatabaseService for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
