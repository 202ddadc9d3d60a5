//! `Engine::handle` end to end (route, select, headers, body) for a static mock
//! and a templated one, beside a baseline that returns the same prebuilt
//! response from a `HashMap`. Target: static under 1 µs.

use std::collections::HashMap;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, StatusCode};
use mockbird_benches::{api_mocks, middle_item_path};
use mockbird_core::engine::{Engine, MockSource, Outcome};
use mockbird_core::model::{MockDef, ResponseDef};
use mockbird_core::request::MockRequest;

fn engine(c: &mut criterion::Criterion) {
    for n in [1usize, 10_000] {
        let mocks = if n == 1 { api_mocks(2) } else { api_mocks(n) };
        let path = if n == 1 {
            "/api/v1/resource0".to_owned()
        } else {
            middle_item_path(n)
        };
        let engine = Engine::compile(mocks).unwrap();
        let req = MockRequest::new(http::Method::GET, &path);
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let table: HashMap<String, (StatusCode, HeaderMap, Bytes)> = HashMap::from([(
            path.clone(),
            (
                StatusCode::OK,
                headers,
                Bytes::from_static(br#"{"ok":true}"#),
            ),
        )]);

        let mut group = c.benchmark_group(format!("engine_static_{n}_mocks"));
        group.bench_function("baseline_prebuilt", |b| {
            b.iter(|| table.get(black_box(req.path.as_str())).cloned())
        });
        group.bench_function("handle", |b| {
            b.iter(|| match engine.handle(black_box(&req)) {
                Outcome::Matched(m) => m,
                _ => unreachable!(),
            })
        });
        group.finish();
    }

    let def = MockDef::new("user", "GET", "/users/{id}").unwrap();
    let template = ResponseDef::new(
        200,
        r#"{"id":"{{request.params.id}}","seen":"{{now format='yyyy-MM-dd'}}"}"#,
    )
    .unwrap();
    let engine = Engine::compile([MockSource::new(def, vec![template])]).unwrap();
    let req = MockRequest::new(http::Method::GET, "/users/42");
    let mut group = c.benchmark_group("engine_template");
    group.bench_function("handle", |b| b.iter(|| engine.handle(black_box(&req))));
    group.finish();
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = engine }
criterion_main!(benches);
