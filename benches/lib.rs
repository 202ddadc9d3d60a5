//! Fixtures shared by MockBird's benchmarks; see `benches/README.md` for how to run them.

use std::time::Duration;

use criterion::Criterion;
use mockbird_core::engine::MockSource;
use mockbird_core::model::{MockDef, ResponseDef};

/// Criterion settings that keep a full run to a few minutes on two cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
        .configure_from_args()
}

/// `n` mocks shaped like a real API: for each resource a list route
/// `/api/v1/resource{i}` and an item route `/api/v1/resource{i}/{id}`
/// (so `n` mocks cover `n / 2` resources), each with one static JSON response.
pub fn api_mocks(n: usize) -> Vec<MockSource> {
    (0..n)
        .map(|i| {
            let resource = i / 2;
            let path = if i % 2 == 0 {
                format!("/api/v1/resource{resource}")
            } else {
                format!("/api/v1/resource{resource}/{{id}}")
            };
            let def = MockDef::new(&format!("mock {i}"), "GET", &path).expect("valid mock");
            MockSource::new(
                def,
                vec![ResponseDef::new(200, r#"{"ok":true}"#).expect("valid response")],
            )
        })
        .collect()
}

/// The item path of the resource in the middle of [`api_mocks`]`(n)`.
pub fn middle_item_path(n: usize) -> String {
    format!("/api/v1/resource{}/42", n / 4)
}

/// An OpenAPI 3.0 description shaped like a large public API: `operations`
/// operations (list, create, read, replace, delete per resource, half of
/// them with examples and half generated from `$ref`/`allOf`/`oneOf`
/// schemas), 60 shared component schemas, prose in every description —
/// about 1.7 KB per operation, so 3,000 operations are ~5 MB.
pub fn large_openapi(operations: usize) -> String {
    use serde_json::{Map, Value, json};
    let prose = "Returns the resource as stored, with every field the caller may read; \
        fields the caller may not read are left out rather than nulled. "
        .repeat(4);
    let mut schemas = Map::new();
    for s in 0..60 {
        let mut props = Map::new();
        for p in 0..10 {
            let prop = match p % 5 {
                0 => json!({"type": "string", "format": "uuid"}),
                1 => json!({"type": "string", "format": "date-time"}),
                2 => json!({"type": "integer", "minimum": 0}),
                3 => json!({"type": "string", "enum": ["active", "paused", "closed"]}),
                _ => json!({"$ref": format!("#/components/schemas/S{}", (s + 1) % 60)}),
            };
            props.insert(format!("field{p}"), prop);
        }
        schemas.insert(
            format!("S{s}"),
            json!({"allOf": [{"type": "object", "required": ["field0"], "properties": props}],
                   "description": prose}),
        );
    }
    let mut paths = Map::new();
    let verbs = ["get", "post", "get", "put", "delete"];
    for op in 0..operations {
        let resource = op / verbs.len();
        let verb = verbs[op % verbs.len()];
        let item = op % verbs.len() >= 2;
        let path = if item {
            format!("/v1/resource{resource}/{{id}}")
        } else {
            format!("/v1/resource{resource}")
        };
        let schema = json!({"$ref": format!("#/components/schemas/S{}", op % 60)});
        let mut ok = json!({"description": prose, "content": {"application/json": {
            "schema": if op % 3 == 0 { json!({"oneOf": [schema, {"type": "null"}]}) } else { schema }
        }}});
        if op % 2 == 0 {
            ok["content"]["application/json"]["example"] =
                json!({"id": format!("r{op}"), "status": "active", "count": op});
        }
        let operation = json!({
            "operationId": format!("op{op}"),
            "summary": format!("Operation {op}"),
            "description": prose,
            "parameters": if item {
                json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
            } else {
                json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}])
            },
            "responses": {
                "200": ok,
                "404": {"description": "Not found", "content": {"application/json": {
                    "example": {"error": "NOT_FOUND"}}}},
            },
        });
        paths
            .entry(path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item")
            .insert(verb.to_owned(), operation);
    }
    serde_json::to_string(&json!({
        "openapi": "3.0.3",
        "info": {"title": "Large API", "version": "1.0.0"},
        "paths": Value::Object(paths),
        "components": {"schemas": schemas},
    }))
    .expect("JSON")
}
