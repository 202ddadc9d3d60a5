//! Billing: signed webhooks applied once, plan changes at once; the Stripe
//! service against a MockBird project that mimics Stripe; SMTP email.

use mockbird_core::service::billing::sign;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::App;

/// Posts `event` to the webhook signed with `secret` `age` seconds ago.
async fn deliver(app: &App, event: &Value, secret: &str, age: i64) -> (StatusCode, Value) {
    let body = serde_json::to_vec(event).unwrap();
    let t = chrono::Utc::now().timestamp() - age;
    let res = app
        .req(Method::POST, "/api/billing/webhook")
        .header("content-type", "application/json")
        .header(
            "stripe-signature",
            format!("t={t},v1={}", sign(secret, t, &body)),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn org_of(app: &App, token: &str) -> String {
    let (_, orgs) = app.call(token, Method::GET, "/api/orgs", None).await;
    orgs[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhooks_are_verified_applied_once_and_change_limits_at_once() {
    let app =
        App::start_with(|c| c.stripe_webhook_secret = Some("whsec_new, whsec_old".into())).await;
    let (t, _, _) = app.register("hook@example.com").await;
    let org = org_of(&app, &t).await;
    app.project_with_mock(&t, "hooked", "/h", "{}").await;
    let completed = json!({"id": "evt_checkout_1", "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_1", "customer": "cus_1", "subscription": "sub_1",
                            "client_reference_id": org, "metadata": {"orgId": org, "tier": "team"}}}});

    // Bad or stale signatures: 401, nothing applied.
    for (secret, age) in [("whsec_wrong", 0), ("whsec_new", 301)] {
        let (s, err) = deliver(&app, &completed, secret, age).await;
        assert_eq!(
            (s, err["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UNAUTHORIZED"))
        );
    }
    let res = app
        .req(Method::POST, "/api/billing/webhook")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(sub["tier"], "free");

    // Signed with the old secret during rotation: applied, plan and limits change at once.
    let (s, ack) = deliver(&app, &completed, "whsec_old", 5).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(
        (ack["applied"].as_bool(), ack["duplicate"].as_bool()),
        (Some(true), Some(false))
    );
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(
        (sub["tier"].as_str(), sub["status"].as_str()),
        (Some("team"), Some("active"))
    );
    let res = app.req(Method::GET, "/m/hooked/h").send().await.unwrap();
    assert_eq!(res.headers()["x-ratelimit-limit"], "1000000");
    let (_, usage) = app.call(&t, Method::GET, "/api/usage", None).await;
    assert_eq!(
        (usage["plan"].as_str(), usage["endpointLimit"].clone()),
        (Some("team"), Value::Null)
    );

    // Deleted subscription: back to the default plan.
    let deleted = json!({"id": "evt_deleted_1", "type": "customer.subscription.deleted",
        "data": {"object": {"id": "sub_1", "customer": "cus_1", "status": "canceled",
                            "cancel_at_period_end": false, "metadata": {"orgId": org, "tier": "team"}}}});
    let (s, _) = deliver(&app, &deleted, "whsec_new", 0).await;
    assert_eq!(s, StatusCode::OK);
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(
        (sub["tier"].as_str(), sub["status"].as_str()),
        (Some("free"), Some("canceled"))
    );
    // The first event again: recorded once, changes nothing.
    let (s, ack) = deliver(&app, &completed, "whsec_new", 0).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (ack["applied"].as_bool(), ack["duplicate"].as_bool()),
        (Some(false), Some(true))
    );
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(sub["tier"], "free");
    let res = app.req(Method::GET, "/m/hooked/h").send().await.unwrap();
    assert_eq!(res.headers()["x-ratelimit-limit"], "1000");

    // Invoices: paid → listed and emailed to the owner; failed → past due.
    let paid = json!({"id": "evt_inv_1", "type": "invoice.paid",
        "data": {"object": {"id": "in_1", "amount_paid": 2900, "currency": "usd", "status": "paid",
                            "period_start": 1_793_491_200, "period_end": 1_796_083_200, "created": 1_793_491_200,
                            "subscription_details": {"metadata": {"orgId": org}}}}});
    let (s, _) = deliver(&app, &paid, "whsec_new", 0).await;
    assert_eq!(s, StatusCode::OK);
    let (_, invoices) = app
        .call(&t, Method::GET, "/api/billing/invoices", None)
        .await;
    assert_eq!(invoices[0]["id"], "in_1");
    assert_eq!(invoices[0]["amountCents"], 2900);
    let (_, mails) = app
        .call("", Method::GET, "/api/dev/outbox?to=hook@example.com", None)
        .await;
    assert!(
        mails[0]["subject"]
            .as_str()
            .unwrap()
            .contains("invoice in_1"),
        "{mails}"
    );
    assert!(mails[0]["text"].as_str().unwrap().contains("29.00 USD"));
    let failed = json!({"id": "evt_inv_2", "type": "invoice.payment_failed",
        "data": {"object": {"id": "in_2", "amount_due": 2900, "currency": "usd", "status": "open",
                            "metadata": {"orgId": org}}}});
    let (s, _) = deliver(&app, &failed, "whsec_new", 0).await;
    assert_eq!(s, StatusCode::OK);
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(sub["status"], "past_due");
    assert_eq!(sub["mockMode"], true);
    // Events for unknown organizations or of other types are acknowledged, not applied.
    let other = json!({"id": "evt_x", "type": "charge.refunded", "data": {"object": {"metadata": {"orgId": org}}}});
    let (s, ack) = deliver(&app, &other, "whsec_new", 0).await;
    assert_eq!((s, ack["applied"].as_bool()), (StatusCode::OK, Some(false)));
}

/// Creates, on `app`, a public project `slug` whose mocks answer like Stripe for `org`.
async fn stripe_mimic(app: &App, token: &str, org: &str) {
    let sub = |cancel: bool| {
        json!({"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
               "current_period_end": 1_796_083_200, "cancel_at_period_end": cancel,
               "metadata": {"orgId": org, "tier": "pro"}})
        .to_string()
    };
    let mock = |method: &str, path: &str, body: String| {
        json!({"name": path, "path": path, "method": method,
               "responses": [{"name": "ok", "statusCode": 200, "body": body,
                              "headers": {"content-type": "application/json"}}]})
    };
    let doc = json!({"mockbird": 1, "project": {"name": "stripe", "slug": "stripe", "isPublic": true},
    "mocks": [
        mock("POST", "/v1/checkout/sessions",
             json!({"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.test/c/cs_test_1"}).to_string()),
        mock("GET", "/v1/subscriptions/search", json!({"object": "search_result", "data": [serde_json::from_str::<Value>(&sub(false)).unwrap()]}).to_string()),
        mock("POST", "/v1/subscriptions/{id}", sub(true)),
        mock("GET", "/v1/invoices", json!({"object": "list", "data": [
            {"id": "in_77", "amount_paid": 900, "currency": "usd", "status": "paid",
             "period_start": 1_793_491_200, "period_end": 1_796_083_200, "created": 1_793_491_200}]}).to_string()),
        mock("POST", "/v1/billing_portal/sessions",
             json!({"id": "bps_1", "url": "https://billing.stripe.test/p/bps_1"}).to_string()),
    ]});
    let (s, v) = app
        .call(token, Method::POST, "/api/projects/import", Some(doc))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn the_stripe_service_speaks_stripe_to_a_mimic() {
    // The mimic: a MockBird instance serving Stripe's API shapes.
    let mimic = App::start_with(crate::common::unlimited).await;
    let (mt, _, _) = mimic.register("stripe-mimic@example.com").await;
    let mimic_base = format!("{}/m/stripe", mimic.base);
    let app = App::start_with(move |c| {
        c.billing = mockbird_server::config::BillingMode::Stripe;
        c.stripe_api_base = mimic_base;
        c.stripe_secret_key = Some("sk_test_123".into());
        c.stripe_webhook_secret = Some("whsec_live".into());
    })
    .await;
    let (t, _, _) = app.register("payer@example.com").await;
    let org = org_of(&app, &t).await;
    stripe_mimic(&mimic, &mt, &org).await;

    let (_, system) = app.call("", Method::GET, "/api/system", None).await;
    assert_eq!(system["services"]["billing"], "real");
    let (s, checkout) = app
        .call(
            &t,
            Method::POST,
            "/api/billing/create-checkout",
            Some(json!({"tier": "pro", "period": "yearly"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{checkout}");
    assert_eq!(
        checkout,
        json!({"url": "https://checkout.stripe.test/c/cs_test_1", "mockMode": false})
    );
    let (_, sub) = app
        .call(&t, Method::GET, "/api/billing/subscription", None)
        .await;
    assert_eq!(
        (sub["tier"].as_str(), sub["mockMode"].as_bool()),
        (Some("pro"), Some(false))
    );
    let (s, canceled) = app
        .call(&t, Method::POST, "/api/billing/cancel", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{canceled}");
    assert_eq!(canceled["cancelAtPeriodEnd"], true);
    let (_, invoices) = app
        .call(&t, Method::GET, "/api/billing/invoices", None)
        .await;
    assert_eq!(
        (
            invoices[0]["id"].as_str(),
            invoices[0]["amountCents"].as_u64()
        ),
        (Some("in_77"), Some(900))
    );
    let (s, portal) = app
        .call(&t, Method::POST, "/api/billing/update-payment", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        portal,
        json!({"url": "https://billing.stripe.test/p/bps_1", "mockMode": false})
    );

    // What Stripe received: form-encoded checkout with the organization in its metadata, a secret key.
    let (_, projects) = mimic.call(&mt, Method::GET, "/api/projects", None).await;
    let pid = projects[0]["id"].as_str().unwrap();
    let logs = mimic
        .wait_for(&mt, &format!("/api/projects/{pid}/logs?limit=100"), |l| {
            l["total"].as_u64() >= Some(7)
        })
        .await;
    let checkout = logs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["requestPath"] == "/v1/checkout/sessions")
        .expect("checkout request logged");
    let body = checkout["requestBody"].as_str().unwrap();
    for part in [
        "mode=subscription",
        &format!("metadata%5BorgId%5D={org}"),
        "unit_amount%5D=9000",
        "interval%5D=year",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    assert_eq!(checkout["requestHeaders"]["authorization"], "[redacted]");
    assert!(
        checkout["requestHeaders"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
}
