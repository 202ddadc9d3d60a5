//! `mockbird tail`: a project's requests as they are served — from the
//! server's live stream (`GET /api/projects/{id}/logs/stream`), or by
//! polling the log with a cursor where the stream is not available.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use mockbird_core::model::RequestLog;
use serde_json::Value;

use crate::client::{Api, encode};
use crate::error::{CliError, CliResult};

/// How often the log is polled without a stream.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Names of a project's mocks by id (`GET /users/{id}`), for the lines printed.
pub async fn mock_names(api: &Api, pid: &str) -> CliResult<HashMap<String, String>> {
    let mocks = api.get(&format!("/api/projects/{pid}/mocks")).await?;
    Ok(mocks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m["id"].as_str()?.to_owned(),
                format!("{} {}", m["method"].as_str()?, m["path"].as_str()?),
            ))
        })
        .collect())
}

/// One entry as a line: time, method, path, status, time taken, what answered.
pub fn line(entry: &RequestLog, names: &HashMap<String, String>) -> String {
    let query = if entry.request_query.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = entry
            .request_query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("?{}", pairs.join("&"))
    };
    let answered = match (entry.mock_id, entry.response_id) {
        (Some(m), Some(_)) => names
            .get(&m.to_string())
            .cloned()
            .unwrap_or_else(|| format!("mock {m}")),
        (Some(m), None) => format!(
            "near miss on {}",
            names
                .get(&m.to_string())
                .cloned()
                .unwrap_or_else(|| format!("mock {m}"))
        ),
        _ => "unmatched".to_owned(),
    };
    format!(
        "{}  {} {}{query} → {}  {} ms  [{answered}]",
        entry.created_at.format("%H:%M:%S%.3f"),
        entry.request_method,
        entry.request_path,
        entry.response_status,
        entry.response_time_ms,
    )
}

/// Follows the project `pid`'s log, handing each entry to `each` until it
/// returns `false`.
pub async fn follow(
    api: &Api,
    pid: &str,
    each: &mut (dyn FnMut(RequestLog) -> bool + Send),
) -> CliResult<()> {
    match api.open(&format!("/api/projects/{pid}/logs/stream")).await {
        Ok(res) => stream(res, each).await,
        // No stream here (an older server), or too many open: poll instead.
        Err(CliError::Api {
            status: 404 | 405 | 503,
            ..
        }) => poll(api, pid, each).await,
        Err(e) => Err(e),
    }
}

async fn stream(
    mut res: reqwest::Response,
    each: &mut (dyn FnMut(RequestLog) -> bool + Send),
) -> CliResult<()> {
    let mut buffer = String::new();
    loop {
        let chunk = res.chunk().await.map_err(|e| CliError::Network {
            url: res.url().to_string(),
            reason: e.to_string(),
        })?;
        let Some(chunk) = chunk else {
            return Err(CliError::Failed(
                "the server closed the log stream".to_owned(),
            ));
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let mut name = "message";
            let mut data = String::new();
            for l in event.lines() {
                if let Some(v) = l.strip_prefix("event:") {
                    name = if v.trim() == "log" { "log" } else { "other" };
                } else if let Some(v) = l.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if name == "log"
                && let Ok(entry) = serde_json::from_str::<RequestLog>(&data)
                && !each(entry)
            {
                return Ok(());
            }
        }
    }
}

async fn poll(
    api: &Api,
    pid: &str,
    each: &mut (dyn FnMut(RequestLog) -> bool + Send),
) -> CliResult<()> {
    let mut since = chrono::Utc::now();
    // Entries of the last page's newest instant come again: skip those seen.
    let mut seen = HashSet::new();
    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        let page = api
            .get(&format!(
                "/api/projects/{pid}/logs?limit=100&startDate={}",
                encode(&since.to_rfc3339())
            ))
            .await?;
        let mut items: Vec<RequestLog> = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v: &Value| serde_json::from_value(v.clone()).ok())
            .collect();
        items.reverse(); // oldest first
        for entry in items {
            if !seen.insert(entry.id) {
                continue;
            }
            since = since.max(entry.created_at);
            if !each(entry) {
                return Ok(());
            }
        }
        if seen.len() > 10_000 {
            seen.clear();
        }
    }
}
