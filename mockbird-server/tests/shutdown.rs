//! SIGTERM under load, against the real binary: requests in flight finish,
//! nothing answers 5xx, every answered request's log entry is stored, and the
//! process exits cleanly.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mockbird_core::model::{LogQuery, LogScope};
use mockbird_core::store::{LogStore, ProjectStore, UsageStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Waits (up to 20 s) until the server at `base` answers `/healthz`.
async fn wait_until_up(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server binary with mock auth, a secret file in `dir` and `args`.
fn server(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mockbird-server"));
    cmd.args(["--auth", "mock"])
        .args(args)
        .arg("--secret-file")
        .arg(dir.join("secret"));
    cmd
}

async fn post(http: &reqwest::Client, token: &str, url: String, body: Value) -> Value {
    let res = http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{url}: {}", res.status());
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_requests_in_flight_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    // No quota or burst limit: this test is about shutdown, not plans.
    let plans = dir.path().join("plans.json");
    std::fs::write(
        &plans,
        r#"[{"tier": "free", "priceMonthlyCents": 0, "priceYearlyCents": 0, "endpointLimit": null,
            "requestLimit": null, "logRetentionDays": 7, "burstPerSecond": null}]"#,
    )
    .unwrap();
    let store = format!("sqlite:{}", dir.path().join("db").display());
    let mut child = server(dir.path(), &["--listen", &addr, "--store", &store])
        .arg("--plans")
        .arg(&plans)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    wait_until_up(&http, &base).await;
    let reg = post(
        &http,
        "",
        format!("{base}/api/auth/register"),
        json!({"email": "term@example.com", "password": "sigterm pass", "name": "t"}),
    )
    .await;
    let token = reg["session"]["accessToken"].as_str().unwrap().to_owned();
    let doc = json!({"mockbird": 1, "project": {"name": "term", "slug": "term", "isPublic": true},
    "mocks": [
        {"name": "fast", "path": "/fast", "method": "GET",
         "responses": [{"statusCode": 200, "body": "{\"ok\":true}"}]},
        {"name": "slow", "path": "/slow", "method": "GET", "responseDelay": 700,
         "responses": [{"statusCode": 200, "body": "{\"slow\":true}"}]}
    ]});
    let project = post(&http, &token, format!("{base}/api/projects/import"), doc).await;
    let project_id: uuid::Uuid = project["project"]["id"].as_str().unwrap().parse().unwrap();

    // Steady load on the fast mock from 8 clients.
    let signalled = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for _ in 0..8 {
        let (http, url) = (reqwest::Client::new(), format!("{base}/m/term/fast"));
        let (signalled, ok) = (signalled.clone(), ok.clone());
        load.push(tokio::spawn(async move {
            loop {
                match http.get(&url).send().await {
                    Ok(res) => {
                        assert_eq!(res.status(), StatusCode::OK, "no error answers");
                        assert_eq!(res.text().await.unwrap(), "{\"ok\":true}");
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    // Refused or closed: only once shutdown has begun.
                    Err(e) => {
                        assert!(
                            signalled.load(Ordering::SeqCst),
                            "failed before SIGTERM: {e}"
                        );
                        return;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Requests in flight when the signal arrives (each waits 700 ms).
    let slow: Vec<_> = (0..6)
        .map(|_| {
            let (http, url) = (http.clone(), format!("{base}/m/term/slow"));
            tokio::spawn(async move { http.get(&url).send().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let served_before = ok.load(Ordering::Relaxed);
    // An idle keep-alive connection, opened and used before the signal.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 512];
    let n = idle.read(&mut first).await.unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    signalled.store(true, Ordering::SeqCst);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // A request written on it just after the signal is answered, and told to close.
    tokio::time::sleep(Duration::from_millis(100)).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), idle.read_to_string(&mut answer))
        .await
        .expect("the connection is closed after the answer")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.to_lowercase().contains("connection: close"),
        "{answer}"
    );
    for s in slow {
        let res = s.await.unwrap().expect("a request in flight is answered");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap(), "{\"slow\":true}");
    }
    for l in load {
        tokio::time::timeout(Duration::from_secs(15), l)
            .await
            .expect("load clients stop once the server is gone")
            .unwrap();
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "server did not exit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    assert!(served_before > 50, "load was real: {served_before} answers");

    // The database file alone is complete: the WAL was checkpointed into it.
    let wal = dir.path().join("db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0,
        "WAL left with data after a clean shutdown"
    );
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("db"), copy.path().join("db")).unwrap();
    // Every answered request's log entry was stored before the process exited
    // (read from the copy of the .db file alone).
    let store = mockbird_store_sqlite::SqliteStore::open(copy.path().join("db"))
        .await
        .unwrap();
    let answered = ok.load(Ordering::Relaxed) + 6;
    let logged = store
        .logs(LogScope::Project(project_id), LogQuery::default())
        .await
        .unwrap()
        .total;
    assert_eq!(logged, answered, "0 lost logs on SIGTERM");
    // And every answered request was counted in the organization's usage.
    let org = store.project(project_id).await.unwrap().org_id;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let usage = store.usage(org, &month).await.unwrap();
    assert_eq!(
        usage.request_count, answered,
        "0 lost usage counts on SIGTERM"
    );
}

/// `--log-format json`: every line the server writes is one JSON object
/// (here: the startup lines and the one for a refused start).
#[test]
fn json_log_format_writes_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = server(
        dir.path(),
        &[
            "--log-format",
            "json",
            "--store",
            "memory",
            "--listen",
            "127.0.0.1:0",
            "--plans",
            "[]",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success(), "an empty plan list refuses to start");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let refusal = lines
        .iter()
        .find(|l| l["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no error line: {stdout}"));
    let message = refusal["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("--plans") || message.contains("--default-plan"),
        "{message}"
    );
}

/// `X-Request-Id` is echoed (or made), and every log line of an `/api`
/// request carries it with the method and path, in JSON lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_in_every_log_line_of_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let child = server(
        dir.path(),
        &[
            "--log-format",
            "json",
            "--store",
            "memory",
            "--listen",
            &addr,
        ],
    )
    .env("MOCKBIRD_LOG", "info")
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    wait_until_up(&http, &base).await;
    let res = http
        .get(format!("{base}/api/system"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"],
        "trace-42",
        "a sane id is echoed"
    );
    let res = http
        .get(format!("{base}/m/nothing/here"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let made = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(
        made.len(),
        36,
        "an insane id is replaced by a made one: {made}"
    );
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let answered: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|l| l["fields"]["message"] == "answered")
        .collect();
    let line = answered
        .iter()
        .find(|l| l["span"]["id"] == "trace-42")
        .unwrap_or_else(|| panic!("no line for trace-42: {stdout}"));
    assert_eq!(line["span"]["method"], "GET", "{line}");
    assert_eq!(line["span"]["path"], "/api/system", "{line}");
    assert_eq!(line["fields"]["status"], 200, "{line}");
}
