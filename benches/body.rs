//! Reading a request body whole: `mockbird_tower::body::read_body` (limit,
//! budget hook, drain) beside `http_body_util`'s plain `collect`, for a
//! small JSON body in one chunk and a 64 KiB body in 16 chunks.

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main};
use http_body::Frame;
use http_body_util::{BodyExt, Full, StreamBody};

fn chunked(chunk: &Bytes, n: usize) -> impl http_body::Body<Data = Bytes, Error = Infallible> {
    let frames = (0..n).map(|_| Ok::<_, Infallible>(Frame::data(chunk.clone())));
    StreamBody::new(futures_util::stream::iter(frames.collect::<Vec<_>>()))
}

fn body_bench(c: &mut criterion::Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let small = Bytes::from(format!(r#"{{"name":"{}"}}"#, "x".repeat(1000)));
    let chunk = Bytes::from(vec![b'a'; 4096]);
    let limit = 10 * 1024 * 1024;

    let mut group = c.benchmark_group("body_one_chunk_1k");
    group.bench_function("baseline_collect", |b| {
        b.to_async(&rt).iter(|| async {
            Full::new(black_box(small.clone()))
                .collect()
                .await
                .unwrap()
                .to_bytes()
        })
    });
    group.bench_function("read_body", |b| {
        b.to_async(&rt).iter(|| async {
            let n = small.len() as u64;
            mockbird_tower::body::read_body(
                Full::new(black_box(small.clone())),
                Some(n),
                limit,
                |_| true,
            )
            .await
            .unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("body_16_chunks_64k");
    group.bench_function("baseline_collect", |b| {
        b.to_async(&rt).iter(|| async {
            chunked(black_box(&chunk), 16)
                .collect()
                .await
                .unwrap()
                .to_bytes()
        })
    });
    group.bench_function("read_body", |b| {
        b.to_async(&rt).iter(|| async {
            mockbird_tower::body::read_body(
                chunked(black_box(&chunk), 16),
                Some(65536),
                limit,
                |_| true,
            )
            .await
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, body_bench);
criterion_main!(benches);
