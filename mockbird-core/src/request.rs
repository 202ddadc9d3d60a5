//! The request as the engine sees it, with its parts parsed lazily and at most once.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Map, Value, json};

/// A request to answer: method, the path after any mount prefix (raw, still
/// percent-encoded), query string, headers and the whole body.
#[derive(Debug, Clone, Default)]
pub struct MockRequest {
    /// Request method.
    pub method: http::Method,
    /// Path after the prefix (e.g. after `/m/{slug}`), percent-encoded as received.
    pub path: String,
    /// Query string without `?`.
    pub query: Option<String>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl MockRequest {
    /// A bodiless request; `path_and_query` may hold `?query`.
    pub fn new(method: http::Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        MockRequest {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header (builder style); panics on an invalid name or value, so use it in tests and examples.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            http::HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            http::HeaderValue::from_str(value).expect("valid header value"),
        );
        self
    }

    /// Sets the body (builder style).
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// A request being answered, with route parameters and lazily parsed parts.
#[derive(Debug)]
pub struct RequestView<'a> {
    /// The request.
    pub request: &'a MockRequest,
    /// Path parameters captured by the route, in pattern order.
    pub params: &'a [(String, String)],
    query: OnceCell<Vec<(String, String)>>,
    cookies: OnceCell<Vec<(String, String)>>,
    json: OnceCell<Option<Value>>,
    form: OnceCell<Option<Vec<(String, String)>>>,
}

impl<'a> RequestView<'a> {
    /// Wraps a request and its route parameters.
    pub fn new(request: &'a MockRequest, params: &'a [(String, String)]) -> Self {
        RequestView {
            request,
            params,
            query: OnceCell::new(),
            cookies: OnceCell::new(),
            json: OnceCell::new(),
            form: OnceCell::new(),
        }
    }

    /// A header's value (first one; `None` if absent or not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decoded query pairs.
    pub fn query_pairs(&self) -> &[(String, String)] {
        self.query.get_or_init(|| {
            self.request
                .query
                .as_deref()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default()
        })
    }

    /// A query parameter's first value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query_pairs()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Cookies from every `Cookie` header.
    pub fn cookie_pairs(&self) -> &[(String, String)] {
        self.cookies.get_or_init(|| {
            self.request
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    Some((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
                })
                .collect()
        })
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookie_pairs()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the body is `application/x-www-form-urlencoded`.
    fn is_form(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| {
                if self.request.body.is_empty() || self.is_form() {
                    None
                } else {
                    serde_json::from_slice(&self.request.body).ok()
                }
            })
            .as_ref()
    }

    /// Form fields, if the body is a URL-encoded form.
    pub fn form(&self) -> Option<&[(String, String)]> {
        self.form
            .get_or_init(|| {
                self.is_form().then(|| {
                    form_urlencoded::parse(&self.request.body)
                        .into_owned()
                        .collect()
                })
            })
            .as_deref()
    }

    /// The body as text (lossy).
    pub fn raw_body(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.request.body)
    }

    /// A body field as text: a form field, or a JSON value found by dot path
    /// (`user.tags.0`) or JSON pointer (`/user/tags/0`); an empty field is the whole body.
    pub fn body_field(&self, field: &str) -> Option<String> {
        if field.is_empty() {
            return (!self.request.body.is_empty()).then(|| self.raw_body().into_owned());
        }
        if let Some(form) = self.form() {
            return form
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone());
        }
        json_lookup(self.json()?, field).map(json_to_text)
    }

    /// The template context: `{request: {method, path, pathSegments, params,
    /// query, headers, cookies, body, rawBody}}`.
    pub fn template_context(&self) -> Value {
        self.template_context_of(Fields::ALL)
    }

    /// The template context holding only `fields` of the request: what a
    /// template reads ([`crate::template::Template::reads`]), so that a
    /// template reading one parameter does not copy headers and body.
    pub fn template_context_of(&self, fields: Fields) -> Value {
        let map = |pairs: &[(String, String)]| {
            let mut m = Map::new();
            for (k, v) in pairs {
                m.entry(k.clone())
                    .or_insert_with(|| Value::String(v.clone()));
            }
            Value::Object(m)
        };
        let mut request = Map::new();
        let mut put = |field: Fields, name: &str, value: &dyn Fn() -> Value| {
            if fields.contains(field) {
                request.insert(name.to_owned(), value());
            }
        };
        put(Fields::METHOD, "method", &|| {
            json!(self.request.method.as_str())
        });
        put(Fields::PATH, "path", &|| {
            json!(crate::routing::decode_path(&self.request.path))
        });
        put(Fields::PATH_SEGMENTS, "pathSegments", &|| {
            json!(crate::routing::split_path(&self.request.path))
        });
        put(Fields::PARAMS, "params", &|| map(self.params));
        put(Fields::QUERY, "query", &|| map(self.query_pairs()));
        put(Fields::HEADERS, "headers", &|| {
            let mut headers = Map::new();
            for (k, v) in &self.request.headers {
                if let Ok(v) = v.to_str() {
                    headers
                        .entry(k.as_str().to_owned())
                        .or_insert_with(|| Value::String(v.to_owned()));
                }
            }
            Value::Object(headers)
        });
        put(Fields::COOKIES, "cookies", &|| map(self.cookie_pairs()));
        put(Fields::BODY, "body", &|| match (self.form(), self.json()) {
            (Some(form), _) => map(form),
            (None, Some(json)) => json.clone(),
            (None, None) => Value::String(self.raw_body().into_owned()),
        });
        put(Fields::RAW_BODY, "rawBody", &|| json!(self.raw_body()));
        let mut root = Map::new();
        root.insert("request".to_owned(), Value::Object(request));
        Value::Object(root)
    }
}

/// A set of the fields of a template's `request` (see
/// [`RequestView::template_context_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields(u16);

impl Fields {
    /// No field.
    pub const NONE: Fields = Fields(0);
    /// `request.method`.
    pub const METHOD: Fields = Fields(1);
    /// `request.path`.
    pub const PATH: Fields = Fields(1 << 1);
    /// `request.pathSegments`.
    pub const PATH_SEGMENTS: Fields = Fields(1 << 2);
    /// `request.params`.
    pub const PARAMS: Fields = Fields(1 << 3);
    /// `request.query`.
    pub const QUERY: Fields = Fields(1 << 4);
    /// `request.headers`.
    pub const HEADERS: Fields = Fields(1 << 5);
    /// `request.cookies`.
    pub const COOKIES: Fields = Fields(1 << 6);
    /// `request.body`.
    pub const BODY: Fields = Fields(1 << 7);
    /// `request.rawBody`.
    pub const RAW_BODY: Fields = Fields(1 << 8);
    /// Every field.
    pub const ALL: Fields = Fields((1 << 9) - 1);

    /// The field called `name` in a template (`params`, `rawBody`, …).
    pub fn named(name: &str) -> Option<Fields> {
        Some(match name {
            "method" => Fields::METHOD,
            "path" => Fields::PATH,
            "pathSegments" => Fields::PATH_SEGMENTS,
            "params" => Fields::PARAMS,
            "query" => Fields::QUERY,
            "headers" => Fields::HEADERS,
            "cookies" => Fields::COOKIES,
            "body" => Fields::BODY,
            "rawBody" => Fields::RAW_BODY,
            _ => return None,
        })
    }

    /// Whether every field of `other` is in `self`.
    pub fn contains(self, other: Fields) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Fields {
    type Output = Fields;
    fn bitor(self, other: Fields) -> Fields {
        Fields(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for Fields {
    fn bitor_assign(&mut self, other: Fields) {
        self.0 |= other.0;
    }
}

/// Looks up a JSON value by dot path (`a.b.0`) or JSON pointer (`/a/b/0`).
pub fn json_lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.starts_with('/') {
        return value.pointer(path);
    }
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A JSON value as condition text: strings bare, everything else as JSON.
pub fn json_to_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Query pairs as a map (first value wins), as stored in request logs.
pub fn query_map(query: Option<&str>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if let Some(q) = query {
        for (k, v) in form_urlencoded::parse(q.as_bytes()).into_owned() {
            m.entry(k).or_insert(v);
        }
    }
    m
}
