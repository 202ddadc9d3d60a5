//! The request log pipeline: every `/m/` request of a known project becomes a
//! [`RequestLog`] handed to a bounded queue; one background writer stores them
//! in batches (up to [`BATCH_SIZE`] entries or every [`BATCH_INTERVAL`]). The
//! request never waits: when the queue is full — by entries, or by the request
//! bodies it holds — the entry is dropped and counted (`droppedLogs`,
//! `mockbird_logs_dropped_total`). Shutdown closes the queue and stores what
//! is left before returning.

mod entry;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use mockbird_core::model::RequestLog;
use mockbird_core::store::DatabaseService;
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;

pub use entry::{EntryBuilder, MAX_LOGGED_BODY};

/// Most entries stored in one insert.
pub const BATCH_SIZE: usize = 2000;
/// Longest an entry waits in the queue before its batch is written.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(200);
/// How often the writer looks whether a full batch is waiting (instead of
/// waking up for every entry).
const FILL_CHECK: Duration = Duration::from_millis(10);
/// Most request-body bytes held by queued entries; past it, entries are dropped.
pub const MAX_QUEUED_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Attempts to store one batch before its entries are given up (and counted as failed).
const WRITE_ATTEMPTS: u32 = 6;

/// Counters of the pipeline.
#[derive(Debug, Default)]
pub struct LogCounters {
    /// Entries refused because the queue was full.
    pub dropped: AtomicU64,
    /// Entries stored.
    pub written: AtomicU64,
    /// Entries given up after the store failed [`WRITE_ATTEMPTS`] times.
    pub failed: AtomicU64,
    queued_body_bytes: AtomicUsize,
}

/// The sending side, shared by all requests; disabled when built with capacity 0.
#[derive(Debug)]
pub struct LogPipeline {
    tx: Option<mpsc::Sender<RequestLog>>,
    counters: Arc<LogCounters>,
    stop: watch::Sender<bool>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl LogPipeline {
    /// Starts the writer on the current runtime; `capacity` 0 turns logging off.
    pub fn start(store: Arc<dyn DatabaseService>, capacity: usize) -> Self {
        let counters = Arc::new(LogCounters::default());
        let (stop, stopped) = watch::channel(false);
        if capacity == 0 {
            return LogPipeline {
                tx: None,
                counters,
                stop,
                writer: Mutex::new(None),
            };
        }
        let (tx, rx) = mpsc::channel(capacity);
        let writer = tokio::spawn(write_loop(store, rx, stopped, counters.clone()));
        LogPipeline {
            tx: Some(tx),
            counters,
            stop,
            writer: Mutex::new(Some(writer)),
        }
    }

    /// Whether requests are logged at all.
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Queues an entry without waiting; a full queue drops (and counts) it.
    pub fn submit(&self, entry: RequestLog) {
        let Some(tx) = &self.tx else { return };
        let body = entry.request_body.as_ref().map_or(0, String::len);
        let held = self
            .counters
            .queued_body_bytes
            .fetch_add(body, Ordering::Relaxed);
        if held + body > MAX_QUEUED_BODY_BYTES || tx.try_send(entry).is_err() {
            self.counters
                .queued_body_bytes
                .fetch_sub(body, Ordering::Relaxed);
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counters.
    pub fn counters(&self) -> &LogCounters {
        &self.counters
    }

    /// Refuses new entries, stores every queued one, and returns when done.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        if let Some(writer) = self.writer.lock().await.take() {
            let _ = writer.await;
        }
    }
}

async fn write_loop(
    store: Arc<dyn DatabaseService>,
    mut rx: mpsc::Receiver<RequestLog>,
    mut stopped: watch::Receiver<bool>,
    counters: Arc<LogCounters>,
) {
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut stopping = false;
    loop {
        // Wait for a first entry (or the stop signal).
        let first = if stopping {
            rx.recv().await
        } else {
            tokio::select! {
                entry = rx.recv() => entry,
                _ = stopped.changed() => {
                    // Stopping: no new entries; what is queued is still stored.
                    stopping = true;
                    rx.close();
                    rx.recv().await
                }
            }
        };
        let Some(first) = first else { break };
        batch.push(first);
        // Let the batch fill without waking up for every entry: look every
        // FILL_CHECK until a full batch waits or the interval has passed.
        let deadline = tokio::time::Instant::now() + BATCH_INTERVAL;
        while !stopping && rx.len() + 1 < BATCH_SIZE {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline.min(now + FILL_CHECK)) => {}
                _ = stopped.changed() => {
                    stopping = true;
                    rx.close();
                }
            }
        }
        while batch.len() < BATCH_SIZE {
            match rx.try_recv() {
                Ok(entry) => batch.push(entry),
                Err(_) => break,
            }
        }
        write_batch(store.as_ref(), &mut batch, &counters).await;
    }
}

/// Stores `batch` (retrying with backoff; ids make retries idempotent) and empties it.
async fn write_batch(store: &dyn DatabaseService, batch: &mut Vec<RequestLog>, c: &LogCounters) {
    let bytes: usize = batch
        .iter()
        .map(|e| e.request_body.as_ref().map_or(0, String::len))
        .sum();
    let n = batch.len() as u64;
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=WRITE_ATTEMPTS {
        match store.insert_logs(batch).await {
            Ok(_) => {
                c.written.fetch_add(n, Ordering::Relaxed);
                break;
            }
            Err(e) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(error = %e, entries = n, attempt, "request log batch not stored; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(e) => {
                tracing::error!(error = %e, entries = n, "request log batch given up");
                c.failed.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
    c.queued_body_bytes.fetch_sub(bytes, Ordering::Relaxed);
    batch.clear();
}
