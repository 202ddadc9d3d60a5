//! [`MockServer`]: a real HTTP server on 127.0.0.1 for test suites, with a
//! journal of received requests and expectations verified on drop.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mockbird_core::engine::{Engine, Outcome};
use mockbird_core::request::MockRequest;
use mockbird_core::selection::NoMatch;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::builder::{Mock, Times};
use crate::respond::{json_error, read_request, respond};

type Predicate = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;

struct Mounted {
    name: String,
    engine: Engine,
    closures: Vec<Predicate>,
    expectation: Option<Times>,
    hits: AtomicU64,
}

#[derive(Default)]
struct State {
    mounted: RwLock<Vec<Mounted>>,
    journal: Mutex<Vec<MockRequest>>,
}

/// An HTTP server on `127.0.0.1` and a free port, serving the mocks mounted on
/// it. Each test starts its own (no shared pool), so tests run in parallel.
/// Mocks are tried in mount order; the first whose method, path, conditions and
/// closures all match answers. Unmatched requests get 404. When the server is
/// dropped, every expectation (`Mock::expect`) is verified; a failed one panics
/// with a report of the requests received (unless the thread is already panicking).
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server. Must be called within a tokio runtime.
    pub async fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State::default());
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        MockServer { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn received_requests(&self) -> Vec<MockRequest> {
        lock(&self.state.journal).clone()
    }

    /// Removes every mock and forgets every request.
    pub fn reset(&self) {
        write(&self.state.mounted).clear();
        lock(&self.state.journal).clear();
    }

    /// Checks every expectation now; panics with a report if one is unmet.
    pub fn verify(&self) {
        if let Some(report) = self.report() {
            panic!("{report}");
        }
    }

    pub(crate) fn register(&self, mock: Mock) {
        let source = mock
            .to_source()
            .unwrap_or_else(|e| panic!("invalid mock: {e}"));
        let engine = Engine::compile([source]).unwrap_or_else(|e| panic!("invalid mock: {e}"));
        write(&self.state.mounted).push(Mounted {
            name: mock.display_name(),
            closures: mock.closures(),
            expectation: mock.expectation,
            engine,
            hits: AtomicU64::new(0),
        });
    }

    fn report(&self) -> Option<String> {
        let mounted = read(&self.state.mounted);
        let unmet: Vec<String> = mounted
            .iter()
            .filter_map(|m| {
                let times = m.expectation?;
                let hits = m.hits.load(Ordering::SeqCst);
                (!times.contains(hits))
                    .then(|| format!("  - {}: expected {times} calls, received {hits}", m.name))
            })
            .collect();
        if unmet.is_empty() {
            return None;
        }
        let journal = lock(&self.state.journal);
        let mut report = format!(
            "MockServer {}: unmet expectations:\n{}\n",
            self.uri(),
            unmet.join("\n")
        );
        report.push_str(&format!("Requests received ({}):\n", journal.len()));
        for (i, r) in journal.iter().enumerate() {
            let query = r
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            report.push_str(&format!("  {}. {} {}{query}", i + 1, r.method, r.path));
            if !r.body.is_empty() {
                report.push_str(&format!(
                    " body: {}",
                    String::from_utf8_lossy(&r.body[..r.body.len().min(200)])
                ));
            }
            report.push('\n');
        }
        Some(report)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking()
            && let Some(report) = self.report()
        {
            panic!("{report}");
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(Arc::clone(&state), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let request = match read_request(req).await {
        Ok(r) => r,
        Err(response) => return Ok(response),
    };
    lock(&state.journal).push(request.clone());
    let outcome = {
        let mounted = read(&state.mounted);
        mounted.iter().find_map(|m| {
            if !m.closures.iter().all(|f| f(&request)) {
                return None;
            }
            let outcome = m.engine.handle(&request);
            let matched = match &outcome {
                Outcome::Matched(_) | Outcome::TemplateError { .. } => true,
                Outcome::NoMatchingResponse { report, .. } => {
                    matches!(report, NoMatch::UnknownForcedResponse { .. })
                }
                Outcome::NotFound | Outcome::MethodNotAllowed { .. } => false,
            };
            matched.then(|| {
                m.hits.fetch_add(1, Ordering::SeqCst);
                outcome
            })
        })
    };
    Ok(match outcome {
        Some(outcome) => respond(outcome).await,
        None => json_error(
            StatusCode::NOT_FOUND,
            "MOCK_NOT_FOUND",
            "No mounted mock matches this request",
        ),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}
