//! One document, three places: in-process (`MockServer`), `mockbird serve`,
//! and the hosted server — the same answers for requests covering every
//! routing and selection rule.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Env, Running, write};

fn document() -> Value {
    json!({
        "mockbird": 1,
        "project": {"name": "Same everywhere", "slug": "same-cli", "isPublic": true},
        "mocks": [
            {"name": "special", "method": "GET", "path": "/items/special",
             "responses": [{"name": "static", "statusCode": 200, "body": "{\"route\": \"static\"}"}]},
            {"name": "item", "method": "GET", "path": "/items/{id}",
             "responses": [{"name": "param", "statusCode": 200, "headers": {"X-Kind": "param"},
                            "body": "{\"route\": \"param\", \"id\": \"{{request.params.id}}\"}"}]},
            {"name": "rest", "method": "GET", "path": "/items/{*rest}",
             "responses": [{"name": "wildcard", "statusCode": 200, "body": "{{request.params.rest}}",
                            "headers": {"Content-Type": "text/plain"}}]},
            {"name": "update item", "method": "PUT", "path": "/items/{id}",
             "responses": [{"name": "updated", "statusCode": 204}]},
            {"name": "anything", "method": "ANY", "path": "/any",
             "responses": [{"name": "any", "statusCode": 200, "body": "{\"method\": \"{{request.method}}\"}"}]},
            {"name": "orders", "method": "POST", "path": "/orders", "responses": [
                {"name": "default", "statusCode": 200, "body": "{\"tier\": \"none\"}", "isDefault": true,
                 "conditions": [{"type": "header", "field": "x-never", "operator": "exists"}]},
                {"name": "tiered", "statusCode": 202, "body": "{\"tier\": \"some\"}",
                 "conditions": [{"type": "header", "field": "x-tier", "operator": "exists"}]},
                {"name": "gold", "statusCode": 201, "body": "{\"tier\": \"gold\"}",
                 "conditions": [{"type": "header", "field": "x-tier", "operator": "exists"},
                                {"type": "body", "field": "tier", "operator": "equals", "value": "gold"}]}
            ]},
            {"name": "search", "method": "GET", "path": "/search", "responses": [
                {"name": "found", "statusCode": 200, "body": "{\"q\": \"{{request.query.q}}\"}",
                 "conditions": [{"type": "query", "field": "q", "operator": "contains", "value": "bird"}]}
            ]},
            {"name": "coin", "method": "GET", "path": "/coin", "responses": [
                {"name": "heads", "statusCode": 200, "body": "heads", "weight": 50},
                {"name": "tails", "statusCode": 201, "body": "tails", "weight": 50},
                {"name": "edge", "statusCode": 202, "body": "edge", "weight": 0}
            ]},
            {"name": "off", "method": "GET", "path": "/off", "isActive": false,
             "responses": [{"name": "never", "statusCode": 200}]}
        ]
    })
}

/// A request to send: method, path, headers and body.
type Request = (
    Method,
    String,
    Vec<(&'static str, String)>,
    Option<&'static str>,
);

/// Every rule: static > param > wildcard,
/// methods and 405, HEAD, ANY, conditions and their specificity, the
/// default, near misses, weights under a seed, forcing, templates, 404s.
fn requests() -> Vec<Request> {
    let mut r = vec![
        (Method::GET, "/items/special".to_owned(), vec![], None),
        (Method::GET, "/items/42".to_owned(), vec![], None),
        (Method::GET, "/items/a%20b".to_owned(), vec![], None),
        (Method::GET, "/items/a/b/c".to_owned(), vec![], None),
        (Method::PUT, "/items/9".to_owned(), vec![], None),
        (Method::DELETE, "/items/9".to_owned(), vec![], None),
        (Method::HEAD, "/items/7".to_owned(), vec![], None),
        (Method::PATCH, "/any".to_owned(), vec![], None),
        (Method::DELETE, "/any".to_owned(), vec![], None),
        (Method::POST, "/orders".to_owned(), vec![], None),
        (
            Method::POST,
            "/orders".to_owned(),
            vec![("x-tier", "1".to_owned())],
            Some(r#"{"tier": "silver"}"#),
        ),
        (
            Method::POST,
            "/orders".to_owned(),
            vec![("x-tier", "1".to_owned())],
            Some(r#"{"tier": "gold"}"#),
        ),
        (Method::GET, "/orders".to_owned(), vec![], None),
        (Method::GET, "/search?q=mockbird".to_owned(), vec![], None),
        (Method::GET, "/search?q=cat".to_owned(), vec![], None),
        (
            Method::GET,
            "/coin".to_owned(),
            vec![("x-mockbird-response", "edge".to_owned())],
            None,
        ),
        (
            Method::GET,
            "/coin".to_owned(),
            vec![("x-mockbird-response", "nope".to_owned())],
            None,
        ),
        (Method::GET, "/off".to_owned(), vec![], None),
        (Method::GET, "/nowhere".to_owned(), vec![], None),
    ];
    for seed in 0..12 {
        r.push((
            Method::GET,
            "/coin".to_owned(),
            vec![("x-mockbird-seed", seed.to_string())],
            None,
        ));
    }
    r
}

/// What must be equal: status, content type, `X-Kind`, and the body — for
/// the errors, their code and details (the hosted server may say more).
async fn answers(env: &Env, base: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (method, path, headers, body) in requests() {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, h, text) = env
            .http(method.clone(), &format!("{base}{path}"), &headers, body)
            .await;
        let media = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = match serde_json::from_str::<Value>(&text) {
            Ok(v) if v.get("error").is_some() => {
                let mut details = v["details"].clone();
                without_ids(&mut details);
                json!({"error": v["error"], "details": details, "allowed": v["allowed"]})
            }
            Ok(v) => v,
            Err(_) => json!(text),
        };
        out.push(json!({
            "request": format!("{method} {path}"),
            "status": status,
            "contentType": media,
            "kind": h.get("x-kind").and_then(|v| v.to_str().ok()),
            "allow": h.get("allow").and_then(|v| v.to_str().ok()),
            "body": body,
        }));
    }
    out
}

/// Drops `…Id` fields: each place gives a document's mocks and responses
/// ids of its own when the document carries none.
fn without_ids(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !k.ends_with("Id"));
            map.values_mut().for_each(without_ids);
        }
        Value::Array(items) => items.iter_mut().for_each(without_ids),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_document_answers_alike_in_process_under_serve_and_on_the_server() {
    let env = Env::start().await;
    env.login().await;
    let file = env.path("same.json");
    write(&file, &serde_json::to_string_pretty(&document()).unwrap());

    // In-process.
    let doc: mockbird_tower::ExportDocument = serde_json::from_value(document()).unwrap();
    let server = mockbird_tower::MockServer::start().await;
    server.mount_document(&doc).unwrap();
    let in_process = answers(&env, &server.uri()).await;

    // Under `mockbird serve`.
    let serve = Running::spawn(env.command(&["serve", file.to_str().unwrap(), "--port", "0"]));
    let ready = serve.line_with("Serving").await;
    let url = ready
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let served = answers(&env, &url).await;

    // On the hosted server, pushed there by the CLI.
    env.run(&["push", file.to_str().unwrap()]).await.ok();
    let hosted = answers(&env, &format!("{}/m/same-cli", env.url)).await;

    for ((a, b), c) in in_process.iter().zip(&served).zip(&hosted) {
        assert_eq!(a, b, "in-process vs serve");
        assert_eq!(a, c, "in-process vs the server");
    }
    // The set covers what it claims: both coin faces under seeds, a 405, a near miss.
    let statuses: Vec<u64> = in_process
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert!(statuses.contains(&405) && statuses.contains(&404));
    let coins: std::collections::BTreeSet<String> = in_process
        .iter()
        .filter(|a| a["request"] == "GET /coin")
        .map(|a| a["body"].to_string())
        .collect();
    assert!(
        coins.contains("\"heads\"") && coins.contains("\"tails\""),
        "{coins:?}"
    );
    assert!(
        in_process
            .iter()
            .any(|a| a["body"]["error"] == "NO_MATCHING_RESPONSE"),
        "{in_process:#?}"
    );
}
