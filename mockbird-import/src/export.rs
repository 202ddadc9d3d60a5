//! OpenAPI 3.1 of a project: what other tools read (paths, methods,
//! parameters, responses with their bodies as examples and their headers),
//! plus each mock whole in `x-mockbird-mock`, so that importing the document
//! back gives the same project.
//!
//! - `{*rest}` is written `{rest}` (OpenAPI has no multi-segment parameter);
//!   `x-mockbird-mock` keeps the real path.
//! - An `ANY` mock is written under each method its path has no mock for,
//!   marked `x-mockbird-method: ANY`; the first carries `x-mockbird-mock`.
//! - A mock whose OpenAPI path and method another already took (`/a/{*p}`
//!   beside `/a/{p}`) is kept in the path item's `x-mockbird-more`.
//! - Responses sharing a status are examples of one OpenAPI response, keyed
//!   by their names; a JSON body that parses is a JSON example, any other
//!   body (templates included) a string.

use std::collections::BTreeMap;

use mockbird_core::model::{ExportDocument, ExportMock};
use serde_json::{Map, Value, json};

/// The methods an `ANY` mock is written under.
const ANY_AS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The OpenAPI 3.1 document of `doc`, served at `server` when given.
pub fn openapi(doc: &ExportDocument, server: Option<&str>) -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut ids = BTreeMap::new();
    // Specific methods first, so that ANY takes only the free ones.
    let (any, specific): (Vec<&ExportMock>, Vec<&ExportMock>) = doc
        .mocks
        .iter()
        .partition(|m| m.mock.method.as_deref() == Some("ANY"));
    for m in specific.into_iter().chain(any) {
        let path = m.mock.path.clone().unwrap_or_else(|| "/".to_owned());
        let key = path.replace("{*", "{");
        let item = paths.entry(key).or_default();
        let op = operation(m, &path, &mut ids);
        match m.mock.method.as_deref() {
            Some("ANY") => {
                let mut first = true;
                let free: Vec<&str> = ANY_AS
                    .iter()
                    .copied()
                    .filter(|method| !item.contains_key(*method))
                    .collect();
                for method in free {
                    let mut op = op.clone();
                    op["x-mockbird-method"] = json!("ANY");
                    if !first {
                        op.as_object_mut().map(|o| o.remove("x-mockbird-mock"));
                        op["operationId"] = json!(format!(
                            "{}_{method}",
                            op["operationId"].as_str().unwrap_or("any")
                        ));
                    }
                    first = false;
                    item.insert(method.to_owned(), op);
                }
            }
            Some(method) if !item.contains_key(&method.to_ascii_lowercase()) => {
                item.insert(method.to_ascii_lowercase(), op);
            }
            // `/a/{*p}` and `/a/{p}` under one method: one OpenAPI operation
            // at most, so the second mock is kept for MockBird alone.
            Some(_) => {
                let more = item.entry("x-mockbird-more").or_insert_with(|| json!([]));
                if let Some(list) = more.as_array_mut() {
                    list.push(serde_json::to_value(m).unwrap_or(Value::Null));
                }
            }
            None => {}
        }
    }
    let mut out = json!({
        "openapi": "3.1.0",
        "info": {
            "title": doc.project.name.clone().unwrap_or_else(|| "MockBird project".to_owned()),
            "version": "1.0.0",
        },
        "paths": paths,
    });
    if let Some(d) = &doc.project.description {
        out["info"]["description"] = json!(d);
    }
    if let Some(url) = server {
        out["servers"] = json!([{"url": url}]);
    }
    out["x-mockbird-project"] = serde_json::to_value(&doc.project).unwrap_or(Value::Null);
    out
}

fn operation(m: &ExportMock, path: &str, ids: &mut BTreeMap<String, usize>) -> Value {
    let name = m.mock.name.clone().unwrap_or_default();
    let mut op = Map::new();
    op.insert("operationId".into(), json!(operation_id(&name, ids)));
    if !name.is_empty() {
        op.insert("summary".into(), json!(name));
    }
    if let Some(d) = &m.mock.description {
        op.insert("description".into(), json!(d));
    }
    let params: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|p| {
            let rest = p.starts_with('*');
            let mut param = json!({
                "name": p.trim_start_matches('*'),
                "in": "path",
                "required": true,
                "schema": {"type": "string"},
            });
            if rest {
                param["description"] = json!("The rest of the path: any number of segments");
            }
            param
        })
        .collect();
    if !params.is_empty() {
        op.insert("parameters".into(), json!(params));
    }
    let media_of = |headers: Option<&BTreeMap<String, String>>| {
        headers
            .and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            })
            .map(|(_, v)| v.split(';').next().unwrap_or("").trim().to_owned())
            .unwrap_or_else(|| match m.mock.response_type.as_deref() {
                Some("xml") => "application/xml".to_owned(),
                Some("html") => "text/html".to_owned(),
                Some("text") => "text/plain".to_owned(),
                _ => "application/json".to_owned(),
            })
    };
    let mut responses: BTreeMap<String, Value> = BTreeMap::new();
    for (i, r) in m.responses.iter().enumerate() {
        let status = r.status_code.unwrap_or(200).to_string();
        let name = r.name.clone().unwrap_or_else(|| format!("response {i}"));
        let media = media_of(r.headers.as_ref());
        let body = r.body.clone().unwrap_or_default();
        let value = if media.contains("json")
            && !body.contains("{{")
            && let Ok(v) = serde_json::from_str::<Value>(&body)
        {
            v
        } else {
            json!(unescape(&body))
        };
        let entry = responses
            .entry(status)
            .or_insert_with(|| json!({"description": name}));
        if let Some(h) = &r.headers {
            for (k, v) in h
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
            {
                entry["headers"][k] = json!({"schema": {"type": "string"}, "example": v});
            }
        }
        if !body.is_empty() {
            let mut example = json!({"summary": name, "value": value});
            if r.is_default == Some(true) {
                example["description"] = json!("The default response");
            }
            let key = example_key(&name, entry, &media);
            entry["content"][&media]["examples"][&key] = example;
        }
    }
    op.insert("responses".into(), json!(responses));
    op.insert(
        "x-mockbird-mock".into(),
        serde_json::to_value(m).unwrap_or(Value::Null),
    );
    Value::Object(op)
}

/// A key for an example not yet taken under `media` of `response`.
fn example_key(name: &str, response: &Value, media: &str) -> String {
    let taken = |k: &str| response["content"][media]["examples"].get(k).is_some();
    let base = if name.is_empty() { "example" } else { name };
    let mut key = base.to_owned();
    let mut n = 2;
    while taken(&key) {
        key = format!("{base} ({n})");
        n += 1;
    }
    key
}

/// A unique operation id made of `name`: letters, digits and `_`.
fn operation_id(name: &str, ids: &mut BTreeMap<String, usize>) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.is_empty() {
        id = "mock".to_owned();
    }
    let n = ids.entry(id.clone()).or_insert(0);
    *n += 1;
    if *n > 1 { format!("{id}_{n}") } else { id }
}

/// A body as an example: `\{{` (written as is) back to `{{`.
fn unescape(body: &str) -> String {
    body.replace("\\{{", "{{")
}
