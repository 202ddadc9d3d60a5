//! The real [`BillingService`]: Stripe's REST API over reqwest (form-encoded
//! requests, secret key as Bearer). The base URL is configurable
//! (`--stripe-api-base`), so tests point it at a MockBird project that mimics
//! Stripe. Subscriptions carry `metadata[orgId]` and `metadata[tier]`, which is
//! how they are found again and how webhooks name their organization.

use std::time::Duration;

use crate::model::{Invoice, Subscription, SubscriptionStatus};
use crate::service::{
    BillingError, BillingPeriod, BillingService, CheckoutRequest, RedirectSession, WebhookEvent,
    billing::verify_stripe_signature,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// Stripe's API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Billing on Stripe.
#[derive(Clone)]
pub struct StripeBillingService {
    http: reqwest::Client,
    base: String,
    secret_key: String,
    webhook_secrets: Vec<String>,
}

impl std::fmt::Debug for StripeBillingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeBillingService")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn provider(e: impl std::fmt::Display) -> BillingError {
    BillingError::Provider(e.to_string())
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_i64().and_then(|t| DateTime::from_timestamp(t, 0))
}

/// A Stripe subscription object as ours (`None` without `metadata.orgId`).
pub fn subscription_from(object: &Value) -> Option<Subscription> {
    let org_id = Uuid::parse_str(object["metadata"]["orgId"].as_str()?).ok()?;
    let status = match object["status"].as_str().unwrap_or_default() {
        "active" => SubscriptionStatus::Active,
        "trialing" => SubscriptionStatus::Trialing,
        "past_due" | "unpaid" => SubscriptionStatus::PastDue,
        "canceled" | "incomplete_expired" => SubscriptionStatus::Canceled,
        _ => SubscriptionStatus::Incomplete,
    };
    // Newer API versions keep the period on the items.
    let period_end = time(&object["current_period_end"])
        .or_else(|| time(&object["items"]["data"][0]["current_period_end"]));
    Some(Subscription {
        org_id,
        tier: object["metadata"]["tier"]
            .as_str()
            .unwrap_or("pro")
            .to_owned(),
        status,
        current_period_end: period_end,
        cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
        customer_id: object["customer"].as_str().map(str::to_owned),
        provider_subscription_id: object["id"].as_str().map(str::to_owned),
        updated_at: crate::clock::now(),
    })
}

/// A Stripe invoice object as ours, for `org_id`.
pub fn invoice_from(object: &Value, org_id: Uuid) -> Option<Invoice> {
    let amount = object["amount_paid"]
        .as_u64()
        .filter(|a| *a > 0)
        .or_else(|| object["amount_due"].as_u64())
        .unwrap_or(0);
    let created = time(&object["created"]).unwrap_or_else(crate::clock::now);
    Some(Invoice {
        id: object["id"].as_str()?.to_owned(),
        org_id,
        amount_cents: amount,
        currency: object["currency"].as_str().unwrap_or("usd").to_owned(),
        status: object["status"].as_str().unwrap_or("open").to_owned(),
        period_start: time(&object["period_start"]).unwrap_or(created),
        period_end: time(&object["period_end"]).unwrap_or(created),
        created_at: created,
    })
}

impl StripeBillingService {
    /// A client for the API at `base` with `secret_key`, verifying webhooks with any of `webhook_secrets`.
    pub fn new(base: &str, secret_key: &str, webhook_secrets: Vec<String>) -> Self {
        StripeBillingService {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
            webhook_secrets,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, BillingError> {
        let res = req
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(provider)?;
        let status = res.status();
        let body: Value = res.json().await.map_err(provider)?;
        if status.is_success() {
            Ok(body)
        } else {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            Err(BillingError::Provider(format!(
                "stripe answered {status}: {message}"
            )))
        }
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, BillingError> {
        self.send(self.http.get(format!("{}{path}", self.base)).query(query))
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<Value, BillingError> {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// The organization's newest subscription object, found by its metadata.
    async fn find(&self, org_id: Uuid) -> Result<Option<Value>, BillingError> {
        let found = self
            .get(
                "/v1/subscriptions/search",
                &[("query", format!("metadata['orgId']:'{org_id}'"))],
            )
            .await?;
        Ok(found["data"].as_array().and_then(|d| d.first()).cloned())
    }
}

#[async_trait]
impl BillingService for StripeBillingService {
    async fn create_checkout(&self, req: CheckoutRequest) -> Result<RedirectSession, BillingError> {
        let interval = match req.period {
            BillingPeriod::Monthly => "month",
            BillingPeriod::Yearly => "year",
        };
        let org = req.org_id.to_string();
        let session = self
            .post(
                "/v1/checkout/sessions",
                &[
                    ("mode", "subscription".into()),
                    ("success_url", req.success_url),
                    ("cancel_url", req.cancel_url),
                    ("customer_email", req.customer_email),
                    ("client_reference_id", org.clone()),
                    ("line_items[0][quantity]", "1".into()),
                    ("line_items[0][price_data][currency]", "usd".into()),
                    (
                        "line_items[0][price_data][unit_amount]",
                        req.amount_cents.to_string(),
                    ),
                    (
                        "line_items[0][price_data][recurring][interval]",
                        interval.into(),
                    ),
                    (
                        "line_items[0][price_data][product_data][name]",
                        format!("MockBird {}", req.tier),
                    ),
                    ("metadata[orgId]", org.clone()),
                    ("metadata[tier]", req.tier.clone()),
                    ("subscription_data[metadata][orgId]", org),
                    ("subscription_data[metadata][tier]", req.tier),
                ],
            )
            .await?;
        let url = session["url"]
            .as_str()
            .ok_or_else(|| provider("checkout session without url"))?;
        Ok(RedirectSession {
            url: url.to_owned(),
            mock_mode: false,
        })
    }

    async fn cancel(&self, org_id: Uuid) -> Result<Subscription, BillingError> {
        let sub = self
            .find(org_id)
            .await?
            .filter(|s| s["status"] != "canceled")
            .ok_or_else(|| BillingError::Invalid("no active subscription to cancel".into()))?;
        let id = sub["id"].as_str().unwrap_or_default();
        let updated = self
            .post(
                &format!("/v1/subscriptions/{id}"),
                &[("cancel_at_period_end", "true".into())],
            )
            .await?;
        subscription_from(&updated).ok_or_else(|| provider("subscription without metadata.orgId"))
    }

    async fn subscription(&self, org_id: Uuid) -> Result<Option<Subscription>, BillingError> {
        Ok(self
            .find(org_id)
            .await?
            .as_ref()
            .and_then(subscription_from))
    }

    async fn invoices(&self, org_id: Uuid) -> Result<Vec<Invoice>, BillingError> {
        let Some(customer) = self
            .find(org_id)
            .await?
            .and_then(|s| s["customer"].as_str().map(str::to_owned))
        else {
            return Ok(Vec::new());
        };
        let list = self
            .get(
                "/v1/invoices",
                &[("customer", customer), ("limit", "24".into())],
            )
            .await?;
        Ok(list["data"]
            .as_array()
            .map(|d| d.iter().filter_map(|i| invoice_from(i, org_id)).collect())
            .unwrap_or_default())
    }

    async fn update_payment(
        &self,
        org_id: Uuid,
        return_url: &str,
    ) -> Result<RedirectSession, BillingError> {
        let customer = self
            .find(org_id)
            .await?
            .and_then(|s| s["customer"].as_str().map(str::to_owned))
            .ok_or_else(|| BillingError::Invalid("no subscription: nothing to update".into()))?;
        let portal = self
            .post(
                "/v1/billing_portal/sessions",
                &[
                    ("customer", customer),
                    ("return_url", return_url.to_owned()),
                ],
            )
            .await?;
        let url = portal["url"]
            .as_str()
            .ok_or_else(|| provider("portal session without url"))?;
        Ok(RedirectSession {
            url: url.to_owned(),
            mock_mode: false,
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
        false
    }
}
