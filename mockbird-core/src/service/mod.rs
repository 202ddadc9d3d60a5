//! The product's external dependencies as traits, each with a mock here and a
//! real implementation in the server: authentication, billing and email.
//! A mock answers `is_mock() == true`, and what it returns says `mockMode: true`.

pub mod auth;
pub mod billing;
pub mod email;

pub use auth::{AccessClaims, AuthError, AuthService, IssuedToken, MockAuthService};
pub use billing::{
    BillingError, BillingPeriod, BillingService, CheckoutRequest, MockBillingService,
    RedirectSession, WebhookEvent,
};
pub use email::{Email, EmailError, EmailService, MockEmailService, SentEmail};
