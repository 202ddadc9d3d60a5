//! Prometheus counters kept with atomics and rendered as text on `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the mock latency histogram.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// Route classes counted separately.
#[derive(Debug, Clone, Copy)]
pub enum RouteClass {
    /// `/api/…`
    Api,
    /// `/m/…` and host-based serving.
    Mock,
    /// Health, readiness, metrics.
    Ops,
}

/// All counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// `[class][status class 1xx..5xx]`.
    requests: [[AtomicU64; 5]; 3],
    mock_latency_buckets: [AtomicU64; BUCKETS.len()],
    mock_latency_count: AtomicU64,
    mock_latency_micros: AtomicU64,
    /// Snapshot cache hits.
    pub cache_hits: AtomicU64,
    /// Snapshot cache misses (compiles).
    pub cache_misses: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, class: RouteClass, status: u16) {
        let i = usize::from((status / 100).clamp(1, 5) - 1);
        self.requests[class as usize][i].fetch_add(1, Ordering::Relaxed);
    }

    /// Records how long a mock request took.
    pub fn mock_latency(&self, took: Duration) {
        // One atomic per request: only the smallest bucket that fits counts
        // here; `render` adds them up into Prometheus' cumulative buckets.
        let secs = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| secs <= *bound) {
            self.mock_latency_buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.mock_latency_count.fetch_add(1, Ordering::Relaxed);
        self.mock_latency_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP mockbird_requests_total Requests answered, by route class and status class.\n",
        );
        out.push_str("# TYPE mockbird_requests_total counter\n");
        for (c, class) in ["api", "mock", "ops"].iter().enumerate() {
            for s in 0..5 {
                let n = self.requests[c][s].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "mockbird_requests_total{{route=\"{class}\",status=\"{}xx\"}} {n}",
                    s + 1
                );
            }
        }
        out.push_str("# HELP mockbird_mock_latency_seconds Time to answer /m/ requests.\n");
        out.push_str("# TYPE mockbird_mock_latency_seconds histogram\n");
        let mut n = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            n += self.mock_latency_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "mockbird_mock_latency_seconds_bucket{{le=\"{bound}\"}} {n}"
            );
        }
        let count = self.mock_latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "mockbird_mock_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.mock_latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "mockbird_mock_latency_seconds_sum {sum}");
        let _ = writeln!(out, "mockbird_mock_latency_seconds_count {count}");
        out.push_str("# HELP mockbird_snapshot_cache_total Compiled-project cache lookups.\n");
        out.push_str("# TYPE mockbird_snapshot_cache_total counter\n");
        let _ = writeln!(
            out,
            "mockbird_snapshot_cache_total{{result=\"hit\"}} {}",
            self.cache_hits.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "mockbird_snapshot_cache_total{{result=\"miss\"}} {}",
            self.cache_misses.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative() {
        let m = Metrics::default();
        m.mock_latency(Duration::from_micros(400));
        m.mock_latency(Duration::from_millis(3));
        m.mock_latency(Duration::from_secs(2));
        let text = m.render();
        for line in [
            "mockbird_mock_latency_seconds_bucket{le=\"0.0005\"} 1",
            "mockbird_mock_latency_seconds_bucket{le=\"0.0025\"} 1",
            "mockbird_mock_latency_seconds_bucket{le=\"0.005\"} 2",
            "mockbird_mock_latency_seconds_bucket{le=\"1\"} 2",
            "mockbird_mock_latency_seconds_bucket{le=\"+Inf\"} 3",
            "mockbird_mock_latency_seconds_count 3",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
