//! Who is calling: a Bearer access token or an `X-API-Key`.

use axum::extract::FromRequestParts;
use http::request::Parts;
use mockbird_core::model::{Membership, Role, User};
use mockbird_core::token;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An authenticated caller of `/api`.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The user (for an API key, its creator).
    pub user: User,
    /// The login session, for Bearer tokens.
    pub session_id: Option<Uuid>,
    /// For an API key, the one organization it may act in.
    pub key_org: Option<Uuid>,
}

impl Caller {
    /// The organization to act in when a request names none: the key's, else
    /// the user's personal (first) organization.
    pub(crate) async fn default_org(&self, state: &AppState) -> ApiResult<Uuid> {
        if let Some(org) = self.key_org {
            return Ok(org);
        }
        let orgs = state.store.orgs_for_user(self.user.id).await?;
        orgs.first().map(|o| o.id).ok_or_else(ApiError::not_found)
    }
}

/// Authenticates from headers (used by the extractor and by private-project serving).
pub(crate) async fn authenticate(state: &AppState, headers: &http::HeaderMap) -> ApiResult<Caller> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        if !token::looks_like_api_key(key) {
            return Err(ApiError::unauthorized("Invalid API key"));
        }
        let stored = state
            .store
            .api_key_by_hash(&token::hash_token(key))
            .await
            .map_err(|_| ApiError::unauthorized("Invalid API key"))?;
        let now = mockbird_core::clock::now();
        if stored.expires_at.is_some_and(|t| t <= now) {
            return Err(ApiError::unauthorized("API key expired"));
        }
        let user = state
            .store
            .user(stored.user_id)
            .await
            .map_err(|_| ApiError::unauthorized("Invalid API key"))?;
        let store = state.store.clone();
        tokio::spawn(async move {
            let _ = store.touch_api_key(stored.id, now).await;
        });
        return Ok(Caller {
            user,
            session_id: None,
            key_org: Some(stored.org_id),
        });
    }
    let Some(auth) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(ApiError::unauthorized("Authentication required"));
    };
    let Some(bearer) = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
    else {
        return Err(ApiError::unauthorized("Expected a Bearer token"));
    };
    let claims = state
        .auth
        .verify_access_token(bearer.trim())
        .map_err(|_| ApiError::unauthorized("Invalid or expired token"))?;
    let user = state
        .store
        .user(claims.user_id)
        .await
        .map_err(|_| ApiError::unauthorized("Invalid or expired token"))?;
    Ok(Caller {
        user,
        session_id: Some(claims.session_id),
        key_org: None,
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.headers).await
    }
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Member => 0,
        Role::Admin => 1,
        Role::Owner => 2,
    }
}

/// The caller's membership of `org_id` with at least `min` role. Not a member
/// (or an API key of another organization) → `not_found` (indistinguishable
/// from a missing resource); a lesser role → 403.
pub(crate) async fn require_role(
    state: &AppState,
    caller: &Caller,
    org_id: Uuid,
    min: Role,
    not_found: fn() -> ApiError,
) -> ApiResult<Membership> {
    if caller.key_org.is_some_and(|k| k != org_id) {
        return Err(not_found());
    }
    let m = state
        .store
        .membership(org_id, caller.user.id)
        .await
        .map_err(|e| ApiError::from(e).or_not_found(not_found))?;
    if rank(m.role) < rank(min) {
        return Err(ApiError::forbidden(format!(
            "This needs the {} role",
            min.as_str()
        )));
    }
    Ok(m)
}

/// Whether `role` may be granted or taken away by someone with `actor`.
pub(crate) fn can_manage(actor: Role, target_before: Option<Role>, target_after: Role) -> bool {
    let touches_owner = target_after == Role::Owner || target_before == Some(Role::Owner);
    rank(actor) >= rank(Role::Admin) && (!touches_owner || actor == Role::Owner)
}
