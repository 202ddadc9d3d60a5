//! A real server in-process, and the `mockbird` binary run as a user runs it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A server on a fresh SQLite store, a signed-up user, and a config directory.
pub(crate) struct Env {
    pub url: String,
    pub email: String,
    pub password: String,
    pub dir: tempfile::TempDir,
    _server: mockbird_server::RunningServer,
}

impl Env {
    pub(crate) async fn start() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let mut config = mockbird_server::config::Config::for_tests();
        config.store = format!("sqlite:{}", dir.path().join("mockbird.db").display());
        let server = mockbird_server::start(config).await.expect("server starts");
        let url = format!("http://{}", server.addr());
        let email = format!("cli-{}@example.com", std::process::id());
        let password = "correct horse battery".to_owned();
        let res = reqwest::Client::new()
            .post(format!("{url}/api/auth/register"))
            .json(&json!({"email": email, "password": password, "name": "CLI user"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        // The free plan's three mocks are too few for a whole document: the
        // mock checkout upgrades at once.
        let token = res.json::<Value>().await.unwrap()["session"]["accessToken"]
            .as_str()
            .expect("register answers an access token")
            .to_owned();
        let res = reqwest::Client::new()
            .post(format!("{url}/api/billing/create-checkout"))
            .bearer_auth(token)
            .json(&json!({"tier": "pro", "period": "monthly"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        Env {
            url,
            email,
            password,
            dir,
            _server: server,
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `mockbird ARGS` with this server and config, optionally fed `stdin`.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mockbird"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("MOCKBIRD_CONFIG", self.path("config.json"))
            .env("MOCKBIRD_URL", &self.url)
            .env_remove("MOCKBIRD_TOKEN");
        cmd
    }

    /// Runs `mockbird ARGS` to the end, off the async workers.
    pub(crate) async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None).await
    }

    pub(crate) async fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        let stdin = stdin.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().expect("mockbird runs");
            if let Some(text) = stdin {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
            }
            Run(child.wait_with_output().unwrap())
        })
        .await
        .unwrap()
    }

    /// Runs a prepared command to the end, off the async workers.
    pub(crate) async fn run_command(&self, mut cmd: Command) -> Run {
        tokio::task::spawn_blocking(move || Run(cmd.output().expect("mockbird runs")))
            .await
            .unwrap()
    }

    /// Signs in with email and password, as a user would.
    pub(crate) async fn login(&self) {
        let run = self
            .run_with(
                &[
                    "login",
                    "--url",
                    &self.url,
                    "--email",
                    &self.email,
                    "--password-stdin",
                ],
                Some(&format!("{}\n", self.password)),
            )
            .await;
        run.ok();
    }

    /// `GET`/… on the server (or any URL), returning status, headers and body.
    pub(crate) async fn http(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = reqwest::Client::new().request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap())
    }
}

/// A finished run.
pub(crate) struct Run(pub Output);

impl Run {
    pub(crate) fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
    /// Asserts exit 0.
    pub(crate) fn ok(&self) -> &Self {
        assert_eq!(
            self.code(),
            0,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A long-running `mockbird` (serve, tail) whose output is read line by line.
pub(crate) struct Running {
    child: Child,
    lines: std::sync::Mutex<std::sync::mpsc::Receiver<String>>,
}

impl Running {
    pub(crate) fn spawn(mut cmd: Command) -> Running {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("mockbird runs");
        let (tx, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Running {
            child,
            lines: std::sync::Mutex::new(lines),
        }
    }

    /// The next line containing `needle`, within 15 s.
    pub(crate) async fn line_with(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            let next = self.lines.lock().unwrap().try_recv();
            match next {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        panic!("no line with {needle:?}; saw: {seen:#?}");
    }

    /// Waits for the process to end by itself, within 15 s.
    pub(crate) async fn exit_code(&mut self) -> i32 {
        for _ in 0..750 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("mockbird did not end");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `text` to `path`.
pub(crate) fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}
