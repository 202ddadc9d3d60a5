//! HAR 1.2 (a browser's or proxy's recording): each entry's response under
//! its request's method and path.
//!
//! - Hosts are dropped: every path is served under the project's URL.
//! - Entries repeating a route become responses of one mock, each answering
//!   when the query parameters or top-level JSON body fields that tell its
//!   request from the others match. Entries whose requests cannot be told
//!   apart are kept reachable by name only (weight 0), and reported.
//! - Bodies recorded in base64 are decoded when they are text; binary bodies,
//!   bodies over the body limit and transport headers (`Content-Length`,
//!   `Content-Encoding`, `Transfer-Encoding`, `Connection`) are left out.

use std::collections::BTreeMap;

use base64::Engine as _;
use mockbird_core::model::{
    ConditionSpec, ExportDocument, MAX_BODY_BYTES, MAX_RESPONSES_PER_MOCK, ResponseSpec,
};
use serde_json::Value;

use crate::build::{Routes, clip, condition, document, response_type, telling_apart};
use crate::report::Report;

/// Whether `doc` is a HAR file.
pub(crate) fn detect(doc: &Value) -> bool {
    doc.get("log")
        .and_then(|l| l.get("entries"))
        .and_then(Value::as_array)
        .is_some()
}

/// Response headers of the recorded transport, not of the answer.
const TRANSPORT: [&str; 5] = [
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
];

/// One recorded exchange, read.
struct Entry<'v> {
    at: String,
    method: String,
    path: String,
    /// Query parameters, then `body.<field>` for top-level JSON body fields.
    fields: Vec<(String, String)>,
    response: &'v Value,
}

/// The project document of a HAR file.
pub(crate) fn import(doc: &Value, report: &mut Report) -> ExportDocument {
    let entries = doc
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut hosts = Vec::new();
    let mut read = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = format!("/log/entries/{i}");
        if let Some(entry) = entry(e, at, &mut hosts, report) {
            read.push(entry);
        }
    }
    if !hosts.is_empty() {
        report.note(
            "/log/entries",
            format!("requests to {}", hosts.join(", ")),
            "paths are served as recorded, under the project's URL",
        );
    }
    // Entries by route, in first-seen order.
    let mut by_route: Vec<((String, String), Vec<&Entry>)> = Vec::new();
    for e in &read {
        let key = (e.method.clone(), e.path.clone());
        match by_route.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(e),
            None => by_route.push((key, vec![e])),
        }
    }
    let mut routes = Routes::default();
    for ((method, path), list) in by_route {
        let sets: Vec<Vec<(String, String)>> = list.iter().map(|e| e.fields.clone()).collect();
        let (mock, _) = routes.mock(&method, &path, &format!("{method} {path}"));
        let mut seen: Vec<&[(String, String)]> = Vec::new();
        for (i, e) in list.iter().enumerate() {
            if mock.responses.len() >= MAX_RESPONSES_PER_MOCK {
                report.note(&e.at, "more than 50 entries of a route", "left out");
                continue;
            }
            let apart = telling_apart(&sets, i);
            let repeat = seen.contains(&e.fields.as_slice());
            if repeat {
                report.note(
                    &e.at,
                    format!("a repeat of an earlier {method} {path} request"),
                    "kept, answering only by name (X-Mockbird-Response)",
                );
            }
            seen.push(&e.fields);
            let conditions: Vec<ConditionSpec> = apart
                .iter()
                .map(|(k, v)| match k.strip_prefix("body.") {
                    Some(field) => condition("body", field, "equals", v),
                    None => condition("query", k, "equals", v),
                })
                .collect();
            let mut r = response(e, i, conditions, report);
            if repeat {
                r.weight = Some(0);
            }
            if mock.responses.is_empty() {
                let media = e
                    .response
                    .pointer("/content/mimeType")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                mock.mock.response_type = Some(response_type(media).to_owned());
            }
            mock.responses.push(r);
        }
    }
    let name = doc
        .pointer("/log/pages/0/title")
        .and_then(Value::as_str)
        .map_or_else(|| "Imported HAR recording".to_owned(), |t| clip(t, 100));
    document(name, None, routes.finish())
}

fn entry<'v>(
    e: &'v Value,
    at: String,
    hosts: &mut Vec<String>,
    report: &mut Report,
) -> Option<Entry<'v>> {
    let request = e.get("request")?;
    let response = e.get("response")?;
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    if !matches!(
        method.as_str(),
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
    ) {
        report.note(
            &format!("{at}/request/method"),
            format!("a {method} request"),
            "left out: mocks cannot answer it",
        );
        return None;
    }
    let url = request.get("url").and_then(Value::as_str).unwrap_or("/");
    let url = url.split('#').next().unwrap_or("");
    let (before_query, query) = url.split_once('?').unwrap_or((url, ""));
    let path = match before_query.split_once("://") {
        Some((_, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            if !hosts.iter().any(|h| h == host) && hosts.len() < 10 {
                hosts.push(host.to_owned());
            }
            path
        }
        None => before_query.trim_start_matches('/'),
    };
    let mut clean = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        if segment.contains(['{', '}']) {
            report.note(
                &format!("{at}/request/url"),
                format!("the segment {segment:?}, with braces"),
                "braces written %7B and %7D",
            );
            clean.push_str(&segment.replace('{', "%7B").replace('}', "%7D"));
        } else {
            clean.push_str(segment);
        }
    }
    if clean.is_empty() {
        clean.push('/');
    }
    let mut fields: Vec<(String, String)> =
        match request.get("queryString").and_then(Value::as_array) {
            Some(list) => list
                .iter()
                .filter_map(|q| {
                    Some((
                        q.get("name")?.as_str()?.to_owned(),
                        q.get("value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                    ))
                })
                .collect(),
            None => query
                .split('&')
                .filter(|s| !s.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect(),
        };
    if let Some(text) = request.pointer("/postData/text").and_then(Value::as_str)
        && let Ok(Value::Object(body)) = serde_json::from_str::<Value>(text)
    {
        for (k, v) in body {
            let v = match v {
                Value::String(s) => s,
                Value::Number(_) | Value::Bool(_) => v.to_string(),
                _ => continue,
            };
            fields.push((format!("body.{k}"), v));
        }
    }
    Some(Entry {
        at,
        method,
        path: clean,
        fields,
        response,
    })
}

fn response(
    e: &Entry,
    i: usize,
    conditions: Vec<ConditionSpec>,
    report: &mut Report,
) -> ResponseSpec {
    let r = e.response;
    let r_at = format!("{}/response", e.at);
    let status = r.get("status").and_then(Value::as_i64).unwrap_or(200);
    let status = if (100..=599).contains(&status) {
        status
    } else {
        // 0: the browser recorded no answer (blocked, cancelled).
        report.note(
            &format!("{r_at}/status"),
            format!("the status {status}"),
            "status 502",
        );
        502
    };
    let mut headers = BTreeMap::new();
    for h in r
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(value)) = (
            h.get("name").and_then(Value::as_str),
            h.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        if name.starts_with(':') || TRANSPORT.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        // Headers repeated (Set-Cookie) are joined, as one line each cannot be.
        headers
            .entry(name.to_owned())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    let content = r.get("content");
    let text = content
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let base64 = content
        .and_then(|c| c.get("encoding"))
        .and_then(Value::as_str)
        == Some("base64");
    let body = if base64 {
        match base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        {
            Some(decoded) => decoded,
            None => {
                report.note(
                    &format!("{r_at}/content"),
                    "a binary body",
                    "left out: an empty body",
                );
                String::new()
            }
        }
    } else {
        text.to_owned()
    };
    let body = if body.len() > MAX_BODY_BYTES {
        report.note(
            &format!("{r_at}/content"),
            format!("a body of {} bytes", body.len()),
            format!("left out: bodies are at most {MAX_BODY_BYTES} bytes"),
        );
        String::new()
    } else {
        body
    };
    ResponseSpec {
        name: Some(format!("entry {i}: {status}")),
        status_code: Some(status),
        headers: Some(headers),
        body: Some(crate::escape_template(&body)),
        conditions: Some(conditions),
        weight: Some(100),
        is_default: Some(false),
    }
}
