//! Billing: checkout, subscriptions, invoices and signed webhooks.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Months, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::model::{Invoice, Subscription, SubscriptionStatus};

/// Why a billing call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BillingError {
    /// The webhook signature is missing, malformed, wrong or too old.
    #[error("invalid webhook signature: {0}")]
    InvalidSignature(&'static str),
    /// The request makes no sense (unknown tier, no subscription to cancel, …).
    #[error("{0}")]
    Invalid(String),
    /// The payment provider failed or could not be reached.
    #[error("billing provider failed: {0}")]
    Provider(String),
}

/// Monthly or yearly billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BillingPeriod {
    /// Billed every month.
    Monthly,
    /// Billed every year.
    Yearly,
}

/// What a checkout is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// The organization subscribing.
    pub org_id: Uuid,
    /// Tier bought (`pro`, `team`).
    pub tier: String,
    /// Billing period.
    pub period: BillingPeriod,
    /// Price in cents for that period.
    pub amount_cents: u32,
    /// Billing email.
    pub customer_email: String,
    /// Where the provider sends the user after paying.
    pub success_url: String,
    /// Where the provider sends the user after giving up.
    pub cancel_url: String,
}

/// A page the user is sent to (checkout, payment-method update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectSession {
    /// The page.
    pub url: String,
    /// True when produced by the mock.
    pub mock_mode: bool,
}

/// A verified webhook event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Provider event id (`evt_…`).
    pub id: String,
    /// Event type (`invoice.paid`, …).
    pub event_type: String,
    /// The event's `data.object`.
    pub object: serde_json::Value,
    /// The raw event.
    pub payload: serde_json::Value,
}

/// The payment provider.
#[async_trait]
pub trait BillingService: Send + Sync + std::fmt::Debug {
    /// Starts a checkout and returns the page to send the user to.
    async fn create_checkout(&self, req: CheckoutRequest) -> Result<RedirectSession, BillingError>;
    /// Cancels at period end; returns the updated subscription.
    async fn cancel(&self, org_id: Uuid) -> Result<Subscription, BillingError>;
    /// The provider's view of the subscription, if there is one.
    async fn subscription(&self, org_id: Uuid) -> Result<Option<Subscription>, BillingError>;
    /// The provider's invoices, newest first.
    async fn invoices(&self, org_id: Uuid) -> Result<Vec<Invoice>, BillingError>;
    /// A page where the user updates the payment method.
    async fn update_payment(
        &self,
        org_id: Uuid,
        return_url: &str,
    ) -> Result<RedirectSession, BillingError>;
    /// Verifies a webhook's `Stripe-Signature` and parses the event.
    fn verify_webhook(
        &self,
        payload: &[u8],
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, BillingError>;
    /// Whether this is the mock implementation.
    fn is_mock(&self) -> bool;
}

/// Largest age of a webhook signature, in seconds.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`): HMAC-SHA256 over
/// `{t}.{payload}` with any of `secrets` (rotation), compared in constant time,
/// `t` within 300 s of `now`; then parses the event.
pub fn verify_stripe_signature(
    payload: &[u8],
    header: &str,
    secrets: &[String],
    now: DateTime<Utc>,
) -> Result<WebhookEvent, BillingError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let t = timestamp.ok_or(BillingError::InvalidSignature("no timestamp"))?;
    if signatures.is_empty() {
        return Err(BillingError::InvalidSignature("no v1 signature"));
    }
    if (now.timestamp() - t).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err(BillingError::InvalidSignature(
            "timestamp outside tolerance",
        ));
    }
    let valid = secrets.iter().any(|secret| {
        let expected = sign(secret, t, payload);
        signatures
            .iter()
            .any(|s| crate::token::constant_time_eq(expected.as_bytes(), s.as_bytes()))
    });
    if !valid {
        return Err(BillingError::InvalidSignature("no signature matches"));
    }
    let payload: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|_| BillingError::Invalid("webhook body is not JSON".into()))?;
    let id = payload["id"]
        .as_str()
        .ok_or_else(|| BillingError::Invalid("event has no id".into()))?
        .to_owned();
    let event_type = payload["type"]
        .as_str()
        .ok_or_else(|| BillingError::Invalid("event has no type".into()))?
        .to_owned();
    Ok(WebhookEvent {
        id,
        event_type,
        object: payload["data"]["object"].clone(),
        payload,
    })
}

/// The `v1` signature of a payload, as hex (also for tests that send webhooks).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Default)]
struct MockState {
    subscriptions: HashMap<Uuid, Subscription>,
    invoices: HashMap<Uuid, Vec<Invoice>>,
}

/// Mock billing: a checkout succeeds at once (the subscription becomes active
/// on the tier and a paid invoice appears), cancel and invoices work on that
/// state, and webhooks are verified with the configured secret like the real ones.
/// Every redirect says `mockMode: true`.
#[derive(Debug)]
pub struct MockBillingService {
    webhook_secrets: Vec<String>,
    state: Mutex<MockState>,
}

impl MockBillingService {
    /// A mock verifying webhooks with `webhook_secret`.
    pub fn new(webhook_secret: impl Into<String>) -> Self {
        Self::with_secrets(vec![webhook_secret.into()])
    }

    /// A mock verifying webhooks with any of `webhook_secrets` (rotation).
    pub fn with_secrets(webhook_secrets: Vec<String>) -> Self {
        MockBillingService {
            webhook_secrets,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// No webhook secret: every webhook is refused (there is no built-in secret).
impl Default for MockBillingService {
    fn default() -> Self {
        Self::with_secrets(Vec::new())
    }
}

#[async_trait]
impl BillingService for MockBillingService {
    async fn create_checkout(&self, req: CheckoutRequest) -> Result<RedirectSession, BillingError> {
        if req.tier.is_empty() {
            return Err(BillingError::Invalid("tier is required".into()));
        }
        let now = crate::clock::now();
        let months = if req.period == BillingPeriod::Yearly {
            12
        } else {
            1
        };
        let period_end = now
            .checked_add_months(Months::new(months))
            .unwrap_or(now + Duration::days(30));
        let session = format!("mock_cs_{}", crate::token::random_hex(12));
        let mut state = self.state();
        state.subscriptions.insert(
            req.org_id,
            Subscription {
                org_id: req.org_id,
                tier: req.tier.clone(),
                status: SubscriptionStatus::Active,
                current_period_end: Some(period_end),
                cancel_at_period_end: false,
                customer_id: Some(format!("mock_cus_{}", req.org_id.simple())),
                provider_subscription_id: Some(format!("mock_sub_{}", crate::token::random_hex(8))),
                updated_at: now,
            },
        );
        state.invoices.entry(req.org_id).or_default().insert(
            0,
            Invoice {
                id: format!("mock_in_{}", crate::token::random_hex(8)),
                org_id: req.org_id,
                amount_cents: u64::from(req.amount_cents),
                currency: "usd".into(),
                status: "paid".into(),
                period_start: now,
                period_end,
                created_at: now,
            },
        );
        let sep = if req.success_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(RedirectSession {
            url: format!("{}{sep}session_id={session}", req.success_url),
            mock_mode: true,
        })
    }

    async fn cancel(&self, org_id: Uuid) -> Result<Subscription, BillingError> {
        let mut state = self.state();
        let sub = state
            .subscriptions
            .get_mut(&org_id)
            .filter(|s| s.status != SubscriptionStatus::Canceled)
            .ok_or_else(|| BillingError::Invalid("no active subscription to cancel".into()))?;
        sub.cancel_at_period_end = true;
        sub.updated_at = crate::clock::now();
        Ok(sub.clone())
    }

    async fn subscription(&self, org_id: Uuid) -> Result<Option<Subscription>, BillingError> {
        Ok(self.state().subscriptions.get(&org_id).cloned())
    }

    async fn invoices(&self, org_id: Uuid) -> Result<Vec<Invoice>, BillingError> {
        Ok(self
            .state()
            .invoices
            .get(&org_id)
            .cloned()
            .unwrap_or_default())
    }

    async fn update_payment(
        &self,
        _org_id: Uuid,
        return_url: &str,
    ) -> Result<RedirectSession, BillingError> {
        let sep = if return_url.contains('?') { '&' } else { '?' };
        Ok(RedirectSession {
            url: format!("{return_url}{sep}mock_portal=1"),
            mock_mode: true,
        })
    }

    fn verify_webhook(
        &self,
        payload: &[u8],
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, BillingError> {
        verify_stripe_signature(payload, signature, &self.webhook_secrets, now)
    }

    fn is_mock(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkout(org: Uuid) -> CheckoutRequest {
        CheckoutRequest {
            org_id: org,
            tier: "pro".into(),
            period: BillingPeriod::Monthly,
            amount_cents: 900,
            customer_email: "a@b.co".into(),
            success_url: "https://app.test/billing".into(),
            cancel_url: "https://app.test/billing?canceled".into(),
        }
    }

    #[tokio::test]
    async fn checkout_activates_and_cancel_keeps_state() {
        let billing = MockBillingService::default();
        let org = Uuid::new_v4();
        assert_eq!(billing.subscription(org).await.unwrap(), None);
        let session = billing.create_checkout(checkout(org)).await.unwrap();
        assert!(session.mock_mode);
        assert!(
            session
                .url
                .starts_with("https://app.test/billing?session_id=mock_cs_")
        );
        let sub = billing.subscription(org).await.unwrap().unwrap();
        assert_eq!(
            (sub.tier.as_str(), sub.status),
            ("pro", SubscriptionStatus::Active)
        );
        assert_eq!(billing.invoices(org).await.unwrap()[0].amount_cents, 900);
        let canceled = billing.cancel(org).await.unwrap();
        assert!(canceled.cancel_at_period_end);
        assert!(billing.cancel(Uuid::new_v4()).await.is_err());
    }

    #[test]
    fn webhook_signatures_are_checked() {
        let billing = MockBillingService::new("whsec_test");
        let body = br#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}"#;
        let now = Utc::now();
        let t = now.timestamp();
        let good = format!("t={t},v1={}", sign("whsec_test", t, body));
        let event = billing.verify_webhook(body, &good, now).unwrap();
        assert_eq!(
            (event.id.as_str(), event.event_type.as_str()),
            ("evt_1", "invoice.paid")
        );
        assert_eq!(event.object["id"], "in_1");
        let rotated = format!(
            "t={t},v1={},v1={}",
            sign("old", t, body),
            sign("whsec_test", t, body)
        );
        assert!(
            billing.verify_webhook(body, &rotated, now).is_ok(),
            "any v1 may match"
        );
        let wrong = format!("t={t},v1={}", sign("other", t, body));
        assert!(billing.verify_webhook(body, &wrong, now).is_err());
        let old = format!("t={},v1={}", t - 301, sign("whsec_test", t - 301, body));
        assert!(
            billing.verify_webhook(body, &old, now).is_err(),
            "older than 300 s"
        );
        assert!(
            billing.verify_webhook(b"{}", &good, now).is_err(),
            "payload changed"
        );
        assert!(billing.verify_webhook(body, "garbage", now).is_err());
    }
}
