//! Login sessions: an access token plus a rotating refresh token, stored hashed.

use chrono::Duration;
use mockbird_core::model::NewRefreshToken;
use mockbird_core::token;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Refresh tokens live this long.
pub(crate) const REFRESH_TTL_DAYS: i64 = 30;

/// `session` of docs/http-api.md.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionTokens {
    /// Bearer token for `/api`.
    pub access_token: String,
    /// Single-use token for `POST /api/auth/refresh`. Absent when the request
    /// asked for the dashboard's cookie session (`X-Mockbird-Session: cookie`):
    /// then it travels only in the HttpOnly `mockbird_refresh` cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
}

/// Issues a new access token and refresh token in session `family_id`.
pub(crate) async fn issue_session(
    state: &AppState,
    user_id: Uuid,
    family_id: Uuid,
) -> ApiResult<SessionTokens> {
    let refresh = format!("rt_{}", token::random_hex(32));
    state
        .store
        .create_refresh_token(NewRefreshToken {
            user_id,
            family_id,
            token_hash: token::hash_token(&refresh),
            expires_at: mockbird_core::clock::now() + Duration::days(REFRESH_TTL_DAYS),
        })
        .await?;
    let access = state
        .auth
        .issue_access_token(user_id, family_id)
        .map_err(ApiError::internal)?;
    Ok(SessionTokens {
        access_token: access.token,
        refresh_token: Some(refresh),
        expires_in: access.expires_in,
    })
}
