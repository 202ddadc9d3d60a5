//! What every handler shares.

use std::sync::Arc;

use mockbird_core::model::Plan;
use mockbird_core::service::{AuthService, BillingService, EmailService, MockEmailService};
use mockbird_core::store::{DatabaseService, StoreError};

use crate::adapters::cluster::{Invalidation, Shared};
use crate::cache::SnapshotCache;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::logs::LogPipeline;
use crate::metrics::Metrics;
use crate::sandbox::Sandbox;

/// Settings handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Public base URL without a trailing slash.
    pub public_url: String,
    /// Domain for host-based serving (`{slug}.{domain}`).
    pub mock_domain: Option<String>,
    /// Plan of new organizations.
    pub default_plan: String,
    /// What `X-Mockbird-Outbox-Token` must equal for `/api/dev/outbox`.
    pub outbox_token: String,
    /// Whether a webhook signing secret is configured (else webhooks are off).
    pub webhooks: bool,
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: crate::proxy::TrustedProxies,
}

/// The server's shared state: one reference-counted pointer, so the clones
/// every request makes (router, middleware, extractors) cost one atomic each.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// Wraps the services.
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Services {
    /// Persistence.
    pub store: Arc<dyn DatabaseService>,
    /// Passwords and access tokens.
    pub auth: Arc<dyn AuthService>,
    /// Outgoing email.
    pub email: Arc<dyn EmailService>,
    /// The mock email service's outbox, when `--expose-outbox` and mock email.
    pub outbox: Option<Arc<MockEmailService>>,
    /// Payments.
    pub billing: Arc<dyn BillingService>,
    /// Plans on offer.
    pub plans: Arc<Vec<Plan>>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Compiled projects for serving.
    pub snapshots: Arc<SnapshotCache>,
    /// Threads for templates too heavy to render on a request thread.
    pub sandbox: Arc<Sandbox>,
    /// Set once shutdown begins: every answer then says `Connection: close`.
    pub draining: std::sync::atomic::AtomicBool,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The request log queue and its writer.
    pub logs: LogPipeline,
    /// Quotas and rate limits.
    pub limits: Arc<Limits>,
    /// Redis, when several instances share limits and invalidations.
    pub shared: Option<Arc<Shared>>,
}

impl Services {
    /// Runs `f` — a validation that compiles templates — in the sandbox for
    /// the organization `tenant`, off the async workers; 503 `TEMPLATE_BUSY`
    /// when its queue or the tenant's share of it is full.
    pub async fn in_sandbox<T: Send + 'static>(
        &self,
        tenant: uuid::Uuid,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.sandbox
            .run(tenant, f)
            .await
            .map_err(|_| ApiError::template_busy())
    }

    /// The plan called `tier`, or the default plan.
    pub fn plan(&self, tier: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.tier == tier)
    }

    /// Drops a project's compiled snapshot here and on every other instance.
    pub async fn project_changed(&self, project_id: uuid::Uuid) {
        self.snapshots.invalidate(project_id);
        if let Some(s) = &self.shared {
            s.publish(Invalidation::Project(project_id)).await;
        }
    }

    /// Moves an organization to `tier` and applies its limits at once, everywhere.
    pub async fn change_plan(&self, org_id: uuid::Uuid, tier: &str) -> Result<(), ApiError> {
        self.store.set_org_plan(org_id, tier).await?;
        self.limits.plan_changed(org_id, tier).await;
        Ok(())
    }

    /// The endpoint cap of an organization's plan (`None` = unlimited).
    pub async fn endpoint_limit(&self, org_id: uuid::Uuid) -> Result<EndpointLimit, ApiError> {
        let org = self.store.org(org_id).await?;
        let limit = self.plan(&org.plan).and_then(|p| p.endpoint_limit);
        Ok(EndpointLimit {
            plan: org.plan,
            limit,
        })
    }
}

/// An organization's cap on mocks, with the plan it comes from.
#[derive(Debug, Clone)]
pub struct EndpointLimit {
    /// The organization's plan tier.
    pub plan: String,
    /// Mocks allowed across its projects; `None` for no cap.
    pub limit: Option<u32>,
}

impl EndpointLimit {
    /// A store error as the API answers it: over the cap, 402 naming the
    /// plan, the cap and how to raise it; anything else through `other`.
    pub fn refusal(&self, e: StoreError, other: impl FnOnce(StoreError) -> ApiError) -> ApiError {
        match e {
            StoreError::LimitExceeded { limit } => ApiError::new(
                http::StatusCode::PAYMENT_REQUIRED,
                "SUBSCRIPTION_LIMIT",
                format!(
                    "The {} plan allows {limit} mocks across the organization's projects; \
                         upgrade the plan (POST /api/billing/create-checkout) or delete mocks to add more",
                    self.plan
                ),
            ),
            other_error => other(other_error),
        }
    }
}
