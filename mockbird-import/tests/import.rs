//! Importing whole documents: what comes out is what the server accepts, the
//! same every time, with every loss in the report.

use mockbird_core::model::ExportDocument;
use mockbird_import::{Format, ImportError, Limits, import};

const PETSTORE_YAML: &str = r##"
openapi: 3.0.3
info:
  title: Pet Store
  description: Pets, for testing.
servers: [{url: "https://api.example.com/v1"}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{name: limit, in: query, schema: {type: integer}}]
      responses:
        "200":
          description: Pets
          headers:
            X-Total: {schema: {type: integer, example: 2}}
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
            application/xml:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
        default:
          $ref: "#/components/responses/Problem"
    post:
      summary: Add a pet
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
      responses:
        "201":
          description: Added
          content:
            application/json:
              examples:
                rex: {value: {id: 7, name: "Rex {{not a template}}"}}
        4XX: {description: Refused}
  /pets/{petId}/photos/{file}.png:
    get:
      responses:
        "200": {description: A photo, content: {image/png: {schema: {type: string, format: binary}}}}
  /owners/{owner.id}:
    get:
      responses:
        "200":
          description: Owner
          content: {application/json: {schema: {$ref: "https://schemas.example.com/owner.json"}}}
    trace:
      responses: {"200": {description: no}}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        tag: {type: string, nullable: true}
        born: {type: string, format: date}
        kind: {type: string, enum: [dog, cat]}
        parent: {$ref: "#/components/schemas/Pet"}
  responses:
    Problem:
      description: A problem
      content:
        application/problem+json:
          schema:
            type: object
            properties: {title: {type: string, example: Bad}, status: {type: integer, example: 500}}
"##;

fn accepted(doc: &ExportDocument) {
    let mocks = doc
        .validate()
        .unwrap_or_else(|e| panic!("the server would refuse it: {e:?}"));
    assert!(ExportDocument::route_conflicts(&mocks).is_empty());
}

#[test]
fn an_openapi_document_becomes_mocks_the_server_accepts() {
    let imported = import(PETSTORE_YAML.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::OpenApi);
    let (doc, report) = (&imported.document, &imported.report);
    accepted(doc);
    assert_eq!(report.format, "openapi-3.0");
    assert_eq!(doc.project.name.as_deref(), Some("Pet Store"));
    let routes: Vec<String> = doc
        .mocks
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.mock.method.as_deref().unwrap(),
                m.mock.path.as_deref().unwrap()
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            "GET /owners/{owner_id}",
            "GET /pets",
            "POST /pets",
            "GET /pets/{petId}/photos/{file}"
        ]
    );
    let list = &doc.mocks[1];
    assert_eq!(list.mock.name.as_deref(), Some("listPets"));
    let ok = &list.responses[0];
    assert_eq!(
        (ok.status_code, ok.is_default, ok.weight),
        (Some(200), Some(true), Some(100))
    );
    let body: serde_json::Value = serde_json::from_str(ok.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!([{"id": 0, "name": "string", "tag": "string", "born": "2026-01-01", "kind": "dog", "parent": null}])
    );
    let headers = ok.headers.as_ref().unwrap();
    assert_eq!(headers["X-Total"], "2");
    assert_eq!(headers["Content-Type"], "application/json");
    let problem = &list.responses[1];
    assert_eq!(
        (problem.status_code, problem.weight, problem.name.as_deref()),
        (Some(500), Some(0), Some("default"))
    );
    assert_eq!(
        problem.headers.as_ref().unwrap()["Content-Type"],
        "application/problem+json"
    );
    // An example is not a template: its braces are escaped.
    let added = &doc.mocks[2].responses[0];
    assert!(
        added
            .body
            .as_deref()
            .unwrap()
            .contains(r"Rex \{{not a template}}"),
        "{added:?}"
    );
    assert_eq!(doc.mocks[2].responses[1].status_code, Some(400));
    assert_eq!(imported.report.mocks, 4);
    assert_eq!(imported.report.responses, 6);
    // Every loss, where it was.
    let noted = |at: &str, what: &str| {
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.at == at && (n.construct.contains(what) || n.instead.contains(what))),
            "no note at {at} about {what}: {:#?}",
            report.notes
        )
    };
    noted(
        "/paths/~1pets/get/responses/200/content/application~1xml",
        "application/xml variant",
    );
    noted(
        "/paths/~1pets/get/responses/default",
        "X-Mockbird-Response: default",
    );
    noted("/paths/~1pets/post/responses/4XX", "status 400");
    noted(
        "/paths/~1pets~1{petId}~1photos~1{file}.png",
        "sharing a segment",
    );
    noted("/paths/~1owners~1{owner.id}", "renamed {owner_id}");
    noted(
        "/paths/~1owners~1{owner.id}/get/responses/200/content/application~1json/schema",
        "not fetched",
    );
    noted("/paths/~1owners~1{owner.id}/trace", "TRACE");
    noted("/servers", "served as written");
}

#[test]
fn the_same_input_gives_the_same_output() {
    let a = import(PETSTORE_YAML.as_bytes(), None, &Limits::default()).unwrap();
    let b = import(
        PETSTORE_YAML.as_bytes(),
        Some(Format::OpenApi),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(a.document, b.document);
    assert_eq!(a.report, b.report);
}

#[test]
fn swagger_2_reads_examples_schemas_and_produces() {
    let spec = serde_json::json!({
        "swagger": "2.0",
        "info": {"title": "Legacy"},
        "basePath": "/api",
        "produces": ["application/json"],
        "paths": {"/items/{id}": {"get": {
            "responses": {
                "200": {"description": "ok", "schema": {"$ref": "#/definitions/Item"}},
                "404": {"description": "gone", "examples": {"application/json": {"error": "no such item"}}}
            }
        }}},
        "definitions": {"Item": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}}
    });
    let imported = import(spec.to_string().as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::Swagger);
    accepted(&imported.document);
    let r = &imported.document.mocks[0].responses;
    assert_eq!(
        r[0].body.as_deref(),
        Some("{\n  \"id\": \"3fa85f64-5717-4562-b3fc-2c963f66afa6\"\n}")
    );
    assert_eq!(
        r[1].body.as_deref(),
        Some("{\n  \"error\": \"no such item\"\n}")
    );
    assert!(imported.report.notes.iter().any(|n| n.at == "/basePath"));
}

#[test]
fn wiremock_stubs_of_one_route_become_one_mock_with_conditions() {
    let stubs = serde_json::json!({"mappings": [
        {"name": "gold", "priority": 1,
         "request": {"method": "GET", "urlPath": "/accounts", "headers": {"X-Tier": {"equalTo": "gold"}},
                     "queryParameters": {"q": {"contains": "ad"}, "debug": {"absent": true}}},
         "response": {"status": 200, "jsonBody": {"tier": "gold"}, "headers": {"X-A": ["1", "2"]}, "fixedDelayMilliseconds": 50}},
        {"request": {"method": "GET", "urlPath": "/accounts"},
         "response": {"status": 200, "body": "{\"tier\": \"basic\", \"t\": \"{{x}}\"}"}},
        {"request": {"method": "GET", "url": "/ping?v=2"}, "response": {"status": 204}},
        {"request": {"method": "POST", "urlPathPattern": "/orders/[0-9]+",
                     "bodyPatterns": [{"matchesJsonPath": "$.items"}, {"equalToXml": "<a/>"}]},
         "response": {"status": 201, "body": "{{request.query.id}}", "transformers": ["response-template"]}},
        {"request": {"method": "GET", "urlPath": "/case", "headers": {"X": {"equalTo": "a", "caseInsensitive": true}}},
         "response": {"status": 200, "base64Body": "AAE="}}
    ]});
    let imported = import(stubs.to_string().as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::WireMock);
    let doc = &imported.document;
    accepted(doc);
    assert_eq!(doc.mocks.len(), 4);
    let accounts = &doc.mocks[0];
    assert_eq!(accounts.mock.response_delay, Some(50));
    assert_eq!(accounts.responses.len(), 2);
    assert_eq!(accounts.responses[0].conditions.as_ref().unwrap().len(), 3);
    assert_eq!(
        accounts.responses[0].headers.as_ref().unwrap()["X-A"],
        "1, 2"
    );
    assert_eq!(
        accounts.responses[1].is_default,
        Some(true),
        "the stub without conditions"
    );
    assert!(
        accounts.responses[1]
            .body
            .as_deref()
            .unwrap()
            .contains(r"\{{x}}")
    );
    let ping = &doc.mocks[1];
    assert_eq!(ping.mock.path.as_deref(), Some("/ping"));
    let orders = &doc.mocks[2];
    assert_eq!(orders.mock.path.as_deref(), Some("/orders/{*rest}"));
    assert_eq!(
        orders.responses[0].body.as_deref(),
        Some("{{request.query.id}}"),
        "a template stays one"
    );
    let notes: Vec<&str> = imported
        .report
        .notes
        .iter()
        .map(|n| n.at.as_str())
        .collect();
    assert!(
        notes.contains(&"/mappings/3/request/urlPathPattern"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"/mappings/3/request/bodyPatterns/1"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"/mappings/4/request/headers/X"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"/mappings/4/response/base64Body"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"/mappings"),
        "differing priorities: {notes:?}"
    );
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let l = Limits::default();
    let err = import(b"{\"hello\": 1}", None, &l).unwrap_err();
    assert!(matches!(err, ImportError::UnknownFormat(_)), "{err}");
    let err = import(PETSTORE_YAML.as_bytes(), Some(Format::WireMock), &l).unwrap_err();
    assert!(err.to_string().contains("reads as OpenApi"), "{err}");
    let few = Limits { max_mocks: 2, ..l };
    let err = import(PETSTORE_YAML.as_bytes(), None, &few).unwrap_err();
    assert!(
        matches!(err, ImportError::TooManyMocks { found: 4, limit: 2 }),
        "{err}"
    );
    assert!("yaml".parse::<Format>().is_err());
    // A MockBird export reads as itself.
    let own = br#"{"mockbird": 1, "project": {"name": "Own"}, "mocks": []}"#;
    assert_eq!(import(own, None, &l).unwrap().format, Format::MockBird);
    // A project without mocks, in YAML, is a MockBird document too; a
    // `project` that is not an object is no format at all.
    let bare = import(b"project:\n  name: Bare\n  isPublic: false\n", None, &l).unwrap();
    assert_eq!(bare.format, Format::MockBird);
    assert!(bare.document.mocks.is_empty());
    // YAML 1.2: `Y`, `no` and `on` are text, not booleans.
    let yes = b"project: {name: Y}\nmocks:\n  - {name: no, method: GET, path: /on, \
        responses: [{statusCode: 200, headers: {x-a: Y, x-b: off}}]}\n";
    let yes = import(yes, None, &l).unwrap().document;
    assert_eq!(yes.project.name.as_deref(), Some("Y"));
    assert_eq!(yes.mocks[0].mock.name.as_deref(), Some("no"));
    let headers = yes.mocks[0].responses[0].headers.as_ref().unwrap();
    assert_eq!(headers.get("x-a").map(String::as_str), Some("Y"));
    assert_eq!(headers.get("x-b").map(String::as_str), Some("off"));
    let err = import(b"project: 3\n", None, &l).unwrap_err();
    assert!(matches!(err, ImportError::UnknownFormat(_)), "{err}");
}

#[test]
fn escaped_braces_render_as_written() {
    use mockbird_core::template::Template;
    let imported = import(PETSTORE_YAML.as_bytes(), None, &Limits::default()).unwrap();
    let body = imported.document.mocks[2].responses[0]
        .body
        .clone()
        .unwrap();
    let out = Template::compile_json(&body)
        .unwrap()
        .render(serde_json::json!({}), chrono_now())
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["name"], "Rex {{not a template}}");
}

fn chrono_now() -> mockbird_core::clock::Timestamp {
    mockbird_core::clock::now()
}

/// The engine the server would build from `doc`.
fn engine(doc: &ExportDocument) -> mockbird_core::engine::Engine {
    accepted(doc);
    let mocks = doc.validate().unwrap();
    mockbird_core::engine::Engine::compile(
        mocks
            .into_iter()
            .map(|(def, responses)| mockbird_core::engine::MockSource::new(def, responses)),
    )
    .unwrap()
}

/// The status and body `engine` answers.
fn answer(
    engine: &mockbird_core::engine::Engine,
    req: mockbird_core::request::MockRequest,
) -> (u16, String) {
    match engine.handle(&req) {
        mockbird_core::engine::Outcome::Matched(m) => (
            m.status.as_u16(),
            String::from_utf8(m.body.to_vec()).unwrap(),
        ),
        other => {
            let e = other.error_answer().unwrap();
            (e.status.as_u16(), e.body.to_string())
        }
    }
}

fn get(path: &str) -> mockbird_core::request::MockRequest {
    mockbird_core::request::MockRequest::new(http::Method::GET, path)
}

const POSTMAN: &str = r#"{
  "info": {"name": "Shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
  "variable": [{"key": "baseUrl", "value": "https://shop.example.com"}, {"key": "version", "value": "v2"}],
  "auth": {"type": "bearer"},
  "item": [
    {"name": "Users", "item": [
      {"name": "Get user", "request": {"method": "GET",
         "url": {"raw": "{{baseUrl}}/{{version}}/users/:id", "host": ["{{baseUrl}}"], "path": ["{{version}}", "users", ":id"]}},
       "response": [
         {"name": "Found", "code": 200, "header": [{"key": "Content-Type", "value": "application/json"}, {"key": "Content-Length", "value": "99"}],
          "body": "{\"id\": 1, \"name\": \"Ada {{name}}\"}",
          "originalRequest": {"method": "GET", "url": {"raw": "{{baseUrl}}/v2/users/1"}}}
       ]},
      {"name": "Search", "request": {"method": "GET", "url": "{{baseUrl}}/{{version}}/users?q=ada"},
       "response": [
         {"name": "Page one", "code": 200, "body": "[1]",
          "originalRequest": {"url": {"raw": "{{baseUrl}}/v2/users?q=ada&page=1", "query": [{"key": "q", "value": "ada"}, {"key": "page", "value": "1"}]}}},
         {"name": "Page two", "code": 200, "body": "[2]",
          "originalRequest": {"url": {"raw": "{{baseUrl}}/v2/users?q=ada&page=2", "query": [{"key": "q", "value": "ada"}, {"key": "page", "value": "2"}]}}},
         {"name": "Broken", "code": 500, "body": "{\"error\": true}",
          "originalRequest": {"url": {"raw": "{{baseUrl}}/v2/users?q=ada"}}}
       ]}
    ]},
    {"name": "Health", "request": {"method": "GET", "url": "{{baseUrl}}/health"}, "response": []},
    {"name": "Tenant", "event": [{"listen": "test"}], "request": {"method": "GET", "url": "{{baseUrl}}/{{tenant}}/info"},
     "response": [{"name": "ok", "code": 200, "body": "tenant"}]}
  ]
}"#;

#[test]
fn a_postman_collection_serves_its_saved_examples() {
    let imported = import(POSTMAN.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::Postman);
    let doc = &imported.document;
    assert_eq!(doc.project.name.as_deref(), Some("Shop"));
    let names: Vec<_> = doc
        .mocks
        .iter()
        .map(|m| m.mock.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Users / Get user", "Users / Search", "Tenant"]);
    assert_eq!(doc.mocks[0].mock.path.as_deref(), Some("/v2/users/{id}"));
    assert_eq!(doc.mocks[0].mock.response_type.as_deref(), Some("json"));
    let e = engine(doc);
    let (status, body) = answer(&e, get("/v2/users/7"));
    assert_eq!(status, 200);
    assert_eq!(
        body, r#"{"id": 1, "name": "Ada {{name}}"}"#,
        "the example as saved"
    );
    // The example whose original request had page=2 answers page=2.
    assert_eq!(answer(&e, get("/v2/users?q=ada&page=2")).1, "[2]");
    assert_eq!(answer(&e, get("/v2/users?q=ada&page=1")).1, "[1]");
    // No page: the example saved without one.
    assert_eq!(answer(&e, get("/v2/users?q=ada")).0, 500);
    // Every example by name, as Postman's x-mock-response-name.
    let named = get("/v2/users?q=ada").with_header("X-Mockbird-Response", "Page two");
    assert_eq!(answer(&e, named).1, "[2]");
    // The undefined {{tenant}} is a parameter.
    assert_eq!(answer(&e, get("/acme/info")).1, "tenant");
    let notes: Vec<(&str, &str)> = imported
        .report
        .notes
        .iter()
        .map(|n| (n.at.as_str(), n.construct.as_str()))
        .collect();
    assert!(
        notes.contains(&("/item/1", "the request \"Health\" without saved examples")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|(at, c)| *at == "/item/2/request/url" && c.contains("{{tenant}}")),
        "{notes:?}"
    );
    assert!(
        notes.contains(&("/item/2/event", "the request's scripts")),
        "{notes:?}"
    );
    assert!(
        notes.contains(&("/auth", "the collection's auth")),
        "{notes:?}"
    );
    assert_eq!(imported.report.mocks, 3);
    assert_eq!(imported.report.responses, 5);
}

const HAR: &str = r#"{"log": {"version": "1.2", "creator": {"name": "Chromium"},
  "pages": [{"title": "Shop session"}],
  "entries": [
    {"request": {"method": "GET", "url": "https://shop.example.com/api/items?page=1", "queryString": [{"name": "page", "value": "1"}], "headers": []},
     "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Content-Encoding", "value": "gzip"}, {"name": ":status", "value": "200"}],
                  "content": {"mimeType": "application/json", "text": "{\"page\": 1}"}}},
    {"request": {"method": "GET", "url": "https://shop.example.com/api/items?page=2", "queryString": [{"name": "page", "value": "2"}]},
     "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "eyJwYWdlIjogMn0=", "encoding": "base64"}}},
    {"request": {"method": "POST", "url": "https://shop.example.com/api/orders", "postData": {"mimeType": "application/json", "text": "{\"sku\": \"a1\", \"qty\": 1}"}},
     "response": {"status": 201, "headers": [], "content": {"mimeType": "application/json", "text": "{\"order\": \"a1\"}"}}},
    {"request": {"method": "POST", "url": "https://shop.example.com/api/orders", "postData": {"mimeType": "application/json", "text": "{\"sku\": \"b2\", \"qty\": 1}"}},
     "response": {"status": 409, "headers": [], "content": {"mimeType": "application/json", "text": "{\"error\": \"out of stock\"}"}}},
    {"request": {"method": "GET", "url": "https://cdn.example.com/logo.png"},
     "response": {"status": 200, "headers": [], "content": {"mimeType": "image/png", "text": "iVBORw0KGgo=", "encoding": "base64"}}},
    {"request": {"method": "GET", "url": "https://shop.example.com/api/items?page=1", "queryString": [{"name": "page", "value": "1"}]},
     "response": {"status": 0, "headers": [], "content": {"mimeType": "", "text": ""}}}
  ]}}"#;

#[test]
fn a_har_recording_replays_and_tells_repeated_requests_apart() {
    let imported = import(HAR.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::Har);
    let doc = &imported.document;
    assert_eq!(doc.project.name.as_deref(), Some("Shop session"));
    assert_eq!(doc.mocks.len(), 3);
    let e = engine(doc);
    assert_eq!(
        answer(&e, get("/api/items?page=1")),
        (200, r#"{"page": 1}"#.to_owned())
    );
    assert_eq!(
        answer(&e, get("/api/items?page=2")),
        (200, r#"{"page": 2}"#.to_owned()),
        "the base64 body decoded"
    );
    let order = |sku: &str| {
        mockbird_core::request::MockRequest::new(http::Method::POST, "/api/orders")
            .with_header("Content-Type", "application/json")
            .with_body(format!(r#"{{"sku": "{sku}", "qty": 1}}"#))
    };
    assert_eq!(answer(&e, order("b2")).0, 409, "told apart by the body");
    assert_eq!(answer(&e, order("a1")).0, 201);
    let items = &doc.mocks[0].responses[0];
    let headers = items.headers.as_ref().unwrap();
    assert!(headers.contains_key("Content-Type"));
    assert!(!headers.contains_key("Content-Encoding") && !headers.contains_key(":status"));
    let notes: Vec<(&str, &str)> = imported
        .report
        .notes
        .iter()
        .map(|n| (n.at.as_str(), n.construct.as_str()))
        .collect();
    assert!(
        notes.contains(&("/log/entries/4/response/content", "a binary body")),
        "{notes:?}"
    );
    assert!(
        notes.contains(&("/log/entries/5/response/status", "the status 0")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|(at, c)| *at == "/log/entries/5" && c.contains("repeat")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|(at, c)| *at == "/log/entries" && c.contains("cdn.example.com")),
        "{notes:?}"
    );
}

#[test]
fn one_route_under_two_parameter_names_is_one_mock() {
    let stubs = serde_json::json!([
        {"request": {"method": "GET", "urlPathTemplate": "/users/{id}"}, "response": {"status": 200, "body": "a"}},
        {"request": {"method": "GET", "urlPathTemplate": "/users/{userId}"}, "response": {"status": 201, "body": "b"}}
    ]);
    let imported = import(stubs.to_string().as_bytes(), None, &Limits::default()).unwrap();
    let doc = &imported.document;
    assert_eq!(doc.mocks.len(), 1);
    let e = engine(doc);
    assert_eq!(
        answer(&e, get("/users/3")),
        (200, "a".to_owned()),
        "the first stub, the default"
    );
    let named = get("/users/3").with_header("X-Mockbird-Response", "stub 1");
    assert_eq!(answer(&e, named), (201, "b".to_owned()));
}

const MOCKOON: &str = r#"{
  "uuid": "e1", "lastMigration": 32, "name": "Billing", "endpointPrefix": "api", "latency": 20,
  "headers": [{"key": "Content-Type", "value": "application/json"}],
  "proxyMode": true,
  "routes": [
    {"uuid": "r1", "type": "http", "method": "get", "endpoint": "invoices/:id", "documentation": "An invoice",
     "responses": [
       {"uuid": "a", "label": "Found", "statusCode": 200, "default": true, "latency": 30,
        "body": "{\"id\": \"{{urlParam 'id'}}\", \"q\": \"{{queryParam 'q'}}\"}", "headers": [], "rules": []},
       {"uuid": "b", "label": "Missing", "statusCode": 404, "latency": 5, "body": "{}", "headers": [{"key": "X-Reason", "value": "gone"}],
        "rulesOperator": "OR",
        "rules": [
          {"target": "params", "modifier": "id", "value": "0", "operator": "equals", "invert": false},
          {"target": "header", "modifier": "X-Missing", "value": "", "operator": "null", "invert": true},
          {"target": "request_number", "modifier": "", "value": "2", "operator": "equals", "invert": false}
        ]},
       {"uuid": "c", "label": "Paid", "statusCode": 200, "body": "{\"paid\": true}",
        "rulesOperator": "AND",
        "rules": [
          {"target": "query", "modifier": "paid", "value": "yes", "operator": "equals", "invert": false},
          {"target": "body", "modifier": "$.amount", "value": "^[0-9]+$", "operator": "regex", "invert": false}
        ]}
     ]},
    {"uuid": "r2", "type": "http", "method": "post", "endpoint": "files/*", "responseMode": "RANDOM",
     "responses": [
       {"uuid": "d", "label": "one", "statusCode": 201, "body": "{{nope 'x'}}", "default": true},
       {"uuid": "e", "label": "two", "statusCode": 202, "bodyType": "FILE", "filePath": "./x.json"}
     ]},
    {"uuid": "r3", "type": "crud", "endpoint": "users", "responses": []}
  ]
}"#;

#[test]
fn a_mockoon_environment_keeps_its_rules_templates_and_latency() {
    let imported = import(MOCKOON.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(imported.format, Format::Mockoon);
    let doc = &imported.document;
    assert_eq!(doc.project.name.as_deref(), Some("Billing"));
    assert_eq!(doc.mocks.len(), 2);
    let invoices = &doc.mocks[0];
    assert_eq!(invoices.mock.path.as_deref(), Some("/api/invoices/{id}"));
    assert_eq!(
        invoices.mock.response_delay,
        Some(50),
        "environment + default latency"
    );
    // OR of two rules MockBird expresses: two copies of the response.
    assert_eq!(invoices.responses.len(), 4);
    let e = engine(doc);
    let (status, body) = answer(&e, get("/api/invoices/42?q=x"));
    assert_eq!(status, 200);
    assert_eq!(
        body, r#"{"id": "42", "q": "x"}"#,
        "Mockoon's helpers render"
    );
    assert_eq!(
        answer(&e, get("/api/invoices/0")).0,
        404,
        "the first OR rule"
    );
    let header = get("/api/invoices/7").with_header("X-Missing", "1");
    assert_eq!(answer(&e, header).0, 404, "the second OR rule");
    let paid =
        mockbird_core::request::MockRequest::new(http::Method::GET, "/api/invoices/7?paid=yes")
            .with_header("Content-Type", "application/json")
            .with_body(r#"{"amount": "12"}"#);
    assert_eq!(answer(&e, paid).1, r#"{"paid": true}"#, "both AND rules");
    let half = get("/api/invoices/7?paid=yes");
    let (status, body) = answer(&e, half);
    assert_eq!(status, 200, "one AND rule of two: the default");
    assert!(body.contains(r#""id": "7""#), "{body}");
    // An unknown helper is served as written; the RANDOM route weighs both.
    let files = &doc.mocks[1];
    assert_eq!(files.mock.path.as_deref(), Some("/api/files/{*rest}"));
    assert!(files.responses.iter().all(|r| r.weight == Some(100)));
    let notes: Vec<(&str, &str)> = imported
        .report
        .notes
        .iter()
        .map(|n| (n.at.as_str(), n.construct.as_str()))
        .collect();
    for (at, construct) in [
        ("/proxyMode", "the environment's proxy mode"),
        ("/routes/1/responses/1/bodyType", "a FILE body"),
        ("/routes/1/responseMode", "the response mode RANDOM"),
        ("/routes/2", "a crud route"),
        ("/routes/0/responses/1/latency", "a response's own latency"),
    ] {
        assert!(notes.contains(&(at, construct)), "{at}: {notes:?}");
    }
    assert!(
        notes
            .iter()
            .any(|(at, c)| *at == "/routes/0/responses/1/rules/2" && c.contains("request_number")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|(at, c)| *at == "/routes/1/responses/0/body" && c.contains("cannot run")),
        "{notes:?}"
    );
}
