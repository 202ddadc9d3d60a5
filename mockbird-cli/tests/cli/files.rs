//! Pull, push and import: files as the source of truth, changes summarized,
//! pushes idempotent, reports shown.

use reqwest::Method;

use crate::support::{Env, write};

const SHOP: &str = r#"mockbird: 1
project: {name: Shop, slug: shop-cli, isPublic: true}
mocks:
  - name: order
    method: GET
    path: /orders/{id}
    responses:
      - {name: ok, statusCode: 200, body: '{"id": "{{request.params.id}}"}'}
      - {name: gone, statusCode: 410, weight: 0}
  - name: create order
    method: POST
    path: /orders
    responses:
      - {name: created, statusCode: 201, body: '{"created": true}'}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_creates_then_changes_only_what_differs_and_pull_writes_a_stable_file() {
    let env = Env::start().await;
    env.login().await;
    let file = env.path("shop.yaml");
    write(&file, SHOP);

    // A dry run changes nothing.
    let run = env
        .run(&["push", file.to_str().unwrap(), "--dry-run"])
        .await;
    run.ok();
    assert!(run.stdout().contains("would"), "{}", run.stdout());
    let (status, _, _) = env
        .http(
            Method::GET,
            &format!("{}/m/shop-cli/orders/1", env.url),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 404, "nothing created by a dry run");

    let run = env.run(&["push", file.to_str().unwrap()]).await;
    run.ok();
    assert!(run.stdout().contains("+ project"), "{}", run.stdout());
    let (status, _, body) = env
        .http(
            Method::GET,
            &format!("{}/m/shop-cli/orders/7", env.url),
            &[],
            None,
        )
        .await;
    assert_eq!((status, body.as_str()), (200, r#"{"id": "7"}"#));

    // The same file again: nothing to change.
    let run = env.run(&["push", file.to_str().unwrap()]).await;
    run.ok();
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());

    // A changed body, a removed mock, an added one.
    let changed = SHOP
        .replace(
            r#"'{"id": "{{request.params.id}}"}'"#,
            r#"'{"order": "{{request.params.id}}"}'"#,
        )
        .replace(
            "  - name: create order\n    method: POST\n    path: /orders\n",
            "  - name: list orders\n    method: GET\n    path: /orders\n",
        );
    write(&file, &changed);
    let run = env
        .run(&["push", file.to_str().unwrap(), "--output", "json"])
        .await;
    run.ok();
    let summary = run.json();
    let changes: Vec<(String, String)> = summary["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("delete".to_owned(), "POST /orders".to_owned()),
            ("update".to_owned(), "GET /orders/{id}".to_owned()),
            ("create".to_owned(), "GET /orders".to_owned()),
        ],
        "{summary}"
    );
    let (_, _, body) = env
        .http(
            Method::GET,
            &format!("{}/m/shop-cli/orders/7", env.url),
            &[],
            None,
        )
        .await;
    assert_eq!(body, r#"{"order": "7"}"#);
    let (status, _, _) = env
        .http(
            Method::POST,
            &format!("{}/m/shop-cli/orders", env.url),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 405, "the POST mock is gone");
    let run = env.run(&["push", file.to_str().unwrap()]).await;
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());

    // Pull: YAML by extension, mocks in a stable order, the same bytes twice.
    let pulled = env.path("pulled.yaml");
    env.run(&["pull", "shop-cli", "--file", pulled.to_str().unwrap()])
        .await
        .ok();
    let first = std::fs::read_to_string(&pulled).unwrap();
    env.run(&["pull", "shop-cli", "--file", pulled.to_str().unwrap()])
        .await
        .ok();
    assert_eq!(
        first,
        std::fs::read_to_string(&pulled).unwrap(),
        "stable output"
    );
    let orders = first.find("path: /orders\n").expect("GET /orders");
    let order = first.find("path: /orders/{id}").expect("GET /orders/{id}");
    assert!(orders < order, "sorted by path:\n{first}");
    // The pulled file pushes as no change, and reads back as JSON too.
    let run = env.run(&["push", pulled.to_str().unwrap()]).await;
    assert!(run.stdout().contains("up to date"), "{}", run.stdout());
    let run = env
        .run(&["pull", "shop-cli", "--file", "-", "--format", "json"])
        .await;
    run.ok();
    assert_eq!(run.json()["mocks"].as_array().unwrap().len(), 2);

    // A file that does not validate: every problem, exit 2, nothing sent.
    let bad = env.path("bad.yaml");
    write(
        &bad,
        "mockbird: 1\nproject: {name: Bad, slug: bad-cli}\nmocks:\n  - {name: a, method: GET, path: nope}\n  - {name: b, method: FETCH, path: /b}\n",
    );
    let run = env.run(&["push", bad.to_str().unwrap()]).await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("mocks[0].path"), "{}", run.stderr());
    assert!(run.stderr().contains("mocks[1].method"), "{}", run.stderr());
    assert_eq!(env.run(&["pull", "bad-cli"]).await.code(), 1, "not created");
    assert_eq!(env.run(&["pull", "no-such-project"]).await.code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_shows_the_fidelity_report_and_a_dry_run_creates_nothing() {
    let env = Env::start().await;
    env.login().await;
    let spec = env.path("orders.yaml");
    write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Orders API}\npaths:\n  /orders/{id}:\n    get:\n      responses:\n        \"200\": {description: ok, content: {application/json: {example: {id: 1}}}}\n        \"404\": {description: gone}\n",
    );
    let run = env
        .run(&["import", spec.to_str().unwrap(), "--dry-run"])
        .await;
    run.ok();
    assert!(
        run.stdout()
            .contains("Dry run: openapi-3.0 would make 1 mocks, 2 responses"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .contains("/paths/~1orders~1{id}/get/responses/404"),
        "{}",
        run.stdout()
    );
    let run = env.run(&["projects", "--output", "json"]).await;
    assert_eq!(
        run.json(),
        serde_json::json!([]),
        "a dry run creates nothing"
    );

    let run = env.run(&["import", spec.to_str().unwrap()]).await;
    run.ok();
    assert!(
        run.stdout().contains("Imported openapi-3.0 as orders-api"),
        "{}",
        run.stdout()
    );
    let run = env.run(&["projects"]).await;
    assert!(run.stdout().contains("orders-api"), "{}", run.stdout());

    // Not a format MockBird reads: the server's reason, exit 1.
    let junk = env.path("junk.json");
    write(&junk, r#"{"hello": "world"}"#);
    let run = env.run(&["import", junk.to_str().unwrap()]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    // A named format that is not one: exit 2 before anything is sent.
    let run = env
        .run(&["import", spec.to_str().unwrap(), "--format", "raml"])
        .await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("not a format"), "{}", run.stderr());
}
