//! Bad input: every problem at once, sandboxed templates, slugs, ids, methods.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::App;

#[tokio::test]
async fn bad_mocks_and_responses_list_every_problem_at_once() {
    let app = App::start().await;
    let (t, _, _) = app.register("val@example.com").await;
    let (project, mock) = app.project_with_mock(&t, "val", "/ok", "ok").await;
    let pid = project["id"].as_str().unwrap();
    let (s, body) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"path": "no-slash", "method": "FETCH", "responseDelay": 99999})),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("VALIDATION_FAILED"))
    );
    assert_eq!(
        body["errors"].as_array().unwrap().len(),
        4,
        "name, path, method, delay: {body}"
    );
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "dup", "path": "/ok", "method": "GET"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let mid = mock["id"].as_str().unwrap();
    let bombs = [
        r#"{{#*inline "p"}}x{{> p}}{{/inline}}{{> p}}"#.to_owned(),
        format!("{}x{}", "{{#if a}}".repeat(2000), "{{/if}}".repeat(2000)),
        "{{env 'PATH'}}".to_owned(),
    ];
    for bomb in bombs {
        let (s, body) = app
            .call(
                &t,
                Method::POST,
                &format!("/api/mocks/{mid}/responses"),
                Some(json!({"statusCode": 200, "body": bomb})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    }
    let (s, body) = app
        .call(&t, Method::POST, &format!("/api/mocks/{mid}/responses"), Some(json!({"statusCode": 99, "weight": 101, "conditions": [{"type": "query", "field": "q", "operator": "regex", "value": "("}, {"type": "header", "field": "n", "operator": "gt", "value": "abc"}]})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"].as_array().unwrap().len(), 4, "{body}");
    // The server survived all of it.
    let res = app.req(Method::GET, "/m/val/ok").send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn slugs_ids_content_types_and_methods() {
    let app = App::start().await;
    let (t, _, _) = app.register("slug@example.com").await;
    let (s, body) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "X", "slug": "Bad_Slug"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "never silently changed: {body}");
    let (s, p) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "My Cool API!"})),
        )
        .await;
    assert_eq!(
        (s, p["slug"].as_str()),
        (StatusCode::CREATED, Some("my-cool-api"))
    );
    let (s, p2) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "My Cool API!"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(p2["slug"], p["slug"], "derived slugs are made unique");
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "Y", "slug": "my-cool-api"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, body) = app
        .call(&t, Method::GET, "/api/projects/not-a-uuid", None)
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("PROJECT_NOT_FOUND"))
    );
    let (s, body) = app
        .call(
            &t,
            Method::GET,
            "/api/mocks/00000000-0000-0000-0000-000000000000",
            None,
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("MOCK_NOT_FOUND"))
    );
    let res = app
        .req(Method::POST, "/api/projects")
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .req(Method::POST, "/api/projects")
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .req(Method::PATCH, "/api/projects")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().contains_key("allow"));
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"], "METHOD_NOT_ALLOWED");
    let (s, _) = app.call(&t, Method::GET, "/api/nothing-here", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.call("", Method::GET, "/api/projects", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body) = app
        .call(&t, Method::POST, "/api/projects/import", Some(json!({"mockbird": 1, "project": {"name": "imp"}, "mocks": [{"name": "ok", "path": "/a", "method": "GET", "responses": []}, {"name": "bad", "path": "nope", "method": "GET", "responses": []}]})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (_, projects) = app.call(&t, Method::GET, "/api/projects", None).await;
    assert_eq!(
        projects.as_array().unwrap().len(),
        2,
        "a bad import creates nothing"
    );
}
