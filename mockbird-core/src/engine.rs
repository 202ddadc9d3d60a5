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
use crate::model::{HttpMethod, Mock, MockDef, MockResponse, ProjectBundle, ResponseDef};
use crate::request::{MockRequest, RequestView};
use crate::routing::{PathPattern, Route, Router};
use crate::selection::{self, Candidate, NoMatch};
use crate::template::{Budget, Template, TemplateError};

/// Request header forcing a response by name or id.
pub const FORCE_RESPONSE_HEADER: &str = "x-mockbird-response";
/// Request header fixing the clock templates see (RFC 3339).
pub const NOW_HEADER: &str = "x-mockbird-now";

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
}

#[derive(Debug)]
struct Snapshot {
    router: Router<u32>,
    mocks: Vec<CompiledMock>,
    rng: Option<Mutex<SmallRng>>,
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
                rng: None,
            }),
        }
    }
}

impl Engine {
    /// Compiles mocks; inactive ones are left out. Weighted choices use a thread-local RNG.
    pub fn compile(sources: impl IntoIterator<Item = MockSource>) -> Result<Self, EngineError> {
        Self::build(sources, None, None)
    }

    /// Like [`Engine::compile`], with weighted choices drawn from an RNG seeded with `seed`,
    /// so a sequence of requests always gets the same responses.
    pub fn compile_seeded(
        sources: impl IntoIterator<Item = MockSource>,
        seed: u64,
    ) -> Result<Self, EngineError> {
        Self::build(sources, Some(seed), None)
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
            match compile_mock(&src, &mut router, index) {
                Ok(mock) => mocks.push(mock),
                Err(e) => match skipped.as_deref_mut() {
                    Some(list) => list.push(e),
                    None => return Err(e),
                },
            }
        }
        let rng = seed.map(|s| Mutex::new(SmallRng::seed_from_u64(s)));
        Ok(Engine {
            inner: Arc::new(Snapshot { router, mocks, rng }),
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
        let chosen = match &self.inner.rng {
            Some(rng) => {
                let mut rng = rng
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                selection::select(&mock.responses, &view, forced, &mut *rng)
            }
            None => selection::select(&mock.responses, &view, forced, &mut rand::rng()),
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
    t.render_within(view.template_context(), now, budget)
        .map(Bytes::from)
}

/// Compiles one active mock and routes it under `index`; a route that
/// collides changes nothing in `router`.
fn compile_mock(
    src: &MockSource,
    router: &mut Router<u32>,
    index: u32,
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
    Ok(CompiledMock {
        id: src.id,
        delay: Duration::from_millis(u64::from(src.def.response_delay)),
        responses,
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
