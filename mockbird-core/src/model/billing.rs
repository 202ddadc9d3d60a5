//! Plans, subscriptions, invoices and billing events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A plan tier and its limits; `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Name (`free`, `pro`, `team`, …).
    pub tier: String,
    /// Monthly price in cents.
    pub price_monthly_cents: u32,
    /// Yearly price in cents.
    pub price_yearly_cents: u32,
    /// Mocks across all projects of the organization.
    pub endpoint_limit: Option<u32>,
    /// `/m/` requests per calendar month.
    pub request_limit: Option<u64>,
    /// Days logs are kept.
    pub log_retention_days: Option<u32>,
    /// Token-bucket refill per mock and client IP.
    pub burst_per_second: Option<u32>,
}

impl Plan {
    /// The default plans of docs/http-api.md: free, pro, team.
    pub fn defaults() -> Vec<Plan> {
        vec![
            Plan {
                tier: "free".into(),
                price_monthly_cents: 0,
                price_yearly_cents: 0,
                endpoint_limit: Some(3),
                request_limit: Some(1_000),
                log_retention_days: Some(7),
                burst_per_second: Some(20),
            },
            Plan {
                tier: "pro".into(),
                price_monthly_cents: 900,
                price_yearly_cents: 9_000,
                endpoint_limit: Some(50),
                request_limit: Some(100_000),
                log_retention_days: Some(30),
                burst_per_second: Some(100),
            },
            Plan {
                tier: "team".into(),
                price_monthly_cents: 2_900,
                price_yearly_cents: 29_000,
                endpoint_limit: None,
                request_limit: Some(1_000_000),
                log_retention_days: Some(90),
                burst_per_second: Some(500),
            },
        ]
    }
}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Paid and running.
    Active,
    /// In a trial.
    Trialing,
    /// A payment failed; still running for now.
    PastDue,
    /// Ended.
    Canceled,
    /// Checkout not finished.
    Incomplete,
}

/// An organization's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// The organization.
    pub org_id: Uuid,
    /// Plan tier.
    pub tier: String,
    /// State.
    pub status: SubscriptionStatus,
    /// End of the paid period.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Ends at period end instead of renewing.
    pub cancel_at_period_end: bool,
    /// Payment provider's customer id.
    pub customer_id: Option<String>,
    /// Payment provider's subscription id.
    pub provider_subscription_id: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    /// Identifier (the provider's, e.g. `in_…`).
    pub id: String,
    /// The organization billed.
    pub org_id: Uuid,
    /// Amount in cents.
    pub amount_cents: u64,
    /// ISO currency, lower-case.
    pub currency: String,
    /// `paid`, `open`, `void`, `uncollectible`.
    pub status: String,
    /// Start of the period billed.
    pub period_start: DateTime<Utc>,
    /// End of the period billed.
    pub period_end: DateTime<Utc>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

/// A payment-provider event, kept so that each is applied once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingEvent {
    /// The provider's event id (e.g. `evt_…`); unique.
    pub id: String,
    /// Event type, e.g. `invoice.paid`.
    pub event_type: String,
    /// The organization concerned, when known.
    pub org_id: Option<Uuid>,
    /// The raw event.
    pub payload: serde_json::Value,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}
