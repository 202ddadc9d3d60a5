//! Request logs: written off the request path, redacted, truncated, paged,
//! filtered, isolated per tenant; dropped entries counted, never blocking.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::App;

/// Polls `path` until its `total` reaches `want` (the writer batches every 200 ms).
async fn wait_total(app: &App, token: &str, path: &str, want: u64) -> Value {
    app.wait_for(token, path, |page| page["total"].as_u64() == Some(want))
        .await
}

#[tokio::test]
async fn every_mock_request_is_logged_redacted_truncated_and_queryable() {
    let app = App::start().await;
    let (t, _, _) = app.register("logs@example.com").await;
    let (project, mock) = app
        .project_with_mock(&t, "logged", "/items/{id}", "{\"ok\":true}")
        .await;
    let (pid, mid) = (
        project["id"].as_str().unwrap(),
        mock["id"].as_str().unwrap(),
    );
    let res = app
        .req(Method::GET, "/m/logged/items/a%20b?x=1&x=2")
        .header("authorization", "Bearer secret-token")
        .header("cookie", "sid=secret")
        .header("x-api-key", "mk_secret")
        .header("user-agent", "log-test/1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let big = "z".repeat(70 * 1024);
    let res = app
        .req(Method::POST, "/m/logged/nowhere")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .req(Method::DELETE, "/m/logged/items/1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Unknown projects have nobody to log for.
    let _ = app.req(Method::GET, "/m/no-such-project/x").send().await;

    let page = wait_total(&app, &t, &format!("/api/projects/{pid}/logs"), 3).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        (page["page"].as_u64(), page["limit"].as_u64()),
        (Some(1), Some(20))
    );
    // Newest first.
    assert_eq!(items[0]["responseStatus"], 405);
    assert_eq!(items[1]["responseStatus"], 404);
    assert_eq!(items[2]["responseStatus"], 200);
    let hit = &items[2];
    assert_eq!(hit["mockId"], mid);
    assert_eq!(hit["projectId"], pid);
    assert!(hit["responseId"].is_string());
    assert_eq!(hit["requestMethod"], "GET");
    assert_eq!(hit["requestPath"], "/items/a b");
    assert_eq!(hit["requestQuery"]["x"], "1");
    assert_eq!(hit["requestHeaders"]["authorization"], "[redacted]");
    assert_eq!(hit["requestHeaders"]["cookie"], "[redacted]");
    assert_eq!(hit["requestHeaders"]["x-api-key"], "[redacted]");
    assert_eq!(hit["userAgent"], "log-test/1");
    assert_eq!(hit["ipAddress"], "127.0.0.1");
    assert!(hit["responseTimeMs"].is_u64() && hit["createdAt"].is_string());
    let missed = &items[1];
    assert!(missed["mockId"].is_null() && missed["responseId"].is_null());
    assert_eq!(missed["requestBodyTruncated"], true);
    assert_eq!(missed["requestBody"].as_str().unwrap().len(), 64 * 1024);
    assert_eq!(items[0]["requestBodyTruncated"], false);

    // Per mock: only what matched it. Filters and paging.
    let page = wait_total(&app, &t, &format!("/api/mocks/{mid}/logs"), 1).await;
    assert_eq!(page["items"][0]["requestPath"], "/items/a b");
    let (_, page) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/logs?status=404"),
            None,
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["responseStatus"], 404);
    let (_, page) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/logs?limit=1&page=2"),
            None,
        )
        .await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    assert_eq!(page["items"][0]["responseStatus"], 404);
    let (_, page) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/logs?startDate=2999-01-01T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(page["total"], 0);
    let (s, err) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/logs?limit=101&page=0"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "VALIDATION_FAILED");
    assert_eq!(err["errors"].as_array().unwrap().len(), 2, "{err}");

    // Another tenant sees nothing.
    let (other, _, _) = app.register("nosy@example.com").await;
    let (s, err) = app
        .call(
            &other,
            Method::GET,
            &format!("/api/projects/{pid}/logs"),
            None,
        )
        .await;
    assert_eq!(
        (s, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("PROJECT_NOT_FOUND"))
    );
    let (s, err) = app
        .call(&other, Method::GET, &format!("/api/mocks/{mid}/logs"), None)
        .await;
    assert_eq!(
        (s, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("MOCK_NOT_FOUND"))
    );

    let (_, sys) = app.call("", Method::GET, "/api/system", None).await;
    assert_eq!(sys["droppedLogs"], 0);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mockbird_logs_written_total 3"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_full_log_queue_drops_and_counts_but_never_blocks_requests() {
    let app = App::start_with(|c| {
        c.log_buffer = 1;
        crate::common::unlimited(c);
    })
    .await;
    let (t, _, _) = app.register("flood@example.com").await;
    let (project, _) = app.project_with_mock(&t, "flood", "/x", "{}").await;
    let pid = project["id"].as_str().unwrap();
    let sent = 400u64;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, url) = (app.http.clone(), format!("{}/m/flood/x", app.base));
        tasks.push(tokio::spawn(async move {
            for _ in 0..sent / 8 {
                let res = http.get(&url).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, sys) = app.call("", Method::GET, "/api/system", None).await;
    let dropped = sys["droppedLogs"].as_u64().unwrap();
    let stored = wait_total(
        &app,
        &t,
        &format!("/api/projects/{pid}/logs"),
        sent - dropped,
    )
    .await;
    assert_eq!(stored["total"].as_u64().unwrap() + dropped, sent);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(&format!("mockbird_logs_dropped_total {dropped}")),
        "{metrics}"
    );
}

#[tokio::test]
async fn logging_can_be_turned_off() {
    let app = App::start_with(|c| c.log_buffer = 0).await;
    let (t, _, _) = app.register("quiet@example.com").await;
    let (project, _) = app.project_with_mock(&t, "quiet", "/x", "{}").await;
    let res = app.req(Method::GET, "/m/quiet/x").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, page) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{}/logs", project["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn verification_counts_requests_of_a_kind_and_explains_the_unmatched() {
    let app = App::start().await;
    let (t, _, _) = app.register("verify@example.com").await;
    let (project, mock) = app
        .project_with_mock(&t, "verified", "/orders/{id}", "{\"ok\":true}")
        .await;
    let (pid, mid) = (
        project["id"].as_str().unwrap(),
        mock["id"].as_str().unwrap(),
    );
    // A second mock whose only response needs a header.
    let (s, vip) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "vip", "method": "POST", "path": "/vip"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{vip}");
    let vip_id = vip["id"].as_str().unwrap();
    let (s, r) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/mocks/{vip_id}/responses"),
            Some(json!({"name": "welcome", "statusCode": 200, "conditions": [
                {"type": "header", "field": "x-tier", "operator": "equals", "value": "gold"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let before = chrono::Utc::now().to_rfc3339();
    for id in ["1", "2", "3"] {
        let res = app
            .req(Method::GET, &format!("/m/verified/orders/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .req(Method::GET, "/m/verified/missing")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .req(Method::POST, "/m/verified/vip")
        .header("x-tier", "silver")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let all = app
        .wait_for(&t, &format!("/api/projects/{pid}/verify"), |v| {
            v["count"] == 5
        })
        .await;
    assert_eq!(all["complete"], true);
    assert_eq!(all["scanned"], 5);
    let unmatched = all["unmatched"].as_array().unwrap();
    assert_eq!(unmatched.len(), 2, "{all}");
    // Newest first: the near miss names the failed condition, with what came.
    assert_eq!(unmatched[0]["request"]["requestPath"], "/vip");
    assert_eq!(unmatched[0]["reason"]["error"], "NO_MATCHING_RESPONSE");
    let failed = &unmatched[0]["reason"]["details"]["responses"][0]["failed"][0];
    assert_eq!(
        (failed["field"].as_str(), failed["actual"].as_str()),
        (Some("x-tier"), Some("silver"))
    );
    assert_eq!(unmatched[1]["reason"]["error"], "MOCK_NOT_FOUND");

    let count = |query: String| {
        let app = &app;
        let t = &t;
        async move {
            let (s, v) = app
                .call(
                    t,
                    Method::GET,
                    &format!("/api/projects/{pid}/verify?{query}"),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{query}: {v}");
            v["count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("path=/orders/{id}".into()).await, 3);
    assert_eq!(count("path=/orders/2".into()).await, 1);
    assert_eq!(count("path=/orders/{*rest}&method=get".into()).await, 3);
    assert_eq!(count("method=POST".into()).await, 1);
    assert_eq!(count(format!("mockId={mid}")).await, 3);
    assert_eq!(
        count(format!("mockId={vip_id}")).await,
        0,
        "refused: not answered by it"
    );
    let since = url_encode(&before);
    assert_eq!(
        count(format!("startDate={since}&path=/orders/{{id}}")).await,
        3
    );
    assert_eq!(count("startDate=2999-01-01T00:00:00Z".into()).await, 0);

    // Bad filters: every problem named at once.
    let (s, v) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/verify?method=ANY&path=nope&mockId=x&startDate=yesterday&colour=red"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let text = v.to_string();
    for field in ["method", "path", "mockId", "startDate", "colour"] {
        assert!(text.contains(field), "{field} named: {text}");
    }
    // Another user's project is not found.
    let (other, _, _) = app.register("verify-nosy@example.com").await;
    let (s, _) = app
        .call(
            &other,
            Method::GET,
            &format!("/api/projects/{pid}/verify"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
