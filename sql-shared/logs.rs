//! `request_logs` (batch insert, paged queries, retention) and `usage_stats`.

use std::collections::HashSet;
use std::net::IpAddr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::convert;
use super::{Tx, all, backend, int};
use crate::Store;
use crate::dialect::{self, Db, get_id, id, ts};

/// Rows per multi-row `INSERT` (15 parameters each, well under both drivers'
/// parameter limits).
pub const LOG_BATCH_ROWS: usize = 500;

/// The columns of a stored log, as `convert::request_log` reads them.
static LOG_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "id, mock_id, project_id, request_method, request_path, request_headers, request_query, \
         request_body, request_body_truncated, response_id, response_status, response_time_ms, \
         {}, user_agent, created_at",
        dialect::LOG_IP_COLUMN
    )
});

/// Which of `ids` exist in `table`.
async fn existing(tx: &mut Tx, table: &str, ids: HashSet<Uuid>) -> StoreResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(ids);
    }
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT id FROM {table} WHERE id IN ("));
    let mut list = qb.separated(", ");
    for i in &ids {
        list.push_bind(id(*i));
    }
    qb.push(")");
    let rows = qb.build().fetch_all(&mut **tx).await.map_err(backend)?;
    rows.iter()
        .map(|r| get_id(r, "id").map_err(backend))
        .collect()
}

/// One attempt at storing a batch inside a transaction: drops entries whose
/// project or mock is gone, unlinks vanished responses, skips ids already stored.
async fn insert_batch(store: &Store, logs: &[NewRequestLog]) -> StoreResult<u64> {
    let mut tx = store.begin().await?;
    let projects = existing(
        &mut tx,
        "projects",
        logs.iter().map(|l| l.project_id).collect(),
    )
    .await?;
    let mocks = existing(
        &mut tx,
        "mocks",
        logs.iter().filter_map(|l| l.mock_id).collect(),
    )
    .await?;
    let responses = existing(
        &mut tx,
        "mock_responses",
        logs.iter().filter_map(|l| l.response_id).collect(),
    )
    .await?;
    let keep: Vec<&NewRequestLog> = logs
        .iter()
        .filter(|l| projects.contains(&l.project_id))
        .filter(|l| l.mock_id.is_none_or(|m| mocks.contains(&m)))
        .collect();
    let mut stored = 0;
    for chunk in keep.chunks(LOG_BATCH_ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO request_logs (id, mock_id, project_id, request_method, request_path, \
             request_headers, request_query, request_body, request_body_truncated, response_id, \
             response_status, response_time_ms, ip_address, user_agent, created_at) ",
        );
        qb.push_values(chunk, |mut row, log| {
            let ip = log
                .ip_address
                .as_deref()
                .and_then(|s| s.parse::<IpAddr>().ok())
                .map(|ip| ip.to_string());
            row.push_bind(id(log.id))
                .push_bind(log.mock_id.map(id))
                .push_bind(id(log.project_id))
                .push_bind(log.request_method.as_str())
                .push_bind(log.request_path.as_str())
                .push_bind(Json(&log.request_headers))
                .push_bind(Json(&log.request_query))
                .push_bind(log.request_body.as_deref())
                .push_bind(log.request_body_truncated)
                .push_bind(log.response_id.filter(|r| responses.contains(r)).map(id))
                .push_bind(i64::from(log.response_status))
                .push_bind(i64::from(log.response_time_ms))
                .push_bind(ip)
                .push_unseparated(dialect::IP_CAST)
                .push_bind(log.user_agent.as_deref())
                .push_bind(ts(clock::truncate(log.created_at)));
        });
        qb.push(" ON CONFLICT (id) DO NOTHING");
        stored += qb
            .build()
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
    }
    tx.commit().await.map_err(backend)?;
    Ok(stored)
}

/// The filter "at or after `since`" (analytics and `logs_since`).
fn from(since: DateTime<Utc>) -> LogQuery {
    LogQuery {
        start: Some(since),
        ..LogQuery::default()
    }
}

/// `WHERE` for a scope, plus the optional filters of `query`.
fn push_filter(qb: &mut QueryBuilder<Db>, scope: LogScope, query: Option<&LogQuery>) {
    match scope {
        LogScope::Mock(m) => qb.push(" WHERE mock_id = ").push_bind(id(m)),
        LogScope::Project(p) => qb.push(" WHERE project_id = ").push_bind(id(p)),
    };
    let Some(query) = query else { return };
    if let Some(start) = query.start {
        qb.push(" AND created_at >= ").push_bind(ts(start));
    }
    if let Some(end) = query.end {
        qb.push(" AND created_at <= ").push_bind(ts(end));
    }
    if let Some(status) = query.status {
        qb.push(" AND response_status = ")
            .push_bind(i64::from(status));
    }
}

#[async_trait]
impl LogStore for Store {
    async fn insert_logs(&self, logs: &[NewRequestLog]) -> StoreResult<u64> {
        if logs.is_empty() {
            return Ok(0);
        }
        match insert_batch(self, logs).await {
            // A project or mock deleted between the existence check and the
            // insert (possible across PostgreSQL sessions): check again once.
            Err(StoreError::Backend { source, .. })
                if source
                    .downcast_ref::<sqlx::Error>()
                    .and_then(|e| e.as_database_error())
                    .is_some_and(|e| e.is_foreign_key_violation()) =>
            {
                insert_batch(self, logs).await
            }
            other => other,
        }
    }

    async fn logs(&self, scope: LogScope, query: LogQuery) -> StoreResult<Page<RequestLog>> {
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM request_logs");
        push_filter(&mut count, scope, Some(&query));
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(self.reader())
            .await
            .map_err(backend)?;
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {} FROM request_logs", *LOG_COLUMNS));
        push_filter(&mut qb, scope, Some(&query));
        qb.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(query.limit))
            .push(" OFFSET ")
            .push_bind(int(query.offset()));
        let rows = qb.build().fetch_all(self.reader()).await.map_err(backend)?;
        Ok(Page {
            items: all(rows, convert::request_log)?,
            page: query.page,
            limit: query.limit,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn logs_since(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<RequestLog>> {
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {} FROM request_logs", *LOG_COLUMNS));
        push_filter(&mut qb, scope, Some(&from(since)));
        qb.push(" ORDER BY created_at, rowid LIMIT ")
            .push_bind(i64::from(limit));
        let rows = qb.build().fetch_all(self.reader()).await.map_err(backend)?;
        all(rows, convert::request_log)
    }

    async fn log_stats(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        bucket_secs: u32,
    ) -> StoreResult<LogStats> {
        let size = i64::from(bucket_secs.max(1));
        let epoch = dialect::LOG_EPOCH;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT ({epoch} / {size}) * {size} AS bucket, COUNT(*) AS requests, \
             CAST(SUM(CASE WHEN response_status >= 400 THEN 1 ELSE 0 END) AS BIGINT) AS errors, \
             CAST(SUM(response_time_ms) AS BIGINT) AS total_ms FROM request_logs"
        ));
        push_filter(&mut qb, scope, Some(&from(since)));
        qb.push(" GROUP BY 1 ORDER BY 1");
        let rows = qb.build().fetch_all(self.reader()).await.map_err(backend)?;
        let mut buckets = Vec::with_capacity(rows.len());
        for row in &rows {
            let start: i64 = row.try_get("bucket").map_err(backend)?;
            let count = |col: &str| -> StoreResult<u64> {
                let v: Option<i64> = row.try_get(col).map_err(backend)?;
                Ok(u64::try_from(v.unwrap_or(0)).unwrap_or(0))
            };
            buckets.push(LogBucket {
                start: DateTime::from_timestamp(start, 0).unwrap_or_default(),
                requests: count("requests")?,
                errors: count("errors")?,
                total_ms: count("total_ms")?,
            });
        }
        let mut qb =
            QueryBuilder::<Db>::new("SELECT mock_id, COUNT(*) AS requests FROM request_logs");
        push_filter(&mut qb, scope, Some(&from(since)));
        qb.push(" GROUP BY mock_id ORDER BY 2 DESC");
        let rows = qb.build().fetch_all(self.reader()).await.map_err(backend)?;
        let mut by_mock = Vec::with_capacity(rows.len());
        for row in &rows {
            let n: i64 = row.try_get("requests").map_err(backend)?;
            by_mock.push((
                dialect::get_opt_id(row, "mock_id").map_err(backend)?,
                u64::try_from(n).unwrap_or(0),
            ));
        }
        let stats = LogStats {
            buckets,
            by_mock,
            p95_ms: 0,
        };
        let total = stats.total();
        if total == 0 {
            return Ok(stats);
        }
        let mut qb = QueryBuilder::<Db>::new("SELECT response_time_ms FROM request_logs");
        push_filter(&mut qb, scope, Some(&from(since)));
        qb.push(" ORDER BY response_time_ms LIMIT 1 OFFSET ")
            .push_bind(int(LogStats::p95_rank(total)));
        let p95: Option<i64> = qb
            .build_query_scalar()
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        Ok(LogStats {
            p95_ms: u32::try_from(p95.unwrap_or(0)).unwrap_or(u32::MAX),
            ..stats
        })
    }

    async fn delete_logs_before(
        &self,
        org_id: Uuid,
        before: DateTime<Utc>,
        batch: u32,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM request_logs WHERE id IN ( \
               SELECT l.id FROM request_logs l JOIN projects p ON p.id = l.project_id \
               WHERE p.org_id = $1 AND l.created_at < $2 LIMIT $3)",
        )
        .bind(id(org_id))
        .bind(ts(before))
        .bind(i64::from(batch))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl UsageStore for Store {
    async fn add_usage(
        &self,
        org_id: Uuid,
        month: &str,
        requests: u64,
        bandwidth_bytes: u64,
    ) -> StoreResult<UsageRecord> {
        let row = sqlx::query(
            "INSERT INTO usage_stats (org_id, month, request_count, bandwidth_bytes, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, month) DO UPDATE SET \
               request_count = usage_stats.request_count + excluded.request_count, \
               bandwidth_bytes = usage_stats.bandwidth_bytes + excluded.bandwidth_bytes, \
               updated_at = excluded.updated_at \
             RETURNING org_id, month, request_count, bandwidth_bytes",
        )
        .bind(id(org_id))
        .bind(month)
        .bind(int(requests))
        .bind(int(bandwidth_bytes))
        .bind(ts(clock::now()))
        .fetch_one(self.writer())
        .await
        .map_err(|e| super::write_err(e, "organization", org_id))?;
        convert::usage(&row).map_err(backend)
    }

    async fn claim_usage_alert(&self, org_id: Uuid, month: &str, percent: u8) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO usage_alerts (org_id, month, percent, sent_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, month, percent) DO NOTHING",
        )
        .bind(id(org_id))
        .bind(month)
        .bind(i16::from(percent))
        .bind(ts(clock::now()))
        .execute(self.writer())
        .await
        .map_err(|e| super::write_err(e, "organization", org_id))?;
        Ok(done.rows_affected() == 1)
    }

    async fn usage(&self, org_id: Uuid, month: &str) -> StoreResult<UsageRecord> {
        let row = sqlx::query(
            "SELECT org_id, month, request_count, bandwidth_bytes FROM usage_stats \
             WHERE org_id = $1 AND month = $2",
        )
        .bind(id(org_id))
        .bind(month)
        .fetch_optional(self.reader())
        .await
        .map_err(backend)?;
        match row {
            Some(row) => convert::usage(&row).map_err(backend),
            None => Ok(UsageRecord {
                org_id,
                month: month.to_owned(),
                request_count: 0,
                bandwidth_bytes: 0,
            }),
        }
    }
}
