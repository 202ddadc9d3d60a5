//! `/metrics`: the server's Prometheus registry (the `prometheus` crate),
//! with process figures (CPU, memory, file descriptors) next to MockBird's
//! own: requests by route class and status class, `/m/` and `/api`
//! latency, snapshot cache use, request log counters and Redis health.

use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Upper bounds (seconds) of the latency histograms.
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

/// The registry and the handles the hot paths count with (each an atomic:
/// no label lookup per request).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// `[class][status class 1xx..5xx]`.
    requests: [[IntCounter; 5]; 3],
    mock_latency: Histogram,
    api_latency: Histogram,
    /// Snapshot cache hits.
    pub cache_hits: IntCounter,
    /// Snapshot cache misses (compiles).
    pub cache_misses: IntCounter,
    redis_up: IntGauge,
}

fn histogram(name: &str, help: &str) -> Histogram {
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(BUCKETS.to_vec()))
        .expect("a valid histogram")
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new();
        let requests_vec = IntCounterVec::new(
            Opts::new(
                "mockbird_requests_total",
                "Requests answered, by route class and status class.",
            ),
            &["route", "status"],
        )
        .expect("a valid counter");
        let requests = ["api", "mock", "ops"].map(|route| {
            ["1xx", "2xx", "3xx", "4xx", "5xx"]
                .map(|status| requests_vec.with_label_values(&[route, status]))
        });
        let cache = IntCounterVec::new(
            Opts::new(
                "mockbird_snapshot_cache_total",
                "Compiled-project cache lookups.",
            ),
            &["result"],
        )
        .expect("a valid counter");
        let metrics = Metrics {
            requests,
            mock_latency: histogram(
                "mockbird_mock_latency_seconds",
                "Time to answer /m/ requests.",
            ),
            api_latency: histogram(
                "mockbird_api_latency_seconds",
                "Time to answer /api requests.",
            ),
            cache_hits: cache.with_label_values(&["hit"]),
            cache_misses: cache.with_label_values(&["miss"]),
            redis_up: IntGauge::new(
                "mockbird_redis_up",
                "Whether Redis answered the last call (1), or the breaker skips it (0); absent without Redis.",
            )
            .expect("a valid gauge"),
            registry,
        };
        metrics.register(requests_vec);
        metrics.register(cache);
        metrics.register(metrics.mock_latency.clone());
        metrics.register(metrics.api_latency.clone());
        #[cfg(target_os = "linux")]
        metrics.register(prometheus::process_collector::ProcessCollector::for_self());
        metrics
    }
}

impl Metrics {
    /// Adds a collector (e.g. the request log's counters) to `/metrics`.
    pub fn register(&self, collector: impl Collector + 'static) {
        if let Err(e) = self.registry.register(Box::new(collector)) {
            tracing::error!(error = %e, "metric not registered");
        }
    }

    /// Counts one answered request.
    pub fn request(&self, class: RouteClass, status: u16) {
        let i = usize::from((status / 100).clamp(1, 5) - 1);
        self.requests[class as usize][i].inc();
    }

    /// Records how long a mock request took.
    pub fn mock_latency(&self, took: Duration) {
        self.mock_latency.observe(took.as_secs_f64());
    }

    /// Records how long an `/api` request took.
    pub fn api_latency(&self, took: Duration) {
        self.api_latency.observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition; `redis_up` is Redis' health when
    /// there is a Redis.
    pub fn render(&self, redis_up: Option<bool>) -> String {
        let mut families = self.registry.gather();
        if let Some(up) = redis_up {
            self.redis_up.set(i64::from(up));
            families.extend(self.redis_up.collect());
        }
        prometheus::TextEncoder::new()
            .encode_to_string(&families)
            .unwrap_or_else(|e| format!("# metrics could not be encoded: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_and_process_figures_are_there() {
        let m = Metrics::default();
        m.mock_latency(Duration::from_micros(400));
        m.mock_latency(Duration::from_millis(3));
        m.mock_latency(Duration::from_secs(2));
        m.request(RouteClass::Api, 201);
        let text = m.render(Some(false));
        for line in [
            "mockbird_mock_latency_seconds_bucket{le=\"0.0005\"} 1",
            "mockbird_mock_latency_seconds_bucket{le=\"0.0025\"} 1",
            "mockbird_mock_latency_seconds_bucket{le=\"0.005\"} 2",
            "mockbird_mock_latency_seconds_bucket{le=\"1\"} 2",
            "mockbird_mock_latency_seconds_bucket{le=\"+Inf\"} 3",
            "mockbird_mock_latency_seconds_count 3",
            "mockbird_requests_total{route=\"api\",status=\"2xx\"} 1",
            "mockbird_redis_up 0",
            "process_resident_memory_bytes ",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(!m.render(None).contains("mockbird_redis_up"));
    }
}
