//! The request log pipeline: every `/m/` request of a known project becomes a
//! [`RequestLog`] appended to a bounded in-memory queue (a few mutex-guarded
//! vectors, one per group of threads, so appending costs an uncontended lock
//! and a push). One background writer looks every [`FILL_CHECK`]: once
//! [`BATCH_SIZE`] entries wait, or [`BATCH_INTERVAL`] after its last write, it
//! takes everything queued and stores it in batches of up to `BATCH_SIZE`.
//! The request never waits: when the queue is full — by entries, or by the
//! request bodies it holds — the entry is dropped and counted (`droppedLogs`,
//! `mockbird_logs_dropped_total`). Shutdown closes the queue and stores what
//! is left before returning.

mod entry;
pub(crate) mod live;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use mockbird_core::model::RequestLog;
use mockbird_core::store::DatabaseService;
use prometheus::IntCounter;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

pub(crate) use entry::EntryBuilder;

/// Most entries stored in one insert.
pub(crate) const BATCH_SIZE: usize = 500;
/// Longest an entry waits in the queue before it is written.
pub(crate) const BATCH_INTERVAL: Duration = Duration::from_millis(200);
/// How often the writer looks whether a full batch is waiting (instead of
/// waking up for every entry).
pub(crate) const FILL_CHECK: Duration = Duration::from_millis(5);
/// Most request-body bytes held by queued entries; past it, entries are dropped.
pub(crate) const MAX_QUEUED_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Attempts to store one batch before its entries are given up (and counted as failed).
pub(crate) const WRITE_ATTEMPTS: u32 = 6;
/// Most vectors the queue is split into.
const MAX_SHARDS: usize = 16;

/// Counters of the pipeline, shown on `/metrics` as `mockbird_logs_*_total`.
#[derive(Debug)]
pub struct LogCounters {
    /// Entries refused because the queue was full (or closed).
    pub dropped: IntCounter,
    /// Entries stored.
    pub written: IntCounter,
    /// Entries given up after the store failed [`WRITE_ATTEMPTS`] times.
    pub failed: IntCounter,
    queued_body_bytes: AtomicUsize,
}

impl Default for LogCounters {
    fn default() -> Self {
        let counter = |name: &str, help: &str| {
            IntCounter::new(format!("mockbird_logs_{name}_total"), help).expect("a valid counter")
        };
        LogCounters {
            dropped: counter(
                "dropped",
                "Request log entries dropped because the queue was full",
            ),
            written: counter("written", "Request log entries stored"),
            failed: counter("failed", "Request log entries given up after store errors"),
            queued_body_bytes: AtomicUsize::new(0),
        }
    }
}

impl LogCounters {
    /// The counters, for [`crate::metrics::Metrics::register`].
    pub fn collectors(&self) -> [IntCounter; 3] {
        [
            self.written.clone(),
            self.dropped.clone(),
            self.failed.clone(),
        ]
    }
}

/// The entries waiting for the writer.
#[derive(Debug)]
struct Queue {
    shards: Box<[std::sync::Mutex<Vec<RequestLog>>]>,
    /// Entries waiting, all shards together.
    queued: AtomicUsize,
    capacity: usize,
    /// Set (inside every shard's lock, see [`Queue::take_all`]) at shutdown.
    closed: AtomicBool,
}

/// Which shard the current thread appends to (threads take turns).
fn shard_of_thread(shards: usize) -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    SHARD.with(|s| *s) % shards
}

impl Queue {
    fn new(capacity: usize) -> Self {
        let shards = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, MAX_SHARDS);
        Queue {
            shards: (0..shards).map(|_| Default::default()).collect(),
            queued: AtomicUsize::new(0),
            capacity,
            closed: AtomicBool::new(false),
        }
    }

    /// Appends `entry`; `false` (and the entry dropped) when the queue is full or closed.
    fn push(&self, entry: RequestLog) -> bool {
        if self.queued.fetch_add(1, Ordering::Relaxed) >= self.capacity {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        let shard = &self.shards[shard_of_thread(self.shards.len())];
        let mut entries = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if self.closed.load(Ordering::Relaxed) {
            drop(entries);
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        entries.push(entry);
        true
    }

    /// Takes every waiting entry, one vector per non-empty shard, swapping
    /// in vectors from `spares` (so no entry is copied and no memory
    /// allocated); with `close`, later pushes are refused. An entry pushed
    /// before its shard is taken is in the result: a push checks `closed`
    /// under the shard's lock, which the taking also holds.
    fn take_all(&self, close: bool, spares: &mut Vec<Vec<RequestLog>>) -> Vec<Vec<RequestLog>> {
        if close {
            self.closed.store(true, Ordering::Relaxed);
        }
        let mut taken = Vec::new();
        for shard in &self.shards {
            let mut entries = spares.pop().unwrap_or_default();
            std::mem::swap(
                &mut *shard.lock().unwrap_or_else(PoisonError::into_inner),
                &mut entries,
            );
            self.queued.fetch_sub(entries.len(), Ordering::Relaxed);
            if entries.is_empty() {
                spares.push(entries);
            } else {
                taken.push(entries);
            }
        }
        taken
    }
}

/// The sending side, shared by all requests; disabled when built with capacity 0.
#[derive(Debug)]
pub struct LogPipeline {
    queue: Option<Arc<Queue>>,
    counters: Arc<LogCounters>,
    live: live::Live,
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
                queue: None,
                counters,
                live: live::Live::default(),
                stop,
                writer: Mutex::new(None),
            };
        }
        let queue = Arc::new(Queue::new(capacity));
        let writer = tokio::spawn(write_loop(store, queue.clone(), stopped, counters.clone()));
        LogPipeline {
            queue: Some(queue),
            counters,
            live: live::Live::default(),
            stop,
            writer: Mutex::new(Some(writer)),
        }
    }

    /// Whether requests are logged at all.
    pub fn enabled(&self) -> bool {
        self.queue.is_some()
    }

    /// Queues an entry without waiting; a full queue drops (and counts) it.
    pub fn submit(&self, entry: RequestLog) {
        let Some(queue) = &self.queue else { return };
        self.live.offer(&entry);
        let body = entry::held_bytes(&entry);
        let held = self
            .counters
            .queued_body_bytes
            .fetch_add(body, Ordering::Relaxed);
        if held + body > MAX_QUEUED_BODY_BYTES || !queue.push(entry) {
            self.counters
                .queued_body_bytes
                .fetch_sub(body, Ordering::Relaxed);
            self.counters.dropped.inc();
        }
    }

    /// Opens a stream of new entries for `user` (see [`live`]); `None` over the limits.
    pub(crate) fn watch(&self, user: uuid::Uuid) -> Option<live::Watch> {
        self.live.watch(user)
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
    queue: Arc<Queue>,
    mut stopped: watch::Receiver<bool>,
    counters: Arc<LogCounters>,
) {
    let mut tick = tokio::time::interval(FILL_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_write = tokio::time::Instant::now();
    let mut spares = Vec::new();
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            // Stopped, or the pipeline is gone: store the rest, then end.
            _ = stopped.changed() => true,
        };
        let waiting = queue.queued.load(Ordering::Relaxed);
        let due = waiting > 0 && last_write.elapsed() >= BATCH_INTERVAL;
        if stopping || waiting >= BATCH_SIZE || due {
            last_write = tokio::time::Instant::now();
            for mut entries in queue.take_all(stopping, &mut spares) {
                for batch in entries.chunks(BATCH_SIZE) {
                    write_batch(store.as_ref(), batch, &counters).await;
                }
                entries.clear();
                spares.push(entries);
            }
        }
        if stopping {
            break;
        }
    }
}

/// Stores `batch` (retrying with backoff; ids make retries idempotent).
async fn write_batch(store: &dyn DatabaseService, batch: &[RequestLog], c: &LogCounters) {
    let bytes: usize = batch.iter().map(entry::held_bytes).sum();
    let n = batch.len() as u64;
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=WRITE_ATTEMPTS {
        match store.insert_logs(batch).await {
            Ok(_) => {
                c.written.inc_by(n);
                break;
            }
            Err(e) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(error = %e, entries = n, attempt, "request log batch not stored; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(e) => {
                tracing::error!(error = %e, entries = n, "request log batch given up");
                c.failed.inc_by(n);
            }
        }
    }
    c.queued_body_bytes.fetch_sub(bytes, Ordering::Relaxed);
}
