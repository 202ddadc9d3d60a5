//! Path patterns (`/users/{id}`, final `{*rest}`) and the segment trie that
//! routes a method and path to a mock in time independent of the number of mocks.
//!
//! Priority: a static segment beats a `{param}`, which beats a `{*wildcard}`;
//! an exact method beats `ANY`. The search backtracks, so `GET /users/me` reaches
//! `GET /users/{id}` when `/users/me` exists only for `POST`. A path that
//! exists only for other methods yields [`Route::MethodNotAllowed`] with them.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{HttpMethod, MAX_PATH_CHARS};

/// Why a path pattern is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern does not start with `/`.
    #[error("must start with /")]
    NoLeadingSlash,
    /// Longer than 500 characters.
    #[error("must be at most {MAX_PATH_CHARS} characters")]
    TooLong,
    /// `//` or a trailing `/`.
    #[error("must not contain empty segments (// or a trailing /)")]
    EmptySegment,
    /// A segment is neither a literal nor a well-formed `{name}` / `{*name}`.
    #[error("segment {0:?} is not a literal, {{name}} or {{*name}}")]
    BadSegment(String),
    /// `{*name}` that is not the last segment.
    #[error("a {{*wildcard}} must be the last segment")]
    WildcardNotLast,
    /// The same parameter name twice.
    #[error("parameter {0:?} appears twice")]
    DuplicateParam(String),
    /// Characters a URL path cannot hold literally.
    #[error("must not contain ?, # or whitespace")]
    BadCharacter,
}

/// One segment of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Must equal this (percent-decoded) text.
    Static(String),
    /// Matches any one segment, captured under this name.
    Param(String),
    /// Matches all remaining segments (zero or more), captured under this name.
    Wildcard(String),
}

/// A parsed, valid path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    segments: Vec<Segment>,
}

impl PathPattern {
    /// Parses and validates a pattern such as `/users/{id}/files/{*path}`.
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        if !pattern.starts_with('/') {
            return Err(PatternError::NoLeadingSlash);
        }
        if pattern.chars().count() > MAX_PATH_CHARS {
            return Err(PatternError::TooLong);
        }
        if pattern.contains(['?', '#']) || pattern.contains(char::is_whitespace) {
            return Err(PatternError::BadCharacter);
        }
        if pattern == "/" {
            return Ok(PathPattern {
                segments: Vec::new(),
            });
        }
        let raw: Vec<&str> = pattern[1..].split('/').collect();
        let mut segments = Vec::with_capacity(raw.len());
        let mut names = Vec::new();
        for (i, seg) in raw.iter().enumerate() {
            if seg.is_empty() {
                return Err(PatternError::EmptySegment);
            }
            let parsed =
                if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    let (wild, name) = match inner.strip_prefix('*') {
                        Some(n) => (true, n),
                        None => (false, inner),
                    };
                    if !is_identifier(name) {
                        return Err(PatternError::BadSegment((*seg).to_owned()));
                    }
                    if names.contains(&name) {
                        return Err(PatternError::DuplicateParam(name.to_owned()));
                    }
                    names.push(name);
                    if wild {
                        if i + 1 != raw.len() {
                            return Err(PatternError::WildcardNotLast);
                        }
                        Segment::Wildcard(name.to_owned())
                    } else {
                        Segment::Param(name.to_owned())
                    }
                } else if seg.contains(['{', '}']) {
                    return Err(PatternError::BadSegment((*seg).to_owned()));
                } else {
                    Segment::Static(decode(seg).into_owned())
                };
            segments.push(parsed);
        }
        Ok(PathPattern { segments })
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The route's shape: the pattern with parameter names left out
    /// (`/files/{}`, `/a/{*}`). Two mocks of one method with the same shape
    /// would answer the same requests, so the router refuses the second.
    pub fn shape(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_owned();
        }
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Static(s) => format!("/{s}"),
                Segment::Param(_) => "/{}".to_owned(),
                Segment::Wildcard(_) => "/{*}".to_owned(),
            })
            .collect()
    }

    /// Matches a request path against this one pattern, returning the captured
    /// parameters. The trie ([`Router`]) is the fast way to match many patterns.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let segs = split_path(path);
        let mut params = Vec::new();
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Static(s) => {
                    if segs.get(i).map(|v| v.as_ref()) != Some(s.as_str()) {
                        return None;
                    }
                }
                Segment::Param(n) => params.push((n.clone(), segs.get(i)?.to_string())),
                Segment::Wildcard(n) => {
                    params.push((n.clone(), segs.get(i..).unwrap_or_default().join("/")));
                    return Some(params);
                }
            }
        }
        (segs.len() == self.segments.len()).then_some(params)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s.len() <= 64
}

/// Percent-decodes one segment (lossy for invalid UTF-8), borrowing when there is nothing to decode.
pub fn decode(segment: &str) -> Cow<'_, str> {
    if segment.contains('%') {
        percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
    } else {
        Cow::Borrowed(segment)
    }
}

/// Splits a raw request path into percent-decoded segments, skipping empty ones,
/// so `%2F` stays inside its segment.
pub fn split_path(path: &str) -> Vec<Cow<'_, str>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect()
}

/// The percent-decoded path (`%2F` decoded too), as shown in templates and logs.
pub fn decode_path(path: &str) -> String {
    decode(path).into_owned()
}

/// The outcome of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<T> {
    /// A mock answers: its value and the captured parameters in pattern order.
    Found {
        /// The value inserted with the pattern.
        value: T,
        /// `(name, percent-decoded value)` pairs.
        params: Vec<(String, String)>,
    },
    /// The path exists, but only for these methods (sorted, no duplicates; `ANY` never appears).
    MethodNotAllowed(Vec<HttpMethod>),
    /// No pattern matches the path.
    NotFound,
}

/// Two patterns with the same shape and method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {pattern} conflicts with a route already defined")]
pub struct RouteConflict {
    /// The method.
    pub method: HttpMethod,
    /// The pattern inserted second.
    pub pattern: String,
}

#[derive(Debug, Clone)]
struct Endpoint<T> {
    method: HttpMethod,
    names: Box<[String]>,
    value: T,
}

#[derive(Debug, Clone)]
struct Node<T> {
    statics: HashMap<Box<str>, Node<T>>,
    param: Option<Box<Node<T>>>,
    wildcard: Vec<Endpoint<T>>,
    endpoints: Vec<Endpoint<T>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            statics: HashMap::new(),
            param: None,
            wildcard: Vec::new(),
            endpoints: Vec::new(),
        }
    }
}

/// A method + path-pattern trie mapping requests to values of type `T`.
#[derive(Debug, Clone)]
pub struct Router<T> {
    root: Node<T>,
    len: usize,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            root: Node::default(),
            len: 0,
        }
    }
}

impl<T: Clone> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a route; the same shape (parameter names aside) and method twice is a conflict.
    pub fn insert(
        &mut self,
        method: HttpMethod,
        pattern: &PathPattern,
        value: T,
    ) -> Result<(), RouteConflict> {
        let mut node = &mut self.root;
        let mut names = Vec::new();
        let mut wildcard = false;
        for seg in pattern.segments() {
            match seg {
                Segment::Static(s) => node = node.statics.entry(s.as_str().into()).or_default(),
                Segment::Param(n) => {
                    names.push(n.clone());
                    node = node.param.get_or_insert_with(Default::default);
                }
                Segment::Wildcard(n) => {
                    names.push(n.clone());
                    wildcard = true;
                }
            }
        }
        let list = if wildcard {
            &mut node.wildcard
        } else {
            &mut node.endpoints
        };
        if list.iter().any(|e| e.method == method) {
            return Err(RouteConflict {
                method,
                pattern: render(pattern),
            });
        }
        list.push(Endpoint {
            method,
            names: names.into_boxed_slice(),
            value,
        });
        self.len += 1;
        Ok(())
    }

    /// Routes a request. `method` is `None` for methods no mock can declare, which only `ANY` answers.
    pub fn lookup(&self, method: Option<HttpMethod>, path: &str) -> Route<T> {
        let segs = split_path(path);
        let mut values: Vec<Cow<'_, str>> = Vec::new();
        let mut allowed = Vec::new();
        match find(&self.root, &segs, 0, method, &mut values, &mut allowed) {
            Some(ep) => {
                let params = ep
                    .names
                    .iter()
                    .cloned()
                    .zip(values.into_iter().map(Cow::into_owned))
                    .collect();
                Route::Found {
                    value: ep.value.clone(),
                    params,
                }
            }
            None if allowed.is_empty() => Route::NotFound,
            None => {
                allowed.sort();
                allowed.dedup();
                Route::MethodNotAllowed(allowed)
            }
        }
    }
}

/// The endpoint for `method`: its own, else (for `HEAD`) the `GET` one — a
/// `HEAD` is answered as the `GET` without its body, as HTTP says — else `ANY`.
fn pick<T>(eps: &[Endpoint<T>], method: Option<HttpMethod>) -> Option<&Endpoint<T>> {
    let find = |m: HttpMethod| eps.iter().find(|e| e.method == m);
    method
        .and_then(find)
        .or_else(|| {
            method
                .filter(|m| *m == HttpMethod::Head)
                .and_then(|_| find(HttpMethod::Get))
        })
        .or_else(|| find(HttpMethod::Any))
}

fn note_allowed<T>(eps: &[Endpoint<T>], allowed: &mut Vec<HttpMethod>) {
    for e in eps {
        allowed.push(e.method);
        if e.method == HttpMethod::Get {
            allowed.push(HttpMethod::Head);
        }
    }
}

fn find<'n, 'p, T>(
    node: &'n Node<T>,
    segs: &[Cow<'p, str>],
    i: usize,
    method: Option<HttpMethod>,
    values: &mut Vec<Cow<'p, str>>,
    allowed: &mut Vec<HttpMethod>,
) -> Option<&'n Endpoint<T>> {
    if i == segs.len() {
        if let Some(ep) = pick(&node.endpoints, method) {
            return Some(ep);
        }
        note_allowed(&node.endpoints, allowed);
    } else {
        if let Some(child) = node.statics.get(segs[i].as_ref())
            && let Some(ep) = find(child, segs, i + 1, method, values, allowed)
        {
            return Some(ep);
        }
        if let Some(child) = &node.param {
            values.push(segs[i].clone());
            if let Some(ep) = find(child, segs, i + 1, method, values, allowed) {
                return Some(ep);
            }
            values.pop();
        }
    }
    if let Some(ep) = pick(&node.wildcard, method) {
        values.push(Cow::Owned(segs[i..].join("/")));
        return Some(ep);
    }
    note_allowed(&node.wildcard, allowed);
    None
}

fn render(p: &PathPattern) -> String {
    if p.segments.is_empty() {
        return "/".to_owned();
    }
    p.segments
        .iter()
        .map(|s| match s {
            Segment::Static(s) => format!("/{s}"),
            Segment::Param(n) => format!("/{{{n}}}"),
            Segment::Wildcard(n) => format!("/{{*{n}}}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use HttpMethod::*;

    fn router(routes: &[(HttpMethod, &str)]) -> Router<usize> {
        let mut r = Router::new();
        for (i, (m, p)) in routes.iter().enumerate() {
            r.insert(*m, &PathPattern::parse(p).unwrap(), i).unwrap();
        }
        r
    }

    fn found(
        r: &Router<usize>,
        m: HttpMethod,
        path: &str,
    ) -> Option<(usize, Vec<(String, String)>)> {
        match r.lookup(Some(m), path) {
            Route::Found { value, params } => Some((value, params)),
            _ => None,
        }
    }

    #[test]
    fn static_beats_param_beats_wildcard() {
        let r = router(&[
            (Get, "/users/{*rest}"),
            (Get, "/users/{id}"),
            (Get, "/users/me"),
        ]);
        assert_eq!(found(&r, Get, "/users/me").unwrap().0, 2);
        assert_eq!(
            found(&r, Get, "/users/42").unwrap(),
            (1, vec![("id".into(), "42".into())])
        );
        assert_eq!(
            found(&r, Get, "/users/42/posts").unwrap(),
            (0, vec![("rest".into(), "42/posts".into())])
        );
    }

    #[test]
    fn exact_method_beats_any() {
        let r = router(&[(Any, "/a"), (Post, "/a")]);
        assert_eq!(found(&r, Post, "/a").unwrap().0, 1);
        assert_eq!(found(&r, Get, "/a").unwrap().0, 0);
        assert_eq!(found(&r, Delete, "/a").unwrap().0, 0);
        match r.lookup(None, "/a") {
            Route::Found { value, .. } => assert_eq!(value, 0, "unknown methods reach ANY"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backtracks_to_param_when_static_has_only_other_methods() {
        let r = router(&[(Post, "/users/me"), (Get, "/users/{id}")]);
        assert_eq!(found(&r, Get, "/users/me").unwrap().0, 1);
    }

    #[test]
    fn backtracks_from_static_dead_end_deeper_in_the_path() {
        let r = router(&[(Get, "/a/b/c"), (Get, "/a/{x}/d")]);
        assert_eq!(
            found(&r, Get, "/a/b/d").unwrap(),
            (1, vec![("x".into(), "b".into())])
        );
    }

    #[test]
    fn other_methods_only_is_method_not_allowed_with_allow_list() {
        let r = router(&[(Post, "/a"), (Put, "/a"), (Delete, "/{x}")]);
        assert_eq!(
            r.lookup(Some(Get), "/a"),
            Route::MethodNotAllowed(vec![Post, Put, Delete])
        );
        assert_eq!(r.lookup(Some(Get), "/nope/deeper"), Route::NotFound);
    }

    #[test]
    fn head_is_answered_by_the_get_endpoint_unless_it_has_its_own() {
        let r = router(&[(Get, "/a"), (Head, "/b"), (Get, "/b"), (Post, "/c")]);
        assert_eq!(found(&r, Head, "/a").unwrap().0, 0, "GET's endpoint");
        assert_eq!(found(&r, Head, "/b").unwrap().0, 1, "its own endpoint");
        assert_eq!(
            r.lookup(Some(Head), "/c"),
            Route::MethodNotAllowed(vec![Post])
        );
        assert_eq!(
            r.lookup(Some(Post), "/a"),
            Route::MethodNotAllowed(vec![Get, Head]),
            "a GET endpoint also allows HEAD"
        );
    }

    #[test]
    fn wildcard_matches_zero_or_more_segments() {
        let r = router(&[(Get, "/files/{*path}")]);
        assert_eq!(
            found(&r, Get, "/files").unwrap().1,
            vec![("path".into(), "".into())]
        );
        assert_eq!(
            found(&r, Get, "/files/a/b/c.txt").unwrap().1,
            vec![("path".into(), "a/b/c.txt".into())]
        );
        let root = router(&[(Any, "/{*all}")]);
        assert!(found(&root, Get, "/").is_some());
    }

    #[test]
    fn params_are_percent_decoded_and_encoded_slash_stays_in_segment() {
        let r = router(&[(Get, "/users/{id}"), (Get, "/hello%20world")]);
        assert_eq!(
            found(&r, Get, "/users/a%2Fb").unwrap().1,
            vec![("id".into(), "a/b".into())]
        );
        assert_eq!(
            found(&r, Get, "/users/J%C3%BCrgen").unwrap().1,
            vec![("id".into(), "Jürgen".into())]
        );
        assert!(found(&r, Get, "/users/a/b").is_none());
        assert_eq!(found(&r, Get, "/hello%20world").unwrap().0, 1);
    }

    #[test]
    fn root_and_trailing_slashes() {
        let r = router(&[(Get, "/"), (Get, "/users")]);
        assert_eq!(found(&r, Get, "/").unwrap().0, 0);
        assert_eq!(found(&r, Get, "").unwrap().0, 0);
        assert_eq!(found(&r, Get, "/users/").unwrap().0, 1);
    }

    #[test]
    fn different_param_names_share_a_node() {
        let r = router(&[(Get, "/u/{id}"), (Get, "/u/{userId}/posts")]);
        assert_eq!(
            found(&r, Get, "/u/1").unwrap().1,
            vec![("id".into(), "1".into())]
        );
        assert_eq!(
            found(&r, Get, "/u/1/posts").unwrap().1,
            vec![("userId".into(), "1".into())]
        );
    }

    #[test]
    fn same_shape_and_method_conflicts() {
        let mut r = router(&[(Get, "/u/{id}")]);
        let err = r
            .insert(Get, &PathPattern::parse("/u/{name}").unwrap(), 9)
            .unwrap_err();
        assert_eq!(err.pattern, "/u/{name}");
        assert!(
            r.insert(Post, &PathPattern::parse("/u/{name}").unwrap(), 9)
                .is_ok()
        );
    }

    #[test]
    fn invalid_patterns_are_rejected() {
        for (p, e) in [
            ("users", PatternError::NoLeadingSlash),
            ("/a//b", PatternError::EmptySegment),
            ("/a/", PatternError::EmptySegment),
            ("/{*a}/b", PatternError::WildcardNotLast),
            ("/{a}/{a}", PatternError::DuplicateParam("a".into())),
            ("/{a b}", PatternError::BadCharacter),
            ("/x{a}", PatternError::BadSegment("x{a}".into())),
            ("/{}", PatternError::BadSegment("{}".into())),
            ("/a?b", PatternError::BadCharacter),
        ] {
            assert_eq!(PathPattern::parse(p).unwrap_err(), e, "{p}");
        }
        assert_eq!(
            PathPattern::parse(&format!("/{}", "a".repeat(500))).unwrap_err(),
            PatternError::TooLong
        );
        assert!(PathPattern::parse(&format!("/{}", "a".repeat(499))).is_ok());
    }

    #[test]
    fn single_pattern_matching_agrees_with_the_trie() {
        let p = PathPattern::parse("/users/{id}/files/{*rest}").unwrap();
        assert_eq!(
            p.matches("/users/7/files/a/b").unwrap(),
            vec![("id".into(), "7".into()), ("rest".into(), "a/b".into())]
        );
        assert!(p.matches("/users/7").is_none());
        assert!(PathPattern::parse("/a").unwrap().matches("/a/b").is_none());
    }
}
