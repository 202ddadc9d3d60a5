//! A writer process killed with SIGKILL mid-stream loses no acknowledged write.

mod common;

use std::sync::Arc;

use mockbird_core::testkit::{self, crash};
use mockbird_store_postgres::{PostgresConfig, PostgresStore};

const DB_ENV: &str = "MOCKBIRD_CRASH_POSTGRES_DATABASE";

/// The child: only does anything when the parent test starts it.
#[tokio::test]
#[ignore = "child process of killed_writers_lose_no_acknowledged_write"]
async fn crash_writer_child() {
    let (Ok(project), Ok(database)) = (std::env::var(crash::CHILD_ENV), std::env::var(DB_ENV))
    else {
        return;
    };
    let url = common::test_url().expect("child runs with the test URL");
    let config = PostgresConfig::from_url(&url)
        .unwrap()
        .with_database(&database);
    let store = PostgresStore::connect(config).await.expect("connect");
    crash::write_until_killed(Arc::new(store), project.parse().expect("project id")).await;
}

#[test]
fn killed_writers_lose_no_acknowledged_write() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(config) = rt.block_on(common::fresh_config()) else {
        return;
    };
    let database = config
        .options
        .get_database()
        .expect("named database")
        .to_owned();
    let project = rt.block_on(async {
        let store: testkit::Store = Arc::new(PostgresStore::connect(config.clone()).await.unwrap());
        testkit::tenant(&store, "crash").await.2.id
    });
    let acks = crash::kill_writers("crash_writer_child", project, &[(DB_ENV, database)], 25);
    assert_eq!(acks.kills, 25);
    rt.block_on(async {
        let store = PostgresStore::connect(config)
            .await
            .expect("reconnect after the kills");
        crash::verify(Arc::new(store), project, &acks).await;
    });
    eprintln!(
        "{} kills, {} logs and {} mocks acknowledged, all found",
        acks.kills,
        acks.logs.len(),
        acks.mocks.len()
    );
}
