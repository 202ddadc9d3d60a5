//! `mockbird serve`: a file served by the engine alone, reloaded on change.

use reqwest::Method;

use crate::support::{Env, Running, write};

const FILE: &str = r#"{"mockbird": 1, "project": {"name": "Local"}, "mocks": [
  {"name": "hello", "method": "GET", "path": "/hello/{name}",
   "responses": [{"name": "hi", "statusCode": 200, "body": "{\"hi\": \"{{request.params.name}}\"}"}]}
]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_from_the_file_and_reloads_when_it_changes() {
    let env = Env::start().await;
    let file = env.path("local.json");
    write(&file, FILE);
    // No sign-in, no server: the engine alone.
    let mut cmd = env.command(&["serve", file.to_str().unwrap(), "--port", "0"]);
    cmd.env("MOCKBIRD_URL", "http://127.0.0.1:9");
    let serve = Running::spawn(cmd);
    let ready = serve.line_with("Serving 1 mocks").await;
    let url = ready
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let (status, headers, body) = env
        .http(Method::GET, &format!("{url}/hello/ada"), &[], None)
        .await;
    assert_eq!((status, body.as_str()), (200, r#"{"hi": "ada"}"#));
    assert_eq!(headers["content-type"], "application/json");
    let (status, _, body) = env
        .http(Method::GET, &format!("{url}/nope"), &[], None)
        .await;
    assert_eq!(status, 404);
    assert!(body.contains("MOCK_NOT_FOUND"), "{body}");

    // Changed: served at once.
    write(&file, &FILE.replace("\\\"hi\\\"", "\\\"hello\\\""));
    serve.line_with("Reloaded").await;
    let (_, _, body) = env
        .http(Method::GET, &format!("{url}/hello/ada"), &[], None)
        .await;
    assert_eq!(body, r#"{"hello": "ada"}"#);

    // Broken: said so, and the last good mocks keep serving.
    write(
        &file,
        r#"{"mockbird": 1, "project": {"name": "Local"}, "mocks": [{"name": "x", "method": "GET", "path": "no-slash"}]}"#,
    );
    let said = serve.line_with("not reloaded").await;
    assert!(said.contains("mocks[0].path"), "{said}");
    let (_, _, body) = env
        .http(Method::GET, &format!("{url}/hello/ada"), &[], None)
        .await;
    assert_eq!(body, r#"{"hello": "ada"}"#);

    // Another tool's format is served as its import makes it.
    let spec = env.path("pets.yaml");
    write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: Pets}\npaths:\n  /pets/{id}:\n    get:\n      responses:\n        \"200\": {description: ok, content: {application/json: {example: {id: 7}}}}\n",
    );
    let mut cmd = env.command(&[
        "serve",
        spec.to_str().unwrap(),
        "--port",
        "0",
        "--output",
        "json",
    ]);
    cmd.env("MOCKBIRD_URL", "http://127.0.0.1:9");
    let pets = Running::spawn(cmd);
    let ready: serde_json::Value =
        serde_json::from_str(&pets.line_with("\"ready\"").await).unwrap();
    let (status, _, body) = env
        .http(
            Method::GET,
            &format!("{}/pets/1", ready["url"].as_str().unwrap()),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"id": 7})
    );

    // A file that does not load at start: exit 2.
    let bad = env.path("bad.json");
    write(&bad, "{not json");
    let run = env
        .run(&["serve", bad.to_str().unwrap(), "--port", "0"])
        .await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
