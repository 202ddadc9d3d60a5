//! Plans enforced on traffic: the monthly request quota of each organization
//! (429 `SUBSCRIPTION_LIMIT` on `/m/`), the burst limit per mock and client IP
//! (429 `RATE_LIMIT_EXCEEDED` + `Retry-After`), and the per-minute `/api` limit
//! per user, key or anonymous client IP.
//!
//! The hot path never waits on I/O: quota counts are atomics, flushed by one
//! background task — to Redis when configured (one count for all instances,
//! via a Lua script) every [`SHARED_FLUSH`], or at once when the waiting
//! requests reach [`OrgQuota::flush_threshold`] (a quarter of the room left
//! per instance, never less than [`FLUSH_BATCH`]), and to the store every
//! [`STORE_FLUSH`]. Far from the limit a busy organization costs ~10 Redis
//! calls a second, not one per 32 requests. Overshoot is bounded: each
//! instance can admit at most the requests it has not flushed yet beyond what
//! the others know — while the room is large that is under a quarter of it
//! per instance (no overshoot), near the limit ≤ `FLUSH_BATCH` plus what
//! arrives during one Redis round trip. With Redis down, each instance goes on counting
//! locally (the [`crate::adapters::cluster`] breaker answers at once) and adds its
//! backlog when Redis is back.
//!
//! Burst buckets live in each instance (a per-request Redis round trip would
//! cost more than the mock itself); with Redis, instances announce themselves
//! every second and each refills at `burstPerSecond ÷ live instances`, so the
//! limit holds across instances when a load balancer spreads a client's
//! traffic. The `/api` window is one Redis counter per caller and minute when
//! Redis is up, else per instance.

mod burst;
mod quota;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mockbird_core::model::{Plan, Role};
use mockbird_core::service::EmailService;
use mockbird_core::store::DatabaseService;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub(crate) use burst::Bursts;
pub(crate) use quota::{OrgQuota, QuotaStatus, month_of, seconds_to_month_end};

use crate::adapters::cluster::{Invalidation, Shared};
use crate::error::ApiResult;

/// Longest counted requests wait before they are added to the shared counter.
pub(crate) const SHARED_FLUSH: Duration = Duration::from_millis(100);
/// Waiting requests that trigger a shared flush at once near the limit
/// (further from it, [`OrgQuota::flush_threshold`] allows more).
pub(crate) const FLUSH_BATCH: u64 = 32;
/// How often counts are added to the store.
pub(crate) const STORE_FLUSH: Duration = Duration::from_secs(1);
/// How often plans are re-read from the store (backstop for a lost message).
pub(crate) const PLAN_RECHECK: Duration = Duration::from_secs(10);
/// Default `/api` calls per minute and caller.
pub(crate) const DEFAULT_API_LIMIT: u32 = 600;

/// `X-RateLimit-Limit`.
pub(crate) const X_RATELIMIT_LIMIT: http::HeaderName =
    http::HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`.
pub(crate) const X_RATELIMIT_REMAINING: http::HeaderName =
    http::HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`.
pub(crate) const X_RATELIMIT_RESET: http::HeaderName =
    http::HeaderName::from_static("x-ratelimit-reset");

/// Sets the three `X-RateLimit-*` headers (the limit and what is left, as
/// numbers or `unlimited`; seconds to the reset).
pub(crate) fn set_rate_headers(
    headers: &mut http::HeaderMap,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_secs: u64,
) {
    let value = |n: Option<u64>| {
        n.map_or(
            http::HeaderValue::from_static("unlimited"),
            http::HeaderValue::from,
        )
    };
    headers.insert(X_RATELIMIT_LIMIT, value(limit));
    headers.insert(X_RATELIMIT_REMAINING, value(remaining));
    headers.insert(X_RATELIMIT_RESET, http::HeaderValue::from(reset_secs));
}

/// The state of one caller's `/api` minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowStatus {
    /// Calls allowed per minute.
    pub limit: u32,
    /// Calls left in this minute.
    pub remaining: u32,
    /// Seconds until the minute ends.
    pub reset_secs: u64,
    /// Whether this call is within the limit.
    pub allowed: bool,
}

/// What the limits need from the rest of the server.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Plans on offer.
    pub plans: Arc<Vec<Plan>>,
    /// `/api` calls per minute and caller.
    pub api_per_minute: u32,
    /// Base URL for links in alert emails.
    pub public_url: String,
}

/// The limits of every organization this process has served.
#[derive(Debug)]
pub struct Limits {
    store: Arc<dyn DatabaseService>,
    email: Arc<dyn EmailService>,
    shared: Option<Arc<Shared>>,
    config: LimitsConfig,
    quotas: RwLock<HashMap<Uuid, Arc<OrgQuota>>>,
    bursts: Bursts,
    windows: Mutex<HashMap<String, (u64, u32)>>,
    wake: Notify,
    /// Live instances sharing the limits (1 without Redis).
    instances: std::sync::atomic::AtomicU32,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Limits {
    /// The limits; [`Limits::start`] runs their flusher.
    pub fn new(
        store: Arc<dyn DatabaseService>,
        email: Arc<dyn EmailService>,
        shared: Option<Arc<Shared>>,
        config: LimitsConfig,
    ) -> Arc<Self> {
        Arc::new(Limits {
            store,
            email,
            shared,
            config,
            quotas: RwLock::default(),
            bursts: Bursts::default(),
            windows: Mutex::default(),
            wake: Notify::new(),
            instances: std::sync::atomic::AtomicU32::new(1),
            stop: watch::channel(false).0,
            task: Mutex::default(),
        })
    }

    /// Starts the background flusher on the current runtime.
    pub fn start(self: &Arc<Self>) {
        let me = self.clone();
        let stopped = self.stop.subscribe();
        let handle = tokio::spawn(async move { me.run(stopped).await });
        *self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handle);
    }

    /// Stops the flusher and flushes every count (shared and store).
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let handle = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = h.await;
        }
    }

    fn plan(&self, tier: &str) -> Option<&Plan> {
        self.config.plans.iter().find(|p| p.tier == tier)
    }

    /// The quota state of an organization, loaded on first use.
    pub async fn quota(&self, org_id: Uuid) -> ApiResult<Arc<OrgQuota>> {
        if let Some(q) = self.read_quotas().get(&org_id) {
            return Ok(q.clone());
        }
        let org = self.store.org(org_id).await?;
        let now = mockbird_core::clock::now();
        let used = self
            .store
            .usage(org_id, &month_of(now))
            .await?
            .request_count;
        let fresh = Arc::new(OrgQuota::new(org_id, self.plan(&org.plan), used, now));
        let mut map = self
            .quotas
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(map.entry(org_id).or_insert(fresh).clone())
    }

    fn read_quotas(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Uuid, Arc<OrgQuota>>> {
        self.quotas
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one request against the quota (wakes the flusher when a batch is waiting).
    pub fn count(&self, quota: &OrgQuota) {
        if quota.count() >= quota.flush_threshold(self.instances()) {
            self.wake.notify_one();
        }
    }

    /// Takes a burst token for `mock` from `ip` for a request that arrived at
    /// `now`; `Err(wait)` when over the limit.
    pub fn burst(
        &self,
        quota: &OrgQuota,
        mock: Uuid,
        ip: IpAddr,
        now: Instant,
    ) -> Result<(), Duration> {
        match quota.burst() {
            Some(rate) => {
                let instances = self.instances.load(Ordering::Relaxed).max(1);
                self.bursts.take(mock, ip, rate.div_ceil(instances), now)
            }
            None => Ok(()),
        }
    }

    /// Counts one `/api` call of `who` in the current minute.
    pub async fn api_call(&self, who: &str) -> WindowStatus {
        self.window(who, self.config.api_per_minute).await
    }

    /// Counts one attempt of `who` (a key such as `login:ip:…`) in the
    /// current minute against `limit` per minute.
    pub async fn window(&self, who: &str, limit: u32) -> WindowStatus {
        let now = mockbird_core::clock::now();
        let secs = u64::try_from(now.timestamp()).unwrap_or(0);
        let minute = secs / 60;
        let reset_secs = 60 - secs % 60;
        let shared = match &self.shared {
            Some(s) => s.hit(&s.key(&format!("api:{who}:{minute}")), 120).await,
            None => None,
        };
        let count = match shared {
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
            None => {
                let mut w = self
                    .windows
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let entry = w.entry(who.to_owned()).or_insert((minute, 0));
                if entry.0 != minute {
                    *entry = (minute, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                entry.1
            }
        };
        WindowStatus {
            limit,
            remaining: limit.saturating_sub(count),
            reset_secs,
            allowed: count <= limit,
        }
    }

    /// Applies an organization's (new) plan at once, here and — through Redis — on every instance.
    pub async fn plan_changed(&self, org_id: Uuid, tier: &str) {
        if let Some(q) = self.read_quotas().get(&org_id) {
            q.set_plan(self.plan(tier));
        }
        if let Some(s) = &self.shared {
            s.publish(Invalidation::Org(org_id)).await;
        }
    }

    /// Re-reads an organization's plan from the store (another instance changed it).
    pub async fn reload_plan(&self, org_id: Uuid) {
        let q = self.read_quotas().get(&org_id).cloned();
        if let Some(q) = q
            && let Ok(org) = self.store.org(org_id).await
        {
            q.set_plan(self.plan(&org.plan));
        }
    }

    /// This month's usage: what the store holds plus what this process has not saved yet.
    pub async fn usage(&self, org_id: Uuid) -> ApiResult<(String, u64, u64)> {
        let month = month_of(mockbird_core::clock::now());
        let stored = self.store.usage(org_id, &month).await?;
        let (requests, bytes) = match self.read_quotas().get(&org_id) {
            Some(q) => (
                q.unsaved.load(Ordering::Relaxed),
                q.unsaved_bytes.load(Ordering::Relaxed),
            ),
            None => (0, 0),
        };
        Ok((
            month,
            stored.request_count + requests,
            stored.bandwidth_bytes + bytes,
        ))
    }

    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(SHARED_FLUSH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let started = Instant::now();
        let mut last_store = started;
        let mut last_plans = started;
        let mut last_sync = started;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.wake.notified() => {}
                _ = stopped.changed() => break,
            }
            let now = Instant::now();
            // Every 500 ms even idle organizations re-read the shared count (others' traffic).
            let sync_all = now.duration_since(last_sync) >= SHARED_FLUSH * 5;
            if sync_all {
                last_sync = now;
            }
            self.flush_shared(sync_all).await;
            if now.duration_since(last_store) >= STORE_FLUSH {
                last_store = now;
                if let Some(n) = match &self.shared {
                    Some(s) => s.heartbeat().await,
                    None => None,
                } {
                    self.instances.store(n.max(1), Ordering::Relaxed);
                }
                self.flush_store().await;
                self.bursts.sweep(Duration::from_secs(2), now);
                self.sweep_windows();
            }
            if now.duration_since(last_plans) >= PLAN_RECHECK {
                last_plans = now;
                let orgs: Vec<Uuid> = self.read_quotas().keys().copied().collect();
                for org in orgs {
                    self.reload_plan(org).await;
                }
            }
        }
        self.flush_shared(false).await;
        self.flush_store().await;
        if let Some(s) = &self.shared {
            s.leave().await;
        }
    }

    /// Live instances sharing the limits, as last heard from Redis (1 without it).
    pub fn instances(&self) -> u32 {
        self.instances.load(Ordering::Relaxed)
    }

    fn all_quotas(&self) -> Vec<Arc<OrgQuota>> {
        self.read_quotas().values().cloned().collect()
    }

    /// Moves waiting counts to the shared counter and reads back the total.
    async fn flush_shared(&self, sync_all: bool) {
        let now = mockbird_core::clock::now();
        for q in self.all_quotas() {
            self.roll_month(&q, now).await;
            let d = q.pending.load(Ordering::Acquire);
            if d == 0 && !sync_all {
                continue;
            }
            q.in_flight.fetch_add(d, Ordering::AcqRel);
            q.pending.fetch_sub(d, Ordering::AcqRel);
            let total = match &self.shared {
                Some(s) => {
                    let key = s.key(&format!("usage:{}:{}", q.org_id, month_of(now)));
                    let seed = q.base.load(Ordering::Acquire);
                    // Kept a little past the month's end.
                    let ttl = seconds_to_month_end(now) + 86_400;
                    s.add(&key, d, seed, ttl).await
                }
                None => Some(q.base.load(Ordering::Acquire) + d),
            };
            match total {
                Some(total) => {
                    q.base.store(total, Ordering::Release);
                    q.in_flight.fetch_sub(d, Ordering::AcqRel);
                }
                None => {
                    // Redis unavailable: keep the counts waiting (still enforced locally).
                    q.pending.fetch_add(d, Ordering::AcqRel);
                    q.in_flight.fetch_sub(d, Ordering::AcqRel);
                }
            }
            self.check_alerts(&q, now).await;
        }
    }

    /// At a new month: the old month's unsaved counts go to the store, counting restarts at 0.
    async fn roll_month(&self, q: &OrgQuota, now: DateTime<Utc>) {
        let month = quota::month_number(now);
        if q.month.load(Ordering::Acquire) == month {
            return;
        }
        self.save(q).await;
        q.month.store(month, Ordering::Release);
        q.base.store(0, Ordering::Release);
        q.alerted_80.store(false, Ordering::Relaxed);
        q.alerted_100.store(false, Ordering::Relaxed);
    }

    async fn flush_store(&self) {
        for q in self.all_quotas() {
            self.save(&q).await;
        }
    }

    /// Adds `q`'s unsaved counts to the store (given back on failure, for the next try).
    async fn save(&self, q: &OrgQuota) {
        let requests = q.unsaved.swap(0, Ordering::AcqRel);
        let bytes = q.unsaved_bytes.swap(0, Ordering::AcqRel);
        if requests == 0 && bytes == 0 {
            return;
        }
        let m = q.month.load(Ordering::Acquire);
        let month = format!("{:04}-{:02}", m / 12, m % 12 + 1);
        if let Err(e) = self
            .store
            .add_usage(q.org_id, &month, requests, bytes)
            .await
        {
            tracing::warn!(org = %q.org_id, error = %e, "usage not saved; retrying");
            q.unsaved.fetch_add(requests, Ordering::AcqRel);
            q.unsaved_bytes.fetch_add(bytes, Ordering::AcqRel);
        }
    }

    fn sweep_windows(&self) {
        let minute = u64::try_from(mockbird_core::clock::now().timestamp()).unwrap_or(0) / 60;
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, (m, _)| *m == minute);
    }

    /// Sends the 80 % and 100 % usage alerts, each once per organization and month.
    async fn check_alerts(&self, q: &OrgQuota, now: DateTime<Utc>) {
        let Some(limit) = q.limit() else { return };
        let used = q.used();
        for (percent, flag) in [(100u8, &q.alerted_100), (80u8, &q.alerted_80)] {
            if used.saturating_mul(100) < limit.saturating_mul(u64::from(percent))
                || flag.load(Ordering::Relaxed)
            {
                continue;
            }
            flag.store(true, Ordering::Relaxed);
            let month = month_of(now);
            match self
                .store
                .claim_usage_alert(q.org_id, &month, percent)
                .await
            {
                // Sent off the flusher: a slow mail server must not hold up counting.
                Ok(true) => {
                    let (store, email) = (self.store.clone(), self.email.clone());
                    let billing = format!("{}/billing", self.config.public_url);
                    let org = q.org_id;
                    tokio::spawn(async move {
                        send_alert(store, email, org, percent, used, limit, billing).await;
                    });
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(org = %q.org_id, error = %e, "usage alert not recorded");
                    flag.store(false, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Emails the owners of `org_id` that `percent` of the quota is used.
async fn send_alert(
    store: Arc<dyn DatabaseService>,
    email: Arc<dyn EmailService>,
    org_id: Uuid,
    percent: u8,
    used: u64,
    limit: u64,
    billing: String,
) {
    let (org, members) = match (store.org(org_id).await, store.members(org_id).await) {
        (Ok(o), Ok(m)) => (o, m),
        _ => return,
    };
    for owner in members.iter().filter(|m| m.role == Role::Owner) {
        let message = crate::emails::usage_alert(
            &owner.user.email,
            &org.name,
            percent,
            used,
            limit,
            &billing,
        );
        if let Err(e) = email.send(message).await {
            tracing::warn!(org = %org_id, error = %e, "usage alert email failed");
        }
    }
}
