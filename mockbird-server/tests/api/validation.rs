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
            Some(json!({"name": "X", "slug": "Bad_Slug", "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "never silently changed: {body}");
    let (s, p) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "My Cool API!", "isPublic": true})),
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
            Some(json!({"name": "My Cool API!", "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(p2["slug"], p["slug"], "derived slugs are made unique");
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "Y", "slug": "my-cool-api", "isPublic": true})),
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

/// The contract's points on bodies: `isPublic` required on create, unknown
/// fields named (a typo is never dropped in silence), read-only fields of a
/// representation accepted back on PUT, names kept as given, condition values
/// JSON strings.
#[tokio::test]
async fn bodies_are_read_as_the_contract_says() {
    let app = App::start().await;
    let (t, _, _) = app.register("contract@example.com").await;
    let (s, body) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "Shop"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["errors"][0].as_str().unwrap().starts_with("isPublic:"),
        "{body}"
    );
    let (s, body) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "Shop", "isPublik": false, "isPublic": true, "nested": {"a": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let errors = body["errors"].to_string();
    assert!(errors.contains("isPublik: is not a known field"), "{body}");
    assert!(errors.contains("nested: is not a known field"), "{body}");
    // Names are stored exactly as sent; only-spaces is no name.
    let (s, project) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "  Shop  API ", "slug": "shop", "isPublic": false})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{project}");
    assert_eq!(project["name"], "  Shop  API ");
    assert_eq!(project["isPublic"], false);
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "   ", "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // GET, edit, PUT back the whole representation.
    let pid = project["id"].as_str().unwrap();
    let mut edited = project.clone();
    edited["description"] = json!("edited");
    let (s, back) = app
        .call(
            &t,
            Method::PUT,
            &format!("/api/projects/{pid}"),
            Some(edited),
        )
        .await;
    assert_eq!(
        (s, back["description"].as_str()),
        (StatusCode::OK, Some("edited")),
        "{back}"
    );
    let (s, body) = app
        .call(
            &t,
            Method::PUT,
            &format!("/api/projects/{pid}"),
            Some(json!({"descripton": "typo"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, mock) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "m", "path": "/m", "method": "GET"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mid = mock["id"].as_str().unwrap();
    let (s, back) = app
        .call(
            &t,
            Method::PUT,
            &format!("/api/mocks/{mid}"),
            Some(mock.clone()),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a mock's own representation goes back: {back}"
    );
    // Condition values are JSON strings; an unknown key inside one is named.
    for (cond, needle) in [
        (
            json!({"type": "query", "field": "n", "operator": "gt", "value": 5}),
            "JSON string",
        ),
        (
            json!({"type": "query", "field": "n", "operator": "equals", "value": true}),
            "JSON string",
        ),
        (
            json!({"type": "query", "field": "n", "operator": "equals", "value": "5", "vaule": "x"}),
            "conditions.0.vaule",
        ),
    ] {
        let (s, body) = app
            .call(
                &t,
                Method::POST,
                &format!("/api/mocks/{mid}/responses"),
                Some(json!({"statusCode": 200, "conditions": [cond]})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains(needle), "{needle}: {body}");
    }
    // The import document's mocks are read as strictly.
    let doc = json!({"mockbird": 1, "project": {"name": "imp", "isPublic": true},
        "mocks": [{"name": "a", "path": "/a", "method": "GET", "responses": [], "pathh": "/b"}]});
    let (s, body) = app
        .call(&t, Method::POST, "/api/projects/import", Some(doc))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("pathh"), "{body}");
}
