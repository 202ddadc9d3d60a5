//! A database written before request logs were chunked upgrades in place
//! when the store connects: every entry reads back.

mod common;
#[path = "../../sql-shared/testdata/upgrade.rs"]
mod upgrade;

use sqlx::Connection;

use mockbird_store_postgres::PostgresStore;

#[tokio::test]
async fn logs_stored_one_row_per_entry_read_back_after_the_upgrade() {
    let Some(config) = common::fresh_config().await else {
        return;
    };
    let mut conn = sqlx::PgConnection::connect_with(&config.options)
        .await
        .unwrap();
    sqlx::migrate!("./migrations")
        .run_to(upgrade::BEFORE, &mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(upgrade::OLD_LOGS)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let store = PostgresStore::connect(config).await.unwrap();
    upgrade::check(&store).await;
}
