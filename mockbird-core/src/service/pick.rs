//! Choosing each service's implementation — the mock by default, the real
//! one when asked for — from the environment or from an app's own settings.
//!
//! | variable | values | with it |
//! |---|---|---|
//! | `MOCKBIRD_AUTH` | `mock` (default), `real` (feature `auth-real`) | `MOCKBIRD_JWT_SECRET` (required for `real`), `MOCKBIRD_HASH_CONCURRENCY` (default 4) |
//! | `MOCKBIRD_BILLING` | `mock` (default), `stripe` (feature `billing-stripe`) | `MOCKBIRD_STRIPE_SECRET_KEY`, `MOCKBIRD_STRIPE_WEBHOOK_SECRET` (comma-separated), `MOCKBIRD_STRIPE_API_BASE` |
//! | `MOCKBIRD_EMAIL` | `mock` (default), `smtp` (feature `email-smtp`) | `MOCKBIRD_SMTP_URL`, `MOCKBIRD_EMAIL_FROM` |
//!
//! ```
//! use mockbird_core::service::Services;
//!
//! // Nothing set: every service is its mock.
//! let services = Services::from_lookup(|_| None).unwrap();
//! assert_eq!(services.summary(), "auth: mock, billing: mock, email: mock");
//! assert!(services.any_mock());
//! ```

use std::sync::Arc;

use super::{
    AuthService, BillingService, EmailService, MockAuthService, MockBillingService,
    MockEmailService,
};

/// Which authentication to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChoice {
    /// [`MockAuthService`]: fast hashing, tokens any instance of it accepts.
    Mock,
    /// argon2id + HS256 JWT (feature `auth-real`).
    Real {
        /// The JWT signing secret.
        secret: Vec<u8>,
        /// Passwords hashed at once at most.
        concurrency: usize,
    },
}

/// Which billing to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingChoice {
    /// [`MockBillingService`], verifying webhooks with these secrets (none: webhooks off).
    Mock {
        /// Webhook signing secrets.
        webhook_secrets: Vec<String>,
    },
    /// Stripe's API (feature `billing-stripe`).
    Stripe {
        /// API base URL (Stripe's, or a MockBird project standing in for it).
        api_base: String,
        /// The secret key.
        secret_key: String,
        /// Webhook signing secrets (at least one).
        webhook_secrets: Vec<String>,
    },
}

/// Which email to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChoice {
    /// [`MockEmailService`]: an outbox in memory.
    Mock,
    /// SMTP (feature `email-smtp`).
    Smtp {
        /// `smtp://` or `smtps://` URL with credentials.
        url: String,
        /// The `From` address.
        from: String,
    },
}

/// A choice for every service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChoices {
    /// Authentication.
    pub auth: AuthChoice,
    /// Billing.
    pub billing: BillingChoice,
    /// Email.
    pub email: EmailChoice,
}

impl Default for ServiceChoices {
    /// Every service its mock.
    fn default() -> Self {
        ServiceChoices {
            auth: AuthChoice::Mock,
            billing: BillingChoice::Mock {
                webhook_secrets: Vec::new(),
            },
            email: EmailChoice::Mock,
        }
    }
}

/// A choice that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// A setting is missing or malformed.
    #[error("{0}")]
    Config(String),
    /// The real implementation was asked for but this build leaves it out.
    #[error("{variable}={value} needs mockbird-core built with the `{feature}` feature")]
    NotBuilt {
        /// The variable (or setting) that asked for it.
        variable: &'static str,
        /// Its value.
        value: &'static str,
        /// The cargo feature that brings it.
        feature: &'static str,
    },
}

/// The non-empty, trimmed items of a comma-separated setting (`a, b,,c`).
pub fn comma_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ServiceChoices {
    /// The choices the `MOCKBIRD_*` environment variables make (see the module table).
    pub fn from_env() -> Result<Self, ServiceError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The choices `get` (a variable's value by name) makes; unset means mock.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ServiceError> {
        let need = |name: &str, why: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ServiceError::Config(format!("{why} needs {name}")))
        };
        let auth = match get("MOCKBIRD_AUTH").as_deref() {
            None | Some("" | "mock") => AuthChoice::Mock,
            Some("real") => AuthChoice::Real {
                secret: need("MOCKBIRD_JWT_SECRET", "MOCKBIRD_AUTH=real")?.into_bytes(),
                concurrency: match get("MOCKBIRD_HASH_CONCURRENCY") {
                    None => 4,
                    Some(n) => n.parse().map_err(|_| {
                        ServiceError::Config("MOCKBIRD_HASH_CONCURRENCY must be a number".into())
                    })?,
                },
            },
            Some(other) => {
                return Err(ServiceError::Config(format!(
                    "MOCKBIRD_AUTH must be mock or real, not {other:?}"
                )));
            }
        };
        let webhook_secrets =
            comma_list(&get("MOCKBIRD_STRIPE_WEBHOOK_SECRET").unwrap_or_default());
        let billing = match get("MOCKBIRD_BILLING").as_deref() {
            None | Some("" | "mock") => BillingChoice::Mock { webhook_secrets },
            Some("stripe") => BillingChoice::Stripe {
                api_base: get("MOCKBIRD_STRIPE_API_BASE")
                    .unwrap_or_else(|| "https://api.stripe.com".to_owned()),
                secret_key: need("MOCKBIRD_STRIPE_SECRET_KEY", "MOCKBIRD_BILLING=stripe")?,
                webhook_secrets,
            },
            Some(other) => {
                return Err(ServiceError::Config(format!(
                    "MOCKBIRD_BILLING must be mock or stripe, not {other:?}"
                )));
            }
        };
        let email = match get("MOCKBIRD_EMAIL").as_deref() {
            None | Some("" | "mock") => EmailChoice::Mock,
            Some("smtp") => EmailChoice::Smtp {
                url: need("MOCKBIRD_SMTP_URL", "MOCKBIRD_EMAIL=smtp")?,
                from: get("MOCKBIRD_EMAIL_FROM")
                    .unwrap_or_else(|| "MockBird <noreply@mockbird.local>".to_owned()),
            },
            Some(other) => {
                return Err(ServiceError::Config(format!(
                    "MOCKBIRD_EMAIL must be mock or smtp, not {other:?}"
                )));
            }
        };
        Ok(ServiceChoices {
            auth,
            billing,
            email,
        })
    }

    /// Builds the chosen implementations.
    pub fn build(self) -> Result<Services, ServiceError> {
        let auth: Arc<dyn AuthService> = match self.auth {
            AuthChoice::Mock => Arc::new(MockAuthService::default()),
            #[cfg(feature = "auth-real")]
            AuthChoice::Real {
                secret,
                concurrency,
            } => Arc::new(super::RealAuthService::new(&secret, concurrency)),
            #[cfg(not(feature = "auth-real"))]
            AuthChoice::Real { .. } => {
                return Err(ServiceError::NotBuilt {
                    variable: "MOCKBIRD_AUTH",
                    value: "real",
                    feature: "auth-real",
                });
            }
        };
        let billing: Arc<dyn BillingService> = match self.billing {
            BillingChoice::Mock { webhook_secrets } => {
                Arc::new(MockBillingService::with_secrets(webhook_secrets))
            }
            #[cfg(feature = "billing-stripe")]
            BillingChoice::Stripe {
                api_base,
                secret_key,
                webhook_secrets,
            } => {
                if webhook_secrets.is_empty() {
                    return Err(ServiceError::Config(
                        "MOCKBIRD_BILLING=stripe needs MOCKBIRD_STRIPE_WEBHOOK_SECRET".into(),
                    ));
                }
                Arc::new(super::StripeBillingService::new(
                    &api_base,
                    &secret_key,
                    webhook_secrets,
                ))
            }
            #[cfg(not(feature = "billing-stripe"))]
            BillingChoice::Stripe { .. } => {
                return Err(ServiceError::NotBuilt {
                    variable: "MOCKBIRD_BILLING",
                    value: "stripe",
                    feature: "billing-stripe",
                });
            }
        };
        let (email, outbox): (Arc<dyn EmailService>, _) = match self.email {
            EmailChoice::Mock => {
                let mock = Arc::new(MockEmailService::new());
                (mock.clone(), Some(mock))
            }
            #[cfg(feature = "email-smtp")]
            EmailChoice::Smtp { url, from } => (
                Arc::new(super::SmtpEmailService::new(&url, &from).map_err(ServiceError::Config)?),
                None,
            ),
            #[cfg(not(feature = "email-smtp"))]
            EmailChoice::Smtp { .. } => {
                return Err(ServiceError::NotBuilt {
                    variable: "MOCKBIRD_EMAIL",
                    value: "smtp",
                    feature: "email-smtp",
                });
            }
        };
        Ok(Services {
            auth,
            billing,
            email,
            outbox,
        })
    }
}

/// The services an app runs, each a mock or the real thing.
#[derive(Debug, Clone)]
pub struct Services {
    /// Authentication.
    pub auth: Arc<dyn AuthService>,
    /// Billing.
    pub billing: Arc<dyn BillingService>,
    /// Email.
    pub email: Arc<dyn EmailService>,
    /// The mock email's outbox (to read what was "sent"), when email is the mock.
    pub outbox: Option<Arc<MockEmailService>>,
}

impl Services {
    /// The services the environment chooses ([`ServiceChoices::from_env`]).
    pub fn from_env() -> Result<Self, ServiceError> {
        ServiceChoices::from_env()?.build()
    }

    /// The services `get` chooses ([`ServiceChoices::from_lookup`]).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ServiceError> {
        ServiceChoices::from_lookup(get)?.build()
    }

    /// Which are mocks, for the startup line: `auth: mock, billing: real, email: mock`.
    pub fn summary(&self) -> String {
        let mode = |mock: bool| if mock { "mock" } else { "real" };
        format!(
            "auth: {}, billing: {}, email: {}",
            mode(self.auth.is_mock()),
            mode(self.billing.is_mock()),
            mode(self.email.is_mock())
        )
    }

    /// Whether any service is a mock (what `"mockMode": true` says).
    pub fn any_mock(&self) -> bool {
        self.auth.is_mock() || self.billing.is_mock() || self.email.is_mock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn unset_is_mock_and_bad_values_are_named() {
        assert_eq!(
            ServiceChoices::from_lookup(env(&[])).unwrap(),
            ServiceChoices::default()
        );
        let e = ServiceChoices::from_lookup(env(&[("MOCKBIRD_EMAIL", "pigeon")])).unwrap_err();
        assert!(e.to_string().contains("MOCKBIRD_EMAIL"), "{e}");
        let e = ServiceChoices::from_lookup(env(&[("MOCKBIRD_AUTH", "real")])).unwrap_err();
        assert!(e.to_string().contains("MOCKBIRD_JWT_SECRET"), "{e}");
        let e = ServiceChoices::from_lookup(env(&[("MOCKBIRD_BILLING", "stripe")])).unwrap_err();
        assert!(e.to_string().contains("MOCKBIRD_STRIPE_SECRET_KEY"), "{e}");
    }

    #[test]
    fn one_variable_switches_one_service() {
        let vars = [
            ("MOCKBIRD_EMAIL", "smtp"),
            ("MOCKBIRD_SMTP_URL", "smtp://127.0.0.1:2525"),
        ];
        let choices = ServiceChoices::from_lookup(env(&vars)).unwrap();
        assert_eq!(choices.auth, AuthChoice::Mock);
        assert!(matches!(choices.email, EmailChoice::Smtp { .. }));
        match choices.build() {
            Ok(services) => {
                assert_eq!(services.summary(), "auth: mock, billing: mock, email: real");
                assert!(services.outbox.is_none());
            }
            Err(e) => assert!(
                !cfg!(feature = "email-smtp") && e.to_string().contains("email-smtp"),
                "{e}"
            ),
        }
    }
}
