//! Outgoing email.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why sending failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// The message is unusable (bad address, …).
    #[error("invalid email: {0}")]
    Invalid(String),
    /// The mail server failed or could not be reached.
    #[error("email transport failed: {0}")]
    Transport(String),
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// A message the mock sent, as `GET /api/dev/outbox` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentEmail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

/// Sends email.
#[async_trait]
pub trait EmailService: Send + Sync + std::fmt::Debug {
    /// Sends one message.
    async fn send(&self, email: Email) -> Result<(), EmailError>;
    /// Whether this is the mock implementation.
    fn is_mock(&self) -> bool;
}

/// Mock email: keeps every message in an outbox that can be read back, newest
/// first, by recipient. Keeps at most 10,000 messages (oldest dropped).
#[derive(Debug, Default)]
pub struct MockEmailService {
    outbox: Mutex<Vec<SentEmail>>,
}

/// Messages the mock outbox keeps.
const OUTBOX_CAPACITY: usize = 10_000;

impl MockEmailService {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Messages sent to `to` (case-insensitive), newest first.
    pub fn outbox(&self, to: &str) -> Vec<SentEmail> {
        let outbox = self
            .outbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        outbox
            .iter()
            .rev()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .cloned()
            .collect()
    }

    /// Every message, newest first.
    pub fn all(&self) -> Vec<SentEmail> {
        let outbox = self
            .outbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        outbox.iter().rev().cloned().collect()
    }
}

#[async_trait]
impl EmailService for MockEmailService {
    async fn send(&self, email: Email) -> Result<(), EmailError> {
        if !email.to.contains('@') {
            return Err(EmailError::Invalid(format!(
                "{:?} is not an address",
                email.to
            )));
        }
        let mut outbox = self
            .outbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if outbox.len() >= OUTBOX_CAPACITY {
            outbox.remove(0);
        }
        outbox.push(SentEmail {
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            sent_at: crate::clock::now(),
        });
        Ok(())
    }

    fn is_mock(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str, subject: &str) -> Email {
        Email {
            to: to.into(),
            subject: subject.into(),
            text: "t".into(),
            html: "<p>t</p>".into(),
        }
    }

    #[tokio::test]
    async fn outbox_reads_back_newest_first_by_recipient() {
        let email = MockEmailService::new();
        email.send(mail("ada@example.com", "first")).await.unwrap();
        email.send(mail("bob@example.com", "other")).await.unwrap();
        email.send(mail("ada@example.com", "second")).await.unwrap();
        let got: Vec<_> = email
            .outbox("ADA@example.com")
            .into_iter()
            .map(|m| m.subject)
            .collect();
        assert_eq!(got, ["second", "first"]);
        assert!(email.send(mail("nobody", "x")).await.is_err());
        assert!(email.is_mock());
    }
}
