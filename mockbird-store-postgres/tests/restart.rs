//! The store rides out a PostgreSQL restart: calls during the outage fail fast
//! with a clear error, and later calls succeed on the same store object.
//!
//! This test stops and starts the local cluster (`pg_ctlcluster`), so it lives
//! alone in its own test binary: cargo runs test binaries one after another.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mockbird_core::store::{DatabaseService, LogStore, StoreError};
use mockbird_core::testkit;
use mockbird_store_postgres::PostgresStore;

/// Runs `pg_ctlcluster <version> main <action>`; `false` when not possible here.
fn cluster(action: &str) -> bool {
    let Ok(mut versions) = std::fs::read_dir("/etc/postgresql") else {
        return false;
    };
    let Some(Ok(version)) = versions.next() else {
        return false;
    };
    Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect"])
        .arg(version.file_name())
        .args(["main", action])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_recovers_by_itself_after_a_server_restart() {
    let Some(mut config) = common::fresh_config().await else {
        return;
    };
    config.acquire_timeout = Duration::from_millis(500);
    let store = Arc::new(PostgresStore::connect(config).await.unwrap());
    let shared: testkit::Store = store.clone();
    let (_, _, project) = testkit::tenant(&shared, "restart").await;

    // A stream of writes, one every 20 ms, recording what each call did.
    let writer = {
        let store = store.clone();
        let project = project.clone();
        tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut failures: Vec<(Duration, String)> = Vec::new();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(8) {
                let log = testkit::log(&project, None, mockbird_core::clock::now(), 200);
                let t = Instant::now();
                match store.insert_logs(std::slice::from_ref(&log)).await {
                    Ok(_) => acked.push(log.id),
                    Err(e @ StoreError::Backend { .. }) => {
                        failures.push((t.elapsed(), e.to_string()))
                    }
                    Err(e) => panic!("unexpected error kind: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acked, failures)
        })
    };

    tokio::time::sleep(Duration::from_secs(1)).await;
    if !cluster("stop") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: cannot stop PostgreSQL with pg_ctlcluster"
        );
        eprintln!("skipped: cannot control the local PostgreSQL cluster");
        return;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let outage_ping = Instant::now();
    let ping = store.ping().await;
    let ping_took = outage_ping.elapsed();
    assert!(cluster("start"), "restart PostgreSQL");

    let (acked, failures) = writer.await.unwrap();
    assert!(ping.is_err(), "ping during the outage fails");
    assert!(
        ping_took < Duration::from_secs(2),
        "ping failed fast: {ping_took:?}"
    );
    assert!(!failures.is_empty(), "writes during the outage failed");
    let slowest = failures.iter().map(|f| f.0).max().unwrap();
    assert!(
        slowest < Duration::from_secs(2),
        "every failing call returned fast: {slowest:?}"
    );
    assert!(
        failures
            .iter()
            .all(|f| f.1.contains("postgres store failed")),
        "{failures:?}"
    );

    // Writes resumed on the same store object, and every acknowledged one is there.
    store.ping().await.expect("ping after restart");
    let stored = store
        .logs_since(
            mockbird_core::model::LogScope::Project(project.id),
            chrono::DateTime::<chrono::Utc>::MIN_UTC,
            u32::MAX,
        )
        .await
        .unwrap();
    assert_eq!(stored.len(), acked.len(), "acknowledged writes all stored");
    let last_ok = acked.last().copied();
    assert!(
        stored.iter().any(|l| Some(l.id) == last_ok),
        "the last write (after the restart) succeeded"
    );
    eprintln!(
        "{} writes acknowledged, {} failed during the outage (slowest failure {:?}; ping {:?}): {}",
        acked.len(),
        failures.len(),
        slowest,
        ping_took,
        failures[0].1
    );
}
