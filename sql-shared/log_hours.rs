//! Hourly totals of request logs: one row of `request_log_hours` per
//! project, mock (or none) and UTC hour, kept up to date in the same
//! transaction as the chunks they count. Analytics over a day, a week or a
//! month read these rows (at most 24 × 30 per mock) instead of every chunk of
//! the window: a project with a million logged requests over a week is ~700
//! rows here against ~90,000 chunks.
//!
//! A row holds what a window's figures are made of: requests, errors (status
//! ≥ 400), summed response times and the histogram of response times
//! (`{"ms": count}`, merged by addition), so p95 stays exact. Retention
//! subtracts what it deletes (negative totals added), so the rows stay equal
//! to the entries kept.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::log_chunks::Chunk;

/// The size of a row's span, in seconds.
pub(crate) const HOUR: i64 = 3_600;

/// The totals of one project, mock and hour, from one write batch.
#[derive(Debug, Default)]
pub(crate) struct HourTotals {
    /// The project.
    pub(crate) project_id: Uuid,
    /// The mock; `None` for requests no mock matched.
    pub(crate) mock_id: Option<Uuid>,
    /// Start of the hour, seconds since 1970.
    pub(crate) hour: i64,
    /// Requests (negative: removed).
    pub(crate) requests: i64,
    /// Of those, answers with status ≥ 400.
    pub(crate) errors: i64,
    /// Summed response times, milliseconds.
    pub(crate) total_ms: i64,
    /// Response times: milliseconds → count.
    pub(crate) times: BTreeMap<u32, i64>,
}

impl HourTotals {
    /// The hour as a timestamp.
    pub(crate) fn start(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.hour, 0).unwrap_or_default()
    }

    /// The key of the row's mock: its id, or empty for unmatched requests
    /// (a key column cannot be NULL and still be unique).
    pub(crate) fn mock_key(&self) -> String {
        self.mock_id.map(|m| m.to_string()).unwrap_or_default()
    }

    /// The histogram as stored: a JSON object `{"ms": count}`.
    pub(crate) fn times_json(&self) -> String {
        serde_json::to_string(&self.times).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Totals per project, mock and hour, added up from chunk-sized parts.
#[derive(Debug, Default)]
pub(crate) struct Hours {
    rows: Vec<HourTotals>,
    index: HashMap<(Uuid, Option<Uuid>, i64), usize>,
}

impl Hours {
    /// Adds `sign` × (`requests` with `status`, `total_ms` and histogram
    /// `times`) of `project`/`mock` at `at` to its hour.
    pub(crate) fn add(&mut self, part: Part, sign: i64) {
        let hour = part.at.timestamp().div_euclid(HOUR) * HOUR;
        let key = (part.project_id, part.mock_id, hour);
        let rows = &mut self.rows;
        let i = *self.index.entry(key).or_insert_with(|| {
            rows.push(HourTotals {
                project_id: key.0,
                mock_id: key.1,
                hour,
                ..HourTotals::default()
            });
            rows.len() - 1
        });
        let row = &mut self.rows[i];
        row.requests += sign * part.requests;
        if part.status >= 400 {
            row.errors += sign * part.requests;
        }
        row.total_ms += sign * part.total_ms;
        for (ms, n) in part.times {
            *row.times.entry(ms).or_default() += sign * n;
        }
    }

    /// Adds a chunk's entries (`sign` −1: takes them away).
    pub(crate) fn add_chunk(&mut self, chunk: &Chunk<'_>, sign: i64) {
        let mut times = BTreeMap::new();
        for e in &chunk.entries {
            *times.entry(e.response_time_ms).or_default() += 1;
        }
        self.add(
            Part {
                project_id: chunk.project_id(),
                mock_id: chunk.mock_id(),
                at: chunk.first_at(),
                status: chunk.status(),
                requests: chunk.entries.len() as i64,
                total_ms: i64::try_from(chunk.total_ms()).unwrap_or(i64::MAX),
                times,
            },
            sign,
        );
    }

    /// The rows, in the order their hours were first met.
    pub(crate) fn rows(&self) -> &[HourTotals] {
        &self.rows
    }
}

/// What one chunk adds to its hour.
#[derive(Debug)]
pub(crate) struct Part {
    /// The project.
    pub(crate) project_id: Uuid,
    /// The mock, if any.
    pub(crate) mock_id: Option<Uuid>,
    /// Any instant inside the chunk (a chunk lies inside one minute, so one hour).
    pub(crate) at: DateTime<Utc>,
    /// The chunk's status.
    pub(crate) status: u16,
    /// Its entries.
    pub(crate) requests: i64,
    /// Their summed response times.
    pub(crate) total_ms: i64,
    /// Their histogram.
    pub(crate) times: BTreeMap<u32, i64>,
}

/// The hourly totals of `chunks`.
pub(crate) fn of_chunks<'a>(chunks: impl IntoIterator<Item = &'a Chunk<'a>>) -> Hours {
    let mut hours = Hours::default();
    for chunk in chunks {
        hours.add_chunk(chunk, 1);
    }
    hours
}

/// A stored histogram (`{"ms": count}`); a malformed one is empty.
pub(crate) fn parse_times(json: &str) -> BTreeMap<u32, i64> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Adds a stored histogram into `times`, skipping emptied counts.
pub(crate) fn add_times(times: &mut BTreeMap<u32, u64>, json: &str) {
    for (ms, n) in parse_times(json) {
        if let Ok(n @ 1..) = u64::try_from(n) {
            *times.entry(ms).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::log_chunks::group;
    use super::*;
    use mockbird_core::model::RequestLog;

    fn log(project: Uuid, mock: Option<Uuid>, status: u16, ms: u32, at: i64) -> RequestLog {
        RequestLog {
            id: Uuid::now_v7(),
            mock_id: mock,
            project_id: project,
            request_method: "GET".into(),
            request_path: "/".into(),
            request_headers: BTreeMap::new(),
            request_query: BTreeMap::new(),
            request_body: None,
            request_body_truncated: false,
            response_id: None,
            response_status: status,
            response_time_ms: ms,
            ip_address: None,
            user_agent: None,
            created_at: DateTime::from_timestamp(at, 0).unwrap(),
        }
    }

    #[test]
    fn chunks_add_up_per_project_mock_and_hour() {
        let (p, m) = (Uuid::now_v7(), Some(Uuid::now_v7()));
        let logs = [
            log(p, m, 200, 3, 7_200),
            log(p, m, 500, 3, 7_260), // another minute and status, same hour
            log(p, m, 200, 9, 10_799),
            log(p, m, 200, 1, 10_800), // the next hour
            log(p, None, 404, 2, 7_300),
        ];
        let chunks = group(&logs);
        let hours = of_chunks(&chunks);
        let rows = hours.rows();
        assert_eq!(rows.len(), 3);
        let first = rows
            .iter()
            .find(|r| r.hour == 7_200 && r.mock_id == m)
            .unwrap();
        assert_eq!((first.requests, first.errors, first.total_ms), (3, 1, 15));
        assert_eq!(first.times_json(), r#"{"3":2,"9":1}"#);
        let unmatched = rows.iter().find(|r| r.mock_id.is_none()).unwrap();
        assert_eq!(
            (unmatched.requests, unmatched.errors, unmatched.mock_key()),
            (1, 1, String::new())
        );
        assert_eq!(rows.iter().find(|r| r.hour == 10_800).unwrap().requests, 1);
    }

    #[test]
    fn histograms_merge_by_addition_and_bad_ones_add_nothing() {
        let mut times = BTreeMap::from([(3, 2)]);
        add_times(&mut times, r#"{"3":5,"40":1}"#);
        add_times(&mut times, "not json");
        add_times(&mut times, r#"{"7":0,"8":-1}"#); // emptied by retention
        assert_eq!(times, BTreeMap::from([(3, 7), (40, 1)]));
    }
}
