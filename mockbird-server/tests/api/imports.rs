//! `POST /api/projects/import` with the files users have: OpenAPI (YAML or
//! JSON), Swagger, WireMock mappings, MockBird's own export; detected or
//! named; dry runs; the fidelity report; size and hostile-input bounds.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::App;

const SPEC: &str = r##"
openapi: 3.1.0
info: {title: Pets}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      responses:
        "200":
          description: A pet
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: integer, example: 7}, name: {type: string, example: "Rex {{x}}"}}
        "404":
          description: No such pet
          content: {application/json: {example: {error: not found}}}
  /owners:
    get:
      responses:
        "200":
          description: Owners
          content: {application/json: {schema: {$ref: "https://example.com/owners.json"}}}
"##;

async fn post(
    app: &App,
    token: &str,
    query: &str,
    media: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let res = app
        .req(Method::POST, &format!("/api/projects/import{query}"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, media)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_openapi_file_becomes_a_live_project_with_its_report() {
    let app = App::start().await;
    let (t, _, _) = app.register("openapi@example.com").await;
    // A dry run reports and creates nothing.
    let (s, preview) = post(&app, &t, "?dryRun=true", "application/yaml", SPEC.into()).await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["report"]["format"], "openapi-3.1");
    assert_eq!(preview["report"]["mocks"], 2);
    assert_eq!(preview["document"]["mocks"][0]["path"], "/owners");
    let (_, projects) = app.call(&t, Method::GET, "/api/projects", None).await;
    assert_eq!(projects.as_array().unwrap().len(), 0, "{projects}");
    // The real thing.
    let (s, imported) = post(&app, &t, "", "application/yaml", SPEC.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["project"]["name"], "Pets");
    assert_eq!(imported["project"]["mockCount"], 2);
    let notes = imported["report"]["notes"].as_array().unwrap();
    let at = |p: &str| {
        notes
            .iter()
            .find(|n| n["at"] == p)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert!(
        at("/paths/~1pets~1{id}/get/responses/404")["instead"]
            .as_str()
            .unwrap()
            .contains("X-Mockbird-Response: 404")
    );
    assert!(
        at("/paths/~1owners/get/responses/200/content/application~1json/schema")["construct"]
            .as_str()
            .unwrap()
            .contains("another file or URL")
    );
    let slug = imported["project"]["slug"].as_str().unwrap();
    let res = app
        .req(Method::GET, &format!("/m/{slug}/pets/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    let pet: Value = res.json().await.unwrap();
    assert_eq!(
        pet,
        json!({"id": 7, "name": "Rex {{x}}"}),
        "an example is not a template"
    );
    let res = app
        .req(Method::GET, &format!("/m/{slug}/pets/1"))
        .header("x-mockbird-response", "404")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "not found"})
    );
}

#[tokio::test]
async fn formats_are_detected_or_named_and_mismatches_refused() {
    let app = App::start().await;
    let (t, _, _) = app.register("formats@example.com").await;
    let stubs = json!([{"request": {"method": "GET", "urlPath": "/w"}, "response": {"status": 202, "body": "ok"}}]);
    let (s, v) = post(&app, &t, "", "application/json", stubs.to_string().into()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["report"]["format"], "wiremock");
    let slug = v["project"]["slug"].as_str().unwrap();
    let res = app
        .req(Method::GET, &format!("/m/{slug}/w"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    // The same spec as JSON, named.
    let swagger = json!({"swagger": "2.0", "info": {"title": "Old"},
        "paths": {"/s": {"get": {"responses": {"200": {"description": "ok", "examples": {"application/json": {"a": 1}}}}}}}});
    let (s, v) = post(
        &app,
        &t,
        "?format=swagger&dryRun=true",
        "application/json",
        swagger.to_string().into(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["report"]["format"], "swagger-2.0");
    for (query, body, field) in [
        ("?format=wiremock", SPEC, "reads as OpenApi"),
        ("?format=raml", SPEC, "format:"),
        ("?dryRun=maybe", SPEC, "dryRun:"),
        ("", "just: [a, yaml, list]", "not a format MockBird reads"),
        ("", "a: [unclosed", "YAML"),
    ] {
        let (s, v) = post(&app, &t, query, "application/yaml", body.into()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query} {v}");
        assert!(v.to_string().contains(field), "{query}: {v}");
    }
    let (s, v) = post(&app, &t, "", "image/png", SPEC.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // MockBird's own export, as before: unknown fields named.
    let own = json!({"mockbird": 1, "project": {"name": "Own", "colour": "red"}, "mocks": []});
    let (s, v) = post(&app, &t, "", "application/json", own.to_string().into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v.to_string()
            .contains("project.colour: is not a known field"),
        "{v}"
    );
}

#[tokio::test]
async fn files_up_to_ten_mib_are_read_and_hostile_ones_refused_quickly() {
    let app = App::start().await;
    let (t, _, _) = app.register("sizes@example.com").await;
    // 3 MiB (over the 2 MiB of other /api bodies): read.
    let big = json!({"openapi": "3.0.0", "info": {"title": "Big", "x-padding": "p".repeat(3 << 20)},
        "paths": {"/b": {"get": {"responses": {"200": {"description": "ok"}}}}}});
    let (s, v) = post(
        &app,
        &t,
        "?dryRun=true",
        "application/json",
        big.to_string().into(),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "{}",
        v.to_string().chars().take(300).collect::<String>()
    );
    // Over 10 MiB: 413.
    let huge = vec![b' '; (10 << 20) + 1];
    let (s, _) = post(&app, &t, "", "application/yaml", huge).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // An alias bomb (9^8 nodes when expanded): refused, fast.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (i, name) in ["b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    let started = std::time::Instant::now();
    let (s, v) = post(&app, &t, "", "application/yaml", bomb.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Nested past 64 levels.
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let (s, v) = post(&app, &t, "?format=openapi", "application/json", deep.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn postman_har_and_mockoon_files_serve_what_they_recorded() {
    let app = App::start().await;
    let (t, _, _) = app.register("recordings@example.com").await;
    let postman = json!({
        "info": {"name": "Col", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "Folder", "item": [{"name": "One", "request": {"method": "GET", "url": "{{base}}/things/:id"},
            "response": [{"name": "ok", "code": 203, "body": "{\"thing\": 1}", "header": [{"key": "Content-Type", "value": "application/json"}]}]}]}]
    });
    let har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "https://x.example.com/h?v=1"}, "response": {"status": 200, "content": {"text": "one"}}},
        {"request": {"method": "GET", "url": "https://x.example.com/h?v=2"}, "response": {"status": 201, "content": {"text": "two"}}}
    ]}});
    let mockoon = json!({"lastMigration": 32, "name": "Moo", "endpointPrefix": "", "routes": [
        {"type": "http", "method": "get", "endpoint": "cows/:name", "responses": [
            {"statusCode": 200, "default": true, "body": "moo {{urlParam 'name'}}", "headers": [{"key": "Content-Type", "value": "text/plain"}]}]}]});
    for (query, file, format, path, status, body) in [
        (
            "?format=postman",
            postman,
            "postman-2.1",
            "/things/5",
            203,
            "{\"thing\": 1}",
        ),
        ("", har.clone(), "har-1.2", "/h?v=2", 201, "two"),
        (
            "?format=mockoon",
            mockoon,
            "mockoon",
            "/cows/bess",
            200,
            "moo bess",
        ),
    ] {
        let (s, v) = post(&app, &t, query, "application/json", file.to_string().into()).await;
        assert_eq!(s, StatusCode::CREATED, "{format}: {v}");
        assert_eq!(v["report"]["format"], format);
        let slug = v["project"]["slug"].as_str().unwrap();
        let res = app
            .req(Method::GET, &format!("/m/{slug}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{format}");
        assert_eq!(res.text().await.unwrap(), body, "{format}");
    }
    // A HAR file is not a Postman collection.
    let (s, v) = post(
        &app,
        &t,
        "?format=postman",
        "application/json",
        har.to_string().into(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("reads as Har"), "{v}");
}

#[tokio::test]
async fn an_openapi_export_imports_back_to_the_same_mocks() {
    let app = App::start().await;
    let (t, _, _) = app.register("roundtrip@example.com").await;
    let (s, v) = post(&app, &t, "", "application/yaml", SPEC.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["project"]["id"].as_str().unwrap().to_owned();
    let slug = v["project"]["slug"].as_str().unwrap().to_owned();
    let (s, spec) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{id}/export?format=openapi"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{spec}");
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(
        spec["servers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/m/{slug}"))
    );
    assert!(
        spec["paths"]["/pets/{id}"]["get"]["responses"]["404"].is_object(),
        "{spec}"
    );
    // A second copy of the project outgrows the free plan's three mocks.
    let (s, checkout) = app
        .call(
            &t,
            Method::POST,
            "/api/billing/create-checkout",
            Some(serde_json::json!({"tier": "pro", "period": "monthly"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{checkout}");
    let (s, again) = post(&app, &t, "", "application/json", spec.to_string().into()).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    let again_id = again["project"]["id"].as_str().unwrap();
    let (_, first) = app
        .call(&t, Method::GET, &format!("/api/projects/{id}/export"), None)
        .await;
    let (_, second) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{again_id}/export"),
            None,
        )
        .await;
    assert_eq!(first["mocks"], second["mocks"], "the same mocks back");
    assert_eq!(first["project"]["name"], second["project"]["name"]);
    let (s, v) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/projects/{id}/export?format=yaml"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v.to_string().contains("format"), "{v}");
}
