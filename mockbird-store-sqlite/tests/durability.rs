//! A writer process killed with SIGKILL mid-stream loses no acknowledged write.

use std::sync::Arc;

use mockbird_core::testkit::{self, crash};
use mockbird_store_sqlite::SqliteStore;

const DB_ENV: &str = "MOCKBIRD_CRASH_SQLITE_PATH";

/// The child: only does anything when the parent test starts it.
#[tokio::test]
#[ignore = "child process of killed_writers_lose_no_acknowledged_write"]
async fn crash_writer_child() {
    let (Ok(project), Ok(path)) = (std::env::var(crash::CHILD_ENV), std::env::var(DB_ENV)) else {
        return;
    };
    let store = SqliteStore::open(path).await.expect("open");
    crash::write_until_killed(Arc::new(store), project.parse().expect("project id")).await;
}

#[test]
fn killed_writers_lose_no_acknowledged_write() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let project = rt.block_on(async {
        let store: testkit::Store = Arc::new(SqliteStore::open(&path).await.unwrap());
        let (_, _, project) = testkit::tenant(&store, "crash").await;
        project.id
    });
    let env = [(DB_ENV, path.display().to_string())];
    let acks = crash::kill_writers("crash_writer_child", project, &env, 25);
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
    eprintln!(
        "{} kills, {} logs and {} mocks acknowledged, all found",
        acks.kills,
        acks.logs.len(),
        acks.mocks.len()
    );
}
