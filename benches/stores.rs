//! The stores side by side: memory is the baseline, SQLite and PostgreSQL the
//! durable backends. PostgreSQL runs when `MOCKBIRD_TEST_POSTGRES_URL` is set
//! (a fresh database is created for the run).
//!
//! - `store_insert_100k_logs`: 100,000 request logs in batches of
//!   [`LOG_BATCH_ROWS`] per `insert_logs` call (the server's log writer); rows/s.
//! - `store_project_by_slug`: the serving path's lookup on a snapshot-cache miss.
//! - `store_load_1000_mocks`: `project_bundle` of a project with 1,000 mocks,
//!   each with one response (what compiling a snapshot reads).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mockbird_core::model::{MockDef, NewProject, ResponseDef};
use mockbird_core::testkit;
use mockbird_store_postgres::{PostgresConfig, PostgresStore};
use mockbird_store_sqlite::{LOG_BATCH_ROWS, SqliteStore};
use sqlx::Connection;

const LOGS: usize = 100_000;

struct Backends {
    stores: Vec<(&'static str, testkit::Store)>,
    _dir: tempfile::TempDir,
}

async fn postgres() -> Option<testkit::Store> {
    let url = std::env::var("MOCKBIRD_TEST_POSTGRES_URL").ok()?;
    let name = format!("mockbird_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url).await.ok()?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .ok()?;
    let config = PostgresConfig::from_url(&url).ok()?.with_database(&name);
    Some(Arc::new(PostgresStore::connect(config).await.ok()?))
}

async fn backends() -> Backends {
    let dir = tempfile::tempdir().unwrap();
    let mut stores: Vec<(&'static str, testkit::Store)> = vec![
        (
            "memory",
            Arc::new(mockbird_store_memory::MemoryStore::new()),
        ),
        (
            "sqlite",
            Arc::new(
                SqliteStore::open(dir.path().join("bench.db"))
                    .await
                    .unwrap(),
            ),
        ),
    ];
    match postgres().await {
        Some(pg) => stores.push(("postgres", pg)),
        None => eprintln!("postgres skipped: MOCKBIRD_TEST_POSTGRES_URL not set or unreachable"),
    }
    Backends { stores, _dir: dir }
}

fn stores(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backends = rt.block_on(backends());
    let mut setups = Vec::new();
    for (name, store) in &backends.stores {
        let (project, big) = rt.block_on(async {
            let (_, org, project) = testkit::tenant(store, "bench").await;
            let mocks = (0..1000)
                .map(|i| {
                    let def =
                        MockDef::new(&format!("m{i}"), "GET", &format!("/r{i}/{{id}}")).unwrap();
                    (
                        def,
                        vec![ResponseDef::new(200, r#"{"id":"{{request.params.id}}"}"#).unwrap()],
                    )
                })
                .collect();
            let new = NewProject::new(org.id, "big", "bench-big", "", true).unwrap();
            let big = store
                .create_project_with_mocks(new, mocks, None)
                .await
                .unwrap();
            (project, big)
        });
        setups.push((*name, store.clone(), project, big));
    }

    let mut group = c.benchmark_group("store_insert_100k_logs");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(LOGS as u64));
    for (name, store, project, _) in &setups {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let store = store.clone();
                let project = project.clone();
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let now = mockbird_core::clock::now();
                        let logs: Vec<_> = (0..LOGS)
                            .map(|_| testkit::log(&project, None, now, 200))
                            .collect();
                        let batches: Vec<Vec<_>> =
                            logs.chunks(LOG_BATCH_ROWS).map(<[_]>::to_vec).collect();
                        let start = Instant::now();
                        for batch in batches {
                            store.insert_logs(&batch).await.unwrap();
                        }
                        total += start.elapsed();
                    }
                    total
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("store_project_by_slug");
    for (name, store, project, _) in &setups {
        let slug = project.slug.clone();
        group.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { store.project_by_slug(&slug).await.unwrap() })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("store_load_1000_mocks");
    group.sample_size(20);
    for (name, store, _, big) in &setups {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async {
                let bundle = store.project_bundle(big.id).await.unwrap();
                assert_eq!(bundle.mocks.len(), 1000);
                bundle
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = mockbird_benches::criterion();
    targets = stores
}
criterion_main!(benches);
