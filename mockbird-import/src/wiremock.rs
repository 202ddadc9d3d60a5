//! WireMock stub mappings (one stub, an array, or `{"mappings": [...]}`):
//! stubs sharing a method and path become the responses of one mock, each with
//! the conditions its matchers express.
//!
//! - `urlPath`, `urlPathTemplate` and `url` (its query as conditions) are the
//!   route; `urlPathPattern`/`urlPattern` become `{*rest}` under their literal
//!   prefix with a regex condition on the rest.
//! - `equalTo`, `contains`, `matches`, `absent` on headers, query parameters and
//!   cookies; `matchesJsonPath` with a plain path and scalar `equalToJson`
//!   fields on the body. Other matchers are reported.
//! - `body`, `jsonBody`, `headers`, `status`, `fixedDelayMilliseconds`;
//!   `response-template` bodies stay templates (WireMock's `request.query.*`
//!   and `request.headers.*` read the same in MockBird), others are escaped.

use std::collections::BTreeMap;

use mockbird_core::model::{ConditionSpec, ExportDocument, ResponseSpec};
use serde_json::{Value, json};

use crate::build::{Routes, condition, document, template_or_text};
use crate::report::{Report, pointer};

/// Whether `doc` looks like WireMock stub mappings.
pub(crate) fn detect(doc: &Value) -> bool {
    let stub = |v: &Value| v.get("request").is_some() && v.get("response").is_some();
    match doc {
        Value::Array(items) => items.first().is_some_and(stub),
        Value::Object(_) => stub(doc) || doc.get("mappings").and_then(Value::as_array).is_some(),
        _ => false,
    }
}

/// The project document of WireMock stub mappings.
pub(crate) fn import(doc: &Value, report: &mut Report) -> ExportDocument {
    let (stubs, base): (Vec<&Value>, &str) = match doc {
        Value::Array(items) => (items.iter().collect(), ""),
        _ => match doc.get("mappings").and_then(Value::as_array) {
            Some(items) => (items.iter().collect(), "/mappings"),
            None => (vec![doc], ""),
        },
    };
    let mut routes = Routes::default();
    let mut priorities: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for (i, stub) in stubs.iter().enumerate() {
        let at = if stubs.len() == 1 && base.is_empty() && !doc.is_array() {
            String::new()
        } else {
            format!("{base}/{i}")
        };
        let Some((method, path, conditions, delay)) = request(stub, &at, report) else {
            continue;
        };
        let response = response(stub, &at, report, conditions, i);
        let name = stub
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{method} {path}"), str::to_owned);
        let (mock, made) = routes.mock(&method, &path, &name);
        if made {
            mock.mock.response_delay = delay;
        } else if delay.is_some() && mock.mock.response_delay != delay {
            report.note(
                &at,
                "a fixed delay differing from an earlier stub of the route",
                "the first stub's delay is the mock's",
            );
        }
        let route = (
            mock.mock.method.clone().unwrap_or_default(),
            mock.mock.path.clone().unwrap_or_default(),
        );
        mock.responses.push(response);
        priorities
            .entry(route)
            .or_default()
            .push(stub.get("priority").and_then(Value::as_i64).unwrap_or(5));
    }
    for ((method, path), ps) in priorities {
        if ps.iter().any(|p| *p != ps[0]) {
            report.note(
                base,
                format!("priorities {ps:?} among the stubs of {method} {path}"),
                "MockBird prefers the response with the most conditions, then the default",
            );
        }
    }
    document("Imported WireMock stubs".to_owned(), None, routes.finish())
}

type Request = (String, String, Vec<ConditionSpec>, Option<i64>);

fn request(stub: &Value, at: &str, report: &mut Report) -> Option<Request> {
    let r = stub.get("request")?;
    let r_at = format!("{at}/request");
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("ANY")
        .to_ascii_uppercase();
    let mut conditions = Vec::new();
    let path = if let Some(p) = r
        .get("urlPath")
        .or_else(|| r.get("urlPathTemplate"))
        .and_then(Value::as_str)
    {
        p.to_owned()
    } else if let Some(url) = r.get("url").and_then(Value::as_str) {
        let (p, q) = url.split_once('?').unwrap_or((url, ""));
        for (k, v) in q
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        {
            conditions.push(condition("query", k, "equals", v));
        }
        p.to_owned()
    } else if let Some(pattern) = r
        .get("urlPathPattern")
        .or_else(|| r.get("urlPattern"))
        .and_then(Value::as_str)
    {
        let literal: String = pattern
            .chars()
            .take_while(|c| !"\\^$.|?*+()[]{}".contains(*c))
            .collect();
        let prefix = &literal[..literal.rfind('/').map_or(0, |i| i + 1)];
        let rest = &pattern[prefix.len()..];
        report.note(
            &format!("{r_at}/urlPathPattern"),
            format!("the URL pattern {pattern:?}"),
            format!("the route {prefix}{{*rest}} with a regex condition on the rest"),
        );
        conditions.push(condition("path", "rest", "regex", &format!("^(?:{rest})$")));
        format!("{prefix}{{*rest}}")
    } else {
        report.note(&r_at, "a stub matching any URL", "the route /{*rest}");
        "/{*rest}".to_owned()
    };
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    for (kind, key) in [
        ("header", "headers"),
        ("query", "queryParameters"),
        ("cookie", "cookies"),
    ] {
        for (name, matcher) in r.get(key).and_then(Value::as_object).into_iter().flatten() {
            let m_at = pointer(&format!("{r_at}/{key}"), name);
            match matcher_of(matcher) {
                Some((op, value)) => conditions.push(condition(kind, name, op, &value)),
                None => report.note(
                    &m_at,
                    format!("the matcher {matcher}"),
                    "left out: no MockBird operator expresses it",
                ),
            }
        }
    }
    for (i, p) in r
        .get("bodyPatterns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p_at = format!("{r_at}/bodyPatterns/{i}");
        if let Some(path) = p.get("matchesJsonPath").and_then(Value::as_str)
            && let Some(field) = path.strip_prefix("$.").filter(|f| {
                f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            })
        {
            conditions.push(condition("body", field, "exists", ""));
        } else if let Some(Value::Object(fields)) = p.get("equalToJson") {
            for (field, v) in fields {
                match v {
                    Value::String(s) => conditions.push(condition("body", field, "equals", s)),
                    Value::Number(_) | Value::Bool(_) => {
                        conditions.push(condition("body", field, "equals", &v.to_string()))
                    }
                    _ => report.note(
                        &p_at,
                        format!("the nested field {field:?} of equalToJson"),
                        "left out",
                    ),
                }
            }
        } else {
            report.note(
                &p_at,
                format!("the body pattern {p}"),
                "left out: no MockBird operator expresses it",
            );
        }
    }
    let delay = stub
        .get("response")
        .and_then(|r| r.get("fixedDelayMilliseconds"))
        .and_then(Value::as_i64);
    Some((method, path, conditions, delay))
}

/// The operator and value of a WireMock matcher MockBird can express.
fn matcher_of(m: &Value) -> Option<(&'static str, String)> {
    if m.get("caseInsensitive").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(v) = text("equalTo") {
        return Some(("equals", v));
    }
    if let Some(v) = text("contains") {
        return Some(("contains", v));
    }
    if let Some(v) = text("matches") {
        return Some(("regex", v));
    }
    match m.get("absent").and_then(Value::as_bool) {
        Some(true) => Some(("notExists", String::new())),
        Some(false) => Some(("exists", String::new())),
        None => None,
    }
}

fn response(
    stub: &Value,
    at: &str,
    report: &mut Report,
    conditions: Vec<ConditionSpec>,
    i: usize,
) -> ResponseSpec {
    let empty = json!({});
    let r = stub.get("response").unwrap_or(&empty);
    let r_at = format!("{at}/response");
    let templated = r
        .get("transformers")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "response-template"));
    let mut body = if let Some(b) = r.get("body").and_then(Value::as_str) {
        b.to_owned()
    } else if let Some(j) = r.get("jsonBody") {
        serde_json::to_string_pretty(j).unwrap_or_default()
    } else {
        String::new()
    };
    for key in [
        "base64Body",
        "bodyFileName",
        "fault",
        "proxyBaseUrl",
        "chunkedDribbleDelay",
        "delayDistribution",
    ] {
        if r.get(key).is_some() {
            report.note(
                &format!("{r_at}/{key}"),
                format!("the response's {key}"),
                "left out: not supported",
            );
        }
    }
    body = if templated {
        template_or_text(body, &r_at, report)
    } else {
        crate::escape_template(&body)
    };
    let headers = r
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Array(list) => list
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    ResponseSpec {
        name: Some(
            stub.get("name")
                .and_then(Value::as_str)
                .map_or_else(|| format!("stub {i}"), |n| n.chars().take(200).collect()),
        ),
        status_code: Some(r.get("status").and_then(Value::as_i64).unwrap_or(200)),
        headers: Some(headers),
        body: Some(body),
        conditions: Some(conditions),
        weight: Some(100),
        is_default: Some(false),
    }
}
