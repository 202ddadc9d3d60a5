//! A writer process killed with SIGKILL mid-stream loses no acknowledged write.
//!
//! `harness = false`: this binary is the parent check, and — started by the
//! parent with `MOCKBIRD_CRASH_CHILD_PROJECT` set — the writer it kills.

use std::sync::Arc;

use mockbird_core::testkit::{self, crash};
use mockbird_store_sqlite::SqliteStore;

const DB_ENV: &str = "MOCKBIRD_CRASH_SQLITE_PATH";

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let (Ok(project), Ok(path)) = (std::env::var(crash::CHILD_ENV), std::env::var(DB_ENV)) {
        rt.block_on(async {
            let store = SqliteStore::open(path).await.expect("open");
            crash::write_until_killed(Arc::new(store), project.parse().expect("project id")).await;
        });
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let project = rt.block_on(async {
        let store: testkit::Store = Arc::new(SqliteStore::open(&path).await.unwrap());
        testkit::tenant(&store, "crash").await.2.id
    });
    let acks = crash::kill_writers(project, &[(DB_ENV, path.display().to_string())], 25);
    assert_eq!(acks.kills, 25);
    assert!(
        acks.logs.len() >= 25,
        "each child acknowledged at least one write"
    );
    rt.block_on(async {
        let store = SqliteStore::open(&path)
            .await
            .expect("reopen after the kills");
        crash::verify(Arc::new(store), project, &acks).await;
    });
    println!(
        "killed_writers_lose_no_acknowledged_write (sqlite): {} kills, {} logs and {} mocks acknowledged, all found",
        acks.kills,
        acks.logs.len(),
        acks.mocks.len()
    );
}
