//! `mockbird verify`: asks the server's verification API how many requests
//! of a kind a project received, and whether that is what CI expected.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::client::{Api, encode};
use crate::error::CliResult;

/// How many requests are expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "n")]
pub enum Expected {
    /// Exactly this many.
    Exactly(u64),
    /// At least.
    AtLeast(u64),
    /// At most.
    AtMost(u64),
}

impl Expected {
    /// Whether `count` is what was expected.
    pub fn holds(self, count: u64) -> bool {
        match self {
            Expected::Exactly(n) => count == n,
            Expected::AtLeast(n) => count >= n,
            Expected::AtMost(n) => count <= n,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Exactly(n) => write!(f, "exactly {n}"),
            Expected::AtLeast(n) => write!(f, "at least {n}"),
            Expected::AtMost(n) => write!(f, "at most {n}"),
        }
    }
}

/// The filters of a verification, as the API names them.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `method`.
    pub method: Option<String>,
    /// `path`: exact, or a pattern with `{param}` / `{*rest}`.
    pub path: Option<String>,
    /// `mockId`.
    pub mock_id: Option<String>,
    /// `startDate` (RFC 3339).
    pub since: Option<String>,
    /// `endDate` (RFC 3339).
    pub until: Option<String>,
}

impl Filters {
    fn query(&self) -> String {
        let pairs = [
            ("method", &self.method),
            ("path", &self.path),
            ("mockId", &self.mock_id),
            ("startDate", &self.since),
            ("endDate", &self.until),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", encode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// How long an "exactly" or "at most" verification lets the log settle
/// first (the server stores entries within about 0.2 s).
pub const SETTLE: Duration = Duration::from_millis(500);

/// The outcome: the server's answer, what was expected, and whether it held.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Whether the count is as expected.
    pub ok: bool,
    /// What was expected (absent: only counted).
    pub expected: Option<Expected>,
    /// The server's verification: `count`, `complete`, `scanned`, `unmatched`.
    pub verification: Value,
}

/// Asks until the count holds or `wait` is over (log entries are stored a
/// fraction of a second after they are served).
pub async fn verify(
    api: &Api,
    pid: &str,
    filters: &Filters,
    expected: Option<Expected>,
    wait: Duration,
) -> CliResult<Outcome> {
    let path = format!("/api/projects/{pid}/verify?{}", filters.query());
    let started = Instant::now();
    // A count that may only grow past what is expected ("exactly", "at
    // most") could hold before the last entries are stored: let them land.
    if matches!(expected, Some(Expected::Exactly(_) | Expected::AtMost(_))) {
        tokio::time::sleep(SETTLE.min(wait)).await;
    }
    loop {
        let verification = api.get(&path).await?;
        let count = verification["count"].as_u64().unwrap_or(0);
        let ok = expected.is_none_or(|e| e.holds(count));
        if ok || started.elapsed() >= wait {
            return Ok(Outcome {
                ok,
                expected,
                verification,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
