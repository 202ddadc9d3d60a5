//! Several instances as one product, over real PostgreSQL and Redis
//! (`MOCKBIRD_TEST_POSTGRES_URL`, `MOCKBIRD_TEST_REDIS_URL`; required under CI):
//! changes, quotas and logs shared; Redis going down and coming back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mockbird_server::{Config, RunningServer, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[allow(dead_code, unreachable_pub)]
#[path = "api/common.rs"]
mod common;

/// `common` asks which store its `App` uses; this suite builds its own servers.
const ON_POSTGRES: bool = false;

fn redis_url() -> Option<String> {
    match std::env::var("MOCKBIRD_TEST_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI requires MOCKBIRD_TEST_REDIS_URL"),
        Err(_) => {
            eprintln!("skipped: MOCKBIRD_TEST_REDIS_URL not set");
            None
        }
    }
}

/// An instance on `store` sharing `redis` under `prefix`, with plan `free`
/// limited to `requests` a month and no burst limit.
async fn instance(
    store: &str,
    redis: &str,
    prefix: &str,
    requests: u64,
) -> (RunningServer, String) {
    instance_with_burst(store, redis, prefix, requests, None).await
}

/// As [`instance`], with a burst limit.
async fn instance_with_burst(
    store: &str,
    redis: &str,
    prefix: &str,
    requests: u64,
    burst: Option<u32>,
) -> (RunningServer, String) {
    let mut config = Config::for_tests();
    config.store = store.to_owned();
    config.redis_url = Some(redis.to_owned());
    config.redis_prefix = prefix.to_owned();
    let mut plans = mockbird_core::model::Plan::defaults();
    plans[0].request_limit = Some(requests);
    plans[0].burst_per_second = burst;
    config.plan_list = Some(plans);
    let server = start(config).await.expect("instance starts");
    let base = format!("http://{}", server.addr());
    (server, base)
}

async fn call(
    http: &reqwest::Client,
    token: &str,
    method: Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, Value) {
    common::send(http.request(method, url), token, body).await
}

/// Registers a user on `base` and imports a public project `slug` with `/hello`
/// answering `greeting`; returns (token, project id, mock id/responses/response id, org id).
async fn tenant(
    http: &reqwest::Client,
    base: &str,
    slug: &str,
    greeting: &str,
) -> (String, String, String, String) {
    let (s, reg) = call(
        http,
        "",
        Method::POST,
        format!("{base}/api/auth/register"),
        Some(json!({"email": format!("{slug}@example.com"), "password": "cluster pass", "name": slug})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let token = reg["session"]["accessToken"].as_str().unwrap().to_owned();
    let doc = json!({"mockbird": 1, "project": {"name": slug, "slug": slug, "isPublic": true},
        "mocks": [{"name": "hello", "path": "/hello", "method": "GET",
                   "responses": [{"name": "hi", "statusCode": 200, "body": greeting}]}]});
    let (s, project) = call(
        http,
        &token,
        Method::POST,
        format!("{base}/api/projects/import"),
        Some(doc),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{project}");
    let pid = project["project"]["id"].as_str().unwrap().to_owned();
    let (_, mocks) = call(
        http,
        &token,
        Method::GET,
        format!("{base}/api/projects/{pid}/mocks"),
        None,
    )
    .await;
    let mid = mocks[0]["id"].as_str().unwrap();
    let (_, responses) = call(
        http,
        &token,
        Method::GET,
        format!("{base}/api/mocks/{mid}/responses"),
        None,
    )
    .await;
    let rid = responses[0]["id"].as_str().unwrap();
    (
        token,
        pid,
        format!("{mid}/responses/{rid}"),
        project["project"]["orgId"].as_str().unwrap().to_owned(),
    )
}

async fn get(http: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = http.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_changes_quotas_and_the_log_journal() {
    let Some(redis) = redis_url() else { return };
    let Some(store) = common::postgres_database().await else {
        return;
    };
    const QUOTA: u64 = 60;
    let prefix = format!("twins-{}", uuid::Uuid::new_v4().simple());
    let (a, base_a) = instance(&store, &redis, &prefix, QUOTA).await;
    let (b, base_b) = instance(&store, &redis, &prefix, QUOTA).await;
    let http = reqwest::Client::new();
    let (token, pid, rid, _) = tenant(&http, &base_a, "twins", "v1").await;
    let mut sent = 0u64;

    // B serves what A created; a change through A reaches B within a second.
    for base in [&base_a, &base_b] {
        assert_eq!(
            get(&http, format!("{base}/m/twins/hello")).await,
            (StatusCode::OK, "v1".to_owned())
        );
        sent += 1;
    }
    let (s, _) = call(
        &http,
        &token,
        Method::PUT,
        format!("{base_a}/api/mocks/{rid}"),
        Some(json!({"name": "hi", "statusCode": 200, "body": "v2"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let changed = Instant::now();
    loop {
        let (_, body) = get(&http, format!("{base_b}/m/twins/hello")).await;
        sent += 1;
        if body == "v2" {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "B still served {body} a second after the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let propagation = changed.elapsed();

    // One quota for both: B's count so far is shared; A admits the rest, then both refuse.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before = sent;
    let mut admitted_a = 0;
    loop {
        let (s, _) = get(&http, format!("{base_a}/m/twins/hello")).await;
        sent += 1;
        if s == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(s, StatusCode::OK);
        admitted_a += 1;
        assert!(admitted_a <= QUOTA, "A ignores B's count");
    }
    assert_eq!(before + admitted_a, QUOTA, "one quota for both instances");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (s, _) = get(&http, format!("{base_b}/m/twins/hello")).await;
    sent += 1;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "B knows A's count");

    // A plan change through A lifts the limit on B at once (pub/sub).
    let (s, _) = call(
        &http,
        &token,
        Method::POST,
        format!("{base_a}/api/billing/create-checkout"),
        Some(json!({"tier": "pro"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let upgraded = Instant::now();
    loop {
        let (s, _) = get(&http, format!("{base_b}/m/twins/hello")).await;
        sent += 1;
        if s == StatusCode::OK {
            break;
        }
        assert!(
            upgraded.elapsed() < Duration::from_secs(1),
            "B kept the old plan"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // One journal: every request to both instances is in the project's logs.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, page) = call(
            &http,
            &token,
            Method::GET,
            format!("{base_b}/api/projects/{pid}/logs?limit=1"),
            None,
        )
        .await;
        if page["total"] == sent {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "logs {} of {sent}",
            page["total"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("change visible on the other instance after {propagation:?}");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_burst_limit_is_split_between_live_instances() {
    let Some(redis) = redis_url() else { return };
    let Some(store) = common::postgres_database().await else {
        return;
    };
    let prefix = format!("burst-{}", uuid::Uuid::new_v4().simple());
    // 4 per second for the product: 2 per instance, each bucket holding 4.
    let (a, base_a) = instance_with_burst(&store, &redis, &prefix, 1_000, Some(4)).await;
    let (b, base_b) = instance_with_burst(&store, &redis, &prefix, 1_000, Some(4)).await;
    let http = reqwest::Client::new();
    tenant(&http, &base_a, "split", "ok").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    for base in [&base_a, &base_b] {
        loop {
            let (_, system) =
                call(&http, "", Method::GET, format!("{base}/api/system"), None).await;
            if system["instances"] == 2 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "instances never saw each other: {system}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut admitted = 0;
    for i in 0..16 {
        let base = if i % 2 == 0 { &base_a } else { &base_b };
        let (s, _) = get(&http, format!("{base}/m/split/hello")).await;
        if s == StatusCode::OK {
            admitted += 1;
        } else {
            assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    // Capacity 2 × 4 = 8 for the product, whichever instance answers
    // (one more may refill while the requests run).
    assert!((8..=9).contains(&admitted), "{admitted} admitted");
    a.shutdown().await;
    // A stopped instance leaves: the other takes the whole rate again.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, system) = call(&http, "", Method::GET, format!("{base_b}/api/system"), None).await;
        if system["instances"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "B still counts A: {system}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.shutdown().await;
}

/// A TCP relay to Redis that can be cut (every connection closed, new ones
/// refused) and restored: Redis "down" and "back" for one server only.
struct Relay {
    addr: String,
    up: Arc<AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (u, c) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !u.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                c.lock().unwrap().push(task);
            }
        });
        Relay { addr, up, conns }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_keeps_mocks_serving_on_local_limits_and_back_resumes_shared_counts() {
    let Some(redis) = redis_url() else { return };
    let upstream = redis
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let relay = Relay::start(upstream).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("db").display());
    let prefix = format!("outage-{}", uuid::Uuid::new_v4().simple());
    let (server, base) = instance(&store, &format!("redis://{}", relay.addr), &prefix, 1_000).await;
    let http = reqwest::Client::new();
    let (token, _, _, org) = tenant(&http, &base, "outage", "up").await;
    let mut redis_conn = redis::Client::open(redis.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!(
        "{prefix}:usage:{org}:{}",
        chrono::Utc::now().format("%Y-%m")
    );
    for _ in 0..5 {
        assert_eq!(
            get(&http, format!("{base}/m/outage/hello")).await.0,
            StatusCode::OK
        );
    }
    let shared = |n: u64| n == 5;
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let v: Option<u64> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis_conn)
            .await
            .unwrap();
        if v.is_some_and(shared) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "counts never reached Redis: {v:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Down: every request still answered at once, /api too.
    relay.cut();
    let mut slowest = Duration::ZERO;
    for _ in 0..40 {
        let started = Instant::now();
        let (s, body) = get(&http, format!("{base}/m/outage/hello")).await;
        slowest = slowest.max(started.elapsed());
        assert_eq!((s, body.as_str()), (StatusCode::OK, "up"));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        slowest < Duration::from_millis(200),
        "slowest answer {slowest:?} while Redis was down"
    );
    let (s, _) = call(
        &http,
        &token,
        Method::GET,
        format!("{base}/api/usage"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, usage) = call(
        &http,
        &token,
        Method::GET,
        format!("{base}/api/usage"),
        None,
    )
    .await;
    assert_eq!(usage["requestCount"], 45, "counted locally meanwhile");

    // Back: the backlog reaches the shared counter within 5 s, no restart.
    relay.restore();
    let back = Instant::now();
    loop {
        let v: Option<u64> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis_conn)
            .await
            .unwrap();
        if v == Some(45) {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "shared count {v:?} 5 s after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "shared counting resumed {:?} after Redis came back",
        back.elapsed()
    );
    server.shutdown().await;
}
