//! MockServer: real HTTP, journal, expectations.

use http::Request;
use mockbird_tower::*;

use crate::support::{get, send};

#[tokio::test]
async fn serves_mounted_mocks_on_a_free_local_port() {
    let server = MockServer::start().await;
    assert!(server.uri().starts_with("http://127.0.0.1:"));
    Mock::given(method("GET"))
        .and(path("/hello/{name}"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hi {{request.params.name}}"))
        .mount(&server)
        .await;
    let (status, _, body) = get(&format!("{}/hello/ada", server.uri())).await;
    assert_eq!((status, body.as_str()), (200, "hi ada"));
    let (status, _, body) = get(&format!("{}/other", server.uri())).await;
    assert_eq!(status, 404);
    assert!(body.contains("MOCK_NOT_FOUND"));
}

#[tokio::test]
async fn two_servers_are_independent() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    assert_ne!(a.uri(), b.uri());
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&a)
        .await;
    assert_eq!(get(&format!("{}/x", a.uri())).await.0, 201);
    assert_eq!(get(&format!("{}/x", b.uri())).await.0, 404);
}

#[tokio::test]
async fn journal_records_every_request_with_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let req = Request::post(format!("{}/events?src=test", server.uri()))
        .header("x-trace", "t1")
        .body(r#"{"a":1}"#.to_owned())
        .unwrap();
    assert_eq!(send(req).await.0, 202);
    get(&format!("{}/unmatched", server.uri())).await;
    let journal = server.received_requests();
    assert_eq!(journal.len(), 2);
    assert_eq!(
        (
            journal[0].method.as_str(),
            journal[0].path.as_str(),
            journal[0].query.as_deref()
        ),
        ("POST", "/events", Some("src=test"))
    );
    assert_eq!(journal[0].headers["x-trace"], "t1");
    assert_eq!(&journal[0].body[..], br#"{"a":1}"#);
    assert_eq!(journal[1].path, "/unmatched");
}

#[tokio::test]
async fn first_mounted_match_wins_and_closures_and_conditions_filter() {
    let server = MockServer::start().await;
    Mock::given(path("/orders"))
        .and(|r: &MockRequest| r.body.len() > 10)
        .respond_with(ResponseTemplate::new(413))
        .mount(&server)
        .await;
    Mock::given(path("/orders"))
        .and(header("x-vip", "1"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(path("/orders"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let post = |body: &str, vip: bool| {
        let mut b = Request::post(format!("{}/orders", server.uri()));
        if vip {
            b = b.header("x-vip", "1");
        }
        b.body(body.to_owned()).unwrap()
    };
    assert_eq!(send(post("a very long body indeed", true)).await.0, 413);
    assert_eq!(send(post("short", true)).await.0, 201);
    assert_eq!(send(post("short", false)).await.0, 200);
}

#[tokio::test]
async fn satisfied_expectations_pass_on_drop() {
    let server = MockServer::start().await;
    Mock::given(path("/once"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/range"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2..=3)
        .mount(&server)
        .await;
    Mock::given(path("/never"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    get(&format!("{}/once", server.uri())).await;
    for _ in 0..3 {
        get(&format!("{}/range", server.uri())).await;
    }
    server.verify();
}

#[tokio::test]
async fn unmet_expectation_report_names_the_mock_and_lists_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/payments"))
        .named("charge")
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    get(&format!("{}/payments", server.uri())).await;
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify())).unwrap_err();
    let report = err.downcast_ref::<String>().unwrap();
    assert!(
        report.contains("charge: expected exactly 2 calls, received 0"),
        "{report}"
    );
    assert!(report.contains("1. GET /payments"), "{report}");
    server.reset();
}

#[tokio::test]
async fn unmet_expectation_panics_on_drop() {
    let outcome = tokio::spawn(async {
        let server = MockServer::start().await;
        Mock::given(path("/x"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1..)
            .mount(&server)
            .await;
        drop(server);
    })
    .await;
    let err = outcome.unwrap_err();
    assert!(err.is_panic());
    let message = err.into_panic();
    let text = message.downcast_ref::<String>().unwrap();
    assert!(
        text.contains("expected at least 1 calls, received 0"),
        "{text}"
    );
}

#[test]
fn no_double_panic_when_already_panicking() {
    let joined = std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = MockServer::start().await;
            Mock::given(path("/x"))
                .respond_with(ResponseTemplate::new(200))
                .expect(1)
                .mount(&server)
                .await;
            panic!("the test itself failed");
        })
    })
    .join();
    let err = joined.unwrap_err();
    assert_eq!(
        err.downcast_ref::<&str>(),
        Some(&"the test itself failed"),
        "the original panic survives, no abort"
    );
}

#[tokio::test]
async fn routing_follows_the_engine_rule_not_the_mount_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/{*rest}"))
        .respond_with(ResponseTemplate::new(200).set_body_string("rest"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/{id}"))
        .respond_with(ResponseTemplate::new(200).set_body_string("param"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_string("static"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/only-delete"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let uri = server.uri();
    assert_eq!(get(&format!("{uri}/users/me")).await.2, "static");
    assert_eq!(get(&format!("{uri}/users/7")).await.2, "param");
    assert_eq!(get(&format!("{uri}/users/7/posts")).await.2, "rest");
    let (status, headers, _) = get(&format!("{uri}/only-delete")).await;
    assert_eq!(status, 405);
    assert_eq!(headers["allow"], "DELETE");
}

#[tokio::test]
async fn a_near_miss_answers_with_the_engines_reasons_and_reports_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/payments"))
        .and(header("x-api-key", "secret"))
        .named("charge")
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let req = Request::post(format!("{}/payments", server.uri()))
        .header("x-api-key", "wrong")
        .body(String::new())
        .unwrap();
    let (status, _, body) = send(req).await;
    assert_eq!(status, 404);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"], "NO_MATCHING_RESPONSE");
    let failed = &body["details"]["responses"][0]["failed"][0];
    assert_eq!(failed["field"], "x-api-key");
    assert_eq!(failed["actual"], "wrong");
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify())).unwrap_err();
    let report = err.downcast_ref::<String>().unwrap();
    assert!(report.contains("Requests no mock answered"), "{report}");
    assert!(
        report.contains(
            r#"charge: conditions failed: header "x-api-key" equals "secret" (got "wrong")"#
        ),
        "{report}"
    );
    server.reset();
}

#[tokio::test]
async fn the_journal_keeps_the_latest_up_to_its_cap_and_counts_every_request() {
    let server = MockServer::builder().journal_cap(3).start().await;
    Mock::given(path("/n/{i}"))
        .respond_with(ResponseTemplate::new(200))
        .expect(10)
        .mount(&server)
        .await;
    for i in 0..10 {
        get(&format!("{}/n/{i}", server.uri())).await;
    }
    let kept: Vec<String> = server
        .received_requests()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(kept, ["/n/7", "/n/8", "/n/9"]);
    assert_eq!(server.received_count(), 10);
    server.verify();
    let off = MockServer::builder().without_journal().start().await;
    get(&format!("{}/x", off.uri())).await;
    assert!(off.received_requests().is_empty());
    assert_eq!(off.received_count(), 1);
}

#[tokio::test]
async fn a_failure_report_lists_a_bounded_number_of_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/wanted"))
        .named("wanted")
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    for i in 0..100 {
        get(&format!("{}/other/{i}", server.uri())).await;
    }
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify())).unwrap_err();
    let report = err.downcast_ref::<String>().unwrap();
    assert!(
        report.contains("Requests received: 100 (the latest 20 listed)"),
        "{report}"
    );
    assert!(report.contains("100. GET /other/99"), "{report}");
    assert!(!report.contains("GET /other/79\n"), "{report}");
    assert!(report.lines().count() < 80, "{report}");
    server.reset();
}

#[tokio::test]
async fn a_project_document_mounts_as_the_server_would_serve_it() {
    let doc: ExportDocument = serde_json::from_value(serde_json::json!({
        "mockbird": 1,
        "project": {"name": "Shop"},
        "mocks": [
            {"name": "item", "method": "GET", "path": "/items/{id}", "responses": [
                {"name": "ok", "statusCode": 200, "body": "{\"id\": \"{{request.params.id}}\"}"},
                {"name": "gone", "statusCode": 410, "weight": 0}
            ]},
            {"name": "off", "method": "GET", "path": "/off", "isActive": false,
             "responses": [{"name": "ok", "statusCode": 200}]}
        ]
    }))
    .unwrap();
    let server = MockServer::start().await;
    server.mount_document(&doc).unwrap();
    let (status, _, body) = get(&format!("{}/items/9", server.uri())).await;
    assert_eq!((status, body.as_str()), (200, r#"{"id": "9"}"#));
    let forced = Request::get(format!("{}/items/9", server.uri()))
        .header("x-mockbird-response", "gone")
        .body(String::new())
        .unwrap();
    assert_eq!(send(forced).await.0, 410);
    assert_eq!(get(&format!("{}/off", server.uri())).await.0, 404);
    let mut bad = doc.clone();
    bad.mocks[0].mock.path = Some("items".into());
    let err = server.mount_document(&bad).unwrap_err();
    assert!(err.to_string().contains("mocks[0].path"), "{err}");
    // The same document in-process draws what the server draws for a seed.
    let set = MockSet::from_document(&doc, None).unwrap();
    assert_eq!(set.current().len(), 1);
}

#[tokio::test]
async fn a_seeded_server_repeats_its_weighted_choices() {
    let draws = |seed| async move {
        let server = MockServer::builder().seed(seed).start().await;
        Mock::given(path("/coin"))
            .respond_with(ResponseTemplate::new(200).named("heads").weight(50))
            .respond_with(ResponseTemplate::new(201).named("tails").weight(50))
            .mount(&server)
            .await;
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(get(&format!("{}/coin", server.uri())).await.0);
        }
        out
    };
    let a = draws(5).await;
    assert_eq!(a, draws(5).await);
    assert!(a.contains(&200) && a.contains(&201), "{a:?}");
    let in_process = MockSet::from_mocks_seeded(
        [Mock::given(path("/coin"))
            .respond_with(ResponseTemplate::new(200).named("heads").weight(50))
            .respond_with(ResponseTemplate::new(201).named("tails").weight(50))],
        5,
    )
    .unwrap()
    .current();
    let local: Vec<u16> = (0..24)
        .map(
            |_| match in_process.handle(&MockRequest::new(http::Method::GET, "/coin")) {
                mockbird_core::engine::Outcome::Matched(m) => m.status.as_u16(),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(a, local, "MockServer and MockSet draw alike under one seed");
}
