//! The ceiling for the load benchmark: a bare hyper server that answers fixed
//! bytes per path, served the same way as `mockbird-server` (hyper-util http1
//! with a header read timer, one task per connection, request body read).
//!
//! ```text
//! bare-hyper 127.0.0.1:9000 routes.json
//! ```
//!
//! `routes.json` is `[{"path": "/m/one/api/users", "status": 200,
//! "headers": [["content-type", "application/json"]], "body": "…"}]`; any other
//! path answers 404.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;

/// One fixed answer.
#[derive(Debug, Deserialize)]
struct Route {
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// A prepared answer: cloning it copies no bytes.
#[derive(Debug, Clone)]
struct Answer {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

fn load(path: &str) -> HashMap<String, Answer> {
    let text = std::fs::read_to_string(path).expect("read the routes file");
    let routes: Vec<Route> = serde_json::from_str(&text).expect("routes file is JSON");
    routes
        .into_iter()
        .map(|r| {
            let headers = r
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        HeaderName::try_from(k.as_str()).expect("header name"),
                        HeaderValue::try_from(v.as_str()).expect("header value"),
                    )
                })
                .collect();
            let answer = Answer {
                status: StatusCode::from_u16(r.status).expect("status"),
                headers,
                body: Bytes::from(r.body),
            };
            (r.path, answer)
        })
        .collect()
}

async fn answer(
    routes: Arc<HashMap<String, Answer>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let found = routes.get(req.uri().path()).cloned();
    // Read the body like the mock server does, so POST costs the same here.
    let _ = req.into_body().collect().await;
    let Some(a) = found else {
        let mut res = Response::new(Full::new(Bytes::from_static(b"not found")));
        *res.status_mut() = StatusCode::NOT_FOUND;
        return Ok(res);
    };
    let mut res = Response::new(Full::new(a.body));
    *res.status_mut() = a.status;
    let headers = res.headers_mut();
    for (k, v) in a.headers {
        headers.append(k, v);
    }
    Ok(res)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(routes)) = (args.next(), args.next()) else {
        eprintln!("usage: bare-hyper ADDR ROUTES.json");
        std::process::exit(2);
    };
    let routes = Arc::new(load(&routes));
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .expect("bind the listen address");
    eprintln!("bare-hyper listening on {listen}");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let routes = routes.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| answer(routes.clone(), req));
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10));
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
