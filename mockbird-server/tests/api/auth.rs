//! Accounts, sessions, passwords, API keys.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::App;

#[tokio::test]
async fn registration_and_login_rules() {
    let app = App::start().await;
    app.register("bob@example.com").await;
    let (s, body) = app
        .call(
            "",
            Method::POST,
            "/api/auth/register",
            Some(json!({"email": "BOB@example.com", "password": "correct horse", "name": "B"})),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("CONFLICT"))
    );
    let (s, body) = app
        .call(
            "",
            Method::POST,
            "/api/auth/register",
            Some(json!({"email": "nope", "password": "short", "name": "B"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"].as_array().unwrap().len(),
        2,
        "both problems at once: {body}"
    );
    let (s1, wrong_pw) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "bob@example.com", "password": "wrong password"})),
        )
        .await;
    let (s2, no_user) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "who@example.com", "password": "wrong password"})),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        wrong_pw, no_user,
        "same answer whether the account exists or not"
    );
    let (s, ok) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "bob@example.com", "password": "correct horse"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ok["session"]["expiresIn"], 900);
    let (s, _) = app.call("garbage", Method::GET, "/api/auth/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, orgs) = app
        .call(
            ok["session"]["accessToken"].as_str().unwrap(),
            Method::GET,
            "/api/orgs",
            None,
        )
        .await;
    assert_eq!(orgs.as_array().unwrap().len(), 1, "a personal organization");
    assert_eq!(orgs[0]["plan"], "free");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = App::start().await;
    let (t, _, r1) = app.register("rot@example.com").await;
    let (s, v) = app
        .call(
            "",
            Method::POST,
            "/api/auth/refresh",
            Some(json!({"refreshToken": r1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let r2 = v["session"]["refreshToken"].as_str().unwrap().to_owned();
    // r1 again: reuse. It fails, and so does its descendant r2.
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/refresh",
            Some(json!({"refreshToken": r1})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/refresh",
            Some(json!({"refreshToken": r2})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the whole family is revoked");
    // Logout ends the session's refresh token.
    let (_, login) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "rot@example.com", "password": "correct horse"})),
        )
        .await;
    let access = login["session"]["accessToken"].as_str().unwrap();
    let refresh = login["session"]["refreshToken"].as_str().unwrap();
    let (s, _) = app
        .call(access, Method::POST, "/api/auth/logout", None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/refresh",
            Some(json!({"refreshToken": refresh})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.call(&t, Method::GET, "/api/auth/me", None).await;
    assert_eq!(s, StatusCode::OK, "other sessions live on");
}

#[tokio::test]
async fn password_reset_through_the_outbox_and_password_change() {
    let app = App::start().await;
    let (t, _, refresh) = app.register("forgot@example.com").await;
    for email in ["forgot@example.com", "nobody@example.com"] {
        let (s, _) = app
            .call(
                "",
                Method::POST,
                "/api/auth/forgot-password",
                Some(json!({"email": email})),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }
    let (_, mails) = app
        .call(
            "",
            Method::GET,
            "/api/dev/outbox?to=forgot@example.com",
            None,
        )
        .await;
    let text = mails[0]["text"].as_str().unwrap();
    let token = text
        .split("Token: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let (_, none) = app
        .call(
            "",
            Method::GET,
            "/api/dev/outbox?to=nobody@example.com",
            None,
        )
        .await;
    assert_eq!(none, json!([]));
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/reset-password",
            Some(json!({"token": token, "password": "brand new pass"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/reset-password",
            Some(json!({"token": token, "password": "another pass"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "single use");
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/refresh",
            Some(json!({"refreshToken": refresh})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "reset ends every session");
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "forgot@example.com", "password": "brand new pass"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(
            &t,
            Method::PUT,
            "/api/auth/password",
            Some(json!({"oldPassword": "wrong one!", "newPassword": "whatever pass"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .call(
            &t,
            Method::PUT,
            "/api/auth/password",
            Some(json!({"oldPassword": "brand new pass", "newPassword": "third pass!"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.call(&t, Method::DELETE, "/api/auth/me", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "",
            Method::POST,
            "/api/auth/login",
            Some(json!({"email": "forgot@example.com", "password": "third pass!"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "account gone");
}

#[tokio::test]
async fn api_keys_authenticate_rotate_and_revoke_at_once() {
    let app = App::start().await;
    let (t, _, _) = app.register("keys@example.com").await;
    app.project_with_mock(&t, "keyed", "/a", "a").await;
    let (s, bad) = app
        .call(
            &t,
            Method::POST,
            "/api/keys",
            Some(json!({"name": "ci", "expiresAt": "2001-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    let (s, key) = app
        .call(&t, Method::POST, "/api/keys", Some(json!({"name": "ci"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let secret = key["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("mk_") && secret.len() == 67);
    assert_eq!(key["prefix"], &secret[..8]);
    let with_key = |k: &str| {
        app.req(Method::GET, "/api/projects")
            .header("x-api-key", k.to_owned())
            .send()
    };
    let res = with_key(&secret).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let projects: Value = res.json().await.unwrap();
    assert_eq!(projects[0]["slug"], "keyed");
    let (_, listed) = app.call(&t, Method::GET, "/api/keys", None).await;
    assert!(listed[0].get("key").is_none() && listed[0].get("keyHash").is_none());
    let id = key["id"].as_str().unwrap();
    let (s, rotated) = app
        .call(&t, Method::POST, &format!("/api/keys/{id}/rotate"), None)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        with_key(&secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "old secret dead"
    );
    let new_secret = rotated["key"].as_str().unwrap().to_owned();
    assert_eq!(
        with_key(&new_secret).await.unwrap().status(),
        StatusCode::OK
    );
    let (s, _) = app
        .call(&t, Method::DELETE, &format!("/api/keys/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        with_key(&new_secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "revoked at once"
    );
}

#[tokio::test]
async fn the_account_name_changes_by_the_rules_of_every_name() {
    let app = App::start().await;
    let (t, _, _) = app.register("rename@example.com").await;
    let put = |body: serde_json::Value| app.call(&t, Method::PUT, "/api/auth/me", Some(body));
    let (s, v) = put(json!({"name": "  Ada <b>Lovelace</b> "})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "  Ada <b>Lovelace</b> ", "stored as given");
    let (_, me) = app.call(&t, Method::GET, "/api/auth/me", None).await;
    assert_eq!(me["name"], "  Ada <b>Lovelace</b> ");
    assert_eq!(
        put(json!({"name": "x".repeat(200)})).await.0,
        StatusCode::OK
    );
    for bad in [
        json!({"name": "x".repeat(201)}),
        json!({"name": " \t"}),
        json!({"name": ""}),
        json!({}),
        json!({"name": 5}),
        json!({"name": "ok", "nmae": "typo"}),
    ] {
        let (s, v) = put(bad.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} → {v}");
    }
    let (_, me) = app.call(&t, Method::GET, "/api/auth/me", None).await;
    assert_eq!(
        me["name"],
        "x".repeat(200),
        "a refused change changes nothing"
    );
    let (s, _) = app
        .call("", Method::PUT, "/api/auth/me", Some(json!({"name": "n"})))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
