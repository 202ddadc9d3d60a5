//! Another organization's resources answer exactly like missing ones; roles.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::App;

#[tokio::test]
async fn a_stranger_probing_every_id_gets_the_same_404_as_for_a_missing_id() {
    let app = App::start().await;
    let (a, _, _) = app.register("owner@example.com").await;
    let (b, _, _) = app.register("stranger@example.com").await;
    let (project, mock) = app.project_with_mock(&a, "secret-proj", "/x", "x").await;
    let (pid, mid) = (
        project["id"].as_str().unwrap(),
        mock["id"].as_str().unwrap(),
    );
    let (_, responses) = app
        .call(
            &a,
            Method::GET,
            &format!("/api/mocks/{mid}/responses"),
            None,
        )
        .await;
    let rid = responses[0]["id"].as_str().unwrap();
    let (_, orgs) = app.call(&a, Method::GET, "/api/orgs", None).await;
    let oid = orgs[0]["id"].as_str().unwrap();
    let (_, key) = app
        .call(&a, Method::POST, "/api/keys", Some(json!({"name": "k"})))
        .await;
    let kid = key["id"].as_str().unwrap();
    let missing = "00000000-0000-0000-0000-000000000000";
    let probes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/projects/{pid}"), None),
        (
            Method::PUT,
            format!("/api/projects/{pid}"),
            Some(json!({"name": "mine"})),
        ),
        (Method::DELETE, format!("/api/projects/{pid}"), None),
        (Method::POST, format!("/api/projects/{pid}/duplicate"), None),
        (Method::GET, format!("/api/projects/{pid}/export"), None),
        (Method::GET, format!("/api/projects/{pid}/mocks"), None),
        (
            Method::POST,
            format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "m", "path": "/y", "method": "GET"})),
        ),
        (Method::GET, format!("/api/mocks/{mid}"), None),
        (
            Method::PUT,
            format!("/api/mocks/{mid}"),
            Some(json!({"name": "z"})),
        ),
        (Method::DELETE, format!("/api/mocks/{mid}"), None),
        (Method::GET, format!("/api/mocks/{mid}/responses"), None),
        (
            Method::POST,
            format!("/api/mocks/{mid}/responses"),
            Some(json!({"statusCode": 200})),
        ),
        (
            Method::PUT,
            format!("/api/mocks/{mid}/responses/{rid}"),
            Some(json!({"statusCode": 500})),
        ),
        (
            Method::DELETE,
            format!("/api/mocks/{mid}/responses/{rid}"),
            None,
        ),
        (Method::GET, format!("/api/orgs/{oid}"), None),
        (
            Method::PUT,
            format!("/api/orgs/{oid}"),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, format!("/api/orgs/{oid}"), None),
        (Method::GET, format!("/api/orgs/{oid}/members"), None),
        (
            Method::POST,
            format!("/api/orgs/{oid}/invitations"),
            Some(json!({"email": "s@example.com", "role": "member"})),
        ),
        (Method::POST, format!("/api/keys/{kid}/rotate"), None),
        (Method::DELETE, format!("/api/keys/{kid}"), None),
        (Method::GET, format!("/api/projects?orgId={oid}"), None),
        (
            Method::POST,
            format!("/api/projects/import?orgId={oid}"),
            Some(json!({"mockbird": 1, "project": {"name": "p"}, "mocks": []})),
        ),
    ];
    for (method, path, body) in probes {
        let (s, real) = app.call(&b, method.clone(), &path, body.clone()).await;
        let other = path
            .replace(pid, missing)
            .replace(mid, missing)
            .replace(rid, missing)
            .replace(oid, missing)
            .replace(kid, missing);
        let (s2, fake) = app.call(&b, method.clone(), &other, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {real}");
        assert_eq!((s, &real), (s2, &fake), "{method} {path} must look missing");
    }
    // And nothing changed for the owner.
    let (s, _) = app
        .call(
            &a,
            Method::GET,
            &format!("/api/mocks/{mid}/responses/"),
            None,
        )
        .await;
    assert_ne!(s, StatusCode::OK);
    let res = app
        .req(Method::GET, "/m/secret-proj/x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "x");
}

#[tokio::test]
async fn roles_invitations_and_the_last_owner() {
    let app = App::start().await;
    let (owner, owner_id, _) = app.register("o@example.com").await;
    let (member, member_id, _) = app.register("m@example.com").await;
    let (outsider, _, _) = app.register("x@example.com").await;
    let (s, org) = app
        .call(
            &owner,
            Method::POST,
            "/api/orgs",
            Some(json!({"name": "Team"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(org["slug"], "team");
    let oid = org["id"].as_str().unwrap();
    let (s, inv) = app
        .call(
            &owner,
            Method::POST,
            &format!("/api/orgs/{oid}/invitations"),
            Some(json!({"email": "m@example.com", "role": "member"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let token = inv["token"].as_str().unwrap();
    let (s, _) = app
        .call(
            &outsider,
            Method::POST,
            &format!("/api/invitations/{token}/accept"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the invited email");
    let (s, joined) = app
        .call(
            &member,
            Method::POST,
            &format!("/api/invitations/{token}/accept"),
            None,
        )
        .await;
    assert_eq!((s, &joined["id"]), (StatusCode::OK, &org["id"]));
    // A member may create projects but not invite, rename or delete.
    let (s, _) = app
        .call(
            &member,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "p", "orgId": oid, "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = app
        .call(
            &member,
            Method::POST,
            &format!("/api/orgs/{oid}/invitations"),
            Some(json!({"email": "y@example.com", "role": "member"})),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("FORBIDDEN"))
    );
    let (s, _) = app
        .call(
            &member,
            Method::PUT,
            &format!("/api/orgs/{oid}"),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Admins manage members but not owners.
    let (s, _) = app
        .call(
            &owner,
            Method::PUT,
            &format!("/api/orgs/{oid}/members/{member_id}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(
            &member,
            Method::PUT,
            &format!("/api/orgs/{oid}/members/{member_id}"),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only an owner grants owner");
    let (s, _) = app
        .call(&member, Method::DELETE, &format!("/api/orgs/{oid}"), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only an owner deletes");
    // The last owner can neither leave nor be demoted.
    let (s, _) = app
        .call(
            &owner,
            Method::DELETE,
            &format!("/api/orgs/{oid}/members/{owner_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .call(
            &owner,
            Method::PUT,
            &format!("/api/orgs/{oid}/members/{owner_id}"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A member leaves on their own.
    let (s, _) = app
        .call(
            &member,
            Method::DELETE,
            &format!("/api/orgs/{oid}/members/{member_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(&member, Method::GET, &format!("/api/orgs/{oid}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, members) = app
        .call(
            &owner,
            Method::GET,
            &format!("/api/orgs/{oid}/members"),
            None,
        )
        .await;
    assert_eq!(members.as_array().unwrap().len(), 1);
}
