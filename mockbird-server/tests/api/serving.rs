//! `/m/`: every row of the serving table, CORS, cookies, private projects, forcing, clock.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::App;

#[tokio::test]
async fn serving_table_cors_cookies_forcing_and_clock() {
    let app = App::start().await;
    let (t, _, _) = app.register("srv@example.com").await;
    let (_, mock) = app
        .project_with_mock(&t, "srv", "/items/{id}", "{{now format='yyyy'}}")
        .await;
    let mid = mock["id"].as_str().unwrap();
    app.call(
        &t,
        Method::PUT,
        &format!("/api/mocks/{mid}/responses/{}", {
            let (_, r) = app
                .call(
                    &t,
                    Method::GET,
                    &format!("/api/mocks/{mid}/responses"),
                    None,
                )
                .await;
            r[0]["id"].as_str().unwrap().to_owned()
        }),
        Some(json!({"headers": {"Set-Cookie": "sid=1; Domain=example.com; Path=/"}})),
    )
    .await;
    let (_, other) = app.call(&t, Method::POST, &format!("/api/mocks/{mid}/responses"), Some(json!({"name": "broken", "statusCode": 503, "body": "down", "conditions": [{"type": "query", "field": "fail", "operator": "exists"}]}))).await;
    assert_eq!(other["statusCode"], 503);

    let get = |path: &str| app.req(Method::GET, path);
    let res = get("/m/srv/items/1")
        .header("x-mockbird-now", "1999-12-31T23:00:00Z")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["set-cookie"],
        "sid=1; Path=/m/srv",
        "Domain dropped, path scoped"
    );
    assert_eq!(res.text().await.unwrap(), "1999");
    let res = get("/m/srv/items/1")
        .header("x-mockbird-response", "broken")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "forced, conditions ignored"
    );
    let res = get("/m/srv/items/1")
        .header("x-mockbird-response", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    for (method, path, status, code) in [
        (Method::GET, "/m/unknown/x", 404, "PROJECT_NOT_FOUND"),
        (Method::GET, "/m/srv/nothing", 404, "MOCK_NOT_FOUND"),
        (Method::DELETE, "/m/srv/items/1", 405, "METHOD_NOT_ALLOWED"),
    ] {
        let res = app.req(method, path).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        if status == 405 {
            assert_eq!(
                res.headers()["allow"],
                "GET, HEAD",
                "a GET mock answers HEAD too"
            );
        }
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["error"], code);
    }
    // HEAD is the GET without its body.
    let get_res = app.req(Method::GET, "/m/srv/items/1").send().await.unwrap();
    let head = app
        .req(Method::HEAD, "/m/srv/items/1")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), get_res.status());
    assert_eq!(
        head.headers().get("content-length"),
        get_res.headers().get("content-length")
    );
    assert_eq!(
        head.headers()["content-type"],
        get_res.headers()["content-type"]
    );
    assert!(head.bytes().await.unwrap().is_empty());
    assert!(!get_res.bytes().await.unwrap().is_empty());

    // A preflight needs no credentials and gets CORS answers.
    let res = app
        .req(Method::OPTIONS, "/m/srv/items/1")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-custom")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        res.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(res.headers()["access-control-allow-headers"], "x-custom");

    // No response qualifies and none is default → 404 listing the failed condition.
    let (s, _) = app
        .call(
            &t,
            Method::PUT,
            &format!("/api/mocks/{mid}"),
            Some(json!({"path": "/only/{id}"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app
        .call(
            &t,
            Method::GET,
            &format!("/api/mocks/{mid}/responses"),
            None,
        )
        .await;
    let default_id = list[0]["id"].as_str().unwrap();
    app.call(
        &t,
        Method::DELETE,
        &format!("/api/mocks/{mid}/responses/{default_id}"),
        None,
    )
    .await;
    let res = get("/m/srv/only/1").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"], "NO_MATCHING_RESPONSE");
    assert!(v["message"].as_str().unwrap().contains("fail"), "{v}");
}

#[tokio::test]
async fn private_projects_need_credentials_of_their_organization() {
    let app = App::start().await;
    let (t, _, _) = app.register("priv@example.com").await;
    let (other, _, _) = app.register("other@example.com").await;
    let (project, _) = app
        .project_with_mock(&t, "private-one", "/a", "secret")
        .await;
    let pid = project["id"].as_str().unwrap();
    let (s, _) = app
        .call(
            &t,
            Method::PUT,
            &format!("/api/projects/{pid}"),
            Some(json!({"isPublic": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let res = app
        .req(Method::GET, "/m/private-one/a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .req(Method::GET, "/m/private-one/a")
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a non-member's token"
    );
    let res = app
        .req(Method::GET, "/m/private-one/a")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "secret");
    let (_, key) = app
        .call(&t, Method::POST, "/api/keys", Some(json!({"name": "k"})))
        .await;
    let res = app
        .req(Method::GET, "/m/private-one/a")
        .header("x-api-key", key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn delays_and_oversized_bodies() {
    let app = App::start().await;
    let (t, _, _) = app.register("slow@example.com").await;
    let (_, mock) = app.project_with_mock(&t, "slow", "/s", "ok").await;
    let mid = mock["id"].as_str().unwrap();
    app.call(
        &t,
        Method::PUT,
        &format!("/api/mocks/{mid}"),
        Some(json!({"responseDelay": 300, "method": "ANY"})),
    )
    .await;
    let started = std::time::Instant::now();
    let res = app.req(Method::GET, "/m/slow/s").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let res = app
        .req(Method::POST, "/m/slow/s")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let api_big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let res = app
        .req(Method::POST, "/api/projects")
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(api_big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A refused /api call still carries the caller's rate-limit headers.
    assert!(res.headers().contains_key("x-ratelimit-remaining"));
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn slowloris_connections_are_closed_at_the_header_timeout() {
    let app = App::start_with(|c| c.header_timeout_secs = 1).await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the half-sent request");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // The server is still fine.
    let res = app.req(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// Reads one HTTP/1.1 response (headers + Content-Length body) from `stream`.
async fn read_response(stream: &mut (impl AsyncReadExt + Unpin), what: &str) -> (String, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.unwrap();
        assert_eq!(n, 1, "{what}: connection closed before the response head");
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.unwrap();
    (head, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn an_oversized_body_is_drained_so_the_client_sees_413_and_keeps_the_connection() {
    let app = App::start().await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    // Declared too large: 3 MiB to /api, all of it sent before reading.
    let size = 3 * 1024 * 1024;
    let head = format!(
        "POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let send = tokio::spawn(async move {
        writer.write_all(&vec![b' '; size]).await.unwrap();
        // Then chunked, with no length announced: 11 MiB to a mock.
        writer
            .write_all(b"POST /m/none/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        let chunk = vec![b'y'; 1024 * 1024];
        for _ in 0..11 {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await
                .unwrap();
            writer.write_all(&chunk).await.unwrap();
            writer.write_all(b"\r\n").await.unwrap();
        }
        writer.write_all(b"0\r\n\r\n").await.unwrap();
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        writer
    });
    let (head, body) = read_response(&mut reader, "api").await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        body.contains("PAYLOAD_TOO_LARGE") && body.contains("2 MiB"),
        "{body}"
    );
    let (head, body) = read_response(&mut reader, "mock").await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(body.contains("10 MiB"), "{body}");
    let (head, _) = read_response(&mut reader, "healthz").await;
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "the connection is still usable: {head}"
    );
    send.await.unwrap();
}

/// A burst of first requests to a large project compiles it once; the rest
/// wait for that compile instead of each doing it again.
#[tokio::test]
async fn first_requests_to_a_project_compile_it_once() {
    let app = App::start_with(crate::common::unlimited).await;
    let (t, _, _) = app.register("burst@example.com").await;
    let mocks: Vec<_> = (0..1000)
        .map(|i| {
            json!({"name": format!("m{i}"), "path": format!("/r{i}/{{id}}"), "method": "GET",
                   "responses": [{"name": "ok", "statusCode": 200, "body": "{}", "isDefault": true}]})
        })
        .collect();
    let (s, v) = app
        .call(
            &t,
            Method::POST,
            "/api/projects/import",
            Some(json!({"mockbird": 1, "project": {"name": "big", "slug": "big"}, "mocks": mocks})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let requests = (0..32).map(|i| app.req(Method::GET, &format!("/m/big/r999/{i}")).send());
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.unwrap().status(), StatusCode::OK);
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mockbird_snapshot_cache_total{result=\"miss\"} 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("mockbird_snapshot_cache_total{result=\"hit\"} 31\n"));
}
