//! Routing cost at 10, 1,000 and 10,000 mocks, beside a `HashMap` lookup of the
//! whole path (the floor for any router). Target: the router at 10,000 mocks
//! within 1.2x of the router at 10.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use mockbird_benches::{api_mocks, middle_item_path};
use mockbird_core::model::HttpMethod;
use mockbird_core::routing::{PathPattern, Router};

fn fixture(n: usize) -> (Router<u32>, HashMap<String, u32>, String) {
    let mut router = Router::new();
    let mut table = HashMap::new();
    for (i, m) in api_mocks(n).into_iter().enumerate() {
        router
            .insert(
                m.def.method,
                &PathPattern::parse(&m.def.path).unwrap(),
                i as u32,
            )
            .unwrap();
        table.insert(m.def.path.replace("{id}", "42"), i as u32);
    }
    (router, table, middle_item_path(n))
}

fn routing(c: &mut criterion::Criterion) {
    for n in [10, 1_000, 10_000] {
        let (router, table, path) = fixture(n);
        let mut group = c.benchmark_group(format!("routing_{n}_mocks"));
        group.bench_function("baseline_hashmap", |b| {
            b.iter(|| table.get(black_box(path.as_str())))
        });
        group.bench_function("router", |b| {
            b.iter(|| router.lookup(Some(HttpMethod::Get), black_box(&path)))
        });
        group.finish();
    }
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = routing }
criterion_main!(benches);
