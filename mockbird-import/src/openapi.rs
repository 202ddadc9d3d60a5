//! OpenAPI 3.0/3.1 and Swagger 2.0: every operation a mock, every documented
//! response a response of it.
//!
//! - Paths keep their templates (`/users/{id}`); a parameter sharing a segment
//!   with text (`/files/{name}.json`) becomes the whole segment, and names
//!   MockBird does not allow are renamed — both reported.
//! - A response's body is its media type's `example`, else the first of its
//!   `examples`, else one made from its schema (see [`crate::schema`]); the
//!   JSON media type is preferred, the others are reported.
//! - An operation carrying `x-mockbird-mock` (MockBird's own OpenAPI export,
//!   [`crate::export`]) is that mock, exactly.
//! - The lowest 2xx response is the default (weight 100); the others have
//!   weight 0, so they answer only when named in `X-Mockbird-Response`, and
//!   the report lists them. `default` and `4XX`-style ranges get a status.

use std::collections::BTreeMap;

use mockbird_core::model::{ExportDocument, ExportMock, ExportProject, MockSpec, ResponseSpec};
use serde_json::{Map, Value};

use crate::build::{param_name, response_type};
use crate::report::{Report, pointer};
use crate::schema::Examples;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Which dialect a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0 or 3.1.
    OpenApi3,
}

/// The document's dialect and version label, if it is one.
pub(crate) fn detect(doc: &Value) -> Option<(Dialect, String)> {
    if let Some(v) = doc.get("openapi").and_then(Value::as_str)
        && v.starts_with("3.")
    {
        let minor = if v.starts_with("3.0") { "3.0" } else { "3.1" };
        return Some((Dialect::OpenApi3, format!("openapi-{minor}")));
    }
    if doc.get("swagger").and_then(Value::as_str) == Some("2.0") {
        return Some((Dialect::Swagger2, "swagger-2.0".to_owned()));
    }
    None
}

/// The project document of an OpenAPI or Swagger document.
pub(crate) fn import(doc: &Value, dialect: Dialect, report: &mut Report) -> ExportDocument {
    let info = doc.get("info");
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut examples = Examples::new(doc);
    let mut mocks = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (raw_path, item) in paths {
            let at = pointer("/paths", raw_path);
            let path = route(raw_path, &at, report);
            let Some(item) = item.as_object() else {
                continue;
            };
            for (i, more) in item
                .get("x-mockbird-more")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let more_at = format!("{}/{i}", pointer(&at, "x-mockbird-more"));
                own_mock(more, &more_at, report, &mut mocks);
            }
            for (method, op) in item {
                let op_at = pointer(&at, method);
                if method == "trace" {
                    report.note(
                        &op_at,
                        "a TRACE operation",
                        "left out: mocks cannot answer TRACE",
                    );
                    continue;
                }
                if !METHODS.contains(&method.as_str()) {
                    continue; // parameters, summary, servers, $ref of the path item
                }
                // MockBird's own export: the mock whole; its copies under
                // other methods (an ANY mock) are skipped.
                if let Some(own) = op.get("x-mockbird-mock") {
                    own_mock(own, &pointer(&op_at, "x-mockbird-mock"), report, &mut mocks);
                    continue;
                }
                if op.get("x-mockbird-method").is_some() {
                    continue;
                }
                mocks.push(operation(
                    doc,
                    dialect,
                    &path,
                    method,
                    op,
                    &op_at,
                    &mut examples,
                    report,
                ));
            }
        }
    }
    if doc.get("servers").is_some() || doc.get("basePath").is_some() {
        report.note(
            if dialect == Dialect::Swagger2 {
                "/basePath"
            } else {
                "/servers"
            },
            "server URLs and base paths",
            "paths are served as written, under the project's URL",
        );
    }
    if let Some(project) = doc
        .get("x-mockbird-project")
        .and_then(|p| serde_json::from_value::<ExportProject>(p.clone()).ok())
    {
        return ExportDocument {
            mockbird: Some(1),
            project,
            mocks,
        };
    }
    ExportDocument {
        mockbird: Some(1),
        project: ExportProject {
            name: text("title").or(Some("Imported API".to_owned())),
            slug: None,
            description: text("description").map(|d| d.chars().take(5000).collect()),
            is_public: Some(true),
        },
        mocks,
    }
}

/// A mock MockBird exported whole (`x-mockbird-mock`, `x-mockbird-more`).
fn own_mock(value: &Value, at: &str, report: &mut Report, mocks: &mut Vec<ExportMock>) {
    match serde_json::from_value::<ExportMock>(value.clone()) {
        Ok(mock) => mocks.push(mock),
        Err(e) => report.note(
            at,
            format!("a MockBird mock that does not read ({e})"),
            "left out",
        ),
    }
}

/// A MockBird path pattern of an OpenAPI path template.
fn route(raw: &str, at: &str, report: &mut Report) -> String {
    let mut out = String::new();
    for segment in raw.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let Some(open) = segment.find('{') else {
            out.push_str(segment);
            continue;
        };
        let close = segment[open..]
            .find('}')
            .map_or(segment.len(), |c| open + c);
        let name = &segment[open + 1..close.min(segment.len())];
        let clean = param_name(name);
        if open > 0 || close + 1 < segment.len() {
            report.note(
                at,
                format!("the segment {segment:?}: a parameter sharing a segment with text"),
                format!("the whole segment is the parameter {{{clean}}}"),
            );
        } else if clean != name {
            report.note(
                at,
                format!("the parameter name {name:?}"),
                format!("renamed {{{clean}}}"),
            );
        }
        out.push('{');
        out.push_str(&clean);
        out.push('}');
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

#[allow(clippy::too_many_arguments)]
fn operation(
    doc: &Value,
    dialect: Dialect,
    path: &str,
    method: &str,
    op: &Value,
    at: &str,
    examples: &mut Examples<'_>,
    report: &mut Report,
) -> ExportMock {
    let name = op
        .get("operationId")
        .or_else(|| op.get("summary"))
        .and_then(Value::as_str)
        .map(|n| n.chars().take(200).collect::<String>())
        .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
    let mut responses = Vec::new();
    let mut default_kind = String::new();
    let documented = op.get("responses").and_then(Value::as_object);
    let mut statuses: Vec<(u16, &String, &Value)> = documented
        .into_iter()
        .flatten()
        .filter_map(|(code, r)| {
            status_of(code, &pointer(&pointer(at, "responses"), code), report).map(|s| (s, code, r))
        })
        .collect();
    statuses.sort_by_key(|(s, code, _)| (*s, code.len()));
    let default_at = statuses
        .iter()
        .position(|(s, _, _)| (200..300).contains(s))
        .unwrap_or(0);
    for (i, (status, code, r)) in statuses.iter().enumerate() {
        let r_at = pointer(&pointer(at, "responses"), code);
        let r = match r.get("$ref").and_then(Value::as_str) {
            Some(reference) => match examples.resolve(reference, &r_at, report) {
                Some(target) => target,
                None => continue,
            },
            None => r,
        };
        let (headers, body, kind) = match dialect {
            Dialect::OpenApi3 => body_v3(r, &r_at, examples, report),
            Dialect::Swagger2 => body_v2(doc, op, r, &r_at, examples, report),
        };
        let is_default = i == default_at;
        if is_default {
            default_kind = kind;
        }
        if !is_default {
            report.note(
                &r_at,
                format!("the {status} response"),
                format!("reachable with X-Mockbird-Response: {code} (weight 0)"),
            );
        }
        responses.push(ResponseSpec {
            name: Some(code.to_string()),
            status_code: Some(i64::from(*status)),
            headers: Some(headers),
            body: Some(body),
            conditions: None,
            weight: Some(if is_default { 100 } else { 0 }),
            is_default: Some(is_default),
        });
    }
    if responses.is_empty() {
        report.note(
            at,
            "an operation without responses",
            "a 200 response with an empty body",
        );
        responses.push(ResponseSpec {
            name: Some("200".to_owned()),
            status_code: Some(200),
            body: Some(String::new()),
            is_default: Some(true),
            ..ResponseSpec::default()
        });
    }
    if responses.len() > 50 {
        report.note(
            at,
            format!("{} responses", responses.len()),
            "the first 50 kept",
        );
        responses.truncate(50);
    }
    ExportMock {
        mock: MockSpec {
            name: Some(name),
            path: Some(path.to_owned()),
            method: Some(method.to_uppercase()),
            description: op
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.chars().take(5000).collect()),
            response_type: Some(response_type(&default_kind).to_owned()),
            ..MockSpec::default()
        },
        responses,
        unknown: BTreeMap::new(),
    }
}

/// The status a response key stands for: `200`; `2XX` → 200; `default` → 500.
fn status_of(code: &str, at: &str, report: &mut Report) -> Option<u16> {
    if let Ok(s) = code.parse::<u16>()
        && (100..=599).contains(&s)
    {
        return Some(s);
    }
    let upper = code.to_ascii_uppercase();
    if upper.len() == 3
        && upper.ends_with("XX")
        && matches!(&upper[..1], "1" | "2" | "3" | "4" | "5")
    {
        let s = upper[..1].parse::<u16>().unwrap_or(5) * 100;
        report.note(
            at,
            format!("the status range {code}"),
            format!("status {s}"),
        );
        return Some(s);
    }
    if code == "default" {
        report.note(at, "the default response (any other status)", "status 500");
        return Some(500);
    }
    report.note(
        at,
        format!("the response key {code:?}"),
        "left out: not a status",
    );
    None
}

/// Picks the media type to import: JSON first, then the first listed.
fn pick_media<'v>(
    content: &'v Map<String, Value>,
    at: &str,
    report: &mut Report,
) -> Option<(&'v String, &'v Value)> {
    let chosen = content
        .iter()
        .find(|(m, _)| m.contains("json"))
        .or_else(|| content.iter().next())?;
    for (other, _) in content.iter().filter(|(m, _)| *m != chosen.0) {
        report.note(
            &pointer(&pointer(at, "content"), other),
            format!("the {other} variant"),
            format!("left out: {} is served", chosen.0),
        );
    }
    Some(chosen)
}

/// Headers, body and media type of an OpenAPI 3 response.
fn body_v3(
    r: &Value,
    at: &str,
    examples: &mut Examples<'_>,
    report: &mut Report,
) -> (BTreeMap<String, String>, String, String) {
    let mut headers = response_headers(r.get("headers"), at, examples, report);
    let Some((media, m)) = r
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| pick_media(c, at, report))
    else {
        return (headers, String::new(), String::new());
    };
    let m_at = pointer(&pointer(at, "content"), media);
    let value = if let Some(v) = m.get("example") {
        Some(v.clone())
    } else if let Some(list) = m.get("examples").and_then(Value::as_object) {
        list.iter().next().and_then(|(name, ex)| {
            let ex_at = pointer(&pointer(&m_at, "examples"), name);
            let ex = match ex.get("$ref").and_then(Value::as_str) {
                Some(reference) => examples.resolve(reference, &ex_at, report)?,
                None => ex,
            };
            if ex.get("externalValue").is_some() {
                report.note(
                    &ex_at,
                    "an externalValue example",
                    "not fetched; made from the schema",
                );
            }
            ex.get("value").cloned()
        })
    } else {
        None
    };
    let value = value.or_else(|| {
        m.get("schema")
            .map(|s| examples.of(s, &pointer(&m_at, "schema"), report))
    });
    headers.insert("Content-Type".to_owned(), media.clone());
    (headers, render(value, media), media.clone())
}

/// Headers, body and media type of a Swagger 2 response.
fn body_v2(
    doc: &Value,
    op: &Value,
    r: &Value,
    at: &str,
    examples: &mut Examples<'_>,
    report: &mut Report,
) -> (BTreeMap<String, String>, String, String) {
    let mut headers = response_headers(r.get("headers"), at, examples, report);
    let produces = op
        .get("produces")
        .or_else(|| doc.get("produces"))
        .and_then(Value::as_array)
        .and_then(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .find(|m| m.contains("json"))
                .or(p.first().and_then(Value::as_str))
        })
        .unwrap_or("application/json")
        .to_owned();
    let given = r
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|e| e.get(&produces).or_else(|| e.values().next()).cloned());
    let value = given.or_else(|| {
        r.get("schema")
            .map(|s| examples.of(s, &pointer(at, "schema"), report))
    });
    if value.is_none() {
        return (headers, String::new(), produces);
    }
    headers.insert("Content-Type".to_owned(), produces.clone());
    (headers, render(value, &produces), produces)
}

/// Response headers with example values (their `example`, else from their schema).
fn response_headers(
    headers: Option<&Value>,
    at: &str,
    examples: &mut Examples<'_>,
    report: &mut Report,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, h) in headers.and_then(Value::as_object).into_iter().flatten() {
        if name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let h_at = pointer(&pointer(at, "headers"), name);
        let v = h
            .get("example")
            .cloned()
            .or_else(|| h.get("schema").map(|s| examples.of(s, &h_at, report)))
            .unwrap_or_else(|| examples.of(h, &h_at, report));
        let text = match v {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        out.insert(name.clone(), text);
    }
    out
}

/// The mock's response type for a media type.
/// A body as text: JSON pretty-printed for JSON media types, strings as they
/// are; `{{` escaped, since a MockBird body is a template and an example is not.
fn render(value: Option<Value>, media: &str) -> String {
    let text = match value {
        None | Some(Value::Null) if !media.contains("json") => String::new(),
        Some(Value::String(s)) if !media.contains("json") => s,
        Some(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        None => String::new(),
    };
    crate::escape_template(&text)
}
