//! [`MockServer`]: a real HTTP server on 127.0.0.1 for test suites, with a
//! bounded journal of received requests and expectations verified on drop.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mockbird_core::engine::{DocumentError, Engine, MockSource, Outcome};
use mockbird_core::model::{ExportDocument, HttpMethod};
use mockbird_core::request::MockRequest;
use mockbird_core::routing::{PathPattern, Route, Router};
use mockbird_core::selection::NoMatch;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::builder::{Mock, Times};
use crate::respond::{read_request, respond};

/// Requests a [`MockServer`]'s journal keeps unless told otherwise; older
/// ones are let go (their count stays: see [`MockServer::received_count`]).
pub const DEFAULT_JOURNAL_CAP: usize = 10_000;
/// Near misses kept for the failure report (the latest).
const NEAR_MISSES_KEPT: usize = 20;
/// Requests a failure report lists (the latest).
const REPORTED_REQUESTS: usize = 20;

type Predicate = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;

struct Mounted {
    name: String,
    /// This mock alone, so that its near misses are its own.
    engine: Engine,
    closures: Vec<Predicate>,
    expectation: Option<Times>,
    hits: AtomicU64,
}

/// The mounted mocks, routed once: a request finds the mocks of its route
/// (by the engine's rule: static over `{param}` over `{*rest}`, then the
/// method) in one trie lookup, whatever their number and mount order.
#[derive(Default)]
struct Table {
    mounted: Vec<Mounted>,
    router: Router<u32>,
    /// Route (method and path shape) → its index in `candidates`.
    routes: HashMap<(HttpMethod, String), u32>,
    /// Per route, its mocks in mount order.
    candidates: Vec<Vec<usize>>,
}

impl Table {
    fn add(&mut self, mounted: Mounted, method: HttpMethod, pattern: &PathPattern) {
        let index = self.mounted.len();
        self.mounted.push(mounted);
        let next = u32::try_from(self.candidates.len()).expect("fewer than 2^32 routes");
        let route = *self.routes.entry((method, pattern.shape())).or_insert(next);
        if route == next {
            self.router
                .insert(method, pattern, route)
                .expect("a new method and shape is a new route");
            self.candidates.push(Vec::new());
        }
        self.candidates[route as usize].push(index);
    }
}

/// A request no mock answered, and why each mock of its route refused it.
struct NearMiss {
    request: String,
    reasons: Vec<String>,
}

struct Journal {
    cap: usize,
    kept: VecDeque<MockRequest>,
    received: u64,
    near_misses: VecDeque<NearMiss>,
}

struct State {
    table: RwLock<Table>,
    journal: Mutex<Journal>,
    seed: Option<u64>,
}

/// How to start a [`MockServer`]: `MockServer::builder().seed(7).journal_cap(100).start()`.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    seed: Option<u64>,
    journal_cap: usize,
}

impl MockServerBuilder {
    /// Weighted choices drawn from `seed` ([`Engine::compile_seeded`]): the
    /// same calls get the same responses in every run, as on the hosted
    /// server and under `mockbird serve` with the same seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Keep at most `cap` requests (the latest) for
    /// [`MockServer::received_requests`]; `0` keeps none. Default
    /// [`DEFAULT_JOURNAL_CAP`]. Expectations count every request whatever the cap.
    #[must_use]
    pub fn journal_cap(mut self, cap: usize) -> Self {
        self.journal_cap = cap;
        self
    }

    /// Keeps no request (the journal off); expectations still count.
    #[must_use]
    pub fn without_journal(self) -> Self {
        self.journal_cap(0)
    }

    /// Starts the server. Must be called within a tokio runtime.
    pub async fn start(self) -> MockServer {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            table: RwLock::new(Table::default()),
            journal: Mutex::new(Journal {
                cap: self.journal_cap,
                kept: VecDeque::new(),
                received: 0,
                near_misses: VecDeque::new(),
            }),
            seed: self.seed,
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        MockServer { addr, state, task }
    }
}

/// An HTTP server on `127.0.0.1` and a free port, serving the mocks mounted on
/// it. Each test starts its own (no shared pool), so tests run in parallel.
///
/// A request is routed as the hosted server routes it: static segments over
/// `{param}` over `{*rest}`, then the method (405 with `Allow` when only other
/// methods have the path). Of the mocks of that route, the first mounted whose
/// closures pass and whose conditions select a response answers. When none
/// does, the answer is the engine's 404 with the near miss's reasons (each
/// failed condition, expected and actual). When the server is dropped, every
/// expectation (`Mock::expect`) is verified; a failed one panics with the
/// closest near misses and the latest requests (unless the thread is already
/// panicking).
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
    /// Starts a server with the defaults. Must be called within a tokio runtime.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A server to configure before starting: seed, journal cap.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            seed: None,
            journal_cap: DEFAULT_JOURNAL_CAP,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The requests the journal keeps (the latest, up to its cap), in arrival order.
    pub fn received_requests(&self) -> Vec<MockRequest> {
        lock(&self.state.journal).kept.iter().cloned().collect()
    }

    /// How many requests arrived, kept in the journal or not.
    pub fn received_count(&self) -> u64 {
        lock(&self.state.journal).received
    }

    /// Removes every mock and forgets every request.
    pub fn reset(&self) {
        *write(&self.state.table) = Table::default();
        let mut journal = lock(&self.state.journal);
        journal.kept.clear();
        journal.received = 0;
        journal.near_misses.clear();
    }

    /// Mounts every mock of a project document — an export, a file pulled
    /// with `mockbird pull`, an import's result — validated as the server
    /// validates an import; nothing is mounted when it fails.
    pub fn mount_document(&self, doc: &ExportDocument) -> Result<(), DocumentError> {
        let sources = Engine::document_sources(doc)?;
        let mut compiled = Vec::with_capacity(sources.len());
        for src in sources.into_iter().filter(|s| s.def.is_active) {
            let name = src.def.name.clone();
            compiled.push(self.compile(src, name, Vec::new(), None)?);
        }
        let mut table = write(&self.state.table);
        for (mounted, method, pattern) in compiled {
            table.add(mounted, method, &pattern);
        }
        Ok(())
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
        let compiled = self
            .compile(
                source,
                mock.display_name(),
                mock.closures(),
                mock.expectation,
            )
            .unwrap_or_else(|e| panic!("invalid mock: {e}"));
        let (mounted, method, pattern) = compiled;
        write(&self.state.table).add(mounted, method, &pattern);
    }

    fn compile(
        &self,
        source: MockSource,
        name: String,
        closures: Vec<Predicate>,
        expectation: Option<Times>,
    ) -> Result<(Mounted, HttpMethod, PathPattern), DocumentError> {
        let method = source.def.method;
        let pattern = PathPattern::parse(&source.def.path).map_err(|e| {
            DocumentError::Engine(mockbird_core::engine::EngineError::Pattern {
                mock_id: source.id,
                source: e,
            })
        })?;
        let engine = match self.state.seed {
            Some(seed) => Engine::compile_seeded([source], seed)?,
            None => Engine::compile([source])?,
        };
        let mounted = Mounted {
            name,
            engine,
            closures,
            expectation,
            hits: AtomicU64::new(0),
        };
        Ok((mounted, method, pattern))
    }

    fn report(&self) -> Option<String> {
        let table = read(&self.state.table);
        let unmet: Vec<String> = table
            .mounted
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
        if !journal.near_misses.is_empty() {
            report.push_str(&format!(
                "Requests no mock answered (the latest {}):\n",
                journal.near_misses.len()
            ));
            for miss in &journal.near_misses {
                report.push_str(&format!("  - {}\n", miss.request));
                for reason in &miss.reasons {
                    report.push_str(&format!("      {reason}\n"));
                }
            }
        }
        let kept = journal.kept.len();
        let shown = kept.min(REPORTED_REQUESTS);
        report.push_str(&format!(
            "Requests received: {} (the latest {shown} listed)\n",
            journal.received
        ));
        let first_number = journal.received - shown as u64;
        for (i, r) in journal.kept.iter().skip(kept - shown).enumerate() {
            report.push_str(&format!(
                "  {}. {}",
                first_number + i as u64 + 1,
                request_line(r)
            ));
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
    let (outcome, miss) = answer(&state, &request);
    {
        let mut journal = lock(&state.journal);
        journal.received += 1;
        if journal.cap > 0 {
            if journal.kept.len() == journal.cap {
                journal.kept.pop_front();
            }
            journal.kept.push_back(request);
        }
        if let Some(miss) = miss {
            if journal.near_misses.len() == NEAR_MISSES_KEPT {
                journal.near_misses.pop_front();
            }
            journal.near_misses.push_back(miss);
        }
    }
    Ok(respond(outcome).await)
}

/// The outcome for a request, and why no mock answered when none did.
fn answer(state: &State, request: &MockRequest) -> (Outcome, Option<NearMiss>) {
    let table = read(&state.table);
    let route = match table
        .router
        .lookup(HttpMethod::from_http(&request.method), &request.path)
    {
        Route::Found { value, .. } => value,
        Route::MethodNotAllowed(allowed) => {
            let reason = format!(
                "no mock for {}; this path has mocks for {}",
                request.method,
                allowed
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return (
                Outcome::MethodNotAllowed { allowed },
                Some(near_miss(request, vec![reason])),
            );
        }
        Route::NotFound => {
            return (
                Outcome::NotFound,
                Some(near_miss(request, vec!["no mock has this path".to_owned()])),
            );
        }
    };
    let mut first_refusal = None;
    let mut reasons = Vec::new();
    for &i in &table.candidates[route as usize] {
        let m = &table.mounted[i];
        if !m.closures.iter().all(|f| f(request)) {
            reasons.push(format!("{}: a closure matcher did not match", m.name));
            continue;
        }
        let outcome = m.engine.handle(request);
        match &outcome {
            Outcome::NoMatchingResponse { report, .. }
                if !matches!(report, NoMatch::UnknownForcedResponse { .. }) =>
            {
                reasons.push(format!("{}: {}", m.name, explain(report)));
                first_refusal.get_or_insert(outcome);
            }
            Outcome::NotFound | Outcome::MethodNotAllowed { .. } => {}
            _ => {
                m.hits.fetch_add(1, Ordering::SeqCst);
                return (outcome, None);
            }
        }
    }
    (
        first_refusal.unwrap_or(Outcome::NotFound),
        Some(near_miss(request, reasons)),
    )
}

fn near_miss(request: &MockRequest, reasons: Vec<String>) -> NearMiss {
    NearMiss {
        request: request_line(request),
        reasons,
    }
}

/// Each failed condition of a near miss: what was expected, what came.
fn explain(report: &NoMatch) -> String {
    match report {
        NoMatch::ConditionsFailed { responses } => {
            let failed: Vec<String> = responses
                .iter()
                .flat_map(|r| &r.failed)
                .map(|c| {
                    format!(
                        "{} {:?} {} {} (got {})",
                        c.kind.as_str(),
                        c.field,
                        c.operator.as_str(),
                        c.expected
                            .as_deref()
                            .map(|e| format!("{e:?}"))
                            .unwrap_or_default(),
                        c.actual
                            .as_deref()
                            .map_or("nothing".to_owned(), |a| format!("{a:?}")),
                    )
                })
                .collect();
            format!("conditions failed: {}", failed.join("; "))
        }
        other => other.message(),
    }
}

fn request_line(r: &MockRequest) -> String {
    let query = r
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!("{} {}{query}", r.method, r.path)
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
