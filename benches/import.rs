//! Importing a large OpenAPI description: 300 and 3,000 operations (~0.5
//! and ~4.5 MB), parse through report; the baseline is parsing the same
//! bytes into a `serde_json::Value` alone. `cargo run --release -p
//! mockbird-benches --bin import-large` adds time and peak memory at 3,000.

use criterion::{BenchmarkId, Throughput, criterion_group, criterion_main};
use mockbird_benches::large_openapi;

fn import(c: &mut criterion::Criterion) {
    let mut group = c.benchmark_group("import_openapi");
    group.sample_size(10);
    let limits = mockbird_import::Limits {
        max_mocks: 10_000,
        ..mockbird_import::Limits::default()
    };
    for operations in [300, 3_000] {
        let spec = large_openapi(operations);
        group.throughput(Throughput::Bytes(spec.len() as u64));
        group.bench_with_input(BenchmarkId::new("import", operations), &spec, |b, spec| {
            b.iter(|| mockbird_import::import(spec.as_bytes(), None, &limits).expect("imports"))
        });
        group.bench_with_input(
            BenchmarkId::new("parse_only", operations),
            &spec,
            |b, spec| {
                b.iter(|| {
                    serde_json::from_slice::<serde_json::Value>(spec.as_bytes()).expect("JSON")
                })
            },
        );
    }
    group.finish();
}

criterion_group! { name = benches; config = mockbird_benches::criterion(); targets = import }
criterion_main!(benches);
