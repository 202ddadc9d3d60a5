//! `/api/billing/*` with the configured [`BillingService`](mockbird_core::service::BillingService).
//! Subscriptions and invoices are copied into the store, so they survive restarts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use http::{HeaderMap, StatusCode};
use mockbird_core::ValidationError;
use mockbird_core::model::{Role, Subscription, SubscriptionStatus};
use mockbird_core::service::{BillingError, BillingPeriod, CheckoutRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, OptionalJson, parse_id};
use crate::state::AppState;

/// `?orgId=` or `{orgId}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgRef {
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

fn view(state: &AppState, sub: &Subscription) -> Value {
    json!({
        "orgId": sub.org_id,
        "tier": sub.tier,
        "status": sub.status,
        "currentPeriodEnd": sub.current_period_end,
        "cancelAtPeriodEnd": sub.cancel_at_period_end,
        "mockMode": state.billing.is_mock(),
    })
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
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn subscription(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<Value>> {
    let org = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    Ok(Json(view(&state, &current(&state, org).await?)))
}

/// Checkout body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    org_id: Option<String>,
    tier: Option<String>,
    period: Option<String>,
}

/// `POST /api/billing/create-checkout` (owner).
#[utoipa::path(
    post,
    path = "/api/billing/create-checkout",
    operation_id = "createCheckout",
    tag = "billing",
    summary = "Start a checkout (owner)",
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Checkout>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(
        json!({"url": session.url, "mockMode": session.mock_mode}),
    ))
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
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<OrgRef>,
) -> ApiResult<Json<Value>> {
    let org = org_for(&state, &caller, body.org_id.as_deref(), Role::Owner).await?;
    let sub = state.billing.cancel(org).await.map_err(billing_err)?;
    state.store.upsert_subscription(sub.clone()).await?;
    Ok(Json(view(&state, &sub)))
}

/// `GET /api/billing/invoices`.
#[utoipa::path(
    get,
    path = "/api/billing/invoices",
    operation_id = "listInvoices",
    tag = "billing",
    summary = "Invoices",
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn invoices(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<Vec<Value>>> {
    let org = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    let invoices = state.store.invoices(org).await?;
    Ok(Json(
        invoices
            .iter()
            .map(|i| {
                json!({"id": i.id, "amountCents": i.amount_cents, "currency": i.currency, "status": i.status,
                       "periodStart": i.period_start, "periodEnd": i.period_end, "createdAt": i.created_at})
            })
            .collect(),
    ))
}

/// `POST /api/billing/update-payment` (owner).
#[utoipa::path(
    post,
    path = "/api/billing/update-payment",
    operation_id = "updatePaymentMethod",
    tag = "billing",
    summary = "Change the payment method (owner)",
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn update_payment(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<OrgRef>,
) -> ApiResult<Json<Value>> {
    let org = org_for(&state, &caller, body.org_id.as_deref(), Role::Owner).await?;
    let session = state
        .billing
        .update_payment(org, &format!("{}/billing", state.settings.public_url))
        .await
        .map_err(billing_err)?;
    Ok(Json(
        json!({"url": session.url, "mockMode": session.mock_mode}),
    ))
}

/// `POST /api/billing/webhook`: signature checked; each event id recorded once.
#[utoipa::path(
    post,
    path = "/api/billing/webhook",
    operation_id = "receiveBillingWebhook",
    tag = "billing",
    summary = "Payment provider events (Stripe-Signature)",
    responses((status = 200, description = "Success")),
)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
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
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
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
    Ok(Json(
        json!({"received": true, "duplicate": !fresh, "applied": applied}),
    ))
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
            let Some(mut sub) = crate::stripe::subscription_from(object) else {
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
            let Some(invoice) = crate::stripe::invoice_from(object, org) else {
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
    params(("orgId" = Option<String>, Query, description = "Organization (default: the caller's)")),
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgRef>,
) -> ApiResult<Json<Value>> {
    let org_id = org_for(&state, &caller, q.org_id.as_deref(), Role::Member).await?;
    let org = state.store.org(org_id).await?;
    let plan = state.plan(&org.plan);
    let (month, requests, bytes) = state.limits.usage(org_id).await?;
    let endpoints = state.store.count_org_mocks(org_id).await?;
    Ok(Json(json!({
        "orgId": org_id,
        "plan": org.plan,
        "month": month,
        "requestCount": requests,
        "requestLimit": plan.and_then(|p| p.request_limit),
        "endpointCount": endpoints,
        "endpointLimit": plan.and_then(|p| p.endpoint_limit),
        "bandwidthBytes": bytes,
    })))
}
