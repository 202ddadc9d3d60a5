//! Mockoon environments: every HTTP route a mock, every route response a
//! response of it.
//!
//! - The endpoint prefix and endpoint are the path: `:id` → `{id}`, a last
//!   `*` → `{*rest}`; optional parameters and other Express patterns are
//!   reported.
//! - Rules become conditions: `AND` rules are one response's conditions; `OR`
//!   rules become one copy of the response per rule (MockBird's conditions
//!   are all required). Targets `body`, `query`, `header`, `cookie`,
//!   `params`; operators `equals`, `regex`, `regex_i`, `null`, inverted where
//!   MockBird has the opposite. Other targets and operators are reported.
//! - Bodies stay templates: MockBird has Mockoon's helpers (`urlParam`,
//!   `queryParam`, `body`, `faker`, …); a body using one it lacks is served as
//!   written, and reported. File and data-bucket bodies are reported.
//! - The environment's and the default response's latency is the mock's
//!   delay; environment headers apply to every response.

use std::collections::BTreeMap;

use mockbird_core::model::{
    ConditionSpec, ExportDocument, MAX_DELAY_MS, MAX_RESPONSES_PER_MOCK, ResponseSpec,
};
use serde_json::Value;

use crate::build::{
    Routes, clip, condition, document, param_name, response_type, template_or_text,
};
use crate::report::Report;

/// Whether `doc` is a Mockoon environment.
pub(crate) fn detect(doc: &Value) -> bool {
    doc.get("routes").and_then(Value::as_array).is_some()
        && (doc.get("lastMigration").is_some() || doc.get("endpointPrefix").is_some())
}

/// The project document of a Mockoon environment.
pub(crate) fn import(doc: &Value, report: &mut Report) -> ExportDocument {
    let prefix = doc
        .get("endpointPrefix")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_matches('/');
    let latency = doc.get("latency").and_then(Value::as_i64).unwrap_or(0);
    let env_headers = headers_of(doc.get("headers"));
    for (key, what) in [
        ("proxyMode", "proxy mode"),
        ("tlsOptions", "TLS options"),
        ("data", "data buckets"),
    ] {
        let on = match doc.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => o.get("enabled").and_then(Value::as_bool) == Some(true),
            _ => false,
        };
        if on {
            report.note(
                &format!("/{key}"),
                format!("the environment's {what}"),
                "left out",
            );
        }
    }
    let mut routes = Routes::default();
    // Routes whose responses are picked at random (by weight).
    let mut random = Vec::new();
    let list = doc
        .get("routes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, route) in list.iter().enumerate() {
        let at = format!("/routes/{i}");
        let kind = route.get("type").and_then(Value::as_str).unwrap_or("http");
        if kind != "http" {
            report.note(
                &at,
                format!("a {kind} route"),
                "left out: only HTTP routes are imported",
            );
            continue;
        }
        let method = route
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("get")
            .to_ascii_uppercase();
        let method = if method == "ALL" {
            "ANY".to_owned()
        } else {
            method
        };
        let endpoint = route.get("endpoint").and_then(Value::as_str).unwrap_or("");
        let raw = [prefix, endpoint.trim_matches('/')]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        let path = path_of(&raw, &format!("{at}/endpoint"), report);
        let name = route
            .get("documentation")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .map_or_else(|| format!("{method} {path}"), str::to_owned);
        let mode = route.get("responseMode").and_then(Value::as_str);
        if let Some(mode) = mode {
            let instead = match mode {
                "RANDOM" => "every response without rules weighs the same: picked at random",
                "DISABLE_RULES" => "rules left out: the default answers",
                _ => "the default answers when no rule matches; the others by name",
            };
            report.note(
                &format!("{at}/responseMode"),
                format!("the response mode {mode}"),
                instead,
            );
        }
        let (mock, made) = routes.mock(&method, &path, &name);
        if mode == Some("RANDOM") {
            random.push((mock.mock.method.clone(), mock.mock.path.clone()));
        }
        if !made {
            report.note(
                &at,
                "a second route with the same method and path",
                "its responses join the first's",
            );
        }
        let responses = route
            .get("responses")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut delay = None;
        for (j, r) in responses.iter().enumerate() {
            let r_at = format!("{at}/responses/{j}");
            let is_default = r.get("default").and_then(Value::as_bool) == Some(true)
                || (j == 0
                    && !responses
                        .iter()
                        .any(|r| r.get("default").and_then(Value::as_bool) == Some(true)));
            let own = r.get("latency").and_then(Value::as_i64).unwrap_or(0);
            if is_default || delay.is_none() {
                delay = Some(own);
            }
            if own != 0 && !is_default {
                report.note(
                    &format!("{r_at}/latency"),
                    "a response's own latency",
                    "the default response's latency is the mock's",
                );
            }
            let rules = if mode == Some("DISABLE_RULES") {
                Vec::new()
            } else {
                rules_of(r, &r_at, report)
            };
            let base = response(r, &r_at, &env_headers, report);
            let mut add =
                |mut spec: ResponseSpec, conditions: Vec<ConditionSpec>, default: bool| {
                    if mock.responses.len() >= MAX_RESPONSES_PER_MOCK {
                        report.note(&r_at, "more than 50 responses of a route", "left out");
                        return;
                    }
                    spec.conditions = Some(conditions);
                    spec.weight = Some(100);
                    spec.is_default = Some(default);
                    mock.responses.push(spec);
                };
            if rules.len() <= 1 {
                add(base, rules.into_iter().flatten().collect(), is_default);
            } else {
                // OR: a copy per rule, the first the default if the response was.
                let n = rules.len();
                for (k, group) in rules.into_iter().enumerate() {
                    let mut copy = base.clone();
                    copy.name = copy
                        .name
                        .map(|name| clip(&format!("{name} (rule {} of {n})", k + 1), 200));
                    add(copy, group, is_default && k == 0);
                }
            }
        }
        if made && let Some(first) = mock.responses.first() {
            let media = first
                .headers
                .as_ref()
                .and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                })
                .map_or("", |(_, v)| v.as_str());
            mock.mock.response_type = Some(response_type(media).to_owned());
            let total = (latency + delay.unwrap_or(0)).clamp(0, i64::from(MAX_DELAY_MS));
            if latency + delay.unwrap_or(0) > i64::from(MAX_DELAY_MS) {
                report.note(
                    &format!("{at}/responses"),
                    "a latency over 10 seconds",
                    format!("{MAX_DELAY_MS} ms"),
                );
            }
            mock.mock.response_delay = (total > 0).then_some(total);
        }
    }
    let mut mocks = routes.finish();
    for m in mocks.iter_mut() {
        let route = (m.mock.method.clone(), m.mock.path.clone());
        if random.contains(&route) {
            for r in &mut m.responses {
                r.weight = Some(100);
            }
        }
    }
    document(
        doc.get("name")
            .and_then(Value::as_str)
            .map_or_else(|| "Imported Mockoon environment".to_owned(), str::to_owned),
        None,
        mocks,
    )
}

/// A MockBird path of a Mockoon (Express) endpoint.
fn path_of(raw: &str, at: &str, report: &mut Report) -> String {
    let mut out = String::new();
    for segment in raw.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if segment == "*" {
            out.push_str("{*rest}");
            break;
        }
        if let Some(name) = segment.strip_prefix(':') {
            let clean = name.trim_end_matches('?');
            if clean.len() != name.len() || clean.contains(['(', ')', '*', '+']) {
                report.note(
                    at,
                    format!("the parameter {segment:?}"),
                    format!("a required parameter {{{}}}", param_name(clean)),
                );
            }
            out.push('{');
            out.push_str(&param_name(clean));
            out.push('}');
        } else if segment.contains(['*', '(', ')', '?', '+', '{', '}']) {
            report.note(
                at,
                format!("the pattern {segment:?}"),
                "the rest of the path matches anything ({*rest})",
            );
            out.push_str("{*rest}");
            break;
        } else {
            out.push_str(segment);
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

fn headers_of(list: Option<&Value>) -> BTreeMap<String, String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| {
            let key = h.get("key")?.as_str()?;
            (!key.is_empty()).then(|| {
                (
                    key.to_owned(),
                    h.get("value")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                )
            })
        })
        .collect()
}

/// The response's rules as groups of conditions, each group one response:
/// one group for `AND`, one per rule for `OR`.
fn rules_of(r: &Value, at: &str, report: &mut Report) -> Vec<Vec<ConditionSpec>> {
    let rules = r
        .get("rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut conditions = Vec::new();
    for (k, rule) in rules.iter().enumerate() {
        let rule_at = format!("{at}/rules/{k}");
        match condition_of(rule) {
            Ok(c) => conditions.push(c),
            Err(why) => report.note(
                &rule_at,
                format!("the rule {rule}"),
                format!("left out: {why}"),
            ),
        }
    }
    if conditions.is_empty() {
        return Vec::new();
    }
    if r.get("rulesOperator").and_then(Value::as_str) == Some("AND") || conditions.len() == 1 {
        vec![conditions]
    } else {
        conditions.into_iter().map(|c| vec![c]).collect()
    }
}

fn condition_of(rule: &Value) -> Result<ConditionSpec, String> {
    let target = rule.get("target").and_then(Value::as_str).unwrap_or("");
    let modifier = rule.get("modifier").and_then(Value::as_str).unwrap_or("");
    let value = match rule.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let invert = rule.get("invert").and_then(Value::as_bool) == Some(true);
    let operator = rule
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or("equals");
    let kind = match target {
        "body" | "query" | "header" | "cookie" => target,
        "params" | "route_params" => "path",
        other => return Err(format!("MockBird has no condition on {other:?}")),
    };
    let field = modifier.strip_prefix("$.").unwrap_or(modifier);
    if field.is_empty() {
        return Err("a rule on the whole body or no field".to_owned());
    }
    let (op, value) = match (operator, invert) {
        ("equals", false) => ("equals", value),
        ("equals", true) => ("notEquals", value),
        ("regex", false) => ("regex", value),
        ("regex_i", false) => ("regex", format!("(?i){value}")),
        ("null", false) => ("notExists", value),
        ("null", true) => ("exists", value),
        (op, true) => return Err(format!("MockBird cannot invert {op:?}")),
        (op, false) => return Err(format!("MockBird has no operator {op:?}")),
    };
    Ok(condition(kind, field, op, &value))
}

fn response(
    r: &Value,
    at: &str,
    env_headers: &BTreeMap<String, String>,
    report: &mut Report,
) -> ResponseSpec {
    let mut headers = env_headers.clone();
    headers.extend(headers_of(r.get("headers")));
    let status = r.get("statusCode").and_then(Value::as_i64).unwrap_or(200);
    let kind = r
        .get("bodyType")
        .and_then(Value::as_str)
        .unwrap_or("INLINE");
    let body = match kind {
        "INLINE" => r
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        other => {
            report.note(
                &format!("{at}/bodyType"),
                format!("a {other} body"),
                "left out: an empty body",
            );
            String::new()
        }
    };
    let body = if r.get("disableTemplating").and_then(Value::as_bool) == Some(true) {
        crate::escape_template(&body)
    } else {
        template_or_text(body, &format!("{at}/body"), report)
    };
    for (key, what) in [
        ("callbacks", "callbacks"),
        ("fallbackTo404", "fallback to 404"),
    ] {
        let on = match r.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        };
        if on {
            report.note(
                &format!("{at}/{key}"),
                format!("the response's {what}"),
                "left out",
            );
        }
    }
    let label = r
        .get("label")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty());
    ResponseSpec {
        name: Some(label.map_or_else(|| format!("{status}"), |l| clip(l, 200))),
        status_code: Some(if (100..=599).contains(&status) {
            status
        } else {
            200
        }),
        headers: Some(headers),
        body: Some(body),
        conditions: None,
        weight: Some(100),
        is_default: Some(false),
    }
}
