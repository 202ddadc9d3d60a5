//! The conformance cases. Each takes an empty store and panics on a violation.

use std::collections::HashSet;

use chrono::Duration;
use uuid::Uuid;

use super::fixtures::*;
use crate::StoreError;
use crate::model::*;

fn is_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict { .. }))
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

// ---- users ----------------------------------------------------------------

/// A user reads back by id and by email (case-insensitive) with their hash; name and hash change.
pub async fn user_round_trip(store: Store) {
    let u = store
        .create_user(NewUser::new("Ada@Example.com", "Ada", "h1".into()).unwrap())
        .await
        .unwrap();
    assert_eq!(u.email, "ada@example.com");
    assert_eq!(store.user(u.id).await.unwrap(), u);
    let creds = store.user_credentials("ADA@example.COM").await.unwrap();
    assert_eq!((creds.user.id, creds.password_hash.as_str()), (u.id, "h1"));
    store.set_password_hash(u.id, "h2").await.unwrap();
    assert_eq!(
        store
            .user_credentials("ada@example.com")
            .await
            .unwrap()
            .password_hash,
        "h2"
    );
    assert_eq!(
        store.update_user_name(u.id, "Countess").await.unwrap().name,
        "Countess"
    );
    assert!(is_not_found(store.user(Uuid::new_v4()).await));
    assert!(is_not_found(
        store.user_credentials("nobody@example.com").await
    ));
    assert!(is_not_found(
        store.set_password_hash(Uuid::new_v4(), "x").await
    ));
}

/// Email is unique, whatever its case.
pub async fn user_email_is_unique(store: Store) {
    user(&store, "bob@example.com").await;
    let again = store
        .create_user(NewUser::new("BOB@example.com", "Bob", "h".into()).unwrap())
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
}

/// Deleting a user deletes the organizations they alone own, and keeps shared ones.
pub async fn delete_user_removes_sole_owned_orgs(store: Store) {
    let (a, solo, solo_project) = tenant(&store, "alice").await;
    let b = user(&store, "bob@example.com").await;
    let shared = org(&store, "shared", &a).await;
    store
        .add_member(shared.id, b.id, Role::Owner)
        .await
        .unwrap();
    let joined = org(&store, "bobs", &b).await;
    store
        .add_member(joined.id, a.id, Role::Member)
        .await
        .unwrap();
    let key = store
        .create_api_key(NewApiKey {
            org_id: solo.id,
            user_id: a.id,
            name: "k".into(),
            prefix: "mk_aaaaa".into(),
            key_hash: "hash-a".into(),
            expires_at: None,
        })
        .await
        .unwrap();

    store.delete_user(a.id).await.unwrap();

    assert!(is_not_found(store.user(a.id).await));
    assert!(is_not_found(store.org(solo.id).await));
    assert!(is_not_found(store.project(solo_project.id).await));
    assert!(is_not_found(store.api_key(key.id).await));
    assert!(store.org(shared.id).await.is_ok());
    assert!(store.org(joined.id).await.is_ok());
    let members: Vec<_> = store
        .members(joined.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user.id)
        .collect();
    assert_eq!(members, [b.id]);
    assert!(is_not_found(store.delete_user(a.id).await));
}

// ---- organizations ----------------------------------------------------------

/// Creating an organization makes its creator the owner; lists are per user.
pub async fn org_creator_is_owner(store: Store) {
    let a = user(&store, "a@example.com").await;
    let b = user(&store, "b@example.com").await;
    let o = org(&store, "acme", &a).await;
    assert_eq!(o.plan, "free");
    assert_eq!(store.org(o.id).await.unwrap(), o);
    assert_eq!(store.org_by_slug("acme").await.unwrap().id, o.id);
    assert_eq!(
        store.membership(o.id, a.id).await.unwrap().role,
        Role::Owner
    );
    assert!(is_not_found(store.membership(o.id, b.id).await));
    assert_eq!(
        store.orgs_for_user(a.id).await.unwrap(),
        std::slice::from_ref(&o)
    );
    assert!(store.orgs_for_user(b.id).await.unwrap().is_empty());
    let second = org(&store, "second", &b).await;
    assert_eq!(store.all_orgs().await.unwrap(), [o.clone(), second]);
    let members = store.members(o.id).await.unwrap();
    assert_eq!(
        (members.len(), members[0].user.id, members[0].role),
        (1, a.id, Role::Owner)
    );
}

/// Organization slugs are unique.
pub async fn org_slug_is_unique(store: Store) {
    let a = user(&store, "a@example.com").await;
    org(&store, "acme", &a).await;
    let again = store
        .create_org(NewOrganization::new("Other", "acme", "free", a.id).unwrap())
        .await;
    assert!(is_conflict(again));
}

/// Name and plan change.
pub async fn org_rename_and_plan(store: Store) {
    let a = user(&store, "a@example.com").await;
    let o = org(&store, "acme", &a).await;
    assert_eq!(
        store.rename_org(o.id, "Acme Inc").await.unwrap().name,
        "Acme Inc"
    );
    assert_eq!(store.set_org_plan(o.id, "pro").await.unwrap().plan, "pro");
    assert_eq!(store.org(o.id).await.unwrap().plan, "pro");
    assert!(is_not_found(store.rename_org(Uuid::new_v4(), "x").await));
}

/// Members join once; the last owner can be neither demoted nor removed.
pub async fn last_owner_is_protected(store: Store) {
    let a = user(&store, "a@example.com").await;
    let b = user(&store, "b@example.com").await;
    let o = org(&store, "acme", &a).await;
    assert_eq!(
        store
            .add_member(o.id, b.id, Role::Member)
            .await
            .unwrap()
            .role,
        Role::Member
    );
    assert!(is_conflict(store.add_member(o.id, b.id, Role::Admin).await));
    assert!(
        is_conflict(store.set_member_role(o.id, a.id, Role::Admin).await),
        "last owner demoted"
    );
    assert!(
        is_conflict(store.remove_member(o.id, a.id).await),
        "last owner removed"
    );
    store
        .set_member_role(o.id, b.id, Role::Owner)
        .await
        .unwrap();
    assert_eq!(
        store
            .set_member_role(o.id, a.id, Role::Admin)
            .await
            .unwrap()
            .role,
        Role::Admin
    );
    assert!(
        is_conflict(store.remove_member(o.id, b.id).await),
        "b is now the last owner"
    );
    store.remove_member(o.id, a.id).await.unwrap();
    assert!(is_not_found(store.membership(o.id, a.id).await));
    assert!(is_not_found(store.remove_member(o.id, a.id).await));
    assert!(is_not_found(
        store.set_member_role(o.id, a.id, Role::Member).await
    ));
}

/// An invitation is found by token hash and accepted once, making a member.
pub async fn invitation_is_accepted_once(store: Store) {
    let a = user(&store, "a@example.com").await;
    let b = user(&store, "b@example.com").await;
    let o = org(&store, "acme", &a).await;
    let inv = store
        .create_invitation(NewInvitation {
            org_id: o.id,
            email: "b@example.com".into(),
            role: Role::Admin,
            token_hash: "tok-hash".into(),
            invited_by: a.id,
            expires_at: crate::clock::now() + Duration::days(7),
        })
        .await
        .unwrap();
    assert_eq!(
        store.invitation_by_token_hash("tok-hash").await.unwrap(),
        inv
    );
    assert_eq!(
        store.invitations(o.id).await.unwrap(),
        std::slice::from_ref(&inv)
    );
    assert!(is_not_found(store.invitation_by_token_hash("other").await));
    // Revoking: only in its own organization, and gone afterwards.
    let revoked = store
        .create_invitation(NewInvitation {
            org_id: o.id,
            email: "c@example.com".into(),
            role: Role::Member,
            token_hash: "tok-revoke".into(),
            invited_by: a.id,
            expires_at: crate::clock::now() + Duration::days(7),
        })
        .await
        .unwrap();
    assert!(is_not_found(
        store.delete_invitation(Uuid::new_v4(), revoked.id).await
    ));
    store.delete_invitation(o.id, revoked.id).await.unwrap();
    assert!(is_not_found(
        store.delete_invitation(o.id, revoked.id).await
    ));
    assert!(is_not_found(
        store.invitation_by_token_hash("tok-revoke").await
    ));
    let m = store.accept_invitation(inv.id, b.id).await.unwrap();
    assert_eq!((m.org_id, m.user_id, m.role), (o.id, b.id, Role::Admin));
    assert!(
        store
            .invitation_by_token_hash("tok-hash")
            .await
            .unwrap()
            .accepted_at
            .is_some()
    );
    assert!(is_conflict(store.accept_invitation(inv.id, b.id).await));
    assert!(
        is_not_found(store.delete_invitation(o.id, inv.id).await),
        "an accepted invitation is not revocable"
    );
    assert!(is_not_found(
        store.accept_invitation(Uuid::new_v4(), b.id).await
    ));
}

/// Deleting an organization deletes everything in it.
pub async fn delete_org_cascades(store: Store) {
    let (a, o, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let r = store
        .create_response(m.id, response_def("ok", 200, true))
        .await
        .unwrap();
    store
        .insert_logs(&[log(&p, Some(&m), minutes(1), 200)])
        .await
        .unwrap();
    let key = store
        .create_api_key(NewApiKey {
            org_id: o.id,
            user_id: a.id,
            name: "k".into(),
            prefix: "mk_aaaaa".into(),
            key_hash: "h".into(),
            expires_at: None,
        })
        .await
        .unwrap();
    store.delete_org(o.id).await.unwrap();
    assert!(is_not_found(store.org(o.id).await));
    assert!(is_not_found(store.project(p.id).await));
    assert!(is_not_found(store.mock(m.id).await));
    assert!(is_not_found(store.response(r.id).await));
    assert!(is_not_found(store.api_key(key.id).await));
    assert!(is_not_found(store.api_key_by_hash("h").await));
    assert!(is_not_found(store.membership(o.id, a.id).await));
    let logs_left = store
        .logs(LogScope::Project(p.id), LogQuery::default())
        .await
        .map_or(0, |page| page.total);
    assert_eq!(logs_left, 0);
    assert!(store.orgs_for_user(a.id).await.unwrap().is_empty());
    assert!(is_not_found(store.delete_org(o.id).await));
}

// ---- projects --------------------------------------------------------------

/// A project reads back by id and slug, lists in its org, patches, and counts its mocks.
pub async fn project_round_trip(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    assert_eq!(p.mock_count, 0);
    assert_eq!(store.project(p.id).await.unwrap(), p);
    assert_eq!(store.project_by_slug(&p.slug).await.unwrap(), p);
    assert_eq!(
        store.projects_for_org(o.id).await.unwrap(),
        std::slice::from_ref(&p)
    );
    mock(&store, &p, "GET", "/a").await;
    mock(&store, &p, "POST", "/a").await;
    assert_eq!(store.project(p.id).await.unwrap().mock_count, 2);
    let patch = ProjectPatch {
        name: Some("Renamed".into()),
        description: Some("d".into()),
        is_public: Some(false),
        slug: Some("renamed".into()),
    };
    let updated = store.update_project(p.id, patch).await.unwrap();
    assert_eq!(
        (
            updated.name.as_str(),
            updated.description.as_str(),
            updated.is_public,
            updated.slug.as_str()
        ),
        ("Renamed", "d", false, "renamed")
    );
    assert!(updated.updated_at >= p.updated_at);
    assert!(is_not_found(store.project_by_slug(&p.slug).await));
    assert_eq!(store.project_by_slug("renamed").await.unwrap().id, p.id);
    let unchanged = store
        .update_project(p.id, ProjectPatch::default())
        .await
        .unwrap();
    assert_eq!(unchanged.name, "Renamed");
    assert!(is_not_found(store.project(Uuid::new_v4()).await));
}

/// Project slugs are globally unique, on create and on update.
pub async fn project_slug_is_unique(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let (_, other_org, q) = tenant(&store, "b").await;
    let again = store
        .create_project(NewProject::new(other_org.id, "x", &p.slug, "", true).unwrap())
        .await;
    assert!(is_conflict(again), "across organizations too");
    let clash = store
        .update_project(
            q.id,
            ProjectPatch {
                slug: Some(p.slug.clone()),
                ..Default::default()
            },
        )
        .await;
    assert!(is_conflict(clash));
}

/// A user sees only projects and organizations of organizations they belong to.
pub async fn projects_are_tenant_scoped(store: Store) {
    let (a, a_org, a_project) = tenant(&store, "a").await;
    let (b, _, b_project) = tenant(&store, "b").await;
    let a_second = project(&store, &a_org, "a-second").await;
    let ids = |v: Vec<Project>| v.into_iter().map(|p| p.id).collect::<HashSet<_>>();
    assert_eq!(
        ids(store.projects_for_user(a.id).await.unwrap()),
        HashSet::from([a_project.id, a_second.id])
    );
    assert_eq!(
        ids(store.projects_for_user(b.id).await.unwrap()),
        HashSet::from([b_project.id])
    );
    store
        .add_member(a_org.id, b.id, Role::Member)
        .await
        .unwrap();
    assert_eq!(ids(store.projects_for_user(b.id).await.unwrap()).len(), 3);
    assert!(
        store
            .projects_for_user(Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Deleting a project deletes its mocks, responses and logs.
pub async fn delete_project_cascades(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let r = store
        .create_response(m.id, response_def("ok", 200, false))
        .await
        .unwrap();
    store
        .insert_logs(&[
            log(&p, Some(&m), minutes(1), 200),
            log(&p, None, minutes(2), 404),
        ])
        .await
        .unwrap();
    store.delete_project(p.id).await.unwrap();
    assert!(is_not_found(store.project(p.id).await));
    assert!(is_not_found(store.mock(m.id).await));
    assert!(is_not_found(store.response(r.id).await));
    let since = store
        .logs_since(LogScope::Project(p.id), minutes(0), 100)
        .await
        .unwrap_or_default();
    assert!(since.is_empty());
    assert!(is_not_found(store.delete_project(p.id).await));
}

/// A project made with mocks reads back whole as a bundle, in order.
pub async fn create_project_with_mocks_and_bundle(store: Store) {
    let (_, o, _) = tenant(&store, "a").await;
    let mocks = vec![
        (
            mock_def("GET", "/users"),
            vec![
                response_def("list", 200, true),
                response_def("empty", 204, false),
            ],
        ),
        (
            mock_def("POST", "/users"),
            vec![response_def("created", 201, false)],
        ),
    ];
    let p = store
        .create_project_with_mocks(
            NewProject::new(o.id, "Copy", "copy", "", true).unwrap(),
            mocks,
            None,
        )
        .await
        .unwrap();
    assert_eq!(p.mock_count, 2);
    let bundle = store.project_bundle(p.id).await.unwrap();
    assert_eq!(bundle.project, p);
    let shape: Vec<_> = bundle
        .mocks
        .iter()
        .map(|(m, rs)| {
            (
                m.method,
                m.path.clone(),
                rs.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                HttpMethod::Get,
                "/users".to_owned(),
                vec!["list".to_owned(), "empty".to_owned()]
            ),
            (
                HttpMethod::Post,
                "/users".to_owned(),
                vec!["created".to_owned()]
            )
        ]
    );
    assert!(bundle.mocks[0].1[0].is_default);
    assert!(is_not_found(store.project_bundle(Uuid::new_v4()).await));
}

/// A project whose mocks clash, or exceed the endpoint cap, is not created at all.
pub async fn create_project_with_mocks_is_all_or_nothing(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    mock(&store, &p, "GET", "/existing").await;
    let clash = vec![
        (mock_def("GET", "/a"), vec![]),
        (mock_def("GET", "/a"), vec![]),
    ];
    let r = store
        .create_project_with_mocks(
            NewProject::new(o.id, "x", "clash", "", true).unwrap(),
            clash,
            None,
        )
        .await;
    assert!(is_conflict(r));
    assert!(is_not_found(store.project_by_slug("clash").await));
    let three = vec![
        (mock_def("GET", "/a"), vec![]),
        (mock_def("GET", "/b"), vec![]),
        (mock_def("GET", "/c"), vec![]),
    ];
    let r = store
        .create_project_with_mocks(
            NewProject::new(o.id, "x", "capped", "", true).unwrap(),
            three.clone(),
            Some(3),
        )
        .await;
    assert!(
        matches!(r, Err(StoreError::LimitExceeded { limit: 3 })),
        "1 existing + 3 new > 3: {r:?}"
    );
    assert!(is_not_found(store.project_by_slug("capped").await));
    assert_eq!(store.count_org_mocks(o.id).await.unwrap(), 1);
    let ok = store
        .create_project_with_mocks(
            NewProject::new(o.id, "x", "fits", "", true).unwrap(),
            three,
            Some(4),
        )
        .await;
    assert!(ok.is_ok());
    assert_eq!(store.count_org_mocks(o.id).await.unwrap(), 4);
    let taken = store
        .create_project_with_mocks(
            NewProject::new(o.id, "x", "fits", "", true).unwrap(),
            vec![],
            None,
        )
        .await;
    assert!(is_conflict(taken));
}

// ---- mocks and responses -----------------------------------------------------

/// A mock reads back, lists in creation order, updates and deletes.
pub async fn mock_round_trip(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/users/{id}").await;
    assert_eq!(
        (m.project_id, m.method, m.path.as_str(), m.is_active),
        (p.id, HttpMethod::Get, "/users/{id}", true)
    );
    assert_eq!(store.mock(m.id).await.unwrap(), m);
    let n = mock(&store, &p, "ANY", "/b").await;
    let listed: Vec<_> = store
        .mocks_for_project(p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, [m.id, n.id]);
    let mut def = mock_def("PUT", "/users/{id}");
    def.response_delay = 250;
    def.is_active = false;
    def.description = "d".into();
    let u = store.update_mock(m.id, def).await.unwrap();
    assert_eq!(
        (
            u.method,
            u.response_delay,
            u.is_active,
            u.description.as_str()
        ),
        (HttpMethod::Put, 250, false, "d")
    );
    assert_eq!(u.created_at, m.created_at);
    store.delete_mock(m.id).await.unwrap();
    assert!(is_not_found(store.mock(m.id).await));
    assert!(is_not_found(store.delete_mock(m.id).await));
    assert!(is_not_found(
        store
            .create_mock(Uuid::new_v4(), mock_def("GET", "/"), None)
            .await
    ));
}

/// (project, path, method) is unique on create and update; other methods and projects are free.
pub async fn mock_path_and_method_are_unique(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    mock(&store, &p, "GET", "/a").await;
    assert!(is_conflict(
        store.create_mock(p.id, mock_def("GET", "/a"), None).await
    ));
    let post = mock(&store, &p, "POST", "/a").await;
    let other = project(&store, &o, "other").await;
    mock(&store, &other, "GET", "/a").await;
    assert!(is_conflict(
        store.update_mock(post.id, mock_def("GET", "/a")).await
    ));
    assert!(
        store
            .update_mock(post.id, mock_def("POST", "/a"))
            .await
            .is_ok(),
        "unchanged key is no conflict"
    );
}

/// The endpoint cap counts mocks across all projects of the organization.
pub async fn endpoint_limit_counts_the_whole_org(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let q = project(&store, &o, "second").await;
    store
        .create_mock(p.id, mock_def("GET", "/1"), Some(3))
        .await
        .unwrap();
    store
        .create_mock(q.id, mock_def("GET", "/2"), Some(3))
        .await
        .unwrap();
    store
        .create_mock(q.id, mock_def("GET", "/3"), Some(3))
        .await
        .unwrap();
    let over = store
        .create_mock(p.id, mock_def("GET", "/4"), Some(3))
        .await;
    assert!(
        matches!(over, Err(StoreError::LimitExceeded { limit: 3 })),
        "{over:?}"
    );
    assert_eq!(store.count_org_mocks(o.id).await.unwrap(), 3);
    let (_, other, r) = tenant(&store, "b").await;
    store
        .create_mock(r.id, mock_def("GET", "/1"), Some(3))
        .await
        .unwrap();
    assert_eq!(store.count_org_mocks(other.id).await.unwrap(), 1);
}

/// Concurrent creates never push an organization past its cap.
pub async fn concurrent_creates_respect_the_endpoint_limit(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_mock(p.id, mock_def("GET", &format!("/m{i}")), Some(5))
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::LimitExceeded { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(created, 5);
    assert_eq!(store.count_org_mocks(o.id).await.unwrap(), 5);
}

/// Responses keep creation order and read back, update and delete.
pub async fn response_round_trip(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let mut def = response_def("first", 200, false);
    def.headers.insert("X-A".into(), "1".into());
    def.body = "{{request.params.id}}".into();
    def.weight = 30;
    def.conditions = vec![Condition {
        kind: ConditionType::Header,
        field: "x".into(),
        operator: Operator::Equals,
        value: Some("1".into()),
    }];
    let a = store.create_response(m.id, def.clone()).await.unwrap();
    assert_eq!(a.to_def(), def);
    let b = store
        .create_response(m.id, response_def("second", 201, false))
        .await
        .unwrap();
    let c = store
        .create_response(m.id, response_def("third", 202, false))
        .await
        .unwrap();
    let names: Vec<_> = store
        .responses(m.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["first", "second", "third"]);
    assert_eq!(store.response(b.id).await.unwrap(), b);
    let u = store
        .update_response(b.id, response_def("renamed", 418, false))
        .await
        .unwrap();
    assert_eq!(
        (u.name.as_str(), u.status_code, u.created_at),
        ("renamed", 418, b.created_at)
    );
    store.delete_response(c.id).await.unwrap();
    assert!(is_not_found(store.response(c.id).await));
    assert_eq!(store.responses(m.id).await.unwrap().len(), 2);
    assert!(is_not_found(
        store
            .create_response(Uuid::new_v4(), response_def("x", 200, false))
            .await
    ));
    assert!(is_not_found(
        store
            .update_response(Uuid::new_v4(), response_def("x", 200, false))
            .await
    ));
}

/// At most one response of a mock is default, on create and on update.
pub async fn is_default_is_exclusive(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let other = mock(&store, &p, "GET", "/y").await;
    let a = store
        .create_response(m.id, response_def("a", 200, true))
        .await
        .unwrap();
    let elsewhere = store
        .create_response(other.id, response_def("e", 200, true))
        .await
        .unwrap();
    let b = store
        .create_response(m.id, response_def("b", 200, true))
        .await
        .unwrap();
    let defaults = |rs: Vec<MockResponse>| {
        rs.into_iter()
            .filter(|r| r.is_default)
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(defaults(store.responses(m.id).await.unwrap()), [b.id]);
    store
        .update_response(a.id, response_def("a", 200, true))
        .await
        .unwrap();
    assert_eq!(defaults(store.responses(m.id).await.unwrap()), [a.id]);
    assert_eq!(
        defaults(store.responses(other.id).await.unwrap()),
        [elsewhere.id],
        "other mocks untouched"
    );
}

/// Deleting a mock deletes its responses and logs.
pub async fn delete_mock_cascades(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let r = store
        .create_response(m.id, response_def("a", 200, false))
        .await
        .unwrap();
    store
        .insert_logs(&[log(&p, Some(&m), minutes(1), 200)])
        .await
        .unwrap();
    store.delete_mock(m.id).await.unwrap();
    assert!(is_not_found(store.response(r.id).await));
    let page = store
        .logs(LogScope::Project(p.id), LogQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(store.project(p.id).await.unwrap().mock_count, 0);
}

// ---- logs -------------------------------------------------------------------

/// Logs page newest first with a total.
pub async fn logs_paginate_newest_first(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let logs: Vec<_> = (0..25)
        .map(|i| log(&p, Some(&m), minutes(i), 200))
        .collect();
    assert_eq!(store.insert_logs(&logs).await.unwrap(), 25);
    let first = store
        .logs(LogScope::Mock(m.id), LogQuery::new(1, 10).unwrap())
        .await
        .unwrap();
    assert_eq!(
        (first.total, first.page, first.limit, first.items.len()),
        (25, 1, 10, 10)
    );
    assert_eq!(first.items[0], logs[24], "newest first, every field kept");
    assert_eq!(first.items[9].created_at, minutes(15));
    let last = store
        .logs(LogScope::Mock(m.id), LogQuery::new(3, 10).unwrap())
        .await
        .unwrap();
    assert_eq!(last.items.len(), 5);
    assert_eq!(last.items[4].created_at, minutes(0));
    let beyond = store
        .logs(LogScope::Mock(m.id), LogQuery::new(4, 10).unwrap())
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 25);
}

/// Logs filter by inclusive date range and exact status.
pub async fn logs_filter_by_date_and_status(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let logs: Vec<_> = (0..10)
        .map(|i| log(&p, Some(&m), minutes(i), if i % 2 == 0 { 200 } else { 500 }))
        .collect();
    store.insert_logs(&logs).await.unwrap();
    let q = LogQuery {
        start: Some(minutes(2)),
        end: Some(minutes(5)),
        ..LogQuery::default()
    };
    let page = store.logs(LogScope::Mock(m.id), q).await.unwrap();
    let at: Vec<_> = page.items.iter().map(|l| l.created_at).collect();
    assert_eq!(at, [minutes(5), minutes(4), minutes(3), minutes(2)]);
    let q = LogQuery {
        status: Some(500),
        ..LogQuery::default()
    };
    let page = store.logs(LogScope::Mock(m.id), q).await.unwrap();
    assert_eq!(page.total, 5);
    assert!(page.items.iter().all(|l| l.response_status == 500));
    let q = LogQuery {
        status: Some(500),
        start: Some(minutes(6)),
        ..LogQuery::default()
    };
    assert_eq!(store.logs(LogScope::Mock(m.id), q).await.unwrap().total, 2);
}

/// Keyset paging by (timestamp, id) walks every entry once, also when many
/// share one microsecond and a page ends inside such a run.
pub async fn logs_keyset_pages_through_shared_timestamps(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let logs: Vec<_> = (0..23)
        .map(|i| log(&p, Some(&m), minutes(i / 7), 200))
        .collect();
    for batch in logs.chunks(5) {
        store.insert_logs(batch).await.unwrap();
    }
    let mut want: Vec<_> = logs.iter().map(|l| (l.created_at, l.id)).collect();
    want.sort_unstable_by(|a, b| b.cmp(a));
    let mut seen = Vec::new();
    let mut q = LogQuery::new(1, 4).unwrap();
    loop {
        let page = store.logs(LogScope::Mock(m.id), q).await.unwrap();
        seen.extend(page.items.iter().map(|l| (l.created_at, l.id)));
        let Some(last) = page.items.last() else { break };
        q.end = Some(last.created_at);
        q.end_below_id = Some(last.id);
        assert!(seen.len() <= want.len(), "no entry comes twice");
    }
    assert_eq!(
        seen, want,
        "newest first by timestamp then id, none skipped"
    );
}

/// Mock scope holds that mock's logs; project scope holds all, unmatched included.
pub async fn logs_are_scoped_by_mock_and_project(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let (_, _, q) = tenant(&store, "b").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let n = mock(&store, &p, "GET", "/y").await;
    let o = mock(&store, &q, "GET", "/x").await;
    store
        .insert_logs(&[
            log(&p, Some(&m), minutes(1), 200),
            log(&p, Some(&n), minutes(2), 200),
            log(&p, None, minutes(3), 404),
            log(&q, Some(&o), minutes(4), 200),
        ])
        .await
        .unwrap();
    assert_eq!(
        store
            .logs(LogScope::Mock(m.id), LogQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
    let project = store
        .logs(LogScope::Project(p.id), LogQuery::default())
        .await
        .unwrap();
    assert_eq!(project.total, 3);
    assert_eq!(project.items[0].mock_id, None);
    assert_eq!(
        store
            .logs(LogScope::Project(q.id), LogQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
}

/// Logs of deleted projects are skipped, not an error.
pub async fn insert_logs_skips_vanished_projects(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let gone = project(&store, &o, "gone").await;
    store.delete_project(gone.id).await.unwrap();
    let n = store
        .insert_logs(&[
            log(&p, None, minutes(1), 404),
            log(&gone, None, minutes(1), 404),
        ])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(store.insert_logs(&[]).await.unwrap(), 0);
}

/// `logs_since` reads oldest first; retention deletes in bounded batches, per organization.
pub async fn logs_since_and_retention(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let (_, _, q) = tenant(&store, "b").await;
    store
        .insert_logs(
            &(0..10)
                .map(|i| log(&p, None, minutes(i), 200))
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    store
        .insert_logs(&[log(&q, None, minutes(0), 200)])
        .await
        .unwrap();
    let since = store
        .logs_since(LogScope::Project(p.id), minutes(7), 100)
        .await
        .unwrap();
    assert_eq!(
        since.iter().map(|l| l.created_at).collect::<Vec<_>>(),
        [minutes(7), minutes(8), minutes(9)]
    );
    assert_eq!(
        store
            .logs_since(LogScope::Project(p.id), minutes(0), 4)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        store.delete_logs_before(o.id, minutes(6), 4).await.unwrap(),
        4
    );
    assert_eq!(
        store.delete_logs_before(o.id, minutes(6), 4).await.unwrap(),
        2
    );
    assert_eq!(
        store.delete_logs_before(o.id, minutes(6), 4).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .logs(LogScope::Project(p.id), LogQuery::default())
            .await
            .unwrap()
            .total,
        4
    );
    assert_eq!(
        store
            .logs(LogScope::Project(q.id), LogQuery::default())
            .await
            .unwrap()
            .total,
        1,
        "other org untouched"
    );
}

/// Log aggregates: buckets aligned to their size, errors (≥ 400), time sums,
/// per-mock counts with unmatched requests apart, nearest-rank p95, scope and window respected.
pub async fn log_stats_aggregate_by_bucket(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let (_, _, q) = tenant(&store, "b").await;
    let m = mock(&store, &p, "GET", "/s").await;
    let mut logs = Vec::new();
    for i in 0..20u32 {
        // minute 0..19; statuses: every fifth is 500; times 1..=20 ms
        let mut l = log(
            &p,
            (i % 2 == 0).then_some(&m),
            minutes(i64::from(i)),
            if i % 5 == 4 { 500 } else { 200 },
        );
        l.response_time_ms = i + 1;
        logs.push(l);
    }
    logs.push(log(&q, None, minutes(3), 200));
    store.insert_logs(&logs).await.unwrap();
    let stats = store
        .log_stats(LogScope::Project(p.id), minutes(5), 600)
        .await
        .unwrap();
    assert_eq!(stats.total(), 15);
    assert_eq!(
        stats
            .buckets
            .iter()
            .map(|b| (b.start, b.requests, b.errors, b.total_ms))
            .collect::<Vec<_>>(),
        [
            (minutes(0), 5, 1, 6 + 7 + 8 + 9 + 10),
            (minutes(10), 10, 2, (11..=20).sum()),
        ]
    );
    assert_eq!(stats.by_mock.len(), 2);
    assert!(stats.by_mock.contains(&(Some(m.id), 7)) && stats.by_mock.contains(&(None, 8)));
    // times 6..=20, 15 values: nearest rank ceil(0.95 * 15) = 15th → 20
    assert_eq!(stats.p95_ms, 20);
    let mock_stats = store
        .log_stats(LogScope::Mock(m.id), minutes(0), 3600)
        .await
        .unwrap();
    assert_eq!(mock_stats.total(), 10);
    assert_eq!(mock_stats.buckets.len(), 1);
    let none = store
        .log_stats(LogScope::Project(p.id), minutes(60), 60)
        .await
        .unwrap();
    assert_eq!(none, LogStats::default());
}

/// Aggregates over whole hours (what analytics of a day, week or month ask)
/// equal those counted entry by entry: several batches into the same hours,
/// a retried batch counted once (SQL stores), unmatched requests apart, nearest-rank p95,
/// a deleted mock's requests gone, and retention taking away exactly what it deletes.
pub async fn hourly_stats_match_the_entries(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/m").await;
    let gone = mock(&store, &p, "GET", "/gone").await;
    let mut logs = Vec::new();
    for i in 0..300u32 {
        // Five hours, a minute apart; three kinds of request; times 1..=37 ms.
        let on = match i % 3 {
            0 => Some(&m),
            1 => Some(&gone),
            _ => None,
        };
        let mut l = log(
            &p,
            on,
            minutes(i64::from(i)),
            if i % 7 == 0 { 500 } else { 200 },
        );
        l.response_time_ms = i % 37 + 1;
        logs.push(l);
    }
    for batch in logs.chunks(40) {
        store.insert_logs(batch).await.unwrap();
    }
    if store.backend() != "memory" {
        // A retried batch (writes that can fail part-way skip what they hold).
        assert_eq!(store.insert_logs(&logs[40..80]).await.unwrap(), 0);
    }
    let expect = |from: i64, keep: &dyn Fn(&RequestLog) -> bool| {
        let mine: Vec<&RequestLog> = logs
            .iter()
            .filter(|l| l.created_at >= minutes(from) && keep(l))
            .collect();
        let mut times: Vec<u32> = mine.iter().map(|l| l.response_time_ms).collect();
        times.sort_unstable();
        let p95 = if times.is_empty() {
            0
        } else {
            times[LogStats::p95_rank(times.len() as u64) as usize]
        };
        let errors = mine.iter().filter(|l| l.response_status >= 400).count() as u64;
        let ms: u64 = mine.iter().map(|l| u64::from(l.response_time_ms)).sum();
        (mine.len() as u64, errors, ms, p95)
    };
    let got = |s: &LogStats| {
        let errors = s.buckets.iter().map(|b| b.errors).sum::<u64>();
        let ms = s.buckets.iter().map(|b| b.total_ms).sum::<u64>();
        (s.total(), errors, ms, s.p95_ms)
    };
    let day = store
        .log_stats(LogScope::Project(p.id), minutes(60), 3600)
        .await
        .unwrap();
    assert_eq!(got(&day), expect(60, &|_| true));
    assert_eq!(day.buckets.len(), 4);
    assert_eq!(day.buckets[0].start, minutes(60));
    assert_eq!(day.buckets[0].requests, 60);
    let mut by_mock = day.by_mock.clone();
    by_mock.sort();
    let mut want = vec![(None, 80), (Some(m.id), 80), (Some(gone.id), 80)];
    want.sort();
    assert_eq!(by_mock, want);
    let week = store
        .log_stats(LogScope::Mock(m.id), minutes(0), 86_400)
        .await
        .unwrap();
    assert_eq!(got(&week), expect(0, &|l| l.mock_id == Some(m.id)));
    assert_eq!(week.buckets.len(), 1);
    // Log totals over ranges that cut hours, begin or end on them, or are open.
    let secs = |m: i64, s: i64| minutes(m) + Duration::seconds(s);
    for (start, end) in [
        (None, None),
        (Some(secs(30, 10)), Some(secs(200, 30))),
        (Some(minutes(60)), None),
        (None, Some(minutes(119))),
        (Some(secs(61, 0)), Some(secs(62, 0))),
    ] {
        let want = logs
            .iter()
            .filter(|l| start.is_none_or(|s| l.created_at >= s))
            .filter(|l| end.is_none_or(|e| l.created_at <= e))
            .count() as u64;
        let q = LogQuery {
            start,
            end,
            limit: 1,
            ..LogQuery::default()
        };
        let page = store.logs(LogScope::Project(p.id), q).await.unwrap();
        assert_eq!(page.total, want, "{start:?}..{end:?}");
    }
    store.delete_mock(gone.id).await.unwrap();
    let after = store
        .log_stats(LogScope::Project(p.id), minutes(0), 3600)
        .await
        .unwrap();
    assert_eq!(got(&after), expect(0, &|l| l.mock_id != Some(gone.id)));
    // Retention at 2:30, in small batches: hours 0 and 1 go, hour 2 keeps its last half.
    while store
        .delete_logs_before(o.id, minutes(150), 7)
        .await
        .unwrap()
        > 0
    {}
    let kept = store
        .log_stats(LogScope::Project(p.id), minutes(0), 3600)
        .await
        .unwrap();
    assert_eq!(kept.buckets.first().map(|b| b.start), Some(minutes(120)));
    assert_eq!(got(&kept), expect(150, &|l| l.mock_id != Some(gone.id)));
}

/// Many entries in one minute, over several batches whose times overlap, two
/// mocks and two statuses interleaved (stores may keep such entries
/// together): pages, filters, counts, aggregates and retention stay exact
/// when their bounds fall inside that minute.
pub async fn logs_are_exact_inside_one_minute(store: Store) {
    let (_, o, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let n = mock(&store, &p, "GET", "/y").await;
    let at = |s: i64| minutes(0) + Duration::seconds(s);
    let all: Vec<RequestLog> = (0..60u32)
        .map(|k| {
            let mut l = log(
                &p,
                Some(if k % 2 == 0 { &m } else { &n }),
                at(i64::from(k * 7 % 60)),
                if k % 3 == 0 { 500 } else { 200 },
            );
            l.response_time_ms = k;
            l
        })
        .collect();
    for batch in all.chunks(20) {
        assert_eq!(store.insert_logs(batch).await.unwrap(), 20);
    }
    let newest_first = |mut v: Vec<RequestLog>| {
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        v
    };
    let expected = newest_first(all.clone());
    let mut paged = Vec::new();
    for page in 1..=9 {
        let got = store
            .logs(LogScope::Project(p.id), LogQuery::new(page, 7).unwrap())
            .await
            .unwrap();
        assert_eq!(got.total, 60);
        paged.extend(got.items);
    }
    assert_eq!(
        paged, expected,
        "pages of 7 cover every entry once, in order"
    );
    let q = LogQuery {
        status: Some(500),
        start: Some(at(10)),
        end: Some(at(40)),
        limit: 100,
        ..LogQuery::default()
    };
    let want: Vec<RequestLog> = expected
        .iter()
        .filter(|l| l.mock_id == Some(m.id) && l.response_status == 500)
        .filter(|l| l.created_at >= at(10) && l.created_at <= at(40))
        .cloned()
        .collect();
    let got = store.logs(LogScope::Mock(m.id), q).await.unwrap();
    assert_eq!((got.total, got.items), (want.len() as u64, want));
    let mut since: Vec<RequestLog> = expected
        .iter()
        .filter(|l| l.created_at >= at(30))
        .cloned()
        .collect();
    since.reverse();
    assert_eq!(
        store
            .logs_since(LogScope::Project(p.id), at(30), 100)
            .await
            .unwrap(),
        since
    );
    // Aggregates from the 30th second on, in minute and 20-second buckets.
    let stats = store
        .log_stats(LogScope::Project(p.id), at(30), 60)
        .await
        .unwrap();
    let errors = since.iter().filter(|l| l.response_status >= 400).count() as u64;
    let total_ms: u64 = since.iter().map(|l| u64::from(l.response_time_ms)).sum();
    assert_eq!(
        stats.buckets,
        [LogBucket {
            start: minutes(0),
            requests: since.len() as u64,
            errors,
            total_ms,
        }]
    );
    let on_m = since.iter().filter(|l| l.mock_id == Some(m.id)).count() as u64;
    let mut by_mock = stats.by_mock.clone();
    by_mock.sort();
    let mut want_by_mock = vec![(Some(m.id), on_m), (Some(n.id), since.len() as u64 - on_m)];
    want_by_mock.sort();
    assert_eq!(by_mock, want_by_mock);
    let mut times: Vec<u32> = since.iter().map(|l| l.response_time_ms).collect();
    times.sort_unstable();
    assert_eq!(
        stats.p95_ms,
        times[LogStats::p95_rank(times.len() as u64) as usize]
    );
    let thirds = store
        .log_stats(LogScope::Project(p.id), minutes(0), 20)
        .await
        .unwrap();
    assert_eq!(
        thirds
            .buckets
            .iter()
            .map(|b| (b.start, b.requests))
            .collect::<Vec<_>>(),
        [(at(0), 20), (at(20), 20), (at(40), 20)]
    );
    // Retention cutting the minute at its 30th second.
    let older = 60 - since.len() as u64;
    let mut deleted = 0;
    loop {
        let d = store.delete_logs_before(o.id, at(30), 1000).await.unwrap();
        if d == 0 {
            break;
        }
        deleted += d;
    }
    assert_eq!(deleted, older);
    let left = store
        .logs(
            LogScope::Project(p.id),
            LogQuery {
                limit: 100,
                ..LogQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(left.total, since.len() as u64);
    assert_eq!(left.items, newest_first(since));
}

/// A deleted response reads back as `responseId: null` in the logs that named it.
pub async fn logs_forget_deleted_responses(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let m = mock(&store, &p, "GET", "/x").await;
    let r = store
        .create_response(m.id, response_def("ok", 200, false))
        .await
        .unwrap();
    let mut l = log(&p, Some(&m), minutes(1), 200);
    l.response_id = Some(r.id);
    store.insert_logs(&[l]).await.unwrap();
    let read = |store: Store| async move {
        store
            .logs(LogScope::Mock(m.id), LogQuery::default())
            .await
            .unwrap()
            .items[0]
            .response_id
    };
    assert_eq!(read(store.clone()).await, Some(r.id));
    store.delete_response(r.id).await.unwrap();
    assert_eq!(read(store.clone()).await, None);
}

/// Concurrent batch writers lose nothing.
pub async fn concurrent_log_writers_lose_nothing(store: Store) {
    let (_, _, p) = tenant(&store, "a").await;
    let tasks: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            let p = p.clone();
            tokio::spawn(async move {
                for batch in 0..5 {
                    let logs = (0..20)
                        .map(|i| log(&p, None, minutes(w * 1000 + batch * 20 + i), 200))
                        .collect::<Vec<_>>();
                    store.insert_logs(&logs).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store
            .logs(LogScope::Project(p.id), LogQuery::default())
            .await
            .unwrap()
            .total,
        800
    );
}

// ---- usage ---------------------------------------------------------------------

/// Usage starts at zero and accumulates per organization and month.
pub async fn usage_accumulates_per_month(store: Store) {
    let (_, o, _) = tenant(&store, "a").await;
    let (_, other, _) = tenant(&store, "b").await;
    let zero = store.usage(o.id, "2026-11").await.unwrap();
    assert_eq!((zero.request_count, zero.bandwidth_bytes), (0, 0));
    store.add_usage(o.id, "2026-11", 10, 1000).await.unwrap();
    let u = store.add_usage(o.id, "2026-11", 5, 24).await.unwrap();
    assert_eq!(
        (u.request_count, u.bandwidth_bytes, u.month.as_str()),
        (15, 1024, "2026-11")
    );
    assert_eq!(store.usage(o.id, "2026-12").await.unwrap().request_count, 0);
    assert_eq!(
        store
            .usage(other.id, "2026-11")
            .await
            .unwrap()
            .request_count,
        0
    );
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.add_usage(o.id, "2026-11", 1, 1).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store.usage(o.id, "2026-11").await.unwrap().request_count,
        25
    );
}

/// Each usage alert is claimed once per organization, month and level.
pub async fn usage_alerts_are_claimed_once(store: Store) {
    let (_, o, _) = tenant(&store, "a").await;
    assert!(store.claim_usage_alert(o.id, "2026-11", 80).await.unwrap());
    assert!(!store.claim_usage_alert(o.id, "2026-11", 80).await.unwrap());
    assert!(store.claim_usage_alert(o.id, "2026-11", 100).await.unwrap());
    assert!(store.claim_usage_alert(o.id, "2026-12", 80).await.unwrap());
    assert!(
        store
            .claim_usage_alert(Uuid::new_v4(), "2026-11", 80)
            .await
            .is_err()
    );
}

// ---- API keys ------------------------------------------------------------------

/// A key reads back by id and hash, lists per user and org, records use, rotates and deletes.
pub async fn api_key_round_trip(store: Store) {
    let (a, o, _) = tenant(&store, "a").await;
    let (b, other, _) = tenant(&store, "b").await;
    let new = |org: Uuid, user: Uuid, hash: &str| NewApiKey {
        org_id: org,
        user_id: user,
        name: "ci".into(),
        prefix: "mk_12345".into(),
        key_hash: hash.into(),
        expires_at: Some(minutes(60 * 24 * 365 * 10)),
    };
    let k = store.create_api_key(new(o.id, a.id, "h1")).await.unwrap();
    store
        .create_api_key(new(other.id, b.id, "h2"))
        .await
        .unwrap();
    assert_eq!(k.last_used_at, None);
    assert_eq!(store.api_key(k.id).await.unwrap(), k);
    assert_eq!(store.api_key_by_hash("h1").await.unwrap().id, k.id);
    assert_eq!(
        store.api_keys_for_user(a.id).await.unwrap(),
        std::slice::from_ref(&k)
    );
    assert_eq!(
        store.api_keys_for_org(o.id).await.unwrap(),
        std::slice::from_ref(&k)
    );
    store.touch_api_key(k.id, minutes(5)).await.unwrap();
    assert_eq!(
        store.api_key(k.id).await.unwrap().last_used_at,
        Some(minutes(5))
    );
    let rotated = store.rotate_api_key(k.id, "mk_99999", "h3").await.unwrap();
    assert_eq!(
        (rotated.id, rotated.prefix.as_str(), rotated.name.as_str()),
        (k.id, "mk_99999", "ci")
    );
    assert!(
        is_not_found(store.api_key_by_hash("h1").await),
        "old secret stops working"
    );
    assert_eq!(store.api_key_by_hash("h3").await.unwrap().id, k.id);
    store.delete_api_key(k.id).await.unwrap();
    assert!(is_not_found(store.api_key_by_hash("h3").await));
    assert!(is_not_found(store.delete_api_key(k.id).await));
}

/// Key hashes are unique.
pub async fn api_key_hash_is_unique(store: Store) {
    let (a, o, _) = tenant(&store, "a").await;
    let new = || NewApiKey {
        org_id: o.id,
        user_id: a.id,
        name: "k".into(),
        prefix: "mk_00000".into(),
        key_hash: "same".into(),
        expires_at: None,
    };
    store.create_api_key(new()).await.unwrap();
    assert!(is_conflict(store.create_api_key(new()).await));
}

// ---- sessions ------------------------------------------------------------------

/// A refresh token is used once; revoking a family or a user ends its tokens.
pub async fn refresh_tokens_rotate_and_revoke(store: Store) {
    let a = user(&store, "a@example.com").await;
    let family = Uuid::new_v4();
    let expires_at = crate::clock::now() + Duration::days(30);
    let t1 = store
        .create_refresh_token(NewRefreshToken {
            user_id: a.id,
            family_id: family,
            token_hash: "r1".into(),
            expires_at,
        })
        .await
        .unwrap();
    assert_eq!(store.refresh_token_by_hash("r1").await.unwrap(), t1);
    assert!(store.use_refresh_token(t1.id, minutes(1)).await.unwrap());
    assert!(
        !store.use_refresh_token(t1.id, minutes(2)).await.unwrap(),
        "second use is reuse"
    );
    assert_eq!(
        store.refresh_token_by_hash("r1").await.unwrap().used_at,
        Some(minutes(1))
    );
    let t2 = store
        .create_refresh_token(NewRefreshToken {
            user_id: a.id,
            family_id: family,
            token_hash: "r2".into(),
            expires_at,
        })
        .await
        .unwrap();
    let other = store
        .create_refresh_token(NewRefreshToken {
            user_id: a.id,
            family_id: Uuid::new_v4(),
            token_hash: "r3".into(),
            expires_at,
        })
        .await
        .unwrap();
    store.revoke_token_family(family).await.unwrap();
    assert!(
        store
            .refresh_token_by_hash("r2")
            .await
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(
        !store.use_refresh_token(t2.id, minutes(3)).await.unwrap(),
        "revoked tokens cannot be used"
    );
    assert!(
        store
            .refresh_token_by_hash("r3")
            .await
            .unwrap()
            .revoked_at
            .is_none()
    );
    store.revoke_user_tokens(a.id).await.unwrap();
    assert!(!store.use_refresh_token(other.id, minutes(4)).await.unwrap());
    assert!(is_not_found(store.refresh_token_by_hash("nope").await));
}

/// Concurrent uses of one refresh token: exactly one wins.
pub async fn refresh_token_use_is_atomic(store: Store) {
    let a = user(&store, "a@example.com").await;
    let t = store
        .create_refresh_token(NewRefreshToken {
            user_id: a.id,
            family_id: Uuid::new_v4(),
            token_hash: "r".into(),
            expires_at: crate::clock::now() + Duration::days(1),
        })
        .await
        .unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .use_refresh_token(t.id, crate::clock::now())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
}

/// A reset token works once, before it expires.
pub async fn reset_tokens_are_single_use_and_expire(store: Store) {
    let a = user(&store, "a@example.com").await;
    store
        .create_reset_token(a.id, "ok", minutes(60))
        .await
        .unwrap();
    store
        .create_reset_token(a.id, "old", minutes(10))
        .await
        .unwrap();
    assert!(
        is_not_found(store.consume_reset_token("old", minutes(11)).await),
        "expired"
    );
    assert_eq!(
        store.consume_reset_token("ok", minutes(30)).await.unwrap(),
        a.id
    );
    assert!(
        is_not_found(store.consume_reset_token("ok", minutes(31)).await),
        "used"
    );
    assert!(is_not_found(
        store.consume_reset_token("unknown", minutes(1)).await
    ));
}

// ---- billing and audit -----------------------------------------------------------

/// Subscriptions upsert; invoices list newest first and upsert by id.
pub async fn subscriptions_and_invoices(store: Store) {
    let (_, o, _) = tenant(&store, "a").await;
    assert!(is_not_found(store.subscription(o.id).await));
    let mut sub = Subscription {
        org_id: o.id,
        tier: "pro".into(),
        status: SubscriptionStatus::Active,
        current_period_end: Some(minutes(100)),
        cancel_at_period_end: false,
        customer_id: Some("cus_1".into()),
        provider_subscription_id: Some("sub_1".into()),
        updated_at: minutes(1),
    };
    assert_eq!(store.upsert_subscription(sub.clone()).await.unwrap(), sub);
    sub.cancel_at_period_end = true;
    sub.status = SubscriptionStatus::PastDue;
    store.upsert_subscription(sub.clone()).await.unwrap();
    assert_eq!(store.subscription(o.id).await.unwrap(), sub);
    let invoice = |id: &str, at: i64, status: &str| Invoice {
        id: id.into(),
        org_id: o.id,
        amount_cents: 900,
        currency: "usd".into(),
        status: status.into(),
        period_start: minutes(at),
        period_end: minutes(at + 100),
        created_at: minutes(at),
    };
    store
        .upsert_invoice(invoice("in_1", 1, "open"))
        .await
        .unwrap();
    store
        .upsert_invoice(invoice("in_2", 2, "paid"))
        .await
        .unwrap();
    store
        .upsert_invoice(invoice("in_1", 1, "paid"))
        .await
        .unwrap();
    let got = store.invoices(o.id).await.unwrap();
    assert_eq!(
        got.iter()
            .map(|i| (i.id.as_str(), i.status.as_str()))
            .collect::<Vec<_>>(),
        [("in_2", "paid"), ("in_1", "paid")]
    );
}

/// A billing event is recorded once; a forgotten one (failed processing) records again.
pub async fn billing_events_are_idempotent(store: Store) {
    let event = BillingEvent {
        id: "evt_1".into(),
        event_type: "invoice.paid".into(),
        org_id: None,
        payload: serde_json::json!({"id": "evt_1"}),
        received_at: minutes(1),
    };
    assert!(store.record_billing_event(event.clone()).await.unwrap());
    assert!(!store.record_billing_event(event.clone()).await.unwrap());
    // Forgotten (processing failed): the redelivery is recorded again.
    store.forget_billing_event("evt_1").await.unwrap();
    assert!(store.record_billing_event(event.clone()).await.unwrap());
    store.forget_billing_event("evt_unknown").await.unwrap();
}

/// Audit entries list newest first, per organization, limited.
pub async fn audit_trail_is_per_org(store: Store) {
    let (a, o, _) = tenant(&store, "a").await;
    let (_, other, _) = tenant(&store, "b").await;
    for action in ["project.create", "mock.create", "mock.delete"] {
        store
            .append_audit(NewAuditEntry {
                org_id: o.id,
                user_id: Some(a.id),
                action: action.into(),
                target: "t".into(),
                details: serde_json::json!({"n": 1}),
            })
            .await
            .unwrap();
    }
    store
        .append_audit(NewAuditEntry {
            org_id: other.id,
            user_id: None,
            action: "x".into(),
            target: "t".into(),
            details: serde_json::Value::Null,
        })
        .await
        .unwrap();
    let got: Vec<_> = store
        .audit_entries(o.id, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(got, ["mock.delete", "mock.create"]);
    assert_eq!(store.audit_entries(other.id, 10).await.unwrap().len(), 1);
}

/// Concurrent registrations of one email: exactly one succeeds, the rest conflict.
pub async fn concurrent_registrations_of_one_email(store: Store) {
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_user(NewUser::new("race@example.com", "R", "h".into()).unwrap())
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
}

/// The store answers a ping and names its backend.
pub async fn ping_and_backend(store: Store) {
    store.ping().await.unwrap();
    assert!(
        ["memory", "sqlite", "postgres"].contains(&store.backend()),
        "{}",
        store.backend()
    );
}
