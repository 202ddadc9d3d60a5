//! `/api/billing/*` with the configured [`BillingService`](mockbird_core::service::BillingService).
//! Subscriptions and invoices are copied into the store, so they survive restarts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use http::HeaderMap;
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
    tag = "billing",
    summary = "Payment provider events (Stripe-Signature)",
    responses((status = 200, description = "Success")),
)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("Stripe-Signature header is required"))?;
    let event = state
        .billing
        .verify_webhook(&body, signature, chrono::Utc::now())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let org_id = event.object["metadata"]["orgId"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok());
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
    Ok(Json(json!({"received": true, "duplicate": !fresh})))
}

/// `GET /api/usage`: this month's requests and bandwidth, and the endpoints in use, against the plan.
#[utoipa::path(
    get,
    path = "/api/usage",
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
