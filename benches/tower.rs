//! The tower service in process: a request through `MockService` (standalone)
//! beside a bare `service_fn` returning the same bytes, and the passthrough
//! cost of `MockLayer` in front of an app for a request no mock matches.

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::Full;
use mockbird_tower::{Mock, MockLayer, MockService, MockSet, ResponseTemplate, method, path};
use tower::{Layer, ServiceExt, service_fn};

fn tower_bench(c: &mut criterion::Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = Bytes::from_static(br#"{"ok":true}"#);
    let mocks = MockSet::from_mocks([Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"ok":true}"#))])
    .unwrap();
    let bare = service_fn(move |_req: Request<Full<Bytes>>| {
        let body = body.clone();
        async move {
            let mut res = Response::new(Full::new(body));
            res.headers_mut().insert(
                "content-type",
                http::HeaderValue::from_static("application/json"),
            );
            Ok::<_, Infallible>(res)
        }
    });
    let mocked = MockService::standalone(mocks.clone());
    let layered = MockLayer::new(mocks).layer(bare.clone());

    let mut group = c.benchmark_group("tower_static");
    group.bench_function("baseline_service_fn", |b| {
        b.to_async(&rt).iter(|| {
            bare.clone().oneshot(black_box(
                Request::get("/users")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            ))
        })
    });
    group.bench_function("mock_service", |b| {
        b.to_async(&rt).iter(|| {
            mocked.clone().oneshot(black_box(
                Request::get("/users")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            ))
        })
    });
    group.bench_function("layer_passthrough", |b| {
        b.to_async(&rt).iter(|| {
            layered.clone().oneshot(black_box(
                Request::get("/health")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            ))
        })
    });
    group.finish();
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = tower_bench }
criterion_main!(benches);
