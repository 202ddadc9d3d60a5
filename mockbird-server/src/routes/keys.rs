//! `/api/keys`: organization API keys (`mk_` + 64 hex), shown once, kept as SHA-256.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::model::validate_name;
use mockbird_core::model::{ApiKey, NewApiKey, Role};
use mockbird_core::token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::openapi::errors;
use crate::state::AppState;

/// A key with its secret, answered once: on create and on rotate.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedKey {
    /// The stored fields.
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// The secret (`mk_` + 64 hex), sent as `X-API-Key`; never shown again.
    pub key: String,
}

/// `GET /api/keys`: the caller's keys (an API key sees its organization's).
#[utoipa::path(
    get,
    path = "/api/keys",
    operation_id = "listApiKeys",
    tag = "keys",
    summary = "API keys",
    responses(
        (status = 200, description = "The caller's keys (an API key sees its organization's)", body = [ApiKey]),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ApiKey>>> {
    let keys = match caller.key_org {
        Some(org) => state.store.api_keys_for_org(org).await?,
        None => state.store.api_keys_for_user(caller.user.id).await?,
    };
    Ok(Json(keys))
}

/// Create body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateKey {
    /// At most 200 characters, not only spaces.
    #[schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
    /// The organization (admin or owner); default the caller's default organization.
    #[schema(value_type = Option<Uuid>)]
    org_id: Option<String>,
    /// Default never; must be in the future.
    expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/keys` (admin+ of the organization).
#[utoipa::path(
    post,
    path = "/api/keys",
    operation_id = "createApiKey",
    tag = "keys",
    summary = "Create an API key (shown once)",
    request_body = CreateKey,
    responses(
        (status = 201, description = "Created; `key` is shown only now", body = IssuedKey),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateKey>,
) -> ApiResult<impl IntoResponse> {
    let org = match body.org_id.as_deref() {
        Some(raw) => parse_id(raw, ApiError::not_found)?,
        None => caller.default_org(&state).await?,
    };
    require_role(&state, &caller, org, Role::Admin, ApiError::not_found).await?;
    let mut errors = ValidationError::default();
    let name = match &body.name {
        None => {
            errors.push("name", "is required");
            String::new()
        }
        Some(name) => validate_name("name", name).unwrap_or_else(|e| {
            errors.errors.extend(e.errors);
            String::new()
        }),
    };
    if body.expires_at.is_some_and(|t| t <= Utc::now()) {
        errors.push("expiresAt", "must be in the future");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let secret = token::new_api_key();
    let key = state
        .store
        .create_api_key(NewApiKey {
            org_id: org,
            user_id: caller.user.id,
            name,
            prefix: token::key_prefix(&secret),
            key_hash: token::hash_token(&secret),
            expires_at: body.expires_at,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            api_key: key,
            key: secret,
        }),
    ))
}

async fn load(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<ApiKey> {
    let id = parse_id(raw, ApiError::not_found)?;
    let key = state.store.api_key(id).await?;
    require_role(state, caller, key.org_id, Role::Admin, ApiError::not_found).await?;
    Ok(key)
}

/// `POST /api/keys/{id}/rotate`: a new secret; the old one stops working at once.
#[utoipa::path(
    post,
    path = "/api/keys/{id}/rotate",
    operation_id = "rotateApiKey",
    tag = "keys",
    summary = "Replace a key's secret",
    params(("id" = Uuid, Path, description = "The API key")),
    responses(
        (status = 201, description = "The new secret; the old one no longer works", body = IssuedKey),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let key = load(&state, &caller, &id).await?;
    let secret = token::new_api_key();
    let rotated = state
        .store
        .rotate_api_key(
            key.id,
            &token::key_prefix(&secret),
            &token::hash_token(&secret),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            api_key: rotated,
            key: secret,
        }),
    ))
}

/// `DELETE /api/keys/{id}`: stops working at once.
#[utoipa::path(
    delete,
    path = "/api/keys/{id}",
    operation_id = "deleteApiKey",
    tag = "keys",
    summary = "Revoke a key",
    params(("id" = Uuid, Path, description = "The API key")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let key = load(&state, &caller, &id).await?;
    state.store.delete_api_key(key.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
