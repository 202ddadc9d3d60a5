//! What several instances share through Redis (`MOCKBIRD_REDIS_URL`): quota
//! counters, `/api` windows, and invalidation messages. Every call goes through
//! a circuit breaker: after a failure or a call slower than [`CALL_TIMEOUT`],
//! Redis is skipped for [`OPEN_FOR`] (callers fall back to local limits at
//! once, no per-request wait), then one call probes it again. Transitions are
//! logged; no restart is needed when Redis comes back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Longest a Redis call may take before it counts as a failure.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_millis(250);
/// How long Redis is skipped after a failure before it is tried again.
pub(crate) const OPEN_FOR: Duration = Duration::from_secs(1);
/// Default prefix of every key and channel (`--redis-prefix`).
pub(crate) const DEFAULT_PREFIX: &str = "mockbird";

/// Adds `ARGV[1]` to the counter `KEYS[1]`, first setting it to `ARGV[2]` (the
/// store's count) when it does not exist, with expiry `ARGV[3]` seconds; returns the total.
const ADD_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return redis.call('INCRBY', KEYS[1], ARGV[1])
";

/// Counts one call in the window `KEYS[1]` (expiring after `ARGV[1]` seconds); returns the count.
const WINDOW_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// Marks instance `ARGV[1]` alive at `ARGV[2]` ms in the set `KEYS[1]`, drops
/// instances silent for `ARGV[3]` ms; returns how many are alive.
const HEARTBEAT_SCRIPT: &str = r"
local now = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], 60)
return redis.call('ZCARD', KEYS[1])
";

/// An instance not heard from for this long no longer counts as alive.
pub(crate) const INSTANCE_TIMEOUT: Duration = Duration::from_secs(3);

/// A change other instances must apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    /// A project's mocks or settings changed: drop its compiled snapshot.
    Project(Uuid),
    /// An organization's plan changed: reload its limits.
    Org(Uuid),
}

impl Invalidation {
    fn encode(self) -> String {
        match self {
            Invalidation::Project(id) => format!("project:{id}"),
            Invalidation::Org(id) => format!("org:{id}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let (kind, id) = text.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "project" => Some(Invalidation::Project(id)),
            "org" => Some(Invalidation::Org(id)),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct BreakerState {
    open_until: Option<Instant>,
}

/// The Redis connection behind a circuit breaker.
pub struct Shared {
    client: redis::Client,
    prefix: String,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    breaker: Mutex<BreakerState>,
    healthy: AtomicBool,
    add: redis::Script,
    window: redis::Script,
    heartbeat: redis::Script,
    instance: String,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("healthy", &self.healthy.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// A link to the Redis at `url` (`redis://…`), every key and the channel
    /// under `prefix` (deployments sharing one Redis use different prefixes);
    /// connects on first use, so a server starts even while Redis is down.
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Shared {
            client: redis::Client::open(url)?,
            prefix: prefix.to_owned(),
            conn: tokio::sync::Mutex::new(None),
            breaker: Mutex::new(BreakerState::default()),
            healthy: AtomicBool::new(true),
            add: redis::Script::new(ADD_SCRIPT),
            window: redis::Script::new(WINDOW_SCRIPT),
            heartbeat: redis::Script::new(HEARTBEAT_SCRIPT),
            instance: Uuid::new_v4().simple().to_string(),
        })
    }

    /// `{prefix}:{name}`: a key (or the channel) of this deployment.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// Whether the last call succeeded (for `/api/system` and metrics).
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Whether a call may go to Redis now (breaker closed, or its pause is over).
    fn allowed(&self) -> bool {
        let b = self
            .breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        b.open_until.is_none_or(|t| Instant::now() >= t)
    }

    fn record(&self, ok: bool, what: &str, error: Option<String>) {
        let mut b = self
            .breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ok {
            b.open_until = None;
            if !self.healthy.swap(true, Ordering::Relaxed) {
                tracing::info!("redis is back: shared limits resume");
            }
        } else {
            b.open_until = Some(Instant::now() + OPEN_FOR);
            if self.healthy.swap(false, Ordering::Relaxed) {
                tracing::warn!(
                    call = what,
                    error = error.as_deref().unwrap_or("timeout"),
                    "redis unavailable: serving on local limits"
                );
            }
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, String> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1);
        let c = self
            .client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| e.to_string())?;
        *guard = Some(c.clone());
        Ok(c)
    }

    /// Runs `call` on Redis unless the breaker is open; `None` when skipped or failed.
    async fn call<T, F, Fut>(&self, what: &str, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if !self.allowed() {
            return None;
        }
        let attempt = async {
            let conn = self.connection().await?;
            call(conn).await.map_err(|e| e.to_string())
        };
        match tokio::time::timeout(CALL_TIMEOUT, attempt).await {
            Ok(Ok(v)) => {
                self.record(true, what, None);
                Some(v)
            }
            Ok(Err(e)) => {
                self.record(false, what, Some(e));
                None
            }
            Err(_) => {
                self.record(false, what, None);
                None
            }
        }
    }

    /// Adds `delta` to a counter (created at `seed` with `ttl_secs` expiry if
    /// missing); the new total, or `None` when Redis is unavailable.
    pub async fn add(&self, key: &str, delta: u64, seed: u64, ttl_secs: u64) -> Option<u64> {
        self.call("add", |mut c| async move {
            self.add
                .key(key)
                .arg(delta)
                .arg(seed)
                .arg(ttl_secs)
                .invoke_async::<u64>(&mut c)
                .await
        })
        .await
    }

    /// Counts one call in a fixed window; the count, or `None` when Redis is unavailable.
    pub async fn hit(&self, key: &str, ttl_secs: u64) -> Option<u64> {
        self.call("window", |mut c| async move {
            self.window
                .key(key)
                .arg(ttl_secs)
                .invoke_async::<u64>(&mut c)
                .await
        })
        .await
    }

    /// Says this instance is alive; how many instances are (itself included),
    /// or `None` when Redis is unavailable.
    pub async fn heartbeat(&self) -> Option<u32> {
        let key = self.key("instances");
        let now = chrono::Utc::now().timestamp_millis();
        let timeout = i64::try_from(INSTANCE_TIMEOUT.as_millis()).unwrap_or(3_000);
        self.call("heartbeat", |mut c| async move {
            self.heartbeat
                .key(key)
                .arg(&self.instance)
                .arg(now)
                .arg(timeout)
                .invoke_async::<u32>(&mut c)
                .await
        })
        .await
    }

    /// Leaves the set of live instances (at shutdown).
    pub async fn leave(&self) {
        let key = self.key("instances");
        let _: Option<()> = self
            .call("leave", |mut c| async move {
                redis::cmd("ZREM")
                    .arg(key)
                    .arg(&self.instance)
                    .query_async::<i64>(&mut c)
                    .await
                    .map(|_| ())
            })
            .await;
    }

    /// Tells the other instances (best effort: the periodic re-check catches a lost message).
    pub async fn publish(&self, change: Invalidation) {
        let message = change.encode();
        let channel = self.key("invalidate");
        let _: Option<()> = self
            .call("publish", |mut c| async move {
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(message)
                    .query_async::<i64>(&mut c)
                    .await
                    .map(|_| ())
            })
            .await;
    }

    /// Listens to the channel until `tx` closes, reconnecting after a pause
    /// whenever the subscription breaks; `on_connect` runs after each
    /// (re)subscription, so messages missed meanwhile can be made up for.
    pub async fn listen(&self, tx: mpsc::UnboundedSender<Option<Invalidation>>) {
        while !tx.is_closed() {
            // Bounded: an unreachable host must not hang the listener.
            let connected = tokio::time::timeout(OPEN_FOR, self.client.get_async_pubsub()).await;
            match connected.unwrap_or_else(|_| {
                Err(redis::RedisError::from((
                    redis::ErrorKind::Io,
                    "subscription connect timed out",
                )))
            }) {
                Ok(mut pubsub) => {
                    if pubsub.subscribe(self.key("invalidate")).await.is_ok() {
                        // `None`: resubscribed, changes may have been missed.
                        let _ = tx.send(None);
                        let mut stream = pubsub.on_message();
                        while let Some(msg) = stream.next().await {
                            let text: String = msg.get_payload().unwrap_or_default();
                            if let Some(change) = Invalidation::decode(&text)
                                && tx.send(Some(change)).is_err()
                            {
                                return;
                            }
                        }
                    }
                    tracing::warn!("redis subscription lost; resubscribing");
                }
                Err(e) => tracing::debug!(error = %e, "redis subscription failed"),
            }
            tokio::time::sleep(OPEN_FOR).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidations_round_trip_as_text() {
        let id = Uuid::new_v4();
        for change in [Invalidation::Project(id), Invalidation::Org(id)] {
            assert_eq!(Invalidation::decode(&change.encode()), Some(change));
        }
        assert_eq!(Invalidation::decode("mock:x"), None);
        assert_eq!(Invalidation::decode("garbage"), None);
    }
}
