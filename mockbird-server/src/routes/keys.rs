//! `/api/keys`: organization API keys (`mk_` + 64 hex), shown once, kept as SHA-256.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::model::{ApiKey, NewApiKey, Role};
use mockbird_core::token;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;

fn view(key: &ApiKey) -> Value {
    json!({
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "orgId": key.org_id,
        "lastUsedAt": key.last_used_at,
        "expiresAt": key.expires_at,
        "createdAt": key.created_at,
    })
}

/// `GET /api/keys`: the caller's keys (an API key sees its organization's).
#[utoipa::path(
    get,
    path = "/api/keys",
    operation_id = "listApiKeys",
    tag = "keys",
    summary = "API keys",
    responses((status = 200, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Value>>> {
    let keys = match caller.key_org {
        Some(org) => state.store.api_keys_for_org(org).await?,
        None => state.store.api_keys_for_user(caller.user.id).await?,
    };
    Ok(Json(keys.iter().map(view).collect()))
}

/// Create body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateKey {
    name: Option<String>,
    org_id: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/keys` (admin+ of the organization).
#[utoipa::path(
    post,
    path = "/api/keys",
    operation_id = "createApiKey",
    tag = "keys",
    summary = "Create an API key (shown once)",
    responses((status = 201, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn create(
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
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        errors.push("name", "must be 1 to 255 characters");
    }
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
    let mut v = view(&key);
    v["key"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
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
    params(("id" = String, Path)),
    responses((status = 201, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn rotate(
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
    let mut v = view(&rotated);
    v["key"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

/// `DELETE /api/keys/{id}`: stops working at once.
#[utoipa::path(
    delete,
    path = "/api/keys/{id}",
    operation_id = "deleteApiKey",
    tag = "keys",
    summary = "Revoke a key",
    params(("id" = String, Path)),
    responses((status = 204, description = "Success")),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let key = load(&state, &caller, &id).await?;
    state.store.delete_api_key(key.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
