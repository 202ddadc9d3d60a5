//! Background jobs: log retention per plan, and — with Redis — applying other
//! instances' changes (pub/sub invalidations, plus a periodic re-check of
//! cached snapshots against the store as a backstop for lost messages).

use std::time::Duration;

use chrono::Duration as Days;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::adapters::cluster::Invalidation;
use crate::config::Config;
use crate::state::AppState;

/// How often cached snapshots are compared with the store when Redis is configured.
pub(crate) const SNAPSHOT_RECHECK: Duration = Duration::from_secs(5);
/// Logs (or, in the SQL stores, chunks of logs) deleted per step by the retention job.
const RETENTION_BATCH: u32 = 5_000;

/// Starts the jobs `config` asks for; abort the handles to stop them.
pub(crate) fn spawn(state: &AppState, config: &Config) -> Vec<JoinHandle<()>> {
    let mut jobs = Vec::new();
    let every = Duration::from_secs(config.retention_interval_secs.max(1));
    let s = state.clone();
    jobs.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match retention(&s).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "log retention"),
                Err(e) => tracing::warn!(error = %e, "log retention failed"),
            }
        }
    }));
    if let Some(shared) = state.shared.clone() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        jobs.push(tokio::spawn(async move { shared.listen(tx).await }));
        let s = state.clone();
        jobs.push(tokio::spawn(async move {
            while let Some(change) = rx.recv().await {
                match change {
                    Some(Invalidation::Project(id)) => s.snapshots.invalidate(id),
                    Some(Invalidation::Org(id)) => s.limits.reload_plan(id).await,
                    // (Re)subscribed: whatever happened meanwhile is unknown.
                    None => s.snapshots.clear(),
                }
            }
        }));
        let s = state.clone();
        jobs.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(SNAPSHOT_RECHECK);
            loop {
                tick.tick().await;
                let stale = s.snapshots.recheck(s.store.as_ref()).await;
                if stale > 0 {
                    tracing::debug!(stale, "snapshots refreshed by re-check");
                }
            }
        }));
    }
    jobs
}

/// Deletes, for every organization, the logs older than its plan keeps; returns how many.
pub async fn retention(state: &AppState) -> mockbird_core::store::StoreResult<u64> {
    let now = mockbird_core::clock::now();
    let mut deleted = 0;
    for org in state.store.all_orgs().await? {
        let Some(days) = state.plan(&org.plan).and_then(|p| p.log_retention_days) else {
            continue;
        };
        let before = now - Days::days(i64::from(days));
        loop {
            let n = state
                .store
                .delete_logs_before(org.id, before, RETENTION_BATCH)
                .await?;
            deleted += n;
            // Until a step finds nothing: a step counts entries, not chunks,
            // and chunks straddling `before` come after the whole ones.
            if n == 0 {
                break;
            }
        }
    }
    Ok(deleted)
}
