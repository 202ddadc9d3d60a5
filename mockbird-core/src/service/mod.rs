//! The product's external dependencies as traits, each with a mock that is
//! always built and a real implementation behind a cargo feature:
//! authentication (`auth-real`), billing (`billing-stripe`) and email
//! (`email-smtp`). [`Services::from_env`] picks each from the environment,
//! mock by default. A mock answers `is_mock() == true`, and what it returns
//! says `mockMode: true`.

pub mod auth;
pub mod billing;
pub mod email;
mod pick;
#[cfg(feature = "auth-real")]
mod real_auth;
#[cfg(feature = "email-smtp")]
mod smtp;
#[cfg(feature = "billing-stripe")]
pub mod stripe;

pub use auth::{AccessClaims, AuthError, AuthService, IssuedToken, MockAuthService};
pub use billing::{
    BillingError, BillingPeriod, BillingService, CheckoutRequest, MockBillingService,
    RedirectSession, WebhookEvent,
};
pub use email::{Email, EmailError, EmailService, MockEmailService, SentEmail};
pub use pick::{
    AuthChoice, BillingChoice, EmailChoice, ServiceChoices, ServiceError, Services, comma_list,
};
#[cfg(feature = "auth-real")]
pub use real_auth::RealAuthService;
#[cfg(feature = "email-smtp")]
pub use smtp::SmtpEmailService;
#[cfg(feature = "billing-stripe")]
pub use stripe::StripeBillingService;
