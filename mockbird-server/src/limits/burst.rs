//! The burst limit: a token bucket per mock and client IP, refilled at the
//! plan's `burstPerSecond` with room for twice that. Buckets live in this
//! process (sharded maps); idle ones are swept.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

const SHARDS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// All buckets.
#[derive(Debug)]
pub(crate) struct Bursts {
    shards: Vec<Mutex<HashMap<(Uuid, IpAddr), Bucket>>>,
}

impl Default for Bursts {
    fn default() -> Self {
        Bursts {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Bursts {
    /// The shard of a key, from the low bits of the mock id and the address:
    /// spreading is all that is needed here (each shard's map hashes keys
    /// with its own random keys, so chosen keys cannot degrade it).
    fn shard(&self, (mock, ip): &(Uuid, IpAddr)) -> &Mutex<HashMap<(Uuid, IpAddr), Bucket>> {
        let ip_low = match ip {
            IpAddr::V4(v4) => u64::from(v4.octets()[3]),
            IpAddr::V6(v6) => u64::from(v6.octets()[15]),
        };
        let mock_low = mock.as_u64_pair().1;
        &self.shards[((mock_low ^ ip_low) % SHARDS as u64) as usize]
    }

    /// Takes a token for `mock` from `ip` at `rate` per second (capacity
    /// `2 × rate`); `Err(wait)` when the bucket is empty: how long until a token is back.
    pub(crate) fn take(
        &self,
        mock: Uuid,
        ip: IpAddr,
        rate: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        let rate = f64::from(rate.max(1));
        let capacity = 2.0 * rate;
        let key = (mock, ip);
        let mut shard = self
            .shard(&key)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = shard.entry(key).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }

    /// Forgets buckets untouched for `idle` (they would be full again anyway when
    /// `idle` ≥ 2 s, the time any bucket takes to refill).
    pub(crate) fn sweep(&self, idle: Duration, now: Instant) {
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .retain(|_, b| now.saturating_duration_since(b.at) < idle);
        }
    }
}

#[cfg(test)]
impl Bursts {
    /// Buckets held.
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    /// Whether no bucket is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_twice_the_rate_and_refills() {
        let b = Bursts::default();
        let (m, ip) = (Uuid::new_v4(), IpAddr::from([127, 0, 0, 1]));
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(b.take(m, ip, 5, t0).is_ok());
        }
        let wait = b.take(m, ip, 5, t0).unwrap_err();
        assert!(wait <= Duration::from_millis(200) && wait > Duration::ZERO);
        // another client and another mock have their own buckets
        assert!(b.take(m, IpAddr::from([10, 0, 0, 1]), 5, t0).is_ok());
        assert!(b.take(Uuid::new_v4(), ip, 5, t0).is_ok());
        // 400 ms later: two tokens back
        let t1 = t0 + Duration::from_millis(400);
        assert!(b.take(m, ip, 5, t1).is_ok());
        assert!(b.take(m, ip, 5, t1).is_ok());
        assert!(b.take(m, ip, 5, t1).is_err());
        b.sweep(Duration::from_secs(2), t1 + Duration::from_secs(3));
        assert!(b.is_empty());
    }
}
