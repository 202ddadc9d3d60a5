//! From nothing to a live mock URL, then export → import → duplicate.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::App;

#[tokio::test]
async fn register_to_live_mock_then_export_import_duplicate() {
    let app = App::start().await;
    let (t, _, _) = app.register("ada@example.com").await;
    let (s, me) = app.call(&t, Method::GET, "/api/auth/me", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["email"], "ada@example.com");
    assert!(me.get("passwordHash").is_none());

    let (project, mock) = app
        .project_with_mock(
            &t,
            "shop",
            "/users/{id}",
            r#"{"id":"{{request.params.id}}","q":"{{request.query.q}}"}"#,
        )
        .await;
    assert_eq!(project["baseUrl"], format!("{}/m/shop", app.base));
    assert_eq!(mock["url"], format!("{}/m/shop/users/{{id}}", app.base));

    let res = app
        .req(Method::GET, "/m/shop/users/42?q=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(res.headers()["content-security-policy"], "sandbox");
    assert_eq!(res.text().await.unwrap(), r#"{"id":"42","q":"hi"}"#);

    // A change is served at once (the snapshot is swapped).
    let mid = mock["id"].as_str().unwrap();
    let (s, _) = app
        .call(&t, Method::POST, &format!("/api/mocks/{mid}/responses"), Some(json!({"name": "vip", "statusCode": 201, "body": "vip", "conditions": [{"type": "header", "field": "x-tier", "operator": "equals", "value": "gold"}]})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let res = app
        .req(Method::GET, "/m/shop/users/1")
        .header("x-tier", "gold")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Export, import: the copy serves the same answers under a fresh slug.
    let pid = project["id"].as_str().unwrap();
    let (s, doc) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/export"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["mockbird"], 1);
    let (s, imported) = app
        .call(&t, Method::POST, "/api/projects/import", Some(doc))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{imported}");
    let slug = imported["project"]["slug"].as_str().unwrap();
    assert_ne!(slug, "shop");
    assert_eq!(imported["project"]["mockCount"], 1);
    assert_eq!(imported["report"]["format"], "mockbird");
    assert_eq!(imported["report"]["notes"], json!([]));
    for (tier, status) in [("gold", 201), ("none", 200)] {
        let a = app
            .req(Method::GET, "/m/shop/users/7?q=z")
            .header("x-tier", tier)
            .send()
            .await
            .unwrap();
        let b = app
            .req(Method::GET, &format!("/m/{slug}/users/7?q=z"))
            .header("x-tier", tier)
            .send()
            .await
            .unwrap();
        assert_eq!(a.status().as_u16(), status);
        assert_eq!(a.status(), b.status());
        assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    }

    // Duplicate copies mocks and responses.
    let (s, copy) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/duplicate"),
            Some(json!({"slug": "shop-copy"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{copy}");
    let res = app
        .req(Method::GET, "/m/shop-copy/users/9?q=c")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), r#"{"id":"9","q":"c"}"#);
    // Strict templates: a missing variable is a TEMPLATE_ERROR, never a silent blank.
    let (s, body) = app
        .call("", Method::GET, "/m/shop-copy/users/9", None)
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("TEMPLATE_ERROR"))
    );

    // Delete: gone from serving at once.
    let (s, _) = app
        .call(&t, Method::DELETE, &format!("/api/projects/{pid}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = app.call("", Method::GET, "/m/shop/users/1", None).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("PROJECT_NOT_FOUND"))
    );
}

#[tokio::test]
async fn free_plan_endpoint_cap_is_402_and_creates_nothing() {
    let app = App::start().await;
    let (t, _, _) = app.register("cap@example.com").await;
    let (project, _) = app.project_with_mock(&t, "capped", "/a", "a").await;
    let pid = project["id"].as_str().unwrap();
    for p in ["/b", "/c"] {
        let (s, _) = app
            .call(
                &t,
                Method::POST,
                &format!("/api/projects/{pid}/mocks"),
                Some(json!({"name": "x", "path": p, "method": "GET"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, body) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "x", "path": "/d", "method": "GET"})),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::PAYMENT_REQUIRED, Some("SUBSCRIPTION_LIMIT"))
    );
    let message = body["message"].as_str().unwrap();
    for part in ["free plan", "allows 3 mocks", "create-checkout"] {
        assert!(message.contains(part), "the 402 names {part}: {message}");
    }
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/duplicate"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED);
    let (_, projects) = app.call(&t, Method::GET, "/api/projects", None).await;
    assert_eq!(projects.as_array().unwrap().len(), 1, "nothing was created");
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let app = App::start().await;
    let (s, _) = app.call("", Method::GET, "/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, ready) = app.call("", Method::GET, "/readyz", None).await;
    assert_eq!(
        (s, ready["store"].as_str()),
        (StatusCode::OK, Some(app.backend))
    );
    let (_, sys) = app.call("", Method::GET, "/api/system", None).await;
    assert_eq!(
        sys["services"],
        json!({"auth": "real", "billing": "mock", "email": "mock"})
    );
    assert_eq!(sys["store"], app.backend);
    let (_, plans) = app.call("", Method::GET, "/api/billing/plans", None).await;
    assert_eq!(plans[0]["tier"], "free");
    assert_eq!(plans[0]["endpointLimit"], 3);
    let _ = app.req(Method::GET, "/m/none/x").send().await.unwrap();
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mockbird_requests_total{route=\"mock\",status=\"4xx\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("mockbird_mock_latency_seconds_count 1"));
    // /api latency and the process' own figures are there too.
    assert!(
        metrics.contains("mockbird_api_latency_seconds_count "),
        "{metrics}"
    );
    assert!(
        metrics.contains("process_resident_memory_bytes "),
        "{metrics}"
    );
    // Every operation the OpenAPI document lists is routed (never a 404 route miss or 405).
    let (_, doc) = app.call("", Method::GET, "/api/openapi.json", None).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        operations, 65,
        "every /api handler, the three operations endpoints and the mock surface"
    );
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .map(|op| {
            op["operationId"]
                .as_str()
                .expect("every operation has an id")
        })
        .collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "operationIds are unique: {ids:?}");
    assert!(ids.contains(&"createProject"), "{ids:?}");
    // docs/http-api.md lists exactly the operations the server routes.
    let documented = documented_operations();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let op = format!("{} {path}", method.to_uppercase());
            assert!(documented.contains(&op), "docs/http-api.md misses {op}");
        }
    }
    for op in &documented {
        let (method, path) = op.split_once(' ').unwrap();
        let known = doc["paths"][path][method.to_lowercase()].is_object()
            || ["/healthz", "/readyz", "/metrics"].contains(&path);
        assert!(
            known,
            "docs/http-api.md lists {op}, which the server does not route"
        );
    }
    let create = &doc["paths"]["/api/projects/{id}/mocks"]["post"];
    assert_eq!(create["summary"], "Create a mock");
    assert_eq!(create["parameters"][0]["name"], "id");
    assert!(create["security"].is_array(), "{create}");
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{userId}", "00000000-0000-0000-0000-000000000000")
                .replace("{responseId}", "00000000-0000-0000-0000-000000000000")
                .replace("{token}", "t")
                .replace("{slug}/{path}", "shop/users/1");
            let res = app
                .req(method.to_uppercase().parse().unwrap(), &concrete)
                .send()
                .await
                .unwrap();
            assert_ne!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if res.status() == StatusCode::NOT_FOUND {
                let v: serde_json::Value = res.json().await.unwrap_or_default();
                assert_ne!(
                    v["message"], "No such endpoint",
                    "{method} {path} is not routed: {v}"
                );
            }
        }
    }
}

/// Every `` `METHOD /path` `` written in docs/http-api.md (query strings cut).
fn documented_operations() -> std::collections::BTreeSet<String> {
    let text = include_str!("../../../docs/http-api.md");
    let mut out = std::collections::BTreeSet::new();
    for piece in text.split('`').skip(1).step_by(2) {
        let Some((method, path)) = piece.split_once(' ') else {
            continue;
        };
        if ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method) && path.starts_with('/') {
            let path = path.split('?').next().unwrap();
            if !path.contains(' ') {
                out.insert(format!("{method} {path}"));
            }
        }
    }
    out
}
