//! Fills one project of a SQLite store with synthetic request logs, written
//! through the store's own `insert_logs` in the server's batch size, so that
//! analytics and the log screens can be measured at scale (the dashboard's
//! browser tests use it for the "1,000,000 logged requests" budget).
//!
//! ```text
//! cargo run --release -p mockbird-benches --bin seed-logs -- \
//!     --sqlite mockbird.db --project my-api --requests 1000000 --days 7
//! ```
//!
//! The server may be running on the same file (SQLite's WAL lets it read and
//! write meanwhile). Entries are spread evenly over the last `--days` days,
//! newest a second ago, over the project's mocks and one unmatched path, with
//! a fixed pseudo-random mix of statuses and response times (the same figures
//! for the same arguments). They are not counted in the organization's usage.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use mockbird_core::model::{Mock, RequestLog};
use mockbird_core::store::{LogStore, MockStore, ProjectStore};
use mockbird_store_sqlite::SqliteStore;
use uuid::Uuid;

/// Entries per `insert_logs` call, as the server's log writer batches them.
const BATCH: usize = 500;

/// Synthetic request logs for one project.
#[derive(Debug, Parser)]
struct Args {
    /// The SQLite database file (as given to the server's `--store sqlite:…`).
    #[arg(long)]
    sqlite: PathBuf,
    /// The project's slug.
    #[arg(long)]
    project: String,
    /// Entries to write.
    #[arg(long, default_value_t = 1_000_000)]
    requests: u64,
    /// Days the entries are spread over, ending now (7 fits the free plan's log retention).
    #[arg(long, default_value_t = 7)]
    days: u32,
}

/// A small deterministic generator (xorshift64*): the same arguments give the same logs.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn entry(
    i: u64,
    at: chrono::DateTime<chrono::Utc>,
    project: Uuid,
    mocks: &[Mock],
    dice: &mut Dice,
) -> RequestLog {
    // One request in ten matches no mock (when there are mocks at all).
    let mock = if mocks.is_empty() || dice.below(10) == 0 {
        None
    } else {
        Some(&mocks[dice.below(mocks.len() as u64) as usize])
    };
    let status = match (mock, dice.below(100)) {
        (None, _) => 404,
        (Some(_), 0..=2) => 500,
        (Some(_), 3..=7) => 400,
        _ => 200,
    };
    let (method, path) = match mock {
        Some(m) => (m.method.to_string(), m.path.replace(['{', '}'], "")),
        None => ("GET".to_owned(), format!("/missing/{}", i % 97)),
    };
    let mut headers = BTreeMap::new();
    headers.insert("user-agent".to_owned(), "seed-logs".to_owned());
    RequestLog {
        id: Uuid::now_v7(),
        mock_id: mock.map(|m| m.id),
        project_id: project,
        request_method: method,
        request_path: path,
        request_headers: headers,
        request_query: BTreeMap::new(),
        request_body: None,
        request_body_truncated: false,
        response_id: None,
        response_status: status,
        // Mostly fast, with a tail: 1–20 ms, one in twenty 20–400 ms.
        response_time_ms: if dice.below(20) == 0 {
            20 + dice.below(380)
        } else {
            1 + dice.below(20)
        } as u32,
        ip_address: Some("127.0.0.1".to_owned()),
        user_agent: Some("seed-logs".to_owned()),
        created_at: at,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let store = SqliteStore::open(&args.sqlite).await?;
    let project = store.project_by_slug(&args.project).await?;
    let mocks = store.mocks_for_project(project.id).await?;
    let now = chrono::Utc::now() - chrono::Duration::seconds(1);
    let span_us = i64::from(args.days.max(1)) * 86_400 * 1_000_000;
    let step = span_us / i64::try_from(args.requests.max(1))?;
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    // Oldest first, as traffic arrives.
    for i in 0..args.requests {
        let back = step * i64::try_from(args.requests - 1 - i)?;
        batch.push(entry(
            i,
            now - chrono::Duration::microseconds(back),
            project.id,
            &mocks,
            &mut dice,
        ));
        if batch.len() == BATCH || i + 1 == args.requests {
            written += store.insert_logs(&batch).await?;
            batch.clear();
        }
    }
    store.close().await;
    println!(
        "{written} entries for {} ({} mocks) over {} days in {:.1} s",
        args.project,
        mocks.len(),
        args.days,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
