//! Postman Collection v2.1 (and v2.0): every request with saved example
//! responses becomes a mock, every example a response of it.
//!
//! - Folders are flattened: a mock is named `Folder / Sub / Request`.
//! - The URL's host (`{{baseUrl}}`, `https://api.example.com`) is dropped;
//!   `:param` segments become `{param}`; `{{variables}}` in the path are
//!   replaced by the collection's values where defined, and become parameters
//!   where not (reported).
//! - Several examples of one request: each answers when the query of its
//!   original request matches (conditions on the parameters that tell them
//!   apart); the first is the default, and every example answers by name
//!   (`X-Mockbird-Response`, as Postman's `x-mock-response-name`).
//! - Requests without examples, auth, scripts and non-JSON bodies of the
//!   original requests are reported.

use std::collections::BTreeMap;

use mockbird_core::model::{ConditionSpec, ExportDocument, MAX_RESPONSES_PER_MOCK, ResponseSpec};
use serde_json::Value;

use crate::build::{Routes, clip, condition, document, param_name, response_type, telling_apart};
use crate::report::Report;

/// Whether `doc` is a Postman collection.
pub(crate) fn detect(doc: &Value) -> bool {
    doc.get("info")
        .and_then(|i| i.get("schema"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains("schema.getpostman.com") || s.contains("postman"))
        && doc.get("item").is_some()
}

/// The report's format label: `postman-2.0` or `postman-2.1`.
pub(crate) fn label(doc: &Value) -> &'static str {
    match doc.pointer("/info/schema").and_then(Value::as_str) {
        Some(s) if s.contains("v2.0") => "postman-2.0",
        _ => "postman-2.1",
    }
}

/// The project document of a Postman collection.
pub(crate) fn import(doc: &Value, report: &mut Report) -> ExportDocument {
    let mut vars = BTreeMap::new();
    read_variables(doc.get("variable"), &mut vars);
    let mut walk = Walk {
        vars,
        routes: Routes::default(),
        report,
        host_noted: false,
    };
    walk.items(doc.get("item"), "/item", "");
    for (key, at) in [("auth", "/auth"), ("event", "/event")] {
        if doc.get(key).is_some() {
            walk.report.note(
                at,
                format!("the collection's {key}"),
                "left out: mocks answer without running scripts or checking auth",
            );
        }
    }
    let info = doc.get("info");
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let description = info.and_then(|i| i.get("description")).and_then(|d| {
        d.as_str()
            .or_else(|| d.get("content").and_then(Value::as_str))
            .map(str::to_owned)
    });
    document(
        text("name").unwrap_or_else(|| "Imported Postman collection".to_owned()),
        description,
        walk.routes.finish(),
    )
}

fn read_variables(list: Option<&Value>, into: &mut BTreeMap<String, String>) {
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(key) = v.get("key").and_then(Value::as_str) {
            let value = match v.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => continue,
                Some(other) => other.to_string(),
            };
            into.insert(key.to_owned(), value);
        }
    }
}

struct Walk<'r> {
    vars: BTreeMap<String, String>,
    routes: Routes,
    report: &'r mut Report,
    host_noted: bool,
}

impl Walk<'_> {
    fn items(&mut self, items: Option<&Value>, at: &str, folder: &str) {
        for (i, item) in items
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{at}/{i}");
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            let full = if folder.is_empty() {
                name.to_owned()
            } else {
                format!("{folder} / {name}")
            };
            if item.get("item").is_some() {
                self.items(item.get("item"), &format!("{at}/item"), &full);
            } else if let Some(request) = item.get("request") {
                self.request(item, request, &at, &full);
            }
        }
    }

    fn request(&mut self, item: &Value, request: &Value, at: &str, name: &str) {
        let method = match request {
            Value::String(_) => "GET".to_owned(),
            r => r
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_ascii_uppercase(),
        };
        if !matches!(
            method.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) {
            self.report.note(
                &format!("{at}/request/method"),
                format!("the method {method}"),
                "left out: mocks cannot answer it",
            );
            return;
        }
        let url = match request {
            Value::String(_) => Some(request),
            r => r.get("url"),
        };
        let Some(path) = url.map(|u| self.path(u, &format!("{at}/request/url"))) else {
            self.report.note(at, "a request without a URL", "left out");
            return;
        };
        let examples: Vec<&Value> = item
            .get("response")
            .and_then(Value::as_array)
            .map(|r| r.iter().collect())
            .unwrap_or_default();
        if examples.is_empty() {
            self.report.note(
                at,
                format!("the request {name:?} without saved examples"),
                "left out: there is no response to serve",
            );
            return;
        }
        let queries: Vec<Vec<(String, String)>> = examples
            .iter()
            .map(|e| query_of(e.get("originalRequest").and_then(|r| r.get("url"))))
            .collect();
        let (mock, made) =
            self.routes
                .mock(&method, &path, if name.is_empty() { &path } else { name });
        let first = mock.responses.is_empty() && made;
        for (i, example) in examples.iter().enumerate() {
            let e_at = format!("{at}/response/{i}");
            // The parameters that tell this example from another one.
            let conditions: Vec<ConditionSpec> = telling_apart(&queries, i)
                .iter()
                .map(|(k, v)| condition("query", k, "equals", v))
                .collect();
            let r = example_response(example, &e_at, i, conditions, self.report);
            if mock.responses.len() >= MAX_RESPONSES_PER_MOCK {
                self.report
                    .note(&e_at, "more than 50 examples of a route", "left out");
                break;
            }
            if first && i == 0 {
                let media = r
                    .headers
                    .as_ref()
                    .and_then(|h| {
                        h.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    })
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                mock.mock.response_type = Some(response_type(media).to_owned());
            }
            mock.responses.push(r);
        }
        if request.get("auth").is_some() {
            self.report.note(
                &format!("{at}/request/auth"),
                "the request's auth",
                "left out: mocks answer without checking it",
            );
        }
        if item.get("event").is_some() {
            self.report.note(
                &format!("{at}/event"),
                "the request's scripts",
                "left out: mocks run no scripts",
            );
        }
    }

    /// The MockBird path of a Postman URL (a string or `{raw, host, path}`).
    fn path(&mut self, url: &Value, at: &str) -> String {
        let segments: Vec<String> = match url.get("path") {
            Some(Value::Array(parts)) => parts
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("value")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                })
                .collect(),
            Some(Value::String(p)) => p.split('/').map(str::to_owned).collect(),
            _ => {
                let raw = url
                    .as_str()
                    .or_else(|| url.get("raw").and_then(Value::as_str))
                    .unwrap_or("");
                let raw = raw.split(['?', '#']).next().unwrap_or("");
                let after_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
                // The first segment is the host ({{baseUrl}} or a name).
                after_scheme.split('/').skip(1).map(str::to_owned).collect()
            }
        };
        let has_host = url.get("host").is_some()
            || url
                .as_str()
                .or_else(|| url.get("raw").and_then(Value::as_str))
                .is_some_and(|r| !r.starts_with('/'));
        if has_host && !self.host_noted {
            self.host_noted = true;
            self.report.note(
                at,
                "the request's host",
                "paths are served as written, under the project's URL",
            );
        }
        let mut out = String::new();
        for segment in segments.iter().filter(|s| !s.is_empty()) {
            for part in self
                .expand(segment, at)
                .split('/')
                .filter(|s| !s.is_empty())
            {
                out.push('/');
                if let Some(name) = part.strip_prefix(':') {
                    out.push('{');
                    out.push_str(&param_name(name));
                    out.push('}');
                } else if part.contains(['{', '}']) {
                    out.push('{');
                    out.push_str(&param_name(part.trim_matches(['{', '}'])));
                    out.push('}');
                } else {
                    out.push_str(part);
                }
            }
        }
        if out.is_empty() { "/".to_owned() } else { out }
    }

    /// `segment` with its `{{variables}}` replaced by their values; one not
    /// defined becomes the parameter `{name}`.
    fn expand(&mut self, segment: &str, at: &str) -> String {
        let mut out = String::new();
        let mut rest = segment;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find("}}") else {
                break;
            };
            let name = &rest[open + 2..open + close];
            match self.vars.get(name) {
                Some(value) => out.push_str(value.trim_matches('/')),
                None => {
                    self.report.note(
                        at,
                        format!("the variable {{{{{name}}}}}, not defined in the collection"),
                        format!("the path parameter {{{}}}", param_name(name)),
                    );
                    out.push('{');
                    out.push_str(&param_name(name));
                    out.push('}');
                }
            }
            rest = &rest[open + close + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The query parameters of an original request's URL, enabled ones only.
fn query_of(url: Option<&Value>) -> Vec<(String, String)> {
    let Some(url) = url else { return Vec::new() };
    if let Some(list) = url.get("query").and_then(Value::as_array) {
        return list
            .iter()
            .filter(|q| q.get("disabled").and_then(Value::as_bool) != Some(true))
            .filter_map(|q| {
                Some((
                    q.get("key")?.as_str()?.to_owned(),
                    q.get("value")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ))
            })
            .collect();
    }
    let raw = url
        .as_str()
        .or_else(|| url.get("raw").and_then(Value::as_str))
        .unwrap_or("");
    raw.split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter(|s| !s.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn example_response(
    e: &Value,
    at: &str,
    i: usize,
    conditions: Vec<ConditionSpec>,
    report: &mut Report,
) -> ResponseSpec {
    let status = e.get("code").and_then(Value::as_i64).unwrap_or(200);
    let status = if (100..=599).contains(&status) {
        status
    } else {
        report.note(
            &format!("{at}/code"),
            format!("the status {status}"),
            "status 200",
        );
        200
    };
    let headers: BTreeMap<String, String> = e
        .get("header")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|h| h.get("disabled").and_then(Value::as_bool) != Some(true))
        .filter_map(|h| {
            Some((
                h.get("key")?.as_str()?.to_owned(),
                h.get("value")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            ))
        })
        // Set by the server from the body it sends.
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
        .collect();
    if e.get("cookie")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty())
    {
        report.note(
            &format!("{at}/cookie"),
            "the example's cookies",
            "left out: add Set-Cookie headers to send them",
        );
    }
    let body = e.get("body").and_then(Value::as_str).unwrap_or("");
    let name = e
        .get("name")
        .and_then(Value::as_str)
        .map_or_else(|| format!("example {i}"), |n| clip(n, 200));
    ResponseSpec {
        name: Some(name),
        status_code: Some(status),
        headers: Some(headers),
        body: Some(crate::escape_template(body)),
        conditions: Some(conditions),
        weight: Some(100),
        is_default: Some(false),
    }
}
