//! `mockbird tail` and `mockbird verify` against the server's log.

use reqwest::Method;

use crate::support::{Env, Running, write};

const ORDERS: &str = r#"mockbird: 1
project: {name: Orders, slug: orders-cli, isPublic: true}
mocks:
  - name: order
    method: GET
    path: /orders/{id}
    responses:
      - {name: ok, statusCode: 200, body: '{"ok": true}'}
  - name: vip
    method: POST
    path: /vip
    responses:
      - name: welcome
        statusCode: 200
        conditions: [{type: header, field: x-tier, operator: equals, value: gold}]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_follows_the_live_log_and_verify_answers_for_ci() {
    let env = Env::start().await;
    env.login().await;
    let file = env.path("orders.yaml");
    write(&file, ORDERS);
    env.run(&["push", file.to_str().unwrap()]).await.ok();

    let tail = Running::spawn(env.command(&["tail", "orders-cli", "--limit", "2"]));
    tail.line_with("Following orders-cli").await;
    // The stream is open once the server has it; give it a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let base = format!("{}/m/orders-cli", env.url);
    env.http(Method::GET, &format!("{base}/orders/1"), &[], None)
        .await;
    env.http(
        Method::POST,
        &format!("{base}/vip"),
        &[("x-tier", "silver")],
        None,
    )
    .await;
    let first = tail.line_with("/orders/1").await;
    assert!(
        first.contains("→ 200") && first.contains("[GET /orders/{id}]"),
        "{first}"
    );
    let second = tail.line_with("/vip").await;
    assert!(
        second.contains("→ 404") && second.contains("near miss on POST /vip"),
        "{second}"
    );
    let mut tail = tail;
    assert_eq!(tail.exit_code().await, 0, "--limit 2 ends after two");

    env.http(Method::GET, &format!("{base}/orders/2"), &[], None)
        .await;
    let run = env
        .run(&[
            "verify",
            "orders-cli",
            "--path",
            "/orders/{id}",
            "--count",
            "2",
            "--since",
            "5m",
        ])
        .await;
    run.ok();
    assert!(
        run.stdout()
            .contains("ok: 2 requests matched (expected exactly 2)"),
        "{}",
        run.stdout()
    );

    let run = env
        .run(&[
            "verify",
            "orders-cli",
            "--method",
            "POST",
            "--at-least",
            "3",
            "--wait",
            "0.5",
        ])
        .await;
    assert_eq!(run.code(), 1, "{}", run.stdout());
    let out = run.stdout();
    assert!(
        out.contains("FAILED: 1 requests matched, expected at least 3"),
        "{out}"
    );
    assert!(out.contains("NO_MATCHING_RESPONSE"), "{out}");
    assert!(
        out.contains(r#"header x-tier equals gold (got silver)"#),
        "{out}"
    );

    let run = env
        .run(&[
            "verify",
            "orders-cli",
            "--path",
            "/orders/1",
            "--output",
            "json",
        ])
        .await;
    run.ok();
    let v = run.json();
    assert_eq!(v["verification"]["count"], 1, "{v}");
    assert_eq!(v["ok"], true);

    let run = env
        .run(&["verify", "orders-cli", "--since", "yesterday-ish"])
        .await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
