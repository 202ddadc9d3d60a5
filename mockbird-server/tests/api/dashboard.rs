//! What the dashboard stands on: the embedded app and its headers, the cookie
//! session, invitation lists and revocation, the live log stream, try-it tracing.

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::App;

#[tokio::test]
async fn the_app_is_served_at_root_and_at_app_routes_under_a_strict_csp() {
    let app = App::start().await;
    let mut script = String::new();
    for path in [
        "/",
        "/reset-password?token=abc",
        "/projects/1/logs",
        "/invitations/xyz",
    ] {
        let res = app.req(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers().clone();
        assert_eq!(h[header::CONTENT_TYPE], "text/html", "{path}");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script>"), "no inline script");
        script = html
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
    }
    assert!(script.starts_with("/assets/"), "{script}");
    let res = app.req(Method::GET, &script).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/javascript");
    let etag = res.headers()[header::ETAG].clone();
    let res = app
        .req(Method::GET, &script)
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    // Not the app: missing files, the API's unknown paths, other methods.
    for (method, path) in [
        (Method::GET, "/assets/missing-abc.js"),
        (Method::GET, "/api/nope"),
        (Method::GET, "/api"),
        (Method::POST, "/projects"),
        (Method::DELETE, "/"),
    ] {
        let res = app.req(method.clone(), path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"], "NOT_FOUND", "{method} {path}");
    }
    // Traversal stays inside the embedded files.
    let res = app
        .req(Method::GET, "/assets/..%2f..%2fCargo.toml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned()
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_cookie_session_keeps_the_refresh_token_out_of_page_reach() {
    let app = App::start().await;
    let res = app
        .req(Method::POST, "/api/auth/register")
        .header("x-mockbird-session", "cookie")
        .json(&json!({"email": "c@example.com", "password": "correct horse", "name": "C"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let set = set_cookie(&res);
    for part in [
        "mockbird_refresh=rt_",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/auth",
        "Max-Age=",
    ] {
        assert!(set.contains(part), "{set}");
    }
    let body: Value = res.json().await.unwrap();
    assert!(body["session"]["accessToken"].is_string());
    assert!(body["session"].get("refreshToken").is_none(), "{body}");
    let first = cookie_value(&set);

    // Refresh from the cookie: a new cookie, and the old one is spent.
    let refresh = |cookie: String, mode: bool| {
        let mut req = app
            .req(Method::POST, "/api/auth/refresh")
            .header(header::COOKIE, cookie)
            .json(&json!({}));
        if mode {
            req = req.header("x-mockbird-session", "cookie");
        }
        req.send()
    };
    let res = refresh(first.clone(), true).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second = cookie_value(&set_cookie(&res));
    assert_ne!(first, second);
    let body: Value = res.json().await.unwrap();
    assert!(body["session"].get("refreshToken").is_none());
    let token = body["session"]["accessToken"].as_str().unwrap().to_owned();
    // Without the header the cookie is not read: API clients keep the JSON contract.
    let res = refresh(second.clone(), false).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Reusing a spent cookie ends the session (the family is revoked).
    assert_eq!(
        refresh(first, true).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(second, true).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Login in cookie mode, then logout clears the cookie.
    let res = app
        .req(Method::POST, "/api/auth/login")
        .header("x-mockbird-session", "cookie")
        .json(&json!({"email": "c@example.com", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = cookie_value(&set_cookie(&res));
    let body: Value = res.json().await.unwrap();
    let access = body["session"]["accessToken"].as_str().unwrap().to_owned();
    let res = app
        .req(Method::POST, "/api/auth/logout")
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(set_cookie(&res).contains("Max-Age=0"));
    assert_eq!(
        refresh(cookie, true).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // The earlier session was revoked by the reuse above.
    let (s, _) = app.call(&token, Method::GET, "/api/auth/me", None).await;
    assert_eq!(s, StatusCode::OK, "access tokens live out their short life");
}

#[tokio::test]
async fn admins_list_and_revoke_pending_invitations_and_no_one_else_can() {
    let app = App::start().await;
    let (owner, _, _) = app.register("owner@example.com").await;
    let (member, _, _) = app.register("member@example.com").await;
    let (stranger, _, _) = app.register("stranger@example.com").await;
    let (_, orgs) = app.call(&owner, Method::GET, "/api/orgs", None).await;
    let org = orgs[0]["id"].as_str().unwrap().to_owned();
    let invitations = format!("/api/orgs/{org}/invitations");
    let invite = |email: &str| {
        app.call(
            &owner,
            Method::POST,
            &invitations,
            Some(json!({"email": email})),
        )
    };
    let (s, joined) = invite("member@example.com").await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .call(
            &member,
            Method::POST,
            &format!(
                "/api/invitations/{}/accept",
                joined["token"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, pending) = invite("later@example.com").await;
    let list = format!("/api/orgs/{org}/invitations");
    let (s, v) = app.call(&owner, Method::GET, &list, None).await;
    assert_eq!(s, StatusCode::OK);
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 1, "accepted ones are not pending: {v}");
    assert_eq!(items[0]["email"], "later@example.com");
    assert!(items[0].get("token").is_none() && items[0].get("tokenHash").is_none());
    // A member is not an admin; a stranger does not see the organization.
    assert_eq!(
        app.call(&member, Method::GET, &list, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&stranger, Method::GET, &list, None).await.0,
        StatusCode::NOT_FOUND
    );
    let one = format!("{list}/{}", pending["id"].as_str().unwrap());
    assert_eq!(
        app.call(&member, Method::DELETE, &one, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&stranger, Method::DELETE, &one, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&owner, Method::DELETE, &one, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&owner, Method::DELETE, &one, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&owner, Method::DELETE, &format!("{list}/not-a-uuid"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, v) = app.call(&owner, Method::GET, &list, None).await;
    assert_eq!(v, json!([]));
    // The revoked link no longer works.
    let (later, _, _) = app.register("later@example.com").await;
    let (s, _) = app
        .call(
            &later,
            Method::POST,
            &format!(
                "/api/invitations/{}/accept",
                pending["token"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Reads server-sent events from `res` until one carries `needle` (or 5 s pass).
async fn event_with(res: &mut reqwest::Response, needle: &str) -> Option<String> {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, res.chunk()).await {
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(event) = seen.split("\n\n").find(|e| e.contains(needle)) {
            return Some(event.to_owned());
        }
    }
    None
}

#[tokio::test]
async fn the_live_log_streams_a_projects_new_requests_and_only_its_own() {
    let app = App::start().await;
    let (t, _, _) = app.register("live@example.com").await;
    let (other, _, _) = app.register("other@example.com").await;
    let (project, _) = app.project_with_mock(&t, "live", "/hello", "{}").await;
    app.project_with_mock(&other, "elsewhere", "/secret-path", "{}")
        .await;
    let pid = project["id"].as_str().unwrap();
    let stream = format!("/api/projects/{pid}/logs/stream");
    let mut res = app
        .req(Method::GET, &stream)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.req(Method::GET, "/m/elsewhere/secret-path")
        .send()
        .await
        .unwrap();
    app.req(Method::GET, "/m/live/hello?n=1")
        .send()
        .await
        .unwrap();
    let event = event_with(&mut res, "/hello")
        .await
        .expect("the request arrives live");
    assert!(event.starts_with("event: log\ndata: "), "{event}");
    let entry: Value = serde_json::from_str(event.split("data: ").nth(1).unwrap()).unwrap();
    assert_eq!(entry["requestPath"], "/hello");
    assert_eq!(entry["projectId"], pid);
    assert_eq!(entry["responseStatus"], 200);
    // Only this project's entries: the other tenant's path never shows.
    app.req(Method::GET, "/m/live/after").send().await.unwrap();
    let rest = event_with(&mut res, "/after").await.unwrap();
    assert!(!rest.contains("secret-path"));

    // Someone else's project is not found; a user holds a bounded number of streams.
    let res2 = app
        .req(Method::GET, &stream)
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res2.status(), StatusCode::NOT_FOUND);
    let mut held = vec![res];
    for _ in 1..4 {
        let r = app
            .req(Method::GET, &stream)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        held.push(r);
    }
    let r = app
        .req(Method::GET, &stream)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "TOO_MANY_STREAMS");
    drop(held);
    // Closed streams give their places back (noticed at the next event or keep-alive).
    app.req(Method::GET, "/m/live/wake").send().await.unwrap();
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = app
            .req(Method::GET, &stream)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            ok = true;
            break;
        }
        app.req(Method::GET, "/m/live/wake").send().await.unwrap();
    }
    assert!(ok, "a closed stream's place came back");
}

#[tokio::test]
async fn a_traced_request_names_the_mock_and_response_that_answered() {
    let app = App::start().await;
    let (t, _, _) = app.register("trace@example.com").await;
    let (_, mock) = app.project_with_mock(&t, "traced", "/t", "{}").await;
    let res = app.req(Method::GET, "/m/traced/t").send().await.unwrap();
    assert!(
        res.headers().get("x-mockbird-mock-id").is_none(),
        "off unless asked"
    );
    let res = app
        .req(Method::GET, "/m/traced/t")
        .header("x-mockbird-trace", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-mockbird-mock-id"],
        mock["id"].as_str().unwrap()
    );
    let (_, responses) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/mocks/{}/responses", mock["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        res.headers()["x-mockbird-response-id"],
        responses[0]["id"].as_str().unwrap()
    );
}

#[tokio::test]
async fn the_editor_checks_a_route_as_saving_would() {
    let app = App::start().await;
    let (t, _, _) = app.register("routes@example.com").await;
    let (project, mock) = app
        .project_with_mock(&t, "routes", "/users/{id}", "{}")
        .await;
    let url = format!(
        "/api/projects/{}/mocks/check",
        project["id"].as_str().unwrap()
    );
    let check = |body: Value| {
        let (app, t, url) = (&app, &t, &url);
        async move { app.call(t, Method::POST, url, Some(body)).await }
    };
    // Free routes, and the edited mock keeping its own.
    for body in [
        json!({"method": "GET", "path": "/users"}),
        json!({"method": "POST", "path": "/users/{id}"}),
        json!({"method": "GET", "path": "/files/{*rest}"}),
        json!({"method": "GET", "path": "/users/{key}", "mockId": mock["id"]}),
    ] {
        assert_eq!(
            check(body.clone()).await.0,
            StatusCode::NO_CONTENT,
            "{body}"
        );
    }
    // The same shape under another name: 409, naming the mock that has it.
    let (status, err) = check(json!({"method": "GET", "path": "/users/{key}"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err["message"].as_str().unwrap().contains("GET /users/{id}"),
        "{err}"
    );
    // Malformed: 400 with each problem at its field.
    for (body, field) in [
        (json!({"method": "GET", "path": "users"}), "path:"),
        (json!({"method": "GET", "path": "/a/{*rest}/b"}), "path:"),
        (json!({"method": "GET", "path": "/a/{id}/{id}"}), "path:"),
        (json!({"method": "FETCH", "path": "/a"}), "method:"),
    ] {
        let (status, err) = check(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            err["errors"][0].as_str().unwrap().starts_with(field),
            "{err}"
        );
    }
    let (status, _) = check(json!({"method": "GET", "path": "/a", "name": "x"})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    // Only members of the project's organization may ask.
    let (other, _, _) = app.register("stranger@example.com").await;
    let (status, _) = app
        .call(
            &other,
            Method::POST,
            &url,
            Some(json!({"method": "GET", "path": "/x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
