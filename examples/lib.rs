//! Code shared by the examples: a tiny HTTP client standing in for the code a
//! test suite exercises.
//!
//! Run the examples with `cargo run -p mockbird-examples --example embed_in_axum`;
//! the test-suite example runs with `cargo test -p mockbird-examples`.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A client of a payments API, the kind of dependency a test suite mocks.
#[derive(Debug, Clone)]
pub struct PaymentsClient {
    base: String,
}

/// The result of a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    /// Accepted, with the payment id.
    Accepted(String),
    /// Refused by the payment provider.
    Declined,
    /// Anything else: status and body.
    Failed(u16, String),
}

impl PaymentsClient {
    /// A client of the API at `base` (e.g. `MockServer::uri()`).
    pub fn new(base: impl Into<String>) -> Self {
        PaymentsClient { base: base.into() }
    }

    /// Charges `cents` on `card`.
    pub async fn charge(&self, card: &str, cents: u64) -> Charge {
        let body = serde_json::json!({"card": card, "amount": cents}).to_string();
        let req = hyper::Request::post(format!("{}/v1/charges", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("valid request");
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let res = match client.request(req).await {
            Ok(res) => res,
            Err(e) => return Charge::Failed(0, e.to_string()),
        };
        let status = res.status().as_u16();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        match status {
            200 | 201 => Charge::Accepted(json["id"].as_str().unwrap_or_default().to_owned()),
            402 => Charge::Declined,
            other => Charge::Failed(other, String::from_utf8_lossy(&bytes).into_owned()),
        }
    }
}
