//! Issue 12: one tenant cannot crash, hang, starve or fool the shared server.
//! Every attack gets its clear error while `/healthz` and another tenant's
//! mock keep answering.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{App, send, unlimited};

/// A bystander: another tenant's static mock, and the health check, answer —
/// within `within`.
async fn others_still_served(app: &App, within: Duration) {
    let started = Instant::now();
    let res = app
        .req(Method::GET, "/m/bystander/ping")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "pong");
    let health = app.req(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(started.elapsed() < within, "took {:?}", started.elapsed());
}

async fn with_bystander(tweak: impl FnOnce(&mut mockbird_server::Config)) -> (App, String) {
    let app = App::start_with(tweak).await;
    let (other, _, _) = app.register("bystander@example.com").await;
    app.project_with_mock(&other, "bystander", "/ping", "pong")
        .await;
    let (token, _, _) = app.register("mallory@example.com").await;
    (app, token)
}

/// A mock of Mallory's with no response yet; returns its id.
async fn mock(app: &App, token: &str, slug: &str, path: &str) -> String {
    let (_, m) = app.project_and_mock(token, slug, path).await;
    m["id"].as_str().unwrap().to_owned()
}

async fn add_response(app: &App, token: &str, mock: &str, body: Value) -> (StatusCode, Value) {
    app.call(
        token,
        Method::POST,
        &format!("/api/mocks/{mock}/responses"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn nesting_bombs_are_refused_at_save_and_the_server_lives() {
    let (app, token) = with_bystander(|_| {}).await;
    let m = mock(&app, &token, "bombs", "/x").await;
    let bombs = [
        format!(
            "{{{{size \"}}}}\" {}'x'{}}}}}",
            "(trim ".repeat(1000),
            ")".repeat(1000)
        ),
        format!(
            "{{{{#if false}}}}{}x{{{{/if}}}}",
            "{{else if false}}".repeat(2000)
        ),
        format!(
            "{}x{}",
            "\\\\{{#if true}}".repeat(1500),
            "\\\\{{/if}}".repeat(1500)
        ),
        format!(
            "{{{{!-- {}x{}",
            "{{#if a}}".repeat(2000),
            "{{/if}}".repeat(2000)
        ),
        format!("{{{{x {}1{}}}}}", "[".repeat(5000), "]".repeat(5000)),
    ];
    for bomb in bombs {
        let (s, v) = add_response(
            &app,
            &token,
            &m,
            json!({"statusCode": 200, "body": bomb, "isDefault": true}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"], "VALIDATION_FAILED");
        others_still_served(&app, Duration::from_secs(2)).await;
    }
    // The deepest nesting allowed (32) saves and serves.
    let deepest = format!("{}x{}", "{{#if true}}".repeat(32), "{{/if}}".repeat(32));
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "body": deepest, "isDefault": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let res = app.req(Method::GET, "/m/bombs/x").send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "x");
}

#[tokio::test]
async fn a_cpu_bomb_fails_alone_while_others_are_served() {
    let (app, token) = with_bystander(|_| {}).await;
    let m = mock(&app, &token, "cpu", "/spin").await;
    let bomb = "{{#repeat 10000 comma=false}}".repeat(3) + &"{{/repeat}}".repeat(3);
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "body": bomb, "isDefault": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let spins: Vec<_> = (0..4)
        .map(|_| {
            let req = app.req(Method::GET, "/m/cpu/spin");
            tokio::spawn(async move {
                let started = Instant::now();
                let res = req.send().await.unwrap();
                (
                    res.status(),
                    res.json::<Value>().await.unwrap(),
                    started.elapsed(),
                )
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The renders run in the sandbox, not on the request threads.
    others_still_served(&app, Duration::from_millis(500)).await;
    for spin in spins {
        let (status, body, took) = spin.await.unwrap();
        match status {
            StatusCode::INTERNAL_SERVER_ERROR => {
                assert_eq!(body["error"], "TEMPLATE_ERROR", "{body}");
                assert!(
                    body["message"].as_str().unwrap().contains("budget")
                        || body["message"].as_str().unwrap().contains("longer than"),
                    "{body}"
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => assert_eq!(body["error"], "TEMPLATE_BUSY"),
            other => panic!("{other}: {body}"),
        }
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    others_still_served(&app, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_one_mebibyte_template_saves_fast_and_renders() {
    let (app, token) = with_bystander(|_| {}).await;
    let m = mock(&app, &token, "big", "/big").await;
    let piece = "{{request.method}}-";
    let save = |pieces: usize| {
        let body = piece.repeat(pieces);
        let (app, token, m) = (&app, &token, &m);
        async move {
            let started = Instant::now();
            let (s, v) = add_response(
                app,
                token,
                m,
                json!({"statusCode": 200, "body": body, "isDefault": true}),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            started.elapsed()
        }
    };
    let small = save(64 * 1024 / piece.len()).await;
    let big = save(1024 * 1024 / piece.len()).await;
    // 16× the source: linear is ~16×, the quadratic compile it replaces ~256×
    // (27 s for 380 KB). Release builds save the 1 MiB in well under a second.
    assert!(
        big < small * 64 + Duration::from_millis(200),
        "64 KiB {small:?}, 1 MiB {big:?}"
    );
    let res = app.req(Method::GET, "/m/big/big").send().await.unwrap();
    let text = res.text().await.unwrap();
    assert!(text.starts_with("GET-GET-"), "{}", &text[..40]);
    others_still_served(&app, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn framing_and_hop_by_hop_headers_belong_to_the_server() {
    let (app, token) = with_bystander(|_| {}).await;
    let m = mock(&app, &token, "framing", "/f").await;
    for name in [
        "Content-Length",
        "transfer-encoding",
        "Connection",
        "Keep-Alive",
        "Upgrade",
        "TE",
        "Trailer",
        "Proxy-Authenticate",
    ] {
        let (s, v) = add_response(
            &app,
            &token,
            &m,
            json!({"statusCode": 200, "headers": {name: "5"}, "body": "HTTP/1.1 200 OK"}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert!(v.to_string().contains("set by the server"), "{v}");
    }
    // One stored before the rule is dropped when served.
    let mock_id = m.parse().unwrap();
    let def = mockbird_core::model::ResponseDef {
        name: "old".into(),
        status_code: 200,
        headers: [
            ("Content-Length".to_owned(), "5".to_owned()),
            ("x-ok".to_owned(), "1".to_owned()),
        ]
        .into(),
        body: "HTTP/1.1 200 OK forged".into(),
        conditions: vec![],
        weight: 100,
        is_default: true,
    };
    app.state()
        .store
        .create_response(mock_id, def)
        .await
        .unwrap();
    let pid = app.state().store.mock(mock_id).await.unwrap().project_id;
    app.state().snapshots.invalidate(pid);
    let res = app.req(Method::GET, "/m/framing/f").send().await.unwrap();
    assert_eq!(res.headers()["x-ok"], "1");
    assert_eq!(res.headers()["content-length"], "22");
    assert_eq!(res.text().await.unwrap(), "HTTP/1.1 200 OK forged");
    // The same connection then reaches the real API, not a forged answer.
    let (s, plans) = app.call("", Method::GET, "/api/billing/plans", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(plans.is_array());
}

#[tokio::test]
async fn regexes_are_bounded_in_size_length_and_count() {
    let (app, token) = with_bystander(|_| {}).await;
    let m = mock(&app, &token, "regex", "/r").await;
    let cond = |v: &str| json!({"type": "header", "field": "x", "operator": "regex", "value": v});
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": [cond(r"\w{20}")]}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("256 KiB"), "{v}");
    let started = Instant::now();
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": [cond(&"a".repeat(1_001))]}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("at most 1000 characters"), "{v}");
    assert!(started.elapsed() < Duration::from_secs(1));
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": [cond(&"a".repeat(1_000))]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // 10 regexes on a response, 20 on a mock: both sides.
    let ten: Vec<Value> = (0..10).map(|i| cond(&format!("^[a-z]{{{i}}}$"))).collect();
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": ten}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let eleven: Vec<Value> = (0..11).map(|i| cond(&format!("^[a-z]{{{i}}}$"))).collect();
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": eleven}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v.to_string()
            .contains("at most 10 regex conditions per response"),
        "{v}"
    );
    let nine: Vec<Value> = (0..9).map(|i| cond(&format!("^[b-z]{{{i}}}$"))).collect();
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": nine}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}"); // 1 + 10 + 9 = 20 on the mock
    let (s, v) = add_response(
        &app,
        &token,
        &m,
        json!({"statusCode": 200, "conditions": [cond("^z$")]}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("at most 20 regex conditions"), "{v}");
    others_still_served(&app, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn log_pages_are_bounded_and_the_cursor_goes_on() {
    let (app, token) = with_bystander(unlimited).await;
    let (project, _) = app.project_with_mock(&token, "logs", "/l", "x").await;
    for _ in 0..25 {
        app.req(Method::GET, "/m/logs/l").send().await.unwrap();
    }
    let pid = project["id"].as_str().unwrap();
    let first = app
        .wait_for(&token, &format!("/api/projects/{pid}/logs?limit=10"), |v| {
            v["total"] == 25
        })
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    let mut cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let mut seen = 10;
    loop {
        let (s, page) = app
            .call(
                &token,
                Method::GET,
                &format!(
                    "/api/projects/{pid}/logs?limit=10&cursor={}",
                    cursor.replace('+', "%2B")
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen += page["items"].as_array().unwrap().len();
        match page["nextCursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 25);
    let started = Instant::now();
    for q in ["page=101&limit=100", "page=9999999", "page=30000&limit=100"] {
        let (s, v) = app
            .call(
                &token,
                Method::GET,
                &format!("/api/projects/{pid}/logs?{q}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v.to_string().contains("cursor"), "{v}");
    }
    let (s, _) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/projects/{pid}/logs?page=100&limit=100"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn made_up_api_keys_and_login_guesses_are_limited_by_ip_and_account() {
    crate::common::inside_one_minute().await;
    let (app, _) = with_bystander(|c| c.api_rate_limit = 30).await;
    let mut limited = 0;
    for i in 0..40 {
        let res = app
            .req(Method::GET, "/api/projects")
            .header("x-api-key", format!("mb_live_{i:032}"))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(
        limited >= 5,
        "made-up keys share the IP's bucket: {limited} limited"
    );
    let app = App::start().await;
    app.register("victim@example.com").await;
    let login = |i: usize| {
        app.req(Method::POST, "/api/auth/login")
            .json(&json!({"email": "victim@example.com", "password": format!("guess {i}")}))
            .send()
    };
    for i in 0..10 {
        assert_eq!(
            login(i).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "guess {i}"
        );
    }
    let res = login(10).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    for i in 0..3 {
        let (s, _) = app
            .call(
                "",
                Method::POST,
                "/api/auth/forgot-password",
                Some(json!({"email": "victim@example.com"})),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "reset {i}");
    }
    let (s, v) = app
        .call(
            "",
            Method::POST,
            "/api/auth/forgot-password",
            Some(json!({"email": "victim@example.com"})),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    let (_, mails) = app
        .call(
            "",
            Method::GET,
            "/api/dev/outbox?to=victim@example.com",
            None,
        )
        .await;
    let resets = mails
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .contains("reset")
        })
        .count();
    assert_eq!(resets, 3);
}

#[tokio::test]
async fn strangers_cannot_spend_a_private_projects_quota() {
    let app = App::start_with(crate::common::free_plan(Some(20), None)).await;
    let (token, _, _) = app.register("owner@example.com").await;
    let (project, _) = app.project_with_mock(&token, "private", "/p", "mine").await;
    let pid = project["id"].as_str().unwrap();
    let (s, _) = app
        .call(
            &token,
            Method::PUT,
            &format!("/api/projects/{pid}"),
            Some(json!({"isPublic": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..30 {
        let s = app
            .req(Method::GET, "/m/private/p")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let res = app
        .req(Method::GET, "/m/private/p")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the owner's quota is untouched"
    );
    assert_eq!(res.headers()["x-ratelimit-remaining"], "19");
}

#[tokio::test]
async fn webhooks_need_a_configured_secret() {
    let app = App::start_with(|c| c.stripe_webhook_secret = None).await;
    let (s, v) = send(
        app.req(Method::POST, "/api/billing/webhook")
            .header("stripe-signature", "t=1,v1=00"),
        "",
        Some(json!({"id": "evt"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("--stripe-webhook-secret")
    );
}

#[tokio::test]
async fn the_outbox_answers_only_its_token() {
    let app = App::start().await;
    app.register("someone@example.com").await;
    let plain = reqwest::Client::new();
    let url = format!("{}/api/dev/outbox?to=someone@example.com", app.base);
    assert_eq!(
        plain.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = plain
        .get(&url)
        .header("x-mockbird-outbox-token", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (s, mails) = app
        .call(
            "",
            Method::GET,
            "/api/dev/outbox?to=someone@example.com",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mails.as_array().unwrap().len(), 1);
    let mut config = mockbird_server::Config::for_tests();
    config.outbox_token = None;
    let Err(err) = mockbird_server::start(config).await else {
        panic!("--expose-outbox without --outbox-token must be refused");
    };
    let err = err.to_string();
    assert!(err.contains("--outbox-token"), "{err}");
}

#[tokio::test]
async fn logged_headers_are_capped_and_credentials_redacted() {
    let (app, token) = with_bystander(unlimited).await;
    let (project, _) = app.project_with_mock(&token, "hdrs", "/h", "x").await;
    let res = app
        .req(Method::GET, "/m/hdrs/h")
        .header("x-big", "v".repeat(300_000))
        .header("proxy-authorization", "Basic c2VjcmV0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let pid = project["id"].as_str().unwrap();
    let logs = app
        .wait_for(&token, &format!("/api/projects/{pid}/logs"), |v| {
            v["total"] == 1
        })
        .await;
    let headers = &logs["items"][0]["requestHeaders"];
    assert!(
        headers.to_string().len() < 10_000,
        "{}",
        headers.to_string().len()
    );
    assert!(
        headers.get("x-mockbird-headers-truncated").is_some(),
        "{headers}"
    );
}

#[tokio::test]
async fn nul_characters_are_refused_on_every_store() {
    let app = App::start().await;
    let (token, _, _) = app.register("nul@example.com").await;
    let (s, v) = app
        .call(
            &token,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "a\u{0}b", "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("NUL"), "{v}");
    let (s, v) = app
        .call(
            &token,
            Method::POST,
            "/api/projects",
            Some(json!({"name": "a\\u0000b", "isPublic": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "an escaped backslash is text: {v}");
}

#[tokio::test]
async fn same_shape_routes_are_refused_and_a_stored_one_breaks_nothing() {
    let (app, token) = with_bystander(|_| {}).await;
    let (project, _) = app
        .project_with_mock(&token, "files", "/files/{name}", "one")
        .await;
    let pid = project["id"].as_str().unwrap();
    let mocks_path = format!("/api/projects/{pid}/mocks");
    let create = |path: &str, active: bool| {
        app.call(
            &token,
            Method::POST,
            &mocks_path,
            Some(json!({"name": "m", "path": path, "method": "GET", "isActive": active})),
        )
    };
    let (s, v) = create("/files/{other}", true).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, inactive) = create("/files/{other}", false).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "an inactive one may wait: {inactive}"
    );
    let id = inactive["id"].as_str().unwrap();
    let (s, v) = app
        .call(
            &token,
            Method::PUT,
            &format!("/api/mocks/{id}"),
            Some(json!({"isActive": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = create("/files/{name}/raw", true).await;
    assert_eq!(s, StatusCode::CREATED, "another shape is fine");
    let (s, v) = app
        .call(
            &token,
            Method::POST,
            "/api/projects/import",
            Some(json!({"project": {"name": "imp"}, "mocks": [
                {"name": "a", "path": "/u/{a}", "method": "GET", "responses": []},
                {"name": "b", "path": "/u/{b}", "method": "GET", "responses": []}
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("same route"), "{v}");
    // A collision stored before these checks: the rest of the project serves.
    let mock_id: uuid::Uuid = id.parse().unwrap();
    let store = &app.state().store;
    let mut def = store.mock(mock_id).await.unwrap().to_def();
    def.is_active = true;
    store.update_mock(mock_id, def).await.unwrap();
    app.state().snapshots.invalidate(pid.parse().unwrap());
    let res = app
        .req(Method::GET, "/m/files/files/a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "one");
}

#[tokio::test]
async fn slow_large_bodies_do_not_preallocate_and_connections_are_capped_per_ip() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (app, _) = with_bystander(|_| {}).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // 50 connections each declaring 10 MiB and sending a little: the server
    // holds what arrived, not what was declared.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            b"POST /m/bystander/ping HTTP/1.1\r\nhost: x\r\ncontent-length: 10000000\r\n\r\n",
        )
        .await
        .unwrap();
        s.write_all(&[b'a'; 1000]).await.unwrap();
        slow.push(s);
    }
    others_still_served(&app, Duration::from_secs(2)).await;
    drop(slow);
    // Past the per-address cap, a connection gets one clear 429 and is closed.
    let mut open = Vec::new();
    for _ in 0..mockbird_server::MAX_CONNECTIONS_PER_IP {
        open.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = tokio::net::TcpStream::connect(&addr).await.unwrap();
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), extra.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("TOO_MANY_CONNECTIONS"), "{answer}");
    drop(open);
    tokio::time::sleep(Duration::from_millis(200)).await;
    others_still_served(&app, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = App::start_with(|c| {
        unlimited(c);
        c.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    let (token, _, _) = app.register("proxy@example.com").await;
    let (project, _) = app.project_with_mock(&token, "fwd", "/f", "x").await;
    app.req(Method::GET, "/m/fwd/f")
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    let pid = project["id"].as_str().unwrap();
    let logs = app
        .wait_for(&token, &format!("/api/projects/{pid}/logs"), |v| {
            v["total"] == 1
        })
        .await;
    assert_eq!(logs["items"][0]["ipAddress"], "203.0.113.7");
    let plain = App::start_with(unlimited).await;
    let (token, _, _) = plain.register("proxy@example.com").await;
    let (project, _) = plain.project_with_mock(&token, "fwd", "/f", "x").await;
    plain
        .req(Method::GET, "/m/fwd/f")
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    let pid = project["id"].as_str().unwrap();
    let logs = plain
        .wait_for(&token, &format!("/api/projects/{pid}/logs"), |v| {
            v["total"] == 1
        })
        .await;
    assert_eq!(
        logs["items"][0]["ipAddress"], "127.0.0.1",
        "not trusted by default"
    );
}
