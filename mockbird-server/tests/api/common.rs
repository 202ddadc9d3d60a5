//! A real server on 127.0.0.1:0 with a fresh store, and a client for it.

use mockbird_server::{Config, RunningServer, start};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// The default `free` plan with other limits, for tests of limits.
pub(crate) fn free_plan(requests: Option<u64>, burst: Option<u32>) -> impl FnOnce(&mut Config) {
    move |config: &mut Config| {
        let mut plans = mockbird_core::model::Plan::defaults();
        plans[0].request_limit = requests;
        plans[0].burst_per_second = burst;
        config.plan_list = Some(plans);
    }
}

/// One plan, `free`, without any limit: for tests that send a lot of traffic.
pub(crate) fn unlimited(config: &mut Config) {
    config.plan_list = Some(vec![mockbird_core::model::Plan {
        tier: "free".into(),
        price_monthly_cents: 0,
        price_yearly_cents: 0,
        endpoint_limit: None,
        request_limit: None,
        log_retention_days: None,
        burst_per_second: None,
    }]);
}

/// A running server and an HTTP client.
pub(crate) struct App {
    /// `http://127.0.0.1:port`.
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    /// `sqlite` or `postgres`: what the server stores into.
    pub(crate) backend: &'static str,
    server: RunningServer,
    _dir: tempfile::TempDir,
}

impl App {
    /// On a fresh store: a SQLite file (the product's default store), or a
    /// fresh PostgreSQL database in the `api_postgres` copy of this suite.
    pub(crate) async fn start() -> App {
        Self::start_with(|_| {}).await
    }

    /// On a fresh store, with `tweak` applied to the configuration.
    pub(crate) async fn start_with(tweak: impl FnOnce(&mut Config)) -> App {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests();
        config.store = format!("sqlite:{}", dir.path().join("mockbird.db").display());
        if crate::ON_POSTGRES {
            match postgres_database().await {
                Some(url) => config.store = url,
                None => eprintln!("skipped on PostgreSQL: this test ran on SQLite instead"),
            }
            // The PostgreSQL copy also counts quotas and limits in the real
            // Redis, under a prefix of its own so parallel tests do not meet.
            if let Ok(url) = std::env::var("MOCKBIRD_TEST_REDIS_URL") {
                config.redis_url = Some(url);
                config.redis_prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
            }
        }
        tweak(&mut config);
        let backend = if config.store.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        let server = start(config).await.expect("server starts");
        App {
            base: format!("http://{}", server.addr()),
            // The suite reads the mail it triggers through the outbox.
            http: reqwest::Client::builder()
                .default_headers(
                    [(
                        reqwest::header::HeaderName::from_static("x-mockbird-outbox-token"),
                        reqwest::header::HeaderValue::from_static(
                            mockbird_server::config::TEST_OUTBOX_TOKEN,
                        ),
                    )]
                    .into_iter()
                    .collect(),
                )
                .build()
                .unwrap(),
            backend,
            server,
            _dir: dir,
        }
    }

    /// The server's shared state (store, limits) for what HTTP cannot reach.
    pub(crate) fn state(&self) -> &mockbird_server::AppState {
        self.server.state()
    }

    pub(crate) fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Registers a user; returns (access token, user id, refresh token).
    pub(crate) async fn register(&self, email: &str) -> (String, String, String) {
        let res = self
            .req(Method::POST, "/api/auth/register")
            .json(&json!({"email": email, "password": "correct horse", "name": email.split('@').next().unwrap()}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "register {email}");
        let v: Value = res.json().await.unwrap();
        (
            v["session"]["accessToken"].as_str().unwrap().to_owned(),
            v["user"]["id"].as_str().unwrap().to_owned(),
            v["session"]["refreshToken"].as_str().unwrap().to_owned(),
        )
    }

    /// Polls `GET path` until `check` holds (logs and counts are written in the
    /// background); panics after 6 s.
    pub(crate) async fn wait_for(
        &self,
        token: &str,
        path: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..60 {
            let (s, v) = self.call(token, Method::GET, path, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            if check(&v) {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{path} never got there");
    }

    /// The Prometheus text of `GET /metrics`.
    pub(crate) async fn metrics(&self) -> String {
        let res = self.req(Method::GET, "/metrics").send().await.unwrap();
        res.text().await.unwrap()
    }

    /// Sends `body` (if any) with a Bearer token; returns status and JSON (Null when empty).
    pub(crate) async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        send(self.req(method, path), token, body).await
    }

    /// Creates a public project and a GET mock without responses; returns (project, mock) JSON.
    pub(crate) async fn project_and_mock(
        &self,
        token: &str,
        slug: &str,
        path: &str,
    ) -> (Value, Value) {
        let (s, project) = self
            .call(
                token,
                Method::POST,
                "/api/projects",
                Some(json!({"name": slug, "slug": slug, "isPublic": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{project}");
        let pid = project["id"].as_str().unwrap();
        let (s, mock) = self
            .call(
                token,
                Method::POST,
                &format!("/api/projects/{pid}/mocks"),
                Some(json!({"name": "m", "path": path, "method": "GET"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{mock}");
        (project, mock)
    }

    /// Creates a project, a mock and a default response; returns (project, mock) JSON.
    pub(crate) async fn project_with_mock(
        &self,
        token: &str,
        slug: &str,
        path: &str,
        body: &str,
    ) -> (Value, Value) {
        let (project, mock) = self.project_and_mock(token, slug, path).await;
        let mid = mock["id"].as_str().unwrap();
        let (s, r) = self
            .call(
                token,
                Method::POST,
                &format!("/api/mocks/{mid}/responses"),
                Some(json!({"statusCode": 200, "body": body, "isDefault": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        (project, mock)
    }
}

/// Sends `req` with `body` as JSON (if any) and a Bearer `token` (if not empty);
/// returns the status and the JSON answer (Null when empty or not JSON).
pub(crate) async fn send(
    mut req: RequestBuilder,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fresh database on `MOCKBIRD_TEST_POSTGRES_URL`, as a URL; `None` (noted)
/// when the variable is unset, a panic when it is unset under CI.
pub(crate) async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    let url = match std::env::var("MOCKBIRD_TEST_POSTGRES_URL") {
        Ok(url) => url,
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI requires MOCKBIRD_TEST_POSTGRES_URL")
        }
        Err(_) => {
            eprintln!("skipped: MOCKBIRD_TEST_POSTGRES_URL not set");
            return None;
        }
    };
    let name = format!("mockbird_server_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create database");
    let (base, _) = url.rsplit_once('/').expect("URL has a database");
    Some(format!("{base}/{name}"))
}

/// Waits until the clock minute has at least 15 s left, for tests of limits
/// that count per clock minute (no window may turn over halfway).
pub(crate) async fn inside_one_minute() {
    while chrono::Utc::now().timestamp() % 60 >= 45 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
