//! Monthly request quotas per organization, counted locally on the hot path
//! (atomics, no I/O) and flushed in small batches: to Redis (the count all
//! instances share) every [`super::SHARED_FLUSH`] or after
//! [`OrgQuota::flush_threshold`] requests, and to the store (what survives
//! restarts and what `GET /api/usage` reads) every [`super::STORE_FLUSH`].

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use chrono::{DateTime, Datelike, Utc};
use mockbird_core::model::Plan;
use uuid::Uuid;

/// `u64::MAX` stands for "no limit" in the atomics below.
pub(crate) const UNLIMITED: u64 = u64::MAX;

/// `YYYY-MM` of an instant.
pub(crate) fn month_of(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// The month as one number (`YYYY * 12 + M`), for atomics.
pub(crate) fn month_number(t: DateTime<Utc>) -> u32 {
    u32::try_from(t.year()).unwrap_or(0) * 12 + t.month0()
}

/// Seconds from `now` to the start of next month (UTC).
pub(crate) fn seconds_to_month_end(now: DateTime<Utc>) -> u64 {
    // Every `/m/` answer says this (`X-RateLimit-Reset`): the month's end is
    // worked out once per month and kept as `month << 40 | end (Unix seconds)`.
    static CACHE: AtomicU64 = AtomicU64::new(0);
    let month = u64::from(month_number(now));
    let cached = CACHE.load(Ordering::Relaxed);
    let end = if cached >> 40 == month {
        i64::try_from(cached & ((1 << 40) - 1)).unwrap_or(0)
    } else {
        let end = next_month_start(now);
        if let Ok(e) = u64::try_from(end)
            && e < 1 << 40
        {
            CACHE.store(month << 40 | e, Ordering::Relaxed);
        }
        end
    };
    let micros = end.saturating_mul(1_000_000) - now.timestamp_micros();
    u64::try_from((micros / 1_000_000).max(0)).unwrap_or(0)
}

/// The start of the month after `now`'s, in Unix seconds.
fn next_month_start(now: DateTime<Utc>) -> i64 {
    let (y, m) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    chrono::NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now.timestamp(), |d| d.and_utc().timestamp())
}

/// One organization's quota state in this process.
#[derive(Debug)]
pub struct OrgQuota {
    /// The organization.
    pub org_id: Uuid,
    /// Requests allowed per month ([`UNLIMITED`] for none).
    pub(crate) limit: AtomicU64,
    /// Burst refill per second (0 = no burst limit).
    pub(crate) burst: AtomicU32,
    /// Month counted ([`month_number`]).
    pub(crate) month: AtomicU32,
    /// The count last known from the shared counter (Redis, or this process alone).
    pub(crate) base: AtomicU64,
    /// Counted since the last shared flush.
    pub(crate) pending: AtomicU64,
    /// Taken from `pending` by a shared flush still in progress.
    pub(crate) in_flight: AtomicU64,
    /// Counted since the last store flush.
    pub(crate) unsaved: AtomicU64,
    /// Response bytes since the last store flush.
    pub(crate) unsaved_bytes: AtomicU64,
    /// Usage alerts already handled this month (80 %, 100 %).
    pub(crate) alerted_80: AtomicBool,
    pub(crate) alerted_100: AtomicBool,
}

/// What a quota check says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaStatus {
    /// Monthly limit (`None` = unlimited).
    pub limit: Option<u64>,
    /// Requests left this month (`None` = unlimited).
    pub remaining: Option<u64>,
    /// Seconds until the quota resets (next month, UTC).
    pub reset_secs: u64,
}

impl OrgQuota {
    /// State for `plan`, starting from `count` requests already used in `now`'s month.
    pub(crate) fn new(org_id: Uuid, plan: Option<&Plan>, count: u64, now: DateTime<Utc>) -> Self {
        let q = OrgQuota {
            org_id,
            limit: AtomicU64::new(UNLIMITED),
            burst: AtomicU32::new(0),
            month: AtomicU32::new(month_number(now)),
            base: AtomicU64::new(count),
            pending: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            unsaved: AtomicU64::new(0),
            unsaved_bytes: AtomicU64::new(0),
            alerted_80: AtomicBool::new(false),
            alerted_100: AtomicBool::new(false),
        };
        q.set_plan(plan);
        q
    }

    /// Applies a plan's limits at once.
    pub(crate) fn set_plan(&self, plan: Option<&Plan>) {
        let limit = plan.and_then(|p| p.request_limit).unwrap_or(UNLIMITED);
        let burst = plan.and_then(|p| p.burst_per_second).unwrap_or(0);
        self.limit.store(limit, Ordering::Relaxed);
        self.burst.store(burst, Ordering::Relaxed);
    }

    /// Requests counted this month as far as this process knows.
    pub fn used(&self) -> u64 {
        self.base.load(Ordering::Acquire)
            + self.in_flight.load(Ordering::Acquire)
            + self.pending.load(Ordering::Acquire)
    }

    /// The monthly limit, `None` when unlimited.
    pub fn limit(&self) -> Option<u64> {
        let l = self.limit.load(Ordering::Relaxed);
        (l != UNLIMITED).then_some(l)
    }

    /// Burst refill per second, `None` when unlimited.
    pub fn burst(&self) -> Option<u32> {
        let b = self.burst.load(Ordering::Relaxed);
        (b != 0).then_some(b)
    }

    /// Whether one more request fits in this month's quota (nothing is counted).
    pub fn has_room(&self) -> bool {
        self.limit().is_none_or(|l| self.used() < l)
    }

    /// Counts one request; returns how many are now waiting for a shared flush.
    pub fn count(&self) -> u64 {
        self.unsaved.fetch_add(1, Ordering::Relaxed);
        self.pending.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Waiting requests that call for a shared flush before the next tick:
    /// a quarter of the room left per instance, at least
    /// [`super::FLUSH_BATCH`]; never for a plan without a quota. Even if every
    /// instance holds that many unflushed, together they stay inside the
    /// room, so overshoot only starts near the limit, where the threshold is
    /// `FLUSH_BATCH`.
    pub fn flush_threshold(&self, instances: u32) -> u64 {
        match self.limit() {
            None => u64::MAX,
            Some(limit) => {
                let room = limit.saturating_sub(self.used());
                (room / (4 * u64::from(instances.max(1)))).max(super::FLUSH_BATCH)
            }
        }
    }

    /// Adds response bytes to the bandwidth counter.
    pub fn add_bytes(&self, bytes: u64) {
        self.unsaved_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The rate-limit headers' values at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> QuotaStatus {
        let limit = self.limit();
        QuotaStatus {
            limit,
            remaining: limit.map(|l| l.saturating_sub(self.used())),
            reset_secs: seconds_to_month_end(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn months_and_resets() {
        assert_eq!(month_of(at("2026-11-23T10:00:00Z")), "2026-11");
        assert_eq!(seconds_to_month_end(at("2026-12-31T23:59:00Z")), 60);
        assert_eq!(seconds_to_month_end(at("2026-11-30T00:00:00Z")), 86_400);
        assert_eq!(seconds_to_month_end(at("2026-11-30T23:59:59.5Z")), 0);
        assert_eq!(seconds_to_month_end(at("2026-11-30T23:59:58.5Z")), 1);
        // Asked again for a month already worked out, and for the one before.
        assert_eq!(seconds_to_month_end(at("2026-12-31T23:59:00Z")), 60);
        assert_eq!(seconds_to_month_end(at("2026-11-30T00:00:00Z")), 86_400);
        assert!(
            month_number(at("2027-01-01T00:00:00Z")) > month_number(at("2026-12-31T00:00:00Z"))
        );
    }

    #[test]
    fn a_quota_admits_until_its_limit() {
        let plan = Plan {
            request_limit: Some(3),
            ..Plan::defaults()[0].clone()
        };
        let q = OrgQuota::new(Uuid::nil(), Some(&plan), 1, at("2026-11-23T10:00:00Z"));
        assert!(q.has_room());
        q.count();
        assert!(q.has_room());
        q.count();
        assert!(!q.has_room());
        let s = q.status(at("2026-11-30T00:00:00Z"));
        assert_eq!(
            (s.limit, s.remaining, s.reset_secs),
            (Some(3), Some(0), 86_400)
        );
        q.set_plan(None);
        assert!(q.has_room());
        assert_eq!(q.status(at("2026-11-30T00:00:00Z")).remaining, None);
        assert_eq!(q.flush_threshold(1), u64::MAX);
    }

    #[test]
    fn flushes_come_sooner_near_the_limit() {
        let plan = Plan {
            request_limit: Some(100_000),
            ..Plan::defaults()[0].clone()
        };
        let q = OrgQuota::new(Uuid::nil(), Some(&plan), 0, at("2026-11-23T10:00:00Z"));
        assert_eq!(q.flush_threshold(1), 25_000);
        assert_eq!(q.flush_threshold(2), 12_500);
        q.base.store(99_000, Ordering::Relaxed);
        assert_eq!(q.flush_threshold(2), 125);
        q.base.store(99_990, Ordering::Relaxed);
        assert_eq!(q.flush_threshold(2), super::super::FLUSH_BATCH);
    }
}
