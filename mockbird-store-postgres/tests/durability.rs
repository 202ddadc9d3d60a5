//! A writer process killed with SIGKILL mid-stream loses no acknowledged write.
//!
//! `harness = false`: this binary is the parent check, and — started by the
//! parent with `MOCKBIRD_CRASH_CHILD_PROJECT` set — the writer it kills.

mod common;

use std::sync::Arc;

use mockbird_core::testkit::{self, crash};
use mockbird_store_postgres::{PostgresConfig, PostgresStore};

const DB_ENV: &str = "MOCKBIRD_CRASH_POSTGRES_DATABASE";

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let (Ok(project), Ok(database)) = (std::env::var(crash::CHILD_ENV), std::env::var(DB_ENV)) {
        rt.block_on(async {
            let url = common::test_url().expect("child runs with the test URL");
            let config = PostgresConfig::from_url(&url)
                .unwrap()
                .with_database(&database);
            let store = PostgresStore::connect(config).await.expect("connect");
            crash::write_until_killed(Arc::new(store), project.parse().expect("project id")).await;
        });
        return;
    }
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
    let acks = crash::kill_writers(project, &[(DB_ENV, database)], 25);
    assert_eq!(acks.kills, 25);
    rt.block_on(async {
        let store = PostgresStore::connect(config)
            .await
            .expect("reconnect after the kills");
        crash::verify(Arc::new(store), project, &acks).await;
    });
    println!(
        "killed_writers_lose_no_acknowledged_write (postgres): {} kills, {} logs and {} mocks acknowledged, all found",
        acks.kills,
        acks.logs.len(),
        acks.mocks.len()
    );
}
