//! MockLayer / MockService in front of axum and plain tower services.

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use http::Request;
use http_body_util::BodyExt;
use mockbird_core::model::{MockDef, NewOrganization, NewProject, NewUser, ResponseDef};
use mockbird_core::store::{MockStore, OrgStore, ProjectStore, UserStore};
use mockbird_store_memory::MemoryStore;
use mockbird_tower::*;
use tower::ServiceExt;

fn app(mocks: &MockSet) -> Router {
    Router::new()
        .route("/real", get(|| async { "real route" }))
        .route("/users/{id}", get(|| async { "real user" }))
        .layer(MockLayer::new(mocks.clone()))
}

async fn call(app: Router, req: Request<axum::body::Body>) -> (u16, http::HeaderMap, String) {
    let res = app.oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get_req(uri: &str) -> Request<axum::body::Body> {
    Request::get(uri).body(axum::body::Body::empty()).unwrap()
}

#[tokio::test]
async fn unmatched_request_reaches_inner_service_untouched() {
    let mocks = MockSet::from_mocks([Mock::given(method("GET"))
        .and(path("/mocked"))
        .respond_with(ResponseTemplate::new(200))])
    .unwrap();
    let (status, _, body) = call(app(&mocks), get_req("/real")).await;
    assert_eq!((status, body.as_str()), (200, "real route"));
}

#[tokio::test]
async fn matched_request_is_answered_by_the_mock_with_template_and_headers() {
    let mocks = MockSet::from_mocks([Mock::given(method("GET"))
        .and(path("/users/{id}"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"id":"{{request.params.id}}"}"#)
                .insert_header("X-Mock", "yes"),
        )])
    .unwrap();
    let (status, headers, body) = call(app(&mocks), get_req("/users/42")).await;
    assert_eq!((status, body.as_str()), (200, r#"{"id":"42"}"#));
    assert_eq!(headers["x-mock"], "yes");
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn method_mismatch_passes_through_in_a_layer() {
    let mocks = MockSet::from_mocks([Mock::given(method("POST"))
        .and(path("/real"))
        .respond_with(ResponseTemplate::new(201))])
    .unwrap();
    let (status, _, body) = call(app(&mocks), get_req("/real")).await;
    assert_eq!((status, body.as_str()), (200, "real route"));
}

#[tokio::test]
async fn conditions_and_forced_responses_work_through_the_layer() {
    let mocks = MockSet::from_mocks([Mock::given(method("POST"))
        .and(path("/pay"))
        .respond_with(ResponseTemplate::new(200).named("ok"))
        .respond_with(
            ResponseTemplate::new(402)
                .named("declined")
                .when(body_field("card", "4000")),
        )])
    .unwrap();
    let post = |body: &str, force: Option<&str>| {
        let mut b = Request::post("/pay").header("content-type", "application/json");
        if let Some(f) = force {
            b = b.header("X-Mockbird-Response", f);
        }
        b.body(axum::body::Body::from(body.to_owned())).unwrap()
    };
    assert_eq!(
        call(app(&mocks), post(r#"{"card":"4000"}"#, None)).await.0,
        402
    );
    assert_eq!(
        call(app(&mocks), post(r#"{"card":"4242"}"#, None)).await.0,
        200
    );
    assert_eq!(
        call(app(&mocks), post(r#"{"card":"4242"}"#, Some("declined")))
            .await
            .0,
        402
    );
}

#[tokio::test]
async fn the_mock_set_swaps_atomically_at_runtime() {
    let mocks = MockSet::new();
    let router = app(&mocks);
    assert_eq!(
        call(router.clone(), get_req("/swap")).await.0,
        404,
        "axum's own 404 while no mock"
    );
    mocks
        .set_mocks([Mock::given(path("/swap"))
            .respond_with(ResponseTemplate::new(200).set_body_string("v1"))])
        .unwrap();
    assert_eq!(call(router.clone(), get_req("/swap")).await.2, "v1");
    mocks
        .set_mocks([Mock::given(path("/swap"))
            .respond_with(ResponseTemplate::new(200).set_body_string("v2"))])
        .unwrap();
    assert_eq!(call(router, get_req("/swap")).await.2, "v2");
}

#[tokio::test]
async fn delay_is_applied() {
    let mocks = MockSet::from_mocks([Mock::given(path("/slow"))
        .with_delay(Duration::from_millis(120))
        .respond_with(ResponseTemplate::new(204))])
    .unwrap();
    let started = Instant::now();
    assert_eq!(call(app(&mocks), get_req("/slow")).await.0, 204);
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn mocks_load_from_a_store_project() {
    let store = MemoryStore::new();
    let user = store
        .create_user(NewUser::new("a@example.com", "A", "h".into()).unwrap())
        .await
        .unwrap();
    let org = store
        .create_org(NewOrganization::new("A", "a", "free", user.id).unwrap())
        .await
        .unwrap();
    let project = store
        .create_project(NewProject::new(org.id, "P", "p", "", true).unwrap())
        .await
        .unwrap();
    let mock = store
        .create_mock(
            project.id,
            MockDef::new("m", "GET", "/from-store").unwrap(),
            None,
        )
        .await
        .unwrap();
    store
        .create_response(mock.id, ResponseDef::new(203, "stored").unwrap())
        .await
        .unwrap();
    let mocks = MockSet::new();
    mocks.load(&store, project.id).await.unwrap();
    let (status, _, body) = call(app(&mocks), get_req("/from-store")).await;
    assert_eq!((status, body.as_str()), (203, "stored"));
}

#[tokio::test]
async fn standalone_service_answers_404_and_405_as_json() {
    let mocks = MockSet::from_mocks([Mock::given(method("PUT"))
        .and(path("/a"))
        .respond_with(ResponseTemplate::new(200))])
    .unwrap();
    let svc = MockService::standalone(mocks);
    let res = svc
        .clone()
        .oneshot(Request::get("/nope").body(String::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("MOCK_NOT_FOUND"));
    let res = svc
        .oneshot(Request::get("/a").body(String::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "PUT");
}

#[tokio::test]
async fn bodies_over_ten_mebibytes_are_refused_with_413() {
    let mocks = MockSet::from_mocks([Mock::given(method("POST"))
        .and(path("/upload"))
        .respond_with(ResponseTemplate::new(200))])
    .unwrap();
    let big = vec![b'x'; MAX_REQUEST_BODY + 1];
    let req = Request::post("/upload")
        .body(axum::body::Body::from(big))
        .unwrap();
    let (status, _, body) = call(app(&mocks), req).await;
    assert_eq!(status, 413);
    assert!(body.contains("PAYLOAD_TOO_LARGE"));
}

#[test]
fn closure_matchers_and_bad_definitions_are_rejected_for_layers() {
    let closure = MockSet::from_mocks([Mock::given(|_: &MockRequest| true)]);
    assert!(matches!(closure, Err(BuildError::ClosureMatcher(_))));
    let bad_path = MockSet::from_mocks([Mock::given(path("no-slash"))]).unwrap_err();
    assert!(bad_path.to_string().contains("path"), "{bad_path}");
    let bad_template = MockSet::from_mocks([Mock::given(path("/t"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{{> partial}}"))]);
    assert!(matches!(bad_template, Err(BuildError::Invalid { .. })));
    let conflict = MockSet::from_mocks([Mock::given(path("/x")), Mock::given(path("/x"))]);
    assert!(matches!(conflict, Err(BuildError::Engine(_))));
}

#[tokio::test]
async fn standalone_service_runs_on_plain_hyper() {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    let mocks = MockSet::from_mocks([Mock::given(method("GET"))
        .and(path("/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_string("pong"))])
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let service = TowerToHyperService::new(MockService::standalone(mocks));
        hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await
            .unwrap();
    });
    let (status, headers, body) = crate::support::get(&format!("http://{addr}/ping")).await;
    assert_eq!((status, body.as_str()), (200, "pong"));
    assert_eq!(headers["content-type"], "application/json");
    server.abort();
}
