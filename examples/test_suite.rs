//! A test suite using `MockServer`: the payments client is tested against a
//! real local server whose answers each test sets, with call expectations
//! verified when the server is dropped.
//! Run with `cargo test -p mockbird-examples --test test_suite`.

use mockbird_examples::{Charge, PaymentsClient};
use mockbird_tower::{Mock, MockServer, ResponseTemplate, body_field, method, path};

#[tokio::test]
async fn accepted_charge_returns_the_payment_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/charges"))
        .respond_with(
            ResponseTemplate::new(201).set_body_string(r#"{"id": "pay_{{body 'amount'}}"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;

    let charge = PaymentsClient::new(server.uri()).charge("4242", 1999).await;

    assert_eq!(charge, Charge::Accepted("pay_1999".into()));
}

#[tokio::test]
async fn declined_card_is_reported_as_declined() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/charges"))
        .and(body_field("card", "4000"))
        .respond_with(ResponseTemplate::new(402))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        PaymentsClient::new(server.uri()).charge("4000", 500).await,
        Charge::Declined
    );
}

#[tokio::test]
async fn outage_is_a_failure_with_the_status() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/charges"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down"))
        .expect(1..)
        .mount(&server)
        .await;

    assert_eq!(
        PaymentsClient::new(server.uri()).charge("4242", 1).await,
        Charge::Failed(503, "down".into())
    );
    let sent = server.received_requests();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&sent[0].body).unwrap()["amount"],
        1
    );
}
