//! An HTTP client for the tests.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Sends a request and returns status, headers and body text.
pub(crate) async fn send(req: http::Request<String>) -> (u16, http::HeaderMap, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = req.map(|b| Full::new(Bytes::from(b)));
    let res = client.request(req).await.expect("request sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body read")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// GET `uri`.
pub(crate) async fn get(uri: &str) -> (u16, http::HeaderMap, String) {
    send(http::Request::get(uri).body(String::new()).unwrap()).await
}
