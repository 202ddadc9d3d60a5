//! The load benchmark: a release `mockbird-server` against a bare hyper server
//! returning the same bytes (the ceiling), both driven by `wrk` in the same run,
//! server and load generator pinned to different cores with `taskset`.
//!
//! Run it with `benches/load.sh` (builds the release binaries first); see
//! `benches/README.md` for the figures and what they mean.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

/// Load benchmark for mockbird-server (needs `wrk` and `taskset`).
#[derive(Debug, Parser)]
struct Args {
    /// The release server binary.
    #[arg(long, default_value = "target/release/mockbird-server")]
    server_bin: PathBuf,
    /// The bare hyper ceiling binary.
    #[arg(long, default_value = "target/release/bare-hyper")]
    bare_bin: PathBuf,
    /// Seconds each measured run lasts.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of unmeasured load before each run.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Measured runs per target and scenario, alternating mockbird and bare
    /// hyper; the table shows the median run (by requests/s) of each.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Open connections.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// CPUs the servers run on (taskset list).
    #[arg(long, default_value = "0")]
    server_cpus: String,
    /// CPUs wrk runs on (taskset list).
    #[arg(long, default_value = "1")]
    client_cpus: String,
    /// Mocks in the large project.
    #[arg(long, default_value_t = 10_000)]
    mocks: usize,
    /// Redis for the "on" server's shared quota counters (`--redis-url`); empty for none.
    #[arg(
        long,
        env = "MOCKBIRD_BENCH_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,
    /// Store of the "on" server (default: its own SQLite file), e.g. a `postgres://` URL.
    #[arg(long)]
    on_store: Option<String>,
    /// Turn request logging off on the "on" server too (isolates the cost of quotas).
    #[arg(long)]
    on_without_logs: bool,
    /// Also write the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Extra arguments for mockbird-server (after `--`).
    #[arg(last = true)]
    server_args: Vec<String>,
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One request shape under load.
struct Scenario {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<&'static str>,
    status: u16,
}

/// What wrk measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    errors: u64,
}

const POST_BODY: &str = r#"{"customerId":"c-1042","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],"note":"leave at the door"}"#;

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").to_string()
}

fn spawn_pinned(cpus: &str, bin: &Path, args: &[String], log: &Path) -> Guard {
    let log = std::fs::File::create(log).expect("create log file");
    let child = Command::new("taskset")
        .arg("-c")
        .arg(cpus)
        .arg(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    Guard(child)
}

async fn wait_ready(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer within 30 s");
}

async fn api(http: &reqwest::Client, token: &str, url: String, body: Value) -> Value {
    let res = http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("API call");
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url} → {status}: {v}");
    v
}

fn export_doc(slug: &str, mocks: Vec<Value>) -> Value {
    json!({"mockbird": 1, "project": {"name": slug, "slug": slug, "isPublic": true}, "mocks": mocks})
}

fn mock(name: String, method: &str, path: String, status: u16, body: &str) -> Value {
    json!({"name": name, "path": path, "method": method,
           "responses": [{"name": "ok", "statusCode": status, "body": body, "isDefault": true}]})
}

/// Loads project `one` (static, templated and POST mocks) and project `big`
/// (`n` mocks shaped like a REST API); returns the scenarios.
async fn seed(http: &reqwest::Client, base: &str, n: usize) -> Vec<Scenario> {
    let reg = api(
        http,
        "",
        format!("{base}/api/auth/register"),
        json!({"email": "bench@example.com", "password": "load bench 1", "name": "bench"}),
    )
    .await;
    let token = reg["session"]["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let users = r#"[{"id":1,"name":"Ada Lovelace","email":"ada@example.com"},{"id":2,"name":"Alan Turing","email":"alan@example.com"},{"id":3,"name":"Grace Hopper","email":"grace@example.com"}]"#;
    let one = vec![
        mock("users".into(), "GET", "/api/users".into(), 200, users),
        mock(
            "user".into(),
            "GET",
            "/api/users/{id}".into(),
            200,
            r#"{"id":"{{request.params.id}}","name":"User {{request.params.id}}","email":"user{{request.params.id}}@example.com"}"#,
        ),
        mock(
            "order".into(),
            "POST",
            "/api/orders".into(),
            201,
            r#"{"id":"o-1","status":"created"}"#,
        ),
    ];
    api(
        http,
        &token,
        format!("{base}/api/projects/import"),
        export_doc("one", one),
    )
    .await;
    let big: Vec<Value> = (0..n)
        .map(|i| {
            let r = i / 2;
            let path = if i % 2 == 0 {
                format!("/api/v1/resource{r}")
            } else {
                format!("/api/v1/resource{r}/{{id}}")
            };
            mock(format!("m{i}"), "GET", path, 200, r#"{"ok":true}"#)
        })
        .collect();
    let started = Instant::now();
    api(
        http,
        &token,
        format!("{base}/api/projects/import"),
        export_doc("big", big),
    )
    .await;
    eprintln!("imported {n} mocks in {:?}", started.elapsed());
    let last = (n - 1) / 2;
    let last_path = if (n - 1).is_multiple_of(2) {
        format!("/m/big/api/v1/resource{last}")
    } else {
        format!("/m/big/api/v1/resource{last}/7")
    };
    vec![
        Scenario {
            name: "static JSON",
            method: "GET",
            path: "/m/one/api/users".into(),
            body: None,
            status: 200,
        },
        Scenario {
            name: "templated, path param",
            method: "GET",
            path: "/m/one/api/users/42".into(),
            body: None,
            status: 200,
        },
        Scenario {
            name: "last of 10,000 mocks",
            method: "GET",
            path: last_path,
            body: None,
            status: 200,
        },
        Scenario {
            name: "POST JSON body",
            method: "POST",
            path: "/m/one/api/orders".into(),
            body: Some(POST_BODY),
            status: 201,
        },
    ]
}

/// The exact answer the mock server gives, as a bare-hyper route.
async fn capture(http: &reqwest::Client, base: &str, s: &Scenario) -> Value {
    let url = format!("{base}{}", s.path);
    let req = match s.body {
        Some(b) => http
            .post(&url)
            .header("content-type", "application/json")
            .body(b),
        None => http.get(&url),
    };
    let res = req.send().await.expect("scenario request");
    assert_eq!(res.status().as_u16(), s.status, "{} answers", s.name);
    let headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "content-length" | "connection"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = res.text().await.expect("body");
    json!({"path": s.path, "status": s.status, "headers": headers, "body": body})
}

fn micros(text: &str) -> f64 {
    let (num, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((text, ""), |i| text.split_at(i));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n,
        "ms" => n * 1_000.0,
        "s" => n * 1_000_000.0,
        _ => f64::NAN,
    }
}

fn parse_wrk(out: &str) -> Measured {
    let mut m = Measured {
        rps: f64::NAN,
        p50_us: f64::NAN,
        p99_us: f64::NAN,
        errors: 0,
    };
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => m.rps = v.parse().unwrap_or(f64::NAN),
            ["50%", v] => m.p50_us = micros(v),
            ["99%", v] => m.p99_us = micros(v),
            ["Non-2xx", "or", "3xx", "responses:", n] => m.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                m.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    m
}

fn wrk(args: &Args, url: &str, script: Option<&Path>, secs: u64) -> Measured {
    let mut cmd = Command::new("taskset");
    cmd.arg("-c")
        .arg(&args.client_cpus)
        .arg("wrk")
        .arg("-t1")
        .arg(format!("-c{}", args.connections))
        .arg(format!("-d{secs}s"))
        .arg("--latency");
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("run wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}");
    let m = parse_wrk(&text);
    assert_eq!(m.errors, 0, "errors from {url}:\n{text}");
    m
}

/// The run with the median requests/s.
fn median(mut runs: Vec<Measured>) -> Measured {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs[runs.len() / 2]
}

fn fmt_us(us: f64) -> String {
    if us >= 1_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else {
        format!("{us:.0} µs")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let plans = dir.path().join("plans.json");
    std::fs::write(
        &plans,
        // `bench`: nothing enforced. `metered`: a quota and burst limit enforced
        // on every request, set high enough never to refuse the benchmark.
        r#"[{"tier":"bench","priceMonthlyCents":0,"priceYearlyCents":0,"endpointLimit":null,"requestLimit":null,"logRetentionDays":null,"burstPerSecond":null},
            {"tier":"metered","priceMonthlyCents":0,"priceYearlyCents":0,"endpointLimit":null,"requestLimit":1000000000000,"logRetentionDays":null,"burstPerSecond":1000000000}]"#,
    )
    .expect("write plans");
    // Two mockbird servers on separate stores: request logging and quotas off,
    // and on (a metered plan, counters shared through Redis when given).
    let http = reqwest::Client::new();
    let start = |name: &str, extra: &[&str]| {
        let addr = free_addr();
        let mut server_args: Vec<String> = vec![
            "--listen".into(),
            addr.clone(),
            "--auth".into(),
            "mock".into(),
            "--plans".into(),
            plans.display().to_string(),
            "--secret-file".into(),
            dir.path().join("secret").display().to_string(),
        ];
        if !extra.contains(&"--store") {
            server_args.push("--store".into());
            server_args.push(format!(
                "sqlite:{}",
                dir.path().join(format!("{name}.db")).display()
            ));
        }
        server_args.extend(extra.iter().map(|s| s.to_string()));
        server_args.extend(args.server_args.iter().cloned());
        let guard = spawn_pinned(
            &args.server_cpus,
            &args.server_bin,
            &server_args,
            &dir.path().join(format!("{name}.log")),
        );
        (guard, format!("http://{addr}"))
    };
    let (_server, base) = start(
        "logs-off",
        &["--log-buffer", "0", "--default-plan", "bench"],
    );
    let mut on_args = vec!["--default-plan", "metered"];
    if !args.redis_url.is_empty() {
        on_args.extend(["--redis-url", args.redis_url.as_str()]);
    }
    if args.on_without_logs {
        on_args.extend(["--log-buffer", "0"]);
    }
    if let Some(store) = &args.on_store {
        on_args.extend(["--store", store.as_str()]);
    }
    let (_logged, logged) = start("logs-on", &on_args);
    wait_ready(&http, &format!("{base}/healthz")).await;
    wait_ready(&http, &format!("{logged}/healthz")).await;
    let scenarios = seed(&http, &base, args.mocks).await;
    seed(&http, &logged, args.mocks).await;

    let mut routes = Vec::new();
    for s in &scenarios {
        routes.push(capture(&http, &base, s).await);
    }
    let routes_file = dir.path().join("routes.json");
    std::fs::write(&routes_file, serde_json::to_vec(&routes).expect("json")).expect("write");
    let bare_addr = free_addr();
    let _bare = spawn_pinned(
        &args.server_cpus,
        &args.bare_bin,
        &[bare_addr.clone(), routes_file.display().to_string()],
        &dir.path().join("bare.log"),
    );
    let bare = format!("http://{bare_addr}");
    wait_ready(&http, &format!("{bare}/")).await;
    let post_script = dir.path().join("post.lua");
    std::fs::write(
        &post_script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{POST_BODY}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ),
    )
    .expect("write lua");

    let mut table = String::from(
        "| scenario | mockbird req/s | p50 | p99 | bare hyper req/s | p50 | p99 | ratio | logging+quotas on req/s | p99 | on ÷ off |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in &scenarios {
        let script = (s.method == "POST").then_some(post_script.as_path());
        let (mut mbs, mut bares, mut ons) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..args.rounds.max(1) {
            for (target, runs) in [(&base, &mut mbs), (&bare, &mut bares), (&logged, &mut ons)] {
                let url = format!("{target}{}", s.path);
                if round == 0 {
                    wrk(&args, &url, script, args.warmup);
                }
                runs.push(wrk(&args, &url, script, args.duration));
            }
        }
        let (mb, ceiling, on) = (median(mbs), median(bares), median(ons));
        let row = format!(
            "| {} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2}× | {:.0} | {} | {:.2}× |\n",
            s.name,
            mb.rps,
            fmt_us(mb.p50_us),
            fmt_us(mb.p99_us),
            ceiling.rps,
            fmt_us(ceiling.p50_us),
            fmt_us(ceiling.p99_us),
            mb.rps / ceiling.rps,
            on.rps,
            fmt_us(on.p99_us),
            on.rps / mb.rps
        );
        eprint!("{row}");
        table.push_str(&row);
    }
    let header = format!(
        "{} connections, median of {} alternating runs of {} s (after {} s warm-up), servers on CPU {}, wrk -t1 on CPU {}\n\n",
        args.connections,
        args.rounds,
        args.duration,
        args.warmup,
        args.server_cpus,
        args.client_cpus
    );
    tokio::time::sleep(Duration::from_secs(2)).await; // let the writer catch up
    let system: Value = http
        .get(format!("{logged}/api/system"))
        .send()
        .await
        .expect("system")
        .json()
        .await
        .expect("json");
    let metrics = http
        .get(format!("{logged}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let written = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mockbird_logs_written_total "))
        .unwrap_or("?");
    let header = format!(
        "{header}\"On\" server: request logging {}, plan `metered` (quota and burst limit enforced), counters {}, store {}: {written} log entries written, {} dropped (queue full).\n\n",
        if args.on_without_logs { "off" } else { "on" },
        if args.redis_url.is_empty() {
            "in process".to_owned()
        } else {
            format!("in Redis ({})", args.redis_url)
        },
        args.on_store
            .as_deref()
            .map_or("SQLite", |s| if s.starts_with("postgres") {
                "PostgreSQL"
            } else {
                s
            }),
        system["droppedLogs"]
    );
    println!("\n{header}{table}");
    if let Some(out) = &args.out {
        std::fs::write(out, format!("{header}{table}")).expect("write --out");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_parsed() {
        let out = "Running 2s test @ http://127.0.0.1:1/\n  Latency Distribution\n     50%  412.00us\n     75%  500.00us\n     90%  700.00us\n     99%    1.25ms\n  84920 requests in 2.00s, 20.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 3\nRequests/sec:  42411.66\n";
        let m = parse_wrk(out);
        assert_eq!(m.rps, 42411.66);
        assert_eq!(m.p50_us, 412.0);
        assert_eq!(m.p99_us, 1250.0);
        assert_eq!(m.errors, 6);
    }
}
