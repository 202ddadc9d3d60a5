//! Builders for the records the conformance cases need.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::DatabaseService;
use crate::model::*;

/// The store type every case takes.
pub type Store = Arc<dyn DatabaseService>;

/// Creates a user with this email.
pub async fn user(store: &Store, email: &str) -> User {
    store
        .create_user(NewUser::new(email, "Test User", "hash".into()).unwrap())
        .await
        .unwrap()
}

/// Creates an organization owned by `owner`.
pub async fn org(store: &Store, slug: &str, owner: &User) -> Organization {
    store
        .create_org(NewOrganization::new(slug, slug, "free", owner.id).unwrap())
        .await
        .unwrap()
}

/// Creates a project in `org`.
pub async fn project(store: &Store, org: &Organization, slug: &str) -> Project {
    store
        .create_project(NewProject::new(org.id, slug, slug, "", true).unwrap())
        .await
        .unwrap()
}

/// A valid mock definition.
pub fn mock_def(method: &str, path: &str) -> MockDef {
    MockDef::new("mock", method, path).unwrap()
}

/// Creates a mock with no endpoint limit.
pub async fn mock(store: &Store, project: &Project, method: &str, path: &str) -> Mock {
    store
        .create_mock(project.id, mock_def(method, path), None)
        .await
        .unwrap()
}

/// A response definition.
pub fn response_def(name: &str, status: u16, is_default: bool) -> ResponseDef {
    let mut def = ResponseDef::new(status, "{}").unwrap();
    def.name = name.into();
    def.is_default = is_default;
    def
}

/// A user, their organization and a project in it.
pub async fn tenant(store: &Store, name: &str) -> (User, Organization, Project) {
    let u = user(store, &format!("{name}@example.com")).await;
    let o = org(store, &format!("{name}-org"), &u).await;
    let p = project(store, &o, &format!("{name}-project")).await;
    (u, o, p)
}

/// A log entry for `project` (and `mock`, if matched) at `at` with `status`.
pub fn log(
    project: &Project,
    mock: Option<&Mock>,
    at: DateTime<Utc>,
    status: u16,
) -> NewRequestLog {
    RequestLog {
        id: Uuid::now_v7(),
        mock_id: mock.map(|m| m.id),
        project_id: project.id,
        request_method: "GET".into(),
        request_path: "/x".into(),
        request_headers: [("accept".to_owned(), "*/*".to_owned())].into(),
        request_query: [("q".to_owned(), "1".to_owned())].into(),
        request_body: Some("{}".into()),
        request_body_truncated: false,
        response_id: None,
        response_status: status,
        response_time_ms: 3,
        ip_address: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
        created_at: crate::clock::truncate(at),
    }
}

/// A fixed instant `minutes` after a base time, for ordering tests.
pub fn minutes(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::minutes(minutes)
}
