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
