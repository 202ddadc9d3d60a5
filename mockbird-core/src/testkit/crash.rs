//! The kill -9 durability check every durable store runs: a child process
//! writes and acknowledges each write on stdout; the parent kills it with
//! SIGKILL at a random moment, many times, then reopens the store and looks
//! for every acknowledged write.
//!
//! A store's durability test is a `harness = false` test binary whose `main`
//! is the child when [`CHILD_ENV`] is set (it calls [`write_until_killed`])
//! and otherwise the parent (it calls [`kill_writers`], which re-runs the same
//! binary as the child, then [`verify`]).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use rand::RngExt;
use uuid::Uuid;

use super::{Store, fixtures};
use crate::model::*;

/// Set (to the project id) in the child's environment.
pub const CHILD_ENV: &str = "MOCKBIRD_CRASH_CHILD_PROJECT";

/// What the children acknowledged before they died.
#[derive(Debug, Default)]
pub struct Acks {
    /// Log ids acknowledged by `insert_logs`.
    pub logs: Vec<Uuid>,
    /// Mock ids acknowledged by `create_mock`.
    pub mocks: Vec<Uuid>,
    /// Children killed.
    pub kills: usize,
}

/// Child side: writes to `project_id` forever (a log per step, a mock every
/// fifth), printing `ACK log <id>` / `ACK mock <id>` after each write returns.
pub async fn write_until_killed(store: Store, project_id: Uuid) {
    let project = store.project(project_id).await.expect("project exists");
    for step in 0u64.. {
        let log = fixtures::log(&project, None, crate::clock::now(), 200);
        let n = store
            .insert_logs(std::slice::from_ref(&log))
            .await
            .expect("insert log");
        assert_eq!(n, 1);
        println!("ACK log {}", log.id);
        if step % 5 == 0 {
            let path = format!("/crash/{}/{step}", Uuid::new_v4().simple());
            let mock = store
                .create_mock(project_id, fixtures::mock_def("GET", &path), None)
                .await
                .expect("create mock");
            println!("ACK mock {}", mock.id);
        }
    }
}

/// Parent side: `rounds` times, runs this test binary as the child (with
/// `env` plus [`CHILD_ENV`]) and SIGKILLs it after a random number (1–60) of
/// acknowledged writes.
pub fn kill_writers(project_id: Uuid, env: &[(&str, String)], rounds: usize) -> Acks {
    let exe = std::env::current_exe().expect("test binary path");
    let mut acks = Acks::default();
    let mut rng = rand::rng();
    for _ in 0..rounds {
        let mut child = Command::new(&exe)
            .env(CHILD_ENV, project_id.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer child");
        let kill_after = rng.random_range(1..=60usize);
        let mut seen = 0;
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            let mut parts = line.split_whitespace();
            if parts.next() != Some("ACK") {
                continue;
            }
            let kind = parts.next().unwrap_or_default();
            let id: Uuid = parts
                .next()
                .and_then(|s| s.parse().ok())
                .expect("ACK line has an id");
            match kind {
                "log" => acks.logs.push(id),
                _ => acks.mocks.push(id),
            }
            seen += 1;
            if seen >= kill_after {
                child.kill().expect("SIGKILL the writer");
                break;
            }
        }
        let status = child.wait().expect("reap the writer");
        assert!(
            seen >= kill_after,
            "writer died on its own before {kill_after} writes: {status}"
        );
        acks.kills += 1;
    }
    acks
}

/// Every acknowledged write is in the reopened store.
pub async fn verify(store: Store, project_id: Uuid, acks: &Acks) {
    let since = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let stored: std::collections::HashSet<Uuid> = store
        .logs_since(LogScope::Project(project_id), since, u32::MAX)
        .await
        .expect("read logs")
        .into_iter()
        .map(|l| l.id)
        .collect();
    let lost: Vec<&Uuid> = acks.logs.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged logs lost: {lost:?}",
        lost.len(),
        acks.logs.len()
    );
    for id in &acks.mocks {
        store
            .mock(*id)
            .await
            .unwrap_or_else(|e| panic!("acknowledged mock {id} lost: {e}"));
    }
}
