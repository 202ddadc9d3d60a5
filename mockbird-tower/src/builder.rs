//! Mocks defined in Rust code, in the spirit of wiremock-rs:
//! `Mock::given(method("GET")).and(path("/users/{id}")).respond_with(ResponseTemplate::new(200))`.

use std::ops::{Range, RangeFrom, RangeInclusive, RangeToInclusive};
use std::sync::Arc;
use std::time::Duration;

use mockbird_core::ValidationError;
use mockbird_core::engine::{EngineError, MockSource};
use mockbird_core::model::{ConditionSpec, MockSpec, ResponseDef, ResponseSpec};
use mockbird_core::request::MockRequest;

/// Why a mock definition is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A field is invalid (path pattern, status, template, regex, …).
    #[error("mock {name:?}: {source}")]
    Invalid {
        /// The mock's name.
        name: String,
        /// What is wrong.
        source: ValidationError,
    },
    /// The mocks do not compile together (e.g. two with the same method and path).
    #[error(transparent)]
    Engine(EngineError),
    /// A closure matcher was given to something that serves data-only mocks.
    #[error("mock {0:?} uses a closure matcher, which only MockServer can evaluate")]
    ClosureMatcher(String),
}

type Predicate = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;

/// One requirement on a request.
#[derive(Clone)]
pub struct Matcher(Kind);

#[derive(Clone)]
enum Kind {
    Method(String),
    Path(String),
    Condition(ConditionSpec),
    Closure(Predicate),
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Method(m) => write!(f, "method({m})"),
            Kind::Path(p) => write!(f, "path({p})"),
            Kind::Condition(c) => write!(f, "condition({c:?})"),
            Kind::Closure(_) => f.write_str("closure"),
        }
    }
}

/// Anything usable as a matcher: a [`Matcher`] or a closure `Fn(&MockRequest) -> bool`.
pub trait IntoMatcher {
    /// Converts into a matcher.
    fn into_matcher(self) -> Matcher;
}

impl IntoMatcher for Matcher {
    fn into_matcher(self) -> Matcher {
        self
    }
}

impl<F> IntoMatcher for F
where
    F: Fn(&MockRequest) -> bool + Send + Sync + 'static,
{
    fn into_matcher(self) -> Matcher {
        Matcher(Kind::Closure(Arc::new(self)))
    }
}

fn condition(kind: &str, field: &str, operator: &str, value: Option<&str>) -> Matcher {
    Matcher(Kind::Condition(ConditionSpec {
        kind: Some(kind.to_owned()),
        field: Some(field.to_owned()),
        operator: Some(operator.to_owned()),
        value: value.map(|v| serde_json::Value::String(v.to_owned())),
    }))
}

/// The request method (`GET`, …, or `ANY`; default `ANY`).
pub fn method(method: &str) -> Matcher {
    Matcher(Kind::Method(method.to_owned()))
}

/// The path pattern: `/users/{id}`, `/files/{*rest}` (default: every path).
pub fn path(pattern: &str) -> Matcher {
    Matcher(Kind::Path(pattern.to_owned()))
}

/// A header equal to `value` (name case-insensitive).
pub fn header(name: &str, value: &str) -> Matcher {
    condition("header", name, "equals", Some(value))
}

/// A header that is present.
pub fn header_exists(name: &str) -> Matcher {
    condition("header", name, "exists", None)
}

/// A query parameter equal to `value`.
pub fn query_param(name: &str, value: &str) -> Matcher {
    condition("query", name, "equals", Some(value))
}

/// A path parameter equal to `value`.
pub fn path_param(name: &str, value: &str) -> Matcher {
    condition("path", name, "equals", Some(value))
}

/// A JSON body field (dot path or JSON pointer) or form field equal to `value`.
pub fn body_field(field: &str, value: &str) -> Matcher {
    condition("body", field, "equals", Some(value))
}

/// The whole body containing `text`.
pub fn body_contains(text: &str) -> Matcher {
    condition("body", "", "contains", Some(text))
}

/// A cookie equal to `value`.
pub fn cookie(name: &str, value: &str) -> Matcher {
    condition("cookie", name, "equals", Some(value))
}

/// Any condition of docs/http-api.md: `when("query", "n", "gt", Some("5"))`.
pub fn when(kind: &str, field: &str, operator: &str, value: Option<&str>) -> Matcher {
    condition(kind, field, operator, value)
}

/// What a mock answers.
#[derive(Debug, Clone)]
pub struct ResponseTemplate {
    spec: ResponseSpec,
    conditions: Vec<Matcher>,
}

impl ResponseTemplate {
    /// A response with this status, an empty body, weight 100.
    pub fn new(status: u16) -> Self {
        ResponseTemplate {
            spec: ResponseSpec {
                status_code: Some(i64::from(status)),
                ..Default::default()
            },
            conditions: Vec::new(),
        }
    }

    /// Sets the body; a body containing `{{` is a Handlebars template.
    #[must_use]
    pub fn set_body_string(mut self, body: impl Into<String>) -> Self {
        self.spec.body = Some(body.into());
        self
    }

    /// Sets a JSON body (and nothing else: the mock's response type sets `Content-Type`).
    #[must_use]
    pub fn set_body_json(self, body: impl serde::Serialize) -> Self {
        let text = serde_json::to_string(&body).expect("a serializable body");
        self.set_body_string(text)
    }

    /// Adds a header.
    #[must_use]
    pub fn insert_header(mut self, name: &str, value: &str) -> Self {
        self.spec
            .headers
            .get_or_insert_with(Default::default)
            .insert(name.to_owned(), value.to_owned());
        self
    }

    /// Names the response (`X-Mockbird-Response: <name>` forces it).
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.spec.name = Some(name.to_owned());
        self
    }

    /// Sets the weight (0–100) among equally specific candidates.
    #[must_use]
    pub fn weight(mut self, weight: u8) -> Self {
        self.spec.weight = Some(i64::from(weight));
        self
    }

    /// Makes it the default: served when no response qualifies.
    #[must_use]
    pub fn as_default(mut self) -> Self {
        self.spec.is_default = Some(true);
        self
    }

    /// Adds a condition this response (only) requires.
    #[must_use]
    pub fn when(mut self, matcher: Matcher) -> Self {
        self.conditions.push(matcher);
        self
    }
}

/// How many times a mock must be called (checked by [`crate::MockServer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: u64,
    max: Option<u64>,
}

impl Times {
    /// Whether `n` calls satisfy it.
    pub fn contains(&self, n: u64) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }
}

impl std::fmt::Display for Times {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "between {} and {max}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

impl From<u64> for Times {
    fn from(n: u64) -> Self {
        Times {
            min: n,
            max: Some(n),
        }
    }
}

impl From<Range<u64>> for Times {
    fn from(r: Range<u64>) -> Self {
        Times {
            min: r.start,
            max: Some(r.end.saturating_sub(1)),
        }
    }
}

impl From<RangeInclusive<u64>> for Times {
    fn from(r: RangeInclusive<u64>) -> Self {
        Times {
            min: *r.start(),
            max: Some(*r.end()),
        }
    }
}

impl From<RangeFrom<u64>> for Times {
    fn from(r: RangeFrom<u64>) -> Self {
        Times {
            min: r.start,
            max: None,
        }
    }
}

impl From<RangeToInclusive<u64>> for Times {
    fn from(r: RangeToInclusive<u64>) -> Self {
        Times {
            min: 0,
            max: Some(r.end),
        }
    }
}

/// A mock: matchers, responses, delay and (for [`crate::MockServer`]) an expectation.
#[derive(Debug, Clone)]
pub struct Mock {
    pub(crate) name: String,
    matchers: Vec<Matcher>,
    responses: Vec<ResponseTemplate>,
    delay: Duration,
    pub(crate) expectation: Option<Times>,
}

impl Mock {
    /// Starts a mock with one matcher.
    pub fn given(matcher: impl IntoMatcher) -> Self {
        Mock {
            name: String::new(),
            matchers: vec![matcher.into_matcher()],
            responses: Vec::new(),
            delay: Duration::ZERO,
            expectation: None,
        }
    }

    /// Adds a matcher.
    #[must_use]
    pub fn and(mut self, matcher: impl IntoMatcher) -> Self {
        self.matchers.push(matcher.into_matcher());
        self
    }

    /// Adds a response; several are chosen between by their conditions and weights.
    #[must_use]
    pub fn respond_with(mut self, response: ResponseTemplate) -> Self {
        self.responses.push(response);
        self
    }

    /// Waits this long before answering (at most 10 s).
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Names the mock (shown in expectation reports).
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// Expects this many calls: `expect(1)`, `expect(2..=3)`, `expect(1..)`.
    #[must_use]
    pub fn expect(mut self, times: impl Into<Times>) -> Self {
        self.expectation = Some(times.into());
        self
    }

    /// Mounts the mock on a server.
    pub async fn mount(self, server: &crate::MockServer) {
        server.register(self);
    }

    pub(crate) fn display_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        let method = self.matchers.iter().rev().find_map(|m| match &m.0 {
            Kind::Method(m) => Some(m.as_str()),
            _ => None,
        });
        let path = self.matchers.iter().rev().find_map(|m| match &m.0 {
            Kind::Path(p) => Some(p.as_str()),
            _ => None,
        });
        format!("{} {}", method.unwrap_or("ANY"), path.unwrap_or("/{*path}"))
    }

    /// The closure matchers.
    pub(crate) fn closures(&self) -> Vec<Predicate> {
        self.matchers
            .iter()
            .filter_map(|m| match &m.0 {
                Kind::Closure(f) => Some(f.clone()),
                _ => None,
            })
            .collect()
    }

    /// The engine definition, ignoring closure matchers.
    pub(crate) fn to_source(&self) -> Result<MockSource, BuildError> {
        let invalid = |source| BuildError::Invalid {
            name: self.display_name(),
            source,
        };
        let mut spec = MockSpec {
            name: Some(self.display_name()),
            method: Some("ANY".into()),
            path: Some("/{*path}".into()),
            response_delay: Some(i64::try_from(self.delay.as_millis()).unwrap_or(i64::MAX)),
            ..Default::default()
        };
        let mut shared = Vec::new();
        for m in &self.matchers {
            match &m.0 {
                Kind::Method(v) => spec.method = Some(v.clone()),
                Kind::Path(v) => spec.path = Some(v.clone()),
                Kind::Condition(c) => shared.push(c.clone()),
                Kind::Closure(_) => {}
            }
        }
        let def = spec.validate().map_err(invalid)?;
        let templates = if self.responses.is_empty() {
            vec![ResponseTemplate::new(200)]
        } else {
            self.responses.clone()
        };
        let mut errors = ValidationError::default();
        let mut responses: Vec<ResponseDef> = Vec::new();
        for (i, r) in templates.into_iter().enumerate() {
            let mut spec = r.spec;
            let own = r.conditions.into_iter().filter_map(|m| match m.0 {
                Kind::Condition(c) => Some(c),
                _ => None,
            });
            spec.conditions = Some(shared.iter().cloned().chain(own).collect());
            match spec.validate() {
                Ok(d) => responses.push(d),
                Err(e) => errors.extend_prefixed(&format!("responses[{i}]."), e),
            }
        }
        errors.into_result(()).map_err(invalid)?;
        Ok(MockSource::new(def, responses))
    }

    /// The engine definition; closure matchers are an error here.
    pub(crate) fn into_engine_source(self) -> Result<MockSource, BuildError> {
        if !self.closures().is_empty() {
            return Err(BuildError::ClosureMatcher(self.display_name()));
        }
        self.to_source()
    }
}
