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
