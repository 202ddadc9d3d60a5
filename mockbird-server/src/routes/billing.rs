//! `/api/billing/*` with the configured [`BillingService`](mockbird_core::service::BillingService).
//! Subscriptions and invoices are copied into the store, so they survive restarts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use http::{HeaderMap, StatusCode};
use mockbird_core::ValidationError;
use mockbird_core::model::{Invoice, Role, Subscription, SubscriptionStatus};
use mockbird_core::service::{BillingError, BillingPeriod, CheckoutRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, OptionalJson, parse_id};
use crate::openapi::errors;
use crate::state::AppState;

/// `?orgId=` or `{"orgId": …}`.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct OrgRef {
    /// The organization; default the caller's default organization.
    #[param(value_type = Option<Uuid>)]
    #[schema(value_type = Option<Uuid>)]
    org_id: Option<String>,
}

async fn org_for(
    state: &AppState,
    caller: &Caller,
    raw: Option<&str>,
    min: Role,
) -> ApiResult<Uuid> {
    let org = match raw {
        Some(raw) => parse_id(raw, ApiError::not_found)?,
        None => caller.default_org(state).await?,
    };
    require_role(state, caller, org, min, ApiError::not_found).await?;
    Ok(org)
}

fn billing_err(e: BillingError) -> ApiError {
    match e {
        BillingError::Invalid(m) => ApiError::bad_request(m),
        other => ApiError::internal(other),
    }
}

/// A subscription as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionView {
    /// The organization.
    pub org_id: Uuid,
    /// Plan tier.
    pub tier: String,
    /// State.
    pub status: SubscriptionStatus,
    /// End of the paid period; none on a plan without payment.
    pub current_period_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Ends at the period's end instead of renewing.
    pub cancel_at_period_end: bool,
    /// True when billing is the built-in mock (no money moves).
    pub mock_mode: bool,
}

impl SubscriptionView {
    fn new(state: &AppState, sub: &Subscription) -> Self {
        SubscriptionView {
            org_id: sub.org_id,
            tier: sub.tier.clone(),
            status: sub.status,
            current_period_end: sub.current_period_end,
            cancel_at_period_end: sub.cancel_at_period_end,
            mock_mode: state.billing.is_mock(),
        }
    }
}

/// Where to send the user's browser next (checkout, payment-method page).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Redirect {
    /// The provider's page (the mock's completes at once).
    pub url: String,
    /// True when billing is the built-in mock.
    pub mock_mode: bool,
}

/// What the webhook did with an event.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookReceipt {
    /// Always true: the signature was good.
    pub received: bool,
    /// The event id was seen before (nothing applied again).
    pub duplicate: bool,
    /// The event changed a subscription, invoice or plan.
    pub applied: bool,
}

/// An organization's usage this month against its plan.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Usage {
    /// The organization.
    pub org_id: Uuid,
    /// Its plan tier.
    pub plan: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// `/m/` requests counted this month.
    pub request_count: u64,
    /// The plan's monthly request quota; none for unlimited.
    pub request_limit: Option<u64>,
    /// Mocks across its projects.
    pub endpoint_count: u32,
    /// The plan's mock cap; none for unlimited.
    pub endpoint_limit: Option<u32>,
    /// Response bytes served this month.
    pub bandwidth_bytes: u64,
}

/// The stored subscription, or the plan the organization is on with no payment.
async fn current(state: &AppState, org: Uuid) -> ApiResult<Subscription> {
    match state.store.subscription(org).await {
        Ok(s) => Ok(s),
        Err(mockbird_core::store::StoreError::NotFound { .. }) => {
            let o = state.store.org(org).await?;
            Ok(Subscription {
                org_id: org,
                tier: o.plan,
                status: SubscriptionStatus::Active,
                current_period_end: None,
                cancel_at_period_end: false,
                customer_id: None,
                provider_subscription_id: None,
                updated_at: o.created_at,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/billing/subscription`.
#[utoipa::path(
    get,
    path = "/api/billing/subscription",
    operation_id = "getSubscription",
    tag = "billing",
    summary = "The organization's subscription",
    params(OrgRef),
    responses(
        (status = 200, description = "The subscription (or the plan without payment)", body = SubscriptionView),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn subscription(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<SubscriptionView>> {
    let org = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    Ok(Json(SubscriptionView::new(
        &state,
        &current(&state, org).await?,
    )))
}

/// Checkout body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Checkout {
    /// The organization (its owner); default the caller's default organization.
    #[schema(value_type = Option<Uuid>)]
    org_id: Option<String>,
    /// A paid plan's tier (the server's plans: `GET /api/plans`).
    #[schema(value_type = String, required)]
    tier: Option<String>,
    /// Default `monthly`.
    #[schema(value_type = Option<String>, pattern = "^(monthly|yearly)$")]
    period: Option<String>,
}

/// `POST /api/billing/create-checkout` (owner).
#[utoipa::path(
    post,
    path = "/api/billing/create-checkout",
    operation_id = "createCheckout",
    tag = "billing",
    summary = "Start a checkout (owner)",
    request_body = Checkout,
    responses(
        (status = 200, description = "Where to pay; the mock completes at once", body = Redirect),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Checkout>,
) -> ApiResult<Json<Redirect>> {
    let org = org_for(&state, &caller, body.org_id.as_deref(), Role::Owner).await?;
    let mut errors = ValidationError::default();
    let plan = body
        .tier
        .as_deref()
        .filter(|t| *t != "free")
        .and_then(|t| state.plan(t))
        .cloned();
    if plan.is_none() {
        errors.push("tier", "must be a paid plan (pro or team)");
    }
    let period = match body.period.as_deref() {
        Some("monthly") | None => BillingPeriod::Monthly,
        Some("yearly") => BillingPeriod::Yearly,
        Some(_) => {
            errors.push("period", "must be monthly or yearly");
            BillingPeriod::Monthly
        }
    };
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let amount = if period == BillingPeriod::Yearly {
        plan.price_yearly_cents
    } else {
        plan.price_monthly_cents
    };
    let base = &state.settings.public_url;
    let session = state
        .billing
        .create_checkout(CheckoutRequest {
            org_id: org,
            tier: plan.tier.clone(),
            period,
            amount_cents: amount,
            customer_email: caller.user.email.clone(),
            success_url: format!("{base}/billing/success"),
            cancel_url: format!("{base}/billing/cancel"),
        })
        .await
        .map_err(billing_err)?;
    // A mock checkout completes at once: keep its subscription and invoice, and switch the plan.
    sync(&state, org).await?;
    Ok(Json(Redirect {
        url: session.url,
        mock_mode: session.mock_mode,
    }))
}

/// Copies the billing service's subscription and invoices into the store, and the tier into the plan.
async fn sync(state: &AppState, org: Uuid) -> ApiResult<()> {
    if let Some(sub) = state.billing.subscription(org).await.map_err(billing_err)? {
        let active = matches!(
            sub.status,
            SubscriptionStatus::Active | SubscriptionStatus::Trialing
        );
        if active {
            state.change_plan(org, &sub.tier).await?;
        }
        state.store.upsert_subscription(sub).await?;
    }
    for invoice in state.billing.invoices(org).await.map_err(billing_err)? {
        state.store.upsert_invoice(invoice).await?;
    }
    Ok(())
}

/// `POST /api/billing/cancel` (owner): ends at the period's end.
#[utoipa::path(
    post,
    path = "/api/billing/cancel",
    operation_id = "cancelSubscription",
    tag = "billing",
    summary = "Cancel at period end (owner)",
    request_body = Option<OrgRef>,
    responses(
        (status = 200, description = "The subscription, ending at the period's end", body = SubscriptionView),
        (status = 400, response = errors::Invalid),
        (status = 409, description = "CONFLICT: no active subscription to cancel", body = ErrorBody),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<OrgRef>,
) -> ApiResult<Json<SubscriptionView>> {
    let org = org_for(&state, &caller, body.org_id.as_deref(), Role::Owner).await?;
    // Nothing to cancel is a state of the organization, not a bad request.
    let sub = state.billing.cancel(org).await.map_err(|e| match e {
        BillingError::Invalid(m) => ApiError::conflict(m),
        other => billing_err(other),
    })?;
    state.store.upsert_subscription(sub.clone()).await?;
    Ok(Json(SubscriptionView::new(&state, &sub)))
}

/// `GET /api/billing/invoices`.
#[utoipa::path(
    get,
    path = "/api/billing/invoices",
    operation_id = "listInvoices",
    tag = "billing",
    summary = "Invoices",
    params(OrgRef),
    responses(
        (status = 200, description = "Invoices, newest first", body = [Invoice]),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn invoices(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<Vec<Invoice>>> {
    let org = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    Ok(Json(state.store.invoices(org).await?))
}

/// `POST /api/billing/update-payment` (owner).
#[utoipa::path(
    post,
    path = "/api/billing/update-payment",
    operation_id = "updatePaymentMethod",
    tag = "billing",
    summary = "Change the payment method (owner)",
    request_body = Option<OrgRef>,
    responses(
        (status = 200, description = "Where to change it", body = Redirect),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn update_payment(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<OrgRef>,
) -> ApiResult<Json<Redirect>> {
    let org = org_for(&state, &caller, body.org_id.as_deref(), Role::Owner).await?;
    let session = state
        .billing
        .update_payment(org, &format!("{}/billing", state.settings.public_url))
        .await
        .map_err(billing_err)?;
    Ok(Json(Redirect {
        url: session.url,
        mock_mode: session.mock_mode,
    }))
}

/// `POST /api/billing/webhook`: signature checked; each event id recorded once.
#[utoipa::path(
    post,
    path = "/api/billing/webhook",
    operation_id = "receiveBillingWebhook",
    tag = "billing",
    summary = "Payment provider events (Stripe-Signature)",
    params(("Stripe-Signature" = String, Header, description = "The provider's signature of the body")),
    request_body(content = Value, content_type = "application/json", description = "The provider's event, byte for byte"),
    responses(
        (status = 200, description = "Received", body = WebhookReceipt),
        (status = 400, response = errors::Invalid),
        (status = 401, description = "UNAUTHORIZED: the signature does not verify or is stale", body = ErrorBody),
        (status = 404, description = "Webhooks are off: no --stripe-webhook-secret is configured", body = ErrorBody),
    ),
)]
pub(crate) async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookReceipt>> {
    if !state.settings.webhooks {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Webhooks are off: no --stripe-webhook-secret is configured",
        ));
    }
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("Stripe-Signature header is required"))?;
    let event = state
        .billing
        .verify_webhook(&body, signature, chrono::Utc::now())
        // The sender could not be verified: an authentication failure.
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    let org_id = event_org(&event.object);
    let fresh = state
        .store
        .record_billing_event(mockbird_core::model::BillingEvent {
            id: event.id.clone(),
            event_type: event.event_type.clone(),
            org_id,
            payload: event.payload.clone(),
            received_at: mockbird_core::clock::now(),
        })
        .await?;
    // Each event is applied once: a redelivery (same id) changes nothing.
    let applied = match (fresh, org_id) {
        (true, Some(org)) if state.store.org(org).await.is_ok() => {
            match apply_event(&state, org, &event.event_type, &event.object).await {
                Ok(applied) => applied,
                Err(e) => {
                    // Not applied: forget the event so Stripe's retry applies it.
                    if let Err(forget) = state.store.forget_billing_event(&event.id).await {
                        tracing::error!(event = %event.id, error = %forget, "billing event stuck");
                    }
                    return Err(e);
                }
            }
        }
        _ => false,
    };
    Ok(Json(WebhookReceipt {
        received: true,
        duplicate: !fresh,
        applied,
    }))
}

/// The organization an event is about: `metadata.orgId` of the object, of its
/// subscription details (invoices), or the checkout's `client_reference_id`.
fn event_org(object: &Value) -> Option<Uuid> {
    [
        &object["metadata"]["orgId"],
        &object["subscription_details"]["metadata"]["orgId"],
        &object["parent"]["subscription_details"]["metadata"]["orgId"],
        &object["client_reference_id"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
}

/// Applies a verified event to `org`; false for event types MockBird ignores.
async fn apply_event(state: &AppState, org: Uuid, kind: &str, object: &Value) -> ApiResult<bool> {
    let now = mockbird_core::clock::now();
    let default_plan = state.settings.default_plan.clone();
    match kind {
        "checkout.session.completed" => {
            let tier = object["metadata"]["tier"].as_str().unwrap_or("pro");
            if state.plan(tier).is_none() {
                return Ok(false);
            }
            let previous = current(state, org).await?;
            state
                .store
                .upsert_subscription(Subscription {
                    org_id: org,
                    tier: tier.to_owned(),
                    status: SubscriptionStatus::Active,
                    current_period_end: previous.current_period_end,
                    cancel_at_period_end: false,
                    customer_id: object["customer"].as_str().map(str::to_owned),
                    provider_subscription_id: object["subscription"].as_str().map(str::to_owned),
                    updated_at: now,
                })
                .await?;
            state.change_plan(org, tier).await?;
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => {
            let Some(mut sub) = mockbird_core::service::stripe::subscription_from(object) else {
                return Ok(false);
            };
            if kind == "customer.subscription.deleted" {
                sub.status = SubscriptionStatus::Canceled;
            }
            let tier = match sub.status {
                SubscriptionStatus::Active
                | SubscriptionStatus::Trialing
                | SubscriptionStatus::PastDue
                    if state.plan(&sub.tier).is_some() =>
                {
                    sub.tier.clone()
                }
                SubscriptionStatus::Canceled => default_plan,
                _ => return Ok(state.store.upsert_subscription(sub).await.map(|_| true)?),
            };
            // The subscription names the tier the organization is on now.
            sub.tier = tier.clone();
            state.store.upsert_subscription(sub).await?;
            state.change_plan(org, &tier).await?;
        }
        "invoice.paid" | "invoice.payment_failed" => {
            let Some(invoice) = mockbird_core::service::stripe::invoice_from(object, org) else {
                return Ok(false);
            };
            state.store.upsert_invoice(invoice.clone()).await?;
            if kind == "invoice.payment_failed" {
                let mut sub = current(state, org).await?;
                sub.status = SubscriptionStatus::PastDue;
                sub.updated_at = now;
                state.store.upsert_subscription(sub).await?;
            } else {
                let org_row = state.store.org(org).await?;
                let billing = format!("{}/billing", state.settings.public_url);
                for m in state.store.members(org).await? {
                    if m.role == Role::Owner {
                        let email = crate::emails::invoice(
                            &m.user.email,
                            &org_row.name,
                            &invoice,
                            &billing,
                        );
                        if let Err(e) = state.email.send(email).await {
                            tracing::warn!(error = %e, "invoice email not sent");
                        }
                    }
                }
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `GET /api/usage`: this month's requests and bandwidth, and the endpoints in use, against the plan.
#[utoipa::path(
    get,
    path = "/api/usage",
    operation_id = "getUsage",
    tag = "billing",
    summary = "This month's usage against the plan",
    params(OrgRef),
    responses(
        (status = 200, description = "This month's usage against the plan", body = Usage),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<Usage>> {
    let org_id = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    let org = state.store.org(org_id).await?;
    let plan = state.plan(&org.plan);
    let (month, requests, bytes) = state.limits.usage(org_id).await?;
    let endpoints = state.store.count_org_mocks(org_id).await?;
    Ok(Json(Usage {
        org_id,
        request_limit: plan.and_then(|p| p.request_limit),
        endpoint_limit: plan.and_then(|p| p.endpoint_limit),
        plan: org.plan,
        month,
        request_count: requests,
        endpoint_count: endpoints,
        bandwidth_bytes: bytes,
    }))
}
