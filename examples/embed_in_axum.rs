//! An axum app with `MockLayer` in front of its real routes: `/health` is real,
//! `/api/users/{id}` and `/api/payments` are mocked until the backend exists.
//! Run with `cargo run -p mockbird-examples --example embed_in_axum`, then
//! `curl localhost:3000/api/users/7` and `curl -XPOST localhost:3000/api/payments -d '{"card":"4000"}'`.

use axum::Router;
use axum::routing::get;
use mockbird_tower::{Mock, MockLayer, MockSet, ResponseTemplate, body_field, method, path};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mocks = MockSet::from_mocks([
        Mock::given(method("GET")).and(path("/api/users/{id}")).respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"id": "{{request.params.id}}", "name": "{{faker 'person.fullName'}}", "at": "{{now}}"}"#),
        ),
        Mock::given(method("POST"))
            .and(path("/api/payments"))
            .respond_with(ResponseTemplate::new(201).set_body_string(r#"{"id": "{{uuid}}", "status": "paid"}"#))
            .respond_with(
                ResponseTemplate::new(402).named("declined").set_body_json(serde_json::json!({"error": "card_declined"})).when(body_field("card", "4000")),
            ),
    ])?;
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(MockLayer::new(mocks));
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "listening on http://{addr}: GET /health (real), GET /api/users/{{id}} and POST /api/payments (mocked)"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}
