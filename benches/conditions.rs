//! Condition evaluation: five conditions (header equals, query regex, JSON body
//! path gt, cookie startsWith, method) beside the same checks written by hand.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use mockbird_core::condition::CompiledCondition;
use mockbird_core::model::ConditionSpec;
use mockbird_core::request::{MockRequest, RequestView};
use serde_json::json;

fn conditions(c: &mut criterion::Criterion) {
    let specs = [
        json!({"type": "header", "field": "x-api-version", "operator": "equals", "value": "2"}),
        json!({"type": "query", "field": "sort", "operator": "regex", "value": "^(asc|desc)$"}),
        json!({"type": "body", "field": "order.total", "operator": "gt", "value": "100"}),
        json!({"type": "cookie", "field": "session", "operator": "startsWith", "value": "s_"}),
        json!({"type": "method", "operator": "equals", "value": "POST"}),
    ];
    let compiled: Vec<CompiledCondition> = specs
        .iter()
        .map(|s| {
            CompiledCondition::compile(
                &serde_json::from_value::<ConditionSpec>(s.clone())
                    .unwrap()
                    .validate()
                    .unwrap(),
            )
            .unwrap()
        })
        .collect();
    let req = MockRequest::new(http::Method::POST, "/orders?sort=asc")
        .with_header("x-api-version", "2")
        .with_header("content-type", "application/json")
        .with_header("cookie", "session=s_123; theme=dark")
        .with_body(r#"{"order":{"total":250.5,"items":[1,2,3]}}"#);
    let sort = regex::Regex::new("^(asc|desc)$").unwrap();

    let mut group = c.benchmark_group("conditions_5");
    group.bench_function("baseline_hand_written", |b| {
        b.iter(|| {
            let r = black_box(&req);
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            r.headers.get("x-api-version").is_some_and(|v| v == "2")
                && r.query
                    .as_deref()
                    .and_then(|q| q.strip_prefix("sort="))
                    .is_some_and(|v| sort.is_match(v))
                && body["order"]["total"].as_f64().is_some_and(|t| t > 100.0)
                && r.headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("session=s_"))
                && r.method == http::Method::POST
        })
    });
    group.bench_function("engine_conditions", |b| {
        b.iter(|| {
            let view = RequestView::new(black_box(&req), &[]);
            compiled.iter().all(|c| c.evaluate(&view).is_ok())
        })
    });
    group.finish();
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = conditions }
criterion_main!(benches);
