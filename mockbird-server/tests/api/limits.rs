//! Plans on traffic: analytics and usage from real requests, the monthly
//! quota, the burst limit, the `/api` limit, `X-RateLimit-*`, usage alerts,
//! log retention.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{App, free_plan};

async fn get(app: &App, path: &str) -> reqwest::Response {
    app.req(Method::GET, path).send().await.unwrap()
}

/// `GET /api/auth/me` as `token`.
async fn me(app: &App, token: &str) -> reqwest::Response {
    app.req(Method::GET, "/api/auth/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn analytics_and_usage_count_real_traffic_and_start_at_zero() {
    let app = App::start().await;
    let (t, _, _) = app.register("stats@example.com").await;
    // A new organization: zeros everywhere, never invented figures.
    let (s, usage) = app.call(&t, Method::GET, "/api/usage", None).await;
    assert_eq!(s, StatusCode::OK, "{usage}");
    assert_eq!(
        (
            &usage["plan"],
            &usage["requestCount"],
            &usage["requestLimit"],
            &usage["endpointCount"],
            &usage["endpointLimit"],
            &usage["bandwidthBytes"]
        ),
        (
            &json!("free"),
            &json!(0),
            &json!(1000),
            &json!(0),
            &json!(3),
            &json!(0)
        )
    );
    let (project, mock) = app
        .project_with_mock(&t, "stats", "/ok", "{\"ok\":true}")
        .await;
    let (pid, mid) = (
        project["id"].as_str().unwrap(),
        mock["id"].as_str().unwrap(),
    );
    let (s, empty) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{pid}/analytics?period=hour"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{empty}");
    assert_eq!(empty["totalRequests"], 0);
    assert_eq!(empty["series"].as_array().unwrap().len(), 60);
    assert!(
        empty["series"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["requests"] == 0)
    );
    assert_eq!(empty["byMock"], json!([{"mockId": mid, "requests": 0}]));

    for _ in 0..3 {
        assert_eq!(get(&app, "/m/stats/ok").await.status(), StatusCode::OK);
    }
    for _ in 0..2 {
        assert_eq!(
            get(&app, "/m/stats/missing").await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let path = format!("/api/projects/{pid}/analytics?period=hour");
    let stats = app.wait_for(&t, &path, |v| v["totalRequests"] == 5).await;
    assert_eq!(stats["period"], "hour");
    assert_eq!(stats["errorCount"], 2);
    let series = stats["series"].as_array().unwrap();
    assert_eq!(series.len(), 60);
    let counted: u64 = series.iter().map(|b| b["requests"].as_u64().unwrap()).sum();
    assert_eq!(counted, 5);
    let starts: Vec<chrono::DateTime<chrono::Utc>> = series
        .iter()
        .map(|b| b["bucketStart"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| (w[1] - w[0]).num_seconds() == 60));
    assert_eq!(starts[0].timestamp() % 60, 0, "aligned to the minute");
    let mut by_mock = stats["byMock"].as_array().unwrap().clone();
    by_mock.sort_by_key(|m| m["requests"].as_u64());
    assert_eq!(
        by_mock,
        [
            json!({"mockId": null, "requests": 2}),
            json!({"mockId": mid, "requests": 3})
        ]
    );
    let (_, m) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/mocks/{mid}/analytics?period=day"),
            None,
        )
        .await;
    assert_eq!(
        (m["totalRequests"].as_u64(), m["errorCount"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(m["series"].as_array().unwrap().len(), 24);
    assert!(m.get("byMock").is_none());
    for period in ["week", "month"] {
        let (_, v) = app
            .call(
                &t,
                Method::GET,
                &format!("/api/mocks/{mid}/analytics?period={period}"),
                None,
            )
            .await;
        assert_eq!(
            v["series"].as_array().unwrap().len(),
            if period == "week" { 7 } else { 30 }
        );
        assert_eq!(v["totalRequests"], 3);
    }
    let (s, err) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/mocks/{mid}/analytics?period=year"),
            None,
        )
        .await;
    assert_eq!(
        (s, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("VALIDATION_FAILED"))
    );
    // Strangers see nothing.
    let (other, _, _) = app.register("stranger@example.com").await;
    let (s, _) = app
        .call(
            &other,
            Method::GET,
            &format!("/api/projects/{pid}/analytics"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Usage: every request to the known project (404s included), bytes of mock bodies.
    let usage = app
        .wait_for(&t, "/api/usage", |v| v["requestCount"] == 5)
        .await;
    assert_eq!(usage["endpointCount"], 1);
    assert_eq!(usage["bandwidthBytes"], 3 * "{\"ok\":true}".len());
    assert_eq!(
        usage["month"],
        chrono::Utc::now().format("%Y-%m").to_string()
    );
}

#[tokio::test]
async fn the_monthly_quota_refuses_with_429_and_a_plan_change_lifts_it_at_once() {
    let app = App::start_with(free_plan(Some(5), None)).await;
    let (t, _, _) = app.register("quota@example.com").await;
    app.project_with_mock(&t, "quota", "/q", "{}").await;
    for left in (0..5).rev() {
        let res = get(&app, "/m/quota/q").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-ratelimit-limit"), "5");
        assert_eq!(header(&res, "x-ratelimit-remaining"), left.to_string());
        let reset: u64 = header(&res, "x-ratelimit-reset").parse().unwrap();
        assert!(reset > 0 && reset <= 31 * 86_400);
    }
    let res = get(&app, "/m/quota/q").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&res, "x-ratelimit-remaining"), "0");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "SUBSCRIPTION_LIMIT");
    // Unknown paths of the project are refused too; unknown projects carry no quota headers.
    assert_eq!(
        get(&app, "/m/quota/other").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let unknown = get(&app, "/m/no-such-slug/q").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers().get("x-ratelimit-limit").is_none());
    // Refused requests are not counted.
    let usage = app
        .wait_for(&t, "/api/usage", |v| v["requestCount"] == 5)
        .await;
    assert_eq!(usage["requestLimit"], 5);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, usage) = app.call(&t, Method::GET, "/api/usage", None).await;
    assert_eq!(usage["requestCount"], 5);

    // Usage alerts at 80 % and 100 %, once each, to the owner.
    let outbox = app
        .wait_for("", "/api/dev/outbox?to=quota@example.com", |v| {
            v.as_array()
                .unwrap()
                .iter()
                .filter(|m| m["subject"].as_str().unwrap().contains("% of its"))
                .count()
                == 2
        })
        .await;
    let subjects: Vec<&str> = outbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.iter().any(|s| s.contains("100%")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains("80%")), "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.starts_with("Welcome")),
        "{subjects:?}"
    );

    // Upgrading (mock checkout) changes the limit at once.
    let (s, checkout) = app
        .call(
            &t,
            Method::POST,
            "/api/billing/create-checkout",
            Some(json!({"tier": "pro", "period": "monthly"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{checkout}");
    let res = get(&app, "/m/quota/q").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-ratelimit-limit"), "100000");
    assert_eq!(header(&res, "x-ratelimit-remaining"), "99994");
}

#[tokio::test]
async fn the_burst_limit_is_per_mock_and_client_with_retry_after() {
    let app = App::start_with(free_plan(None, Some(2))).await;
    let (t, _, _) = app.register("burst@example.com").await;
    let (project, _) = app.project_with_mock(&t, "burst", "/a", "{}").await;
    let pid = project["id"].as_str().unwrap();
    let (s, _) = app
        .call(
            &t,
            Method::POST,
            &format!("/api/projects/{pid}/mocks"),
            Some(json!({"name": "b", "path": "/b", "method": "GET"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Capacity is twice the rate: 4 at once, then refused.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&app, "/m/burst/a").await.status());
    }
    assert_eq!(&statuses[..4], [StatusCode::OK; 4]);
    let res = get(&app, "/m/burst/a").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = header(&res, "retry-after").parse().unwrap();
    assert!((1..=1).contains(&wait), "{wait}");
    assert_eq!(header(&res, "x-ratelimit-limit"), "unlimited");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "RATE_LIMIT_EXCEEDED");
    // Another mock has its own bucket (it has no response: 404, but not 429).
    assert_eq!(
        get(&app, "/m/burst/b").await.status(),
        StatusCode::NOT_FOUND
    );
    // Tokens come back at the rate.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(get(&app, "/m/burst/a").await.status(), StatusCode::OK);
    // Refused requests are not counted: 4 + 1 (b) + 1.
    let usage = app
        .wait_for(&t, "/api/usage", |v| v["requestCount"].as_u64() >= Some(6))
        .await;
    assert_eq!(usage["requestCount"], 6);
}

#[tokio::test]
async fn the_api_limit_is_per_caller_per_minute_with_headers_on_every_answer() {
    crate::common::inside_one_minute().await;
    let app = App::start_with(|c| c.api_rate_limit = 4).await;
    let (a, _, _) = app.register("api-a@example.com").await;
    let (b, _, _) = app.register("api-b@example.com").await;
    // (Registration is anonymous: it counted against this client's IP.)
    let mut remaining = Vec::new();
    for _ in 0..4 {
        let res = me(&app, &a).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-ratelimit-limit"), "4");
        remaining.push(header(&res, "x-ratelimit-remaining"));
        let reset: u64 = header(&res, "x-ratelimit-reset").parse().unwrap();
        assert!((1..=60).contains(&reset));
    }
    assert_eq!(remaining, ["3", "2", "1", "0"]);
    let res = me(&app, &a).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = header(&res, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "RATE_LIMIT_EXCEEDED");
    // Another user has a minute of their own.
    let res = me(&app, &b).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-ratelimit-remaining"), "3");
    // Anonymous calls share the client IP's minute (2 registrations + these).
    let mut last = StatusCode::OK;
    for _ in 0..3 {
        last = app
            .req(Method::GET, "/api/billing/plans")
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Mock serving is not under the /api limit.
    assert!(
        get(&app, "/m/none/x")
            .await
            .headers()
            .get("retry-after")
            .is_none()
    );
}

#[tokio::test]
async fn retention_deletes_logs_older_than_the_plan_keeps() {
    use mockbird_core::model::{LogQuery, LogScope, RequestLog};
    let app = App::start().await;
    let (t, _, _) = app.register("retain@example.com").await;
    let (project, _) = app.project_with_mock(&t, "retain", "/r", "{}").await;
    let pid: uuid::Uuid = project["id"].as_str().unwrap().parse().unwrap();
    let now = mockbird_core::clock::now();
    let entry = |days: i64| RequestLog {
        id: uuid::Uuid::now_v7(),
        mock_id: None,
        project_id: pid,
        request_method: "GET".into(),
        request_path: "/r".into(),
        request_headers: Default::default(),
        request_query: Default::default(),
        request_body: None,
        request_body_truncated: false,
        response_id: None,
        response_status: 200,
        response_time_ms: 1,
        ip_address: None,
        user_agent: None,
        created_at: mockbird_core::clock::truncate(now - chrono::Duration::days(days)),
    };
    let store = &app.state().store;
    // free keeps 7 days
    store
        .insert_logs(&[entry(10), entry(8), entry(6), entry(0)])
        .await
        .unwrap();
    assert_eq!(mockbird_server::retention(app.state()).await.unwrap(), 2);
    let left = store
        .logs(LogScope::Project(pid), LogQuery::default())
        .await
        .unwrap();
    assert_eq!(left.total, 2);
    assert_eq!(mockbird_server::retention(app.state()).await.unwrap(), 0);
}
