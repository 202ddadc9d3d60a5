//! The engine: a project's mocks compiled into an immutable snapshot, and
//! [`Engine::handle`] answering a request with an [`Outcome`].
//!
//! Compiling parses path patterns into the trie, builds regexes, parses
//! templates and pre-builds headers and static bodies as [`Bytes`], so that
//! serving a static mock copies nothing. An [`Engine`] is cheap to clone (an
//! `Arc`) and never changes; a changed project gets a new engine.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde_json::json;
use uuid::Uuid;

use crate::condition::CompiledCondition;
use crate::model::{
    ExportDocument, HttpMethod, Mock, MockDef, MockResponse, ProjectBundle, ResponseDef,
};
use crate::request::{MockRequest, RequestView};
use crate::routing::{PathPattern, Route, Router};
use crate::selection::{self, Candidate, NoMatch};
use crate::template::{Budget, Template, TemplateError};

/// Request header forcing a response by name or id.
pub const FORCE_RESPONSE_HEADER: &str = "x-mockbird-response";
/// Request header fixing the clock templates see (RFC 3339).
pub const NOW_HEADER: &str = "x-mockbird-now";
/// Request header seeding this request's weighted choice (an unsigned 64-bit
/// number): the same seed, mock and responses always draw the same response,
/// wherever the mock is served.
pub const SEED_HEADER: &str = "x-mockbird-seed";

/// One mock to compile: its definition and its responses in creation order.
#[derive(Debug, Clone)]
pub struct MockSource {
    /// Identifier reported in outcomes.
    pub id: Uuid,
    /// The mock.
    pub def: MockDef,
    /// Its responses with their ids, in creation order.
    pub responses: Vec<(Uuid, ResponseDef)>,
}

impl MockSource {
    /// A source with fresh random ids (for mocks defined in code).
    pub fn new(def: MockDef, responses: Vec<ResponseDef>) -> Self {
        MockSource {
            id: Uuid::new_v4(),
            def,
            responses: responses.into_iter().map(|r| (Uuid::new_v4(), r)).collect(),
        }
    }

    /// A source from stored records.
    pub fn from_stored(mock: &Mock, responses: &[MockResponse]) -> Self {
        MockSource {
            id: mock.id,
            def: mock.to_def(),
            responses: responses.iter().map(|r| (r.id, r.to_def())).collect(),
        }
    }
}

/// Why a set of mocks could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Two active mocks with the same path shape and method.
    #[error("mock {mock_id}: {source}")]
    Conflict {
        /// The second mock.
        mock_id: Uuid,
        /// The conflict.
        source: crate::routing::RouteConflict,
    },
    /// A path pattern is invalid.
    #[error("mock {mock_id}: path {source}")]
    Pattern {
        /// The mock.
        mock_id: Uuid,
        /// The problem.
        source: crate::routing::PatternError,
    },
    /// A response template is invalid.
    #[error("response {response_id}: {source}")]
    Template {
        /// The response.
        response_id: Uuid,
        /// The problem.
        source: TemplateError,
    },
    /// A condition could not be compiled.
    #[error("response {response_id}: condition: {message}")]
    Condition {
        /// The response.
        response_id: Uuid,
        /// The problem.
        message: String,
    },
}

/// Why a project document (an export, a pulled or imported file) cannot be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Fields that do not validate, every one named (`mocks[2].path`).
    #[error("the document does not validate: {0}")]
    Invalid(crate::ValidationError),
    /// Mocks answering the same requests, one message per collision.
    #[error("mocks of the document answer the same requests: {}", .0.join("; "))]
    Conflicts(Vec<String>),
    /// A mock that validates but does not compile.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A response served by a matched mock.
#[derive(Debug, Clone)]
pub struct MatchedResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers, `Content-Type` included.
    pub headers: HeaderMap,
    /// Rendered body (shared, not copied, when static).
    pub body: Bytes,
    /// How long to wait before answering.
    pub delay: Duration,
    /// The mock.
    pub mock_id: Uuid,
    /// The response.
    pub response_id: Uuid,
}

/// What the engine decided for a request.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A mock and response answer.
    Matched(MatchedResponse),
    /// No mock has this path.
    NotFound,
    /// The path exists for these methods only.
    MethodNotAllowed {
        /// The methods (never `ANY`).
        allowed: Vec<HttpMethod>,
    },
    /// A mock matched but no response qualified.
    NoMatchingResponse {
        /// The mock.
        mock_id: Uuid,
        /// Why.
        report: NoMatch,
    },
    /// The selected response's template failed.
    TemplateError {
        /// The mock.
        mock_id: Uuid,
        /// The response.
        response_id: Uuid,
        /// Why.
        error: TemplateError,
    },
}

/// An error outcome as an HTTP answer: status, `Allow` list, JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorAnswer {
    /// Status.
    pub status: StatusCode,
    /// Methods for `Allow` (405 only).
    pub allow: Option<String>,
    /// `{"error": CODE, "message": …}` plus details.
    pub body: serde_json::Value,
}

impl Outcome {
    /// The mock that matched, if any.
    pub fn mock_id(&self) -> Option<Uuid> {
        match self {
            Outcome::Matched(m) => Some(m.mock_id),
            Outcome::NoMatchingResponse { mock_id, .. }
            | Outcome::TemplateError { mock_id, .. } => Some(*mock_id),
            Outcome::NotFound | Outcome::MethodNotAllowed { .. } => None,
        }
    }

    /// The HTTP answer of this outcome, and how long to wait before sending
    /// it (the mock's delay; zero for the error answers, which are JSON
    /// [`Outcome::error_answer`]s with `Allow` on a 405). Every server of
    /// mocks (the hosted one, `MockLayer`, `MockServer`) answers through this.
    pub fn into_response(self) -> (Duration, http::Response<Bytes>) {
        match self {
            Outcome::Matched(m) => {
                let mut res = http::Response::new(m.body);
                *res.status_mut() = m.status;
                *res.headers_mut() = m.headers;
                (m.delay, res)
            }
            other => {
                let answer = other
                    .error_answer()
                    .expect("every other outcome has an error answer");
                let mut res = http::Response::new(Bytes::from(answer.body.to_string()));
                *res.status_mut() = answer.status;
                res.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                if let Some(allow) = answer.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
                    res.headers_mut().insert(http::header::ALLOW, allow);
                }
                (Duration::ZERO, res)
            }
        }
    }

    /// The answer for every outcome but [`Outcome::Matched`], as docs/http-api.md words it.
    pub fn error_answer(&self) -> Option<ErrorAnswer> {
        let (status, allow, body) = match self {
            Outcome::Matched(_) => return None,
            Outcome::NotFound => (
                StatusCode::NOT_FOUND,
                None,
                json!({"error": "MOCK_NOT_FOUND", "message": "No mock matches this path"}),
            ),
            Outcome::MethodNotAllowed { allowed } => {
                let allow = allowed
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let body = json!({"error": "METHOD_NOT_ALLOWED", "message": format!("This path accepts {allow}"), "allowed": allowed});
                (StatusCode::METHOD_NOT_ALLOWED, Some(allow), body)
            }
            Outcome::NoMatchingResponse { mock_id, report } => (
                StatusCode::NOT_FOUND,
                None,
                json!({"error": "NO_MATCHING_RESPONSE", "message": report.message(), "mockId": mock_id, "details": report}),
            ),
            Outcome::TemplateError { error, .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                json!({"error": "TEMPLATE_ERROR", "message": error.to_string()}),
            ),
        };
        Some(ErrorAnswer {
            status,
            allow,
            body,
        })
    }
}

#[derive(Debug)]
enum Body {
    Static(Bytes),
    Template(Template),
}

#[derive(Debug)]
struct CompiledResponse {
    id: Uuid,
    name: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    conditions: Vec<CompiledCondition>,
    weight: u8,
    is_default: bool,
}

impl Candidate for CompiledResponse {
    fn id(&self) -> Uuid {
        self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn conditions(&self) -> &[CompiledCondition] {
        &self.conditions
    }
    fn weight(&self) -> u8 {
        self.weight
    }
    fn is_default(&self) -> bool {
        self.is_default
    }
}

#[derive(Debug)]
struct CompiledMock {
    id: Uuid,
    delay: Duration,
    responses: Vec<CompiledResponse>,
    /// Mixed into every seed, so that mocks draw apart and a mock draws the
    /// same wherever it is compiled (from its method and path, not its id).
    route_hash: u64,
    /// The engine's seed's own sequence for this mock, when seeded.
    rng: Option<Mutex<SmallRng>>,
}

#[derive(Debug)]
struct Snapshot {
    router: Router<u32>,
    mocks: Vec<CompiledMock>,
}

/// A compiled, immutable set of mocks. Clones share it.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Snapshot>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            inner: Arc::new(Snapshot {
                router: Router::new(),
                mocks: Vec::new(),
            }),
        }
    }
}

impl Engine {
    /// Compiles mocks; inactive ones are left out. Weighted choices use a thread-local RNG.
    pub fn compile(sources: impl IntoIterator<Item = MockSource>) -> Result<Self, EngineError> {
        Self::build(sources, None, None)
    }

    /// Like [`Engine::compile`], with weighted choices drawn from RNGs seeded
    /// with `seed` (one per mock, mixed with its method and path), so a
    /// sequence of requests to a mock always gets the same responses, however
    /// the other mocks are called and wherever the mock is compiled.
    pub fn compile_seeded(
        sources: impl IntoIterator<Item = MockSource>,
        seed: u64,
    ) -> Result<Self, EngineError> {
        Self::build(sources, Some(seed), None)
    }

    /// The mocks of a project document, validated as an import validates
    /// them (every field, route collisions), with fresh ids, in document
    /// order (inactive ones included: compiling leaves them out).
    pub fn document_sources(doc: &ExportDocument) -> Result<Vec<MockSource>, DocumentError> {
        let mocks = doc.validate().map_err(DocumentError::Invalid)?;
        let conflicts = ExportDocument::route_conflicts(&mocks);
        if !conflicts.is_empty() {
            return Err(DocumentError::Conflicts(conflicts));
        }
        Ok(mocks
            .into_iter()
            .map(|(def, responses)| MockSource::new(def, responses))
            .collect())
    }

    /// Compiles a project document as the server serves it once imported;
    /// with `seed`, weighted choices as [`Engine::compile_seeded`] draws them.
    pub fn from_document(doc: &ExportDocument, seed: Option<u64>) -> Result<Self, DocumentError> {
        Ok(Self::build(Self::document_sources(doc)?, seed, None)?)
    }

    /// Compiles a stored project.
    pub fn from_bundle(bundle: &ProjectBundle) -> Result<Self, EngineError> {
        Self::compile(Self::bundle_sources(bundle))
    }

    /// Compiles a stored project, leaving out (and returning) every mock that
    /// cannot be compiled — one whose route collides with an earlier active
    /// mock's, say — so that one bad mock never takes the others down.
    pub fn from_bundle_lenient(bundle: &ProjectBundle) -> (Self, Vec<EngineError>) {
        let mut skipped = Vec::new();
        let engine = Self::build(Self::bundle_sources(bundle), None, Some(&mut skipped))
            .expect("lenient builds do not fail");
        (engine, skipped)
    }

    fn bundle_sources(bundle: &ProjectBundle) -> impl Iterator<Item = MockSource> + '_ {
        bundle
            .mocks
            .iter()
            .map(|(m, rs)| MockSource::from_stored(m, rs))
    }

    fn build(
        sources: impl IntoIterator<Item = MockSource>,
        seed: Option<u64>,
        mut skipped: Option<&mut Vec<EngineError>>,
    ) -> Result<Self, EngineError> {
        let mut router = Router::new();
        let mut mocks = Vec::new();
        for src in sources {
            if !src.def.is_active {
                continue;
            }
            let index = u32::try_from(mocks.len()).expect("fewer than 2^32 mocks");
            match compile_mock(&src, &mut router, index, seed) {
                Ok(mock) => mocks.push(mock),
                Err(e) => match skipped.as_deref_mut() {
                    Some(list) => list.push(e),
                    None => return Err(e),
                },
            }
        }
        Ok(Engine {
            inner: Arc::new(Snapshot { router, mocks }),
        })
    }

    /// Number of (active) mocks.
    pub fn len(&self) -> usize {
        self.inner.mocks.len()
    }

    /// Whether there are no active mocks.
    pub fn is_empty(&self) -> bool {
        self.inner.mocks.is_empty()
    }

    /// Routes without answering: lets a middleware pass unmatched requests on
    /// before reading their body.
    pub fn route(&self, method: &http::Method, path: &str) -> Route<Uuid> {
        match self
            .inner
            .router
            .lookup(HttpMethod::from_http(method), path)
        {
            Route::Found { value, params } => Route::Found {
                value: self.inner.mocks[value as usize].id,
                params,
            },
            Route::MethodNotAllowed(m) => Route::MethodNotAllowed(m),
            Route::NotFound => Route::NotFound,
        }
    }

    /// Answers a request: routing, conditions, selection, templating (under
    /// [`Budget::FULL`]).
    pub fn handle(&self, req: &MockRequest) -> Outcome {
        self.handle_within(req, Budget::FULL)
    }

    /// Answers a request with a template's render limited to `budget`; over
    /// it, the outcome is [`Outcome::TemplateError`] with
    /// [`TemplateError::OverBudget`], and nothing else happened (a caller may
    /// answer again with a larger budget elsewhere).
    pub fn handle_within(&self, req: &MockRequest, budget: Budget) -> Outcome {
        let (index, params) = match self
            .inner
            .router
            .lookup(HttpMethod::from_http(&req.method), &req.path)
        {
            Route::Found { value, params } => (value, params),
            Route::MethodNotAllowed(allowed) => return Outcome::MethodNotAllowed { allowed },
            Route::NotFound => return Outcome::NotFound,
        };
        let mock = &self.inner.mocks[index as usize];
        let view = RequestView::new(req, &params);
        let forced = view.header(FORCE_RESPONSE_HEADER);
        let seeded = view
            .header(SEED_HEADER)
            .and_then(|v| v.trim().parse::<u64>().ok());
        let chosen = match (seeded, &mock.rng) {
            (Some(seed), _) => selection::select(
                &mock.responses,
                &view,
                forced,
                &mut SmallRng::seed_from_u64(seed ^ mock.route_hash),
            ),
            (None, Some(rng)) => {
                let mut rng = rng
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                selection::select(&mock.responses, &view, forced, &mut *rng)
            }
            (None, None) => selection::select(&mock.responses, &view, forced, &mut rand::rng()),
        };
        let response = match chosen {
            Ok(r) => r,
            Err(report) => {
                return Outcome::NoMatchingResponse {
                    mock_id: mock.id,
                    report,
                };
            }
        };
        let body = match &response.body {
            Body::Static(bytes) => bytes.clone(),
            Body::Template(t) => match render(t, &view, budget) {
                Ok(b) => b,
                Err(error) => {
                    return Outcome::TemplateError {
                        mock_id: mock.id,
                        response_id: response.id,
                        error,
                    };
                }
            },
        };
        Outcome::Matched(MatchedResponse {
            status: response.status,
            headers: response.headers.clone(),
            body,
            delay: mock.delay,
            mock_id: mock.id,
            response_id: response.id,
        })
    }
}

fn render(t: &Template, view: &RequestView<'_>, budget: Budget) -> Result<Bytes, TemplateError> {
    let now = match view.header(NOW_HEADER) {
        None => crate::clock::now(),
        Some(v) => DateTime::parse_from_rfc3339(v.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| {
                TemplateError::Render(format!("X-Mockbird-Now {v:?} is not an RFC 3339 timestamp"))
            })?,
    };
    t.render_within(view.template_context_of(t.reads()), now, budget)
        .map(Bytes::from)
}

/// Compiles one active mock and routes it under `index`; a route that
/// collides changes nothing in `router`.
fn compile_mock(
    src: &MockSource,
    router: &mut Router<u32>,
    index: u32,
    seed: Option<u64>,
) -> Result<CompiledMock, EngineError> {
    let pattern = PathPattern::parse(&src.def.path).map_err(|source| EngineError::Pattern {
        mock_id: src.id,
        source,
    })?;
    let responses = src
        .responses
        .iter()
        .map(|(id, def)| compile_response(*id, def, &src.def))
        .collect::<Result<_, _>>()?;
    router
        .insert(src.def.method, &pattern, index)
        .map_err(|source| EngineError::Conflict {
            mock_id: src.id,
            source,
        })?;
    let route_hash = fnv1a(format!("{} {}", src.def.method.as_str(), src.def.path).as_bytes());
    Ok(CompiledMock {
        id: src.id,
        delay: Duration::from_millis(u64::from(src.def.response_delay)),
        responses,
        route_hash,
        rng: seed.map(|s| Mutex::new(SmallRng::seed_from_u64(s ^ route_hash))),
    })
}

/// 64-bit FNV-1a: a hash that is the same in every build and on every machine.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn compile_response(
    id: Uuid,
    def: &ResponseDef,
    mock: &MockDef,
) -> Result<CompiledResponse, EngineError> {
    let mut headers = HeaderMap::with_capacity(def.headers.len() + 1);
    for (k, v) in &def.headers {
        if crate::model::is_server_owned_header(k) {
            continue; // stored before such headers were refused
        }
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.append(k, v);
        }
    }
    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(mock.response_type.content_type()),
        );
    }
    let body = if crate::template::is_template(&def.body) {
        // A JSON body's template keeps it JSON whatever the request carries.
        let json = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
        let compiled = if json {
            Template::compile_json(&def.body)
        } else {
            Template::compile(&def.body)
        };
        Body::Template(compiled.map_err(|source| EngineError::Template {
            response_id: id,
            source,
        })?)
    } else {
        Body::Static(Bytes::from(def.body.clone()))
    };
    let conditions = def
        .conditions
        .iter()
        .map(CompiledCondition::compile)
        .collect::<Result<_, _>>()
        .map_err(|message| EngineError::Condition {
            response_id: id,
            message,
        })?;
    Ok(CompiledResponse {
        id,
        name: def.name.clone(),
        status: StatusCode::from_u16(def.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        body,
        conditions,
        weight: def.weight,
        is_default: def.is_default,
    })
}

#[cfg(test)]
mod tests;
