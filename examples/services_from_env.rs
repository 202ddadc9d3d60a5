//! An app that takes its services from MockBird's kit: every one is a mock
//! unless the environment asks for the real one, and it says so at start.
//!
//! ```text
//! cargo run -p mockbird-examples --example services_from_env
//! #   auth: mock, billing: mock, email: mock
//! MOCKBIRD_EMAIL=smtp MOCKBIRD_SMTP_URL=smtp://127.0.0.1:2525 \
//!   cargo run -p mockbird-examples --example services_from_env
//! #   auth: mock, billing: mock, email: real
//! ```
//!
//! With the mock, the email "sent" below is read back from the outbox; with
//! SMTP it goes to the server at `MOCKBIRD_SMTP_URL`.

use mockbird_core::service::{Email, Services};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let services = Services::from_env()?;
    println!("services: {}", services.summary());
    let welcome = Email {
        to: "ada@example.com".into(),
        subject: "Welcome".into(),
        text: "Hello, Ada".into(),
        html: "<p>Hello, Ada</p>".into(),
    };
    services.email.send(welcome).await?;
    match &services.outbox {
        Some(outbox) => println!("mock outbox holds {} message(s)", outbox.all().len()),
        None => println!("sent through SMTP"),
    }
    let hash = services.auth.hash_password("correct horse battery").await?;
    let ok = services
        .auth
        .verify_password("correct horse battery", &hash)
        .await?;
    println!("password check: {ok}");
    Ok(())
}
