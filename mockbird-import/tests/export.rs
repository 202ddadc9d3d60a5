//! OpenAPI export: what other tools read is a real description of the mocks,
//! and importing it back gives the same project.

use mockbird_core::model::ExportDocument;
use mockbird_import::{Format, Limits, export, import};
use serde_json::{Value, json};

fn project() -> ExportDocument {
    serde_json::from_value(json!({
        "mockbird": 1,
        "project": {"name": "Shop", "slug": "shop", "description": "A shop", "isPublic": false},
        "mocks": [
            {"name": "Get user", "method": "GET", "path": "/users/{id}", "responseType": "json", "responseDelay": 25, "isActive": true,
             "responses": [
                {"name": "ok", "statusCode": 200, "headers": {"Content-Type": "application/json", "X-Rate": "10"},
                 "body": "{\"id\": \"{{request.params.id}}\"}", "weight": 100, "isDefault": true, "conditions": []},
                {"name": "vip", "statusCode": 200, "headers": {}, "body": "{\"vip\": true}", "weight": 100, "isDefault": false,
                 "conditions": [{"type": "header", "field": "x-tier", "operator": "equals", "value": "gold"}]},
                {"name": "gone", "statusCode": 404, "headers": {}, "body": "{\"error\": \"gone\"}", "weight": 0, "isDefault": false, "conditions": []}
             ]},
            {"name": "Files", "method": "ANY", "path": "/files/{*rest}", "responseType": "text", "isActive": true,
             "responses": [{"name": "file", "statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "a \\{{literal}}", "weight": 100, "isDefault": true, "conditions": []}]},
            {"name": "Upload", "method": "POST", "path": "/files/{*rest}", "responseType": "json", "isActive": true,
             "responses": [{"name": "made", "statusCode": 201, "headers": {}, "body": "", "weight": 100, "isDefault": true, "conditions": []}]}
        ]
    }))
    .unwrap()
}

#[test]
fn the_openapi_export_imports_back_to_the_same_project() {
    let doc = project();
    let spec = export::openapi(&doc, Some("https://mockbird.example.com/m/shop"));
    let text = serde_json::to_vec(&spec).unwrap();
    let back = import(&text, None, &Limits::default()).unwrap();
    assert_eq!(back.format, Format::OpenApi);
    assert_eq!(back.document.project, doc.project);
    let key = |d: &ExportDocument| {
        let mut mocks: Vec<Value> = d
            .mocks
            .iter()
            .map(|m| serde_json::to_value(m).unwrap())
            .collect();
        mocks.sort_by_key(|m| (m["path"].to_string(), m["method"].to_string()));
        mocks
    };
    assert_eq!(key(&back.document), key(&doc));
}

#[test]
fn other_tools_read_paths_methods_parameters_and_examples() {
    let spec = export::openapi(&project(), Some("https://mockbird.example.com/m/shop"));
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["servers"][0]["url"],
        "https://mockbird.example.com/m/shop"
    );
    let user = &spec["paths"]["/users/{id}"]["get"];
    assert_eq!(user["parameters"][0]["name"], "id");
    assert_eq!(user["parameters"][0]["in"], "path");
    // Two responses of status 200: two named examples of one response.
    let examples = &user["responses"]["200"]["content"]["application/json"]["examples"];
    assert_eq!(examples["vip"]["value"], json!({"vip": true}));
    assert_eq!(
        examples["ok"]["value"], "{\"id\": \"{{request.params.id}}\"}",
        "a template is a string"
    );
    assert_eq!(
        user["responses"]["200"]["headers"]["X-Rate"]["example"],
        "10"
    );
    assert_eq!(
        user["responses"]["404"]["content"]["application/json"]["examples"]["gone"]["value"],
        json!({"error": "gone"})
    );
    // {*rest} as {rest}; ANY under every method but POST, which has its own mock.
    let files = spec["paths"]["/files/{rest}"].as_object().unwrap();
    let mut methods: Vec<&str> = files.keys().map(String::as_str).collect();
    methods.sort();
    assert_eq!(methods, ["delete", "get", "patch", "post", "put"]);
    assert_eq!(files["post"]["summary"], "Upload");
    assert_eq!(files["get"]["x-mockbird-method"], "ANY");
    assert_eq!(
        files["get"]["responses"]["200"]["content"]["text/plain"]["examples"]["file"]["value"],
        "a {{literal}}",
        "an escaped body shows as it is served"
    );
    // Without MockBird's extensions, it still imports as a plain OpenAPI file.
    let mut plain = spec.clone();
    strip(&mut plain);
    let imported = import(
        &serde_json::to_vec(&plain).unwrap(),
        None,
        &Limits::default(),
    )
    .unwrap();
    let get_user = imported
        .document
        .mocks
        .iter()
        .find(|m| m.mock.path.as_deref() == Some("/users/{id}"))
        .unwrap();
    assert_eq!(get_user.responses[0].status_code, Some(200));
    assert_eq!(get_user.responses[1].status_code, Some(404));
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("x-mockbird"));
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}
