//! The real [`EmailService`]: SMTP through lettre. `--smtp-url` takes lettre's
//! connection URLs: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS), `smtps://user:pass@host:465` (TLS). Messages go out as
//! `multipart/alternative` (text and HTML).

use crate::service::{Email, EmailError, EmailService};
use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Email over SMTP.
pub struct SmtpEmailService {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpEmailService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEmailService")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpEmailService {
    /// A sender through the server at `url`, from `from` (`Name <address>` or an address).
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("--email-from {from:?}: {e}"))?;
        Ok(SmtpEmailService { transport, from })
    }
}

#[async_trait]
impl EmailService for SmtpEmailService {
    async fn send(&self, email: Email) -> Result<(), EmailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| EmailError::Invalid(format!("{}: {e}", email.to)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| EmailError::Invalid(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| EmailError::Transport(e.to_string()))
    }

    fn is_mock(&self) -> bool {
        false
    }
}
