//! The tables of the memory store and the invariants that span them.

use std::collections::HashMap;

use mockbird_core::model::*;
use mockbird_core::{StoreError, StoreResult};
use uuid::Uuid;

/// A row with its insertion sequence, so lists come back in creation order.
#[derive(Debug, Clone)]
pub(crate) struct Seq<T> {
    pub(crate) seq: u64,
    pub(crate) row: T,
}

/// Every table.
#[derive(Debug, Default)]
pub(crate) struct State {
    next: u64,
    pub(crate) users: HashMap<Uuid, Seq<UserCredentials>>,
    pub(crate) orgs: HashMap<Uuid, Seq<Organization>>,
    pub(crate) members: Vec<Membership>,
    pub(crate) invitations: HashMap<Uuid, Seq<Invitation>>,
    pub(crate) projects: HashMap<Uuid, Seq<Project>>,
    pub(crate) mocks: HashMap<Uuid, Seq<Mock>>,
    pub(crate) responses: HashMap<Uuid, Seq<MockResponse>>,
    pub(crate) logs: Vec<RequestLog>,
    pub(crate) usage: HashMap<(Uuid, String), UsageRecord>,
    /// Usage alerts sent: organization, month, percent.
    pub(crate) usage_alerts: std::collections::HashSet<(Uuid, String, u8)>,
    pub(crate) keys: HashMap<Uuid, Seq<ApiKey>>,
    pub(crate) refresh: HashMap<Uuid, RefreshToken>,
    pub(crate) resets: HashMap<Uuid, ResetToken>,
    pub(crate) subscriptions: HashMap<Uuid, Subscription>,
    pub(crate) invoices: HashMap<String, Invoice>,
    pub(crate) events: HashMap<String, BillingEvent>,
    pub(crate) audit: Vec<AuditEntry>,
}

/// Rows of `table` matching `keep`, in creation order.
pub(crate) fn ordered<T: Clone>(
    table: &HashMap<Uuid, Seq<T>>,
    keep: impl Fn(&T) -> bool,
) -> Vec<T> {
    let mut rows: Vec<&Seq<T>> = table.values().filter(|s| keep(&s.row)).collect();
    rows.sort_by_key(|s| s.seq);
    rows.into_iter().map(|s| s.row.clone()).collect()
}

/// The row with this id, or not found.
pub(crate) fn get<'a, T>(
    table: &'a HashMap<Uuid, Seq<T>>,
    entity: &'static str,
    id: Uuid,
) -> StoreResult<&'a T> {
    table
        .get(&id)
        .map(|s| &s.row)
        .ok_or_else(|| StoreError::not_found(entity, id))
}

/// The row with this id, mutable, or not found.
pub(crate) fn get_mut<'a, T>(
    table: &'a mut HashMap<Uuid, Seq<T>>,
    entity: &'static str,
    id: Uuid,
) -> StoreResult<&'a mut T> {
    table
        .get_mut(&id)
        .map(|s| &mut s.row)
        .ok_or_else(|| StoreError::not_found(entity, id))
}

impl State {
    /// Wraps a row with the next sequence number.
    pub(crate) fn seq<T>(&mut self, row: T) -> Seq<T> {
        self.next += 1;
        Seq {
            seq: self.next,
            row,
        }
    }

    /// A project with its mock count filled in.
    pub(crate) fn project(&self, id: Uuid) -> StoreResult<Project> {
        let mut p = get(&self.projects, "project", id)?.clone();
        p.mock_count = self
            .mocks
            .values()
            .filter(|m| m.row.project_id == id)
            .count() as u32;
        Ok(p)
    }

    /// Projects matching `keep`, with mock counts, in creation order.
    pub(crate) fn projects(&self, keep: impl Fn(&Project) -> bool) -> Vec<Project> {
        ordered(&self.projects, keep)
            .into_iter()
            .map(|p| self.project(p.id).expect("listed project exists"))
            .collect()
    }

    /// Mocks across all projects of an organization.
    pub(crate) fn org_mock_count(&self, org_id: Uuid) -> u32 {
        self.mocks
            .values()
            .filter(|m| {
                self.projects
                    .get(&m.row.project_id)
                    .is_some_and(|p| p.row.org_id == org_id)
            })
            .count() as u32
    }

    /// Conflict if another mock of the project has this path and method.
    pub(crate) fn check_mock_unique(
        &self,
        project_id: Uuid,
        def: &MockDef,
        except: Option<Uuid>,
    ) -> StoreResult<()> {
        let taken = self.mocks.values().any(|m| {
            m.row.project_id == project_id
                && m.row.path == def.path
                && m.row.method == def.method
                && Some(m.row.id) != except
        });
        if taken {
            Err(StoreError::conflict(
                "mock",
                format!("{} {}", def.method, def.path),
            ))
        } else {
            Ok(())
        }
    }

    /// Inserts a mock (uniqueness already checked).
    pub(crate) fn insert_mock(&mut self, project_id: Uuid, def: MockDef) -> Mock {
        let mock = Mock::create(project_id, def);
        let row = self.seq(mock.clone());
        self.mocks.insert(mock.id, row);
        self.touch_project(project_id);
        mock
    }

    /// Inserts a response, keeping at most one default per mock.
    pub(crate) fn insert_response(&mut self, mock_id: Uuid, def: ResponseDef) -> MockResponse {
        if def.is_default {
            self.clear_default(mock_id, None);
        }
        let response = MockResponse::create(mock_id, def);
        let row = self.seq(response.clone());
        self.responses.insert(response.id, row);
        response
    }

    /// Clears `isDefault` on the mock's responses other than `except`.
    pub(crate) fn clear_default(&mut self, mock_id: Uuid, except: Option<Uuid>) {
        for r in self.responses.values_mut() {
            if r.row.mock_id == mock_id && Some(r.row.id) != except {
                r.row.is_default = false;
            }
        }
    }

    /// Bumps a project's `updatedAt`.
    pub(crate) fn touch_project(&mut self, project_id: Uuid) {
        if let Some(p) = self.projects.get_mut(&project_id) {
            p.row.updated_at = mockbird_core::clock::now();
        }
    }

    /// Deletes a mock with its responses and logs.
    pub(crate) fn remove_mock(&mut self, id: Uuid) {
        if let Some(m) = self.mocks.remove(&id) {
            self.responses.retain(|_, r| r.row.mock_id != id);
            self.logs.retain(|l| l.mock_id != Some(id));
            self.touch_project(m.row.project_id);
        }
    }

    /// Deletes a project with its mocks, responses and logs.
    pub(crate) fn remove_project(&mut self, id: Uuid) {
        let mocks: Vec<Uuid> = self
            .mocks
            .values()
            .filter(|m| m.row.project_id == id)
            .map(|m| m.row.id)
            .collect();
        for m in mocks {
            self.remove_mock(m);
        }
        self.logs.retain(|l| l.project_id != id);
        self.projects.remove(&id);
    }

    /// Deletes an organization and everything in it.
    pub(crate) fn remove_org(&mut self, id: Uuid) {
        let projects: Vec<Uuid> = self
            .projects
            .values()
            .filter(|p| p.row.org_id == id)
            .map(|p| p.row.id)
            .collect();
        for p in projects {
            self.remove_project(p);
        }
        self.keys.retain(|_, k| k.row.org_id != id);
        self.invitations.retain(|_, i| i.row.org_id != id);
        self.members.retain(|m| m.org_id != id);
        self.usage.retain(|(org, _), _| *org != id);
        self.usage_alerts.retain(|(org, _, _)| *org != id);
        self.subscriptions.remove(&id);
        self.invoices.retain(|_, i| i.org_id != id);
        self.audit.retain(|a| a.org_id != id);
        self.orgs.remove(&id);
    }

    /// Owners of an organization.
    pub(crate) fn owners(&self, org_id: Uuid) -> usize {
        self.members
            .iter()
            .filter(|m| m.org_id == org_id && m.role == Role::Owner)
            .count()
    }

    /// Conflict if the project slug is taken by another project.
    pub(crate) fn check_project_slug(&self, slug: &str, except: Option<Uuid>) -> StoreResult<()> {
        if self
            .projects
            .values()
            .any(|p| p.row.slug == slug && Some(p.row.id) != except)
        {
            Err(StoreError::conflict("project", slug))
        } else {
            Ok(())
        }
    }

    /// Inserts a project (slug already checked).
    pub(crate) fn insert_project(&mut self, new: NewProject) -> Uuid {
        let now = mockbird_core::clock::now();
        let project = Project {
            id: Uuid::new_v4(),
            org_id: new.org_id,
            name: new.name,
            slug: new.slug,
            description: new.description,
            is_public: new.is_public,
            mock_count: 0,
            created_at: now,
            updated_at: now,
        };
        let id = project.id;
        let row = self.seq(project);
        self.projects.insert(id, row);
        id
    }
}
