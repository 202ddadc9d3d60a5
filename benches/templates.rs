//! Template rendering: a static body (no render), a small template, a
//! 100-item `repeat`, and templates reading 1, 5 and 20 request fields of a
//! request with 20 query parameters, 20 headers and a JSON body — each beside
//! the equivalent `format!`, and the field templates also rendered against
//! the whole request (as before templates knew which fields they read).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main};
use mockbird_core::request::{MockRequest, RequestView};
use mockbird_core::template::Template;

fn templates(c: &mut criterion::Criterion) {
    let req = MockRequest::new(http::Method::POST, "/users/42?verbose=1")
        .with_header("content-type", "application/json")
        .with_body(r#"{"name":"Ada","email":"ada@example.com"}"#);
    let params = vec![("id".to_owned(), "42".to_owned())];
    let now = chrono_now();

    let mut group = c.benchmark_group("template_static");
    let body = Bytes::from_static(br#"{"id":"42","name":"Ada"}"#);
    group.bench_function("baseline_bytes_clone", |b| {
        b.iter(|| black_box(&body).clone())
    });
    group.finish();

    let small = Template::compile(r#"{"id":"{{request.params.id}}","name":"{{request.body.name}}","verbose":{{request.query.verbose}}}"#).unwrap();
    let mut group = c.benchmark_group("template_small");
    group.bench_function("baseline_format", |b| {
        b.iter(|| {
            let view = RequestView::new(black_box(&req), &params);
            let body: serde_json::Value = serde_json::from_slice(&view.request.body).unwrap();
            format!(
                r#"{{"id":"{}","name":"{}","verbose":{}}}"#,
                params[0].1,
                body["name"].as_str().unwrap(),
                view.query("verbose").unwrap()
            )
        })
    });
    group.bench_function("render", |b| {
        b.iter(|| {
            let view = RequestView::new(black_box(&req), &params);
            small
                .render(view.template_context_of(small.reads()), now)
                .unwrap()
        })
    });
    group.finish();

    let repeat = Template::compile(
        r#"[{{#repeat 100}}{"i":{{@index}},"name":"{{request.body.name}}"}{{/repeat}}]"#,
    )
    .unwrap();
    let mut group = c.benchmark_group("template_repeat_100");
    group.bench_function("baseline_format", |b| {
        b.iter(|| {
            let body: serde_json::Value = serde_json::from_slice(&black_box(&req).body).unwrap();
            let name = body["name"].as_str().unwrap();
            let items: Vec<String> = (0..100)
                .map(|i| format!(r#"{{"i":{i},"name":"{name}"}}"#))
                .collect();
            format!("[{}]", items.join(","))
        })
    });
    group.bench_function("render", |b| {
        b.iter(|| {
            let view = RequestView::new(black_box(&req), &params);
            repeat
                .render(view.template_context_of(repeat.reads()), now)
                .unwrap()
        })
    });
    group.finish();
}

fn fields(c: &mut criterion::Criterion) {
    let query: Vec<String> = (0..20).map(|i| format!("q{i}=v{i}")).collect();
    let mut req = MockRequest::new(
        http::Method::POST,
        &format!("/users/42?{}", query.join("&")),
    )
    .with_header("content-type", "application/json");
    for i in 0..20 {
        req = req.with_header(&format!("x-h{i}"), &format!("header value {i}"));
    }
    let req = req.with_body(
        r#"{"user":{"name":"Ada","email":"ada@example.com","tags":["a","b","c"]},"items":[1,2,3,4,5,6,7,8]}"#,
    );
    let params = vec![("id".to_owned(), "42".to_owned())];
    let now = chrono_now();
    let mut group = c.benchmark_group("template_fields");
    for n in [1usize, 5, 20] {
        let src = format!(
            "{{{}}}",
            (0..n)
                .map(|i| format!(r#""f{i}":"{{{{request.query.q{i}}}}}""#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let t = Template::compile_json(&src).unwrap();
        group.bench_function(format!("{n}/baseline_format"), |b| {
            b.iter(|| {
                let view = RequestView::new(black_box(&req), &params);
                let parts: Vec<String> = (0..n)
                    .map(|i| format!(r#""f{i}":"{}""#, view.query(&format!("q{i}")).unwrap()))
                    .collect();
                format!("{{{}}}", parts.join(","))
            })
        });
        group.bench_function(format!("{n}/render"), |b| {
            b.iter(|| {
                let view = RequestView::new(black_box(&req), &params);
                t.render(view.template_context_of(t.reads()), now).unwrap()
            })
        });
        group.bench_function(format!("{n}/render_whole_request"), |b| {
            b.iter(|| {
                let view = RequestView::new(black_box(&req), &params);
                t.render(view.template_context(), now).unwrap()
            })
        });
    }
    group.finish();
}

fn chrono_now() -> mockbird_core::clock::Timestamp {
    mockbird_core::clock::now()
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = templates, fields }
criterion_main!(benches);
