//! `/api/auth/*`: registration, login, sessions, passwords, account deletion.

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use chrono::Duration;
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::model::{
    NewOrganization, NewUser, User, slugify, validate_email, validate_name, validate_password,
};
use mockbird_core::store::StoreError;
use mockbird_core::token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, SessionMode, SessionTokens, issue_session};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientIp};
use crate::openapi::errors;
use crate::state::AppState;

/// Register body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Register {
    /// The login address (stored lower-case); unique.
    #[schema(value_type = String, required, format = Email, max_length = 254)]
    email: Option<String>,
    /// 8 to 1,024 characters.
    #[schema(value_type = String, required, min_length = 8, max_length = 1024)]
    password: Option<String>,
    /// Display name: at most 200 characters, not only spaces.
    #[schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
}

/// Login body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Login {
    /// The login address.
    #[schema(value_type = String, required)]
    email: Option<String>,
    /// The password.
    #[schema(value_type = String, required)]
    password: Option<String>,
}

/// A signed-in user and their session: the answer of register and login.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignedIn {
    /// The account.
    pub user: User,
    /// Its new session.
    pub session: SessionTokens,
}

/// A renewed session: the answer of refresh.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Renewed {
    /// The new tokens; the refresh token presented no longer works.
    pub session: SessionTokens,
}

/// A message for a person.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Message {
    /// What happened.
    pub message: String,
}

fn required<'a>(errors: &mut ValidationError, field: &str, v: &'a Option<String>) -> &'a str {
    match v.as_deref() {
        Some(v) => v,
        None => {
            errors.push(field, "is required");
            ""
        }
    }
}

/// `POST /api/auth/register`.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    operation_id = "register",
    tag = "auth",
    summary = "Create an account and its personal organization",
    request_body = Register,
    params(("X-Mockbird-Session" = Option<String>, Header, description = "`cookie`: keep the refresh token in the HttpOnly `mockbird_refresh` cookie (path `/api/auth`) instead of the body (the dashboard's session)")),
    responses(
        (status = 201, description = "The account, its personal organization and a session", body = SignedIn),
        (status = 400, response = errors::Invalid),
        (status = 409, response = errors::Conflict),
    ),
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    mode: SessionMode,
    ApiJson(body): ApiJson<Register>,
) -> ApiResult<impl IntoResponse> {
    let mut errors = ValidationError::default();
    let email = required(&mut errors, "email", &body.email);
    let password = required(&mut errors, "password", &body.password);
    let name = body.name.as_deref().unwrap_or_default();
    validate_password(&mut errors, "password", password);
    let mut new = match NewUser::new(email, name, String::new()) {
        Ok(n) if errors.is_empty() => n,
        Ok(_) => return Err(errors.into()),
        Err(e) => {
            let mut all = e;
            all.errors.extend(errors.errors);
            return Err(all.into());
        }
    };
    new.password_hash = state
        .auth
        .hash_password(password)
        .await
        .map_err(ApiError::internal)?;
    let user = state.store.create_user(new).await.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            ApiError::conflict("An account with this email already exists")
        }
        other => other.into(),
    })?;
    create_personal_org(&state, &user).await?;
    let session = issue_session(&state, user.id, Uuid::new_v4()).await?;
    let welcome = crate::emails::welcome(&user.email, &user.name, &state.settings.public_url);
    if let Err(e) = state.email.send(welcome).await {
        tracing::error!(error = %e, "welcome email not sent");
    }
    let (cookie, session) = mode.deliver(session);
    Ok((
        StatusCode::CREATED,
        cookie,
        Json(SignedIn { user, session }),
    ))
}

/// Every user gets an organization of their own, named after them.
async fn create_personal_org(state: &AppState, user: &User) -> ApiResult<()> {
    let base = slugify(user.email.split('@').next().unwrap_or("user"));
    let base = if base.is_empty() {
        "user".to_owned()
    } else {
        base
    };
    let name = if user.name.is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    };
    for attempt in 0..5 {
        let slug = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{}", &token::random_hex(3))
        };
        let new = NewOrganization::new(
            &format!("{name}'s organization"),
            &slug,
            &state.settings.default_plan,
            user.id,
        )
        .or_else(|_| {
            NewOrganization::new(
                "Personal organization",
                &slug,
                &state.settings.default_plan,
                user.id,
            )
        })?;
        match state.store.create_org(new).await {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal(
        "could not find a free organization slug",
    ))
}

/// Login attempts per minute: (per account, per client IP).
pub(crate) const LOGIN_PER_MINUTE: (u32, u32) = (10, 30);
/// Password-reset emails asked for per minute: (per account, per client IP).
pub(crate) const RESET_PER_MINUTE: (u32, u32) = (3, 10);

/// Counts one attempt at `what` for the account `email` and for the client
/// IP; 429 `RATE_LIMIT_EXCEEDED` once either is over its limit.
async fn attempts(
    state: &AppState,
    what: &str,
    email: &str,
    ClientIp(ip): ClientIp,
    (per_account, per_ip): (u32, u32),
) -> ApiResult<()> {
    let account = state
        .limits
        .window(
            &format!("{what}:a:{}", email.trim().to_lowercase()),
            per_account,
        )
        .await;
    let client = state
        .limits
        .window(&format!("{what}:ip:{ip}"), per_ip)
        .await;
    for w in [account, client] {
        if !w.allowed {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                format!("Too many attempts; retry in {} s", w.reset_secs),
            ));
        }
    }
    Ok(())
}

/// `POST /api/auth/login`.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Log in",
    request_body = Login,
    params(("X-Mockbird-Session" = Option<String>, Header, description = "`cookie`: keep the refresh token in the HttpOnly `mockbird_refresh` cookie (path `/api/auth`) instead of the body (the dashboard's session)")),
    responses(
        (status = 200, description = "A new session", body = SignedIn),
        (status = 400, response = errors::Invalid),
        (status = 401, response = errors::Unauthorized),
    ),
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    mode: SessionMode,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<impl IntoResponse> {
    let mut errors = ValidationError::default();
    let email = required(&mut errors, "email", &body.email).to_owned();
    let password = required(&mut errors, "password", &body.password).to_owned();
    if !errors.is_empty() {
        return Err(errors.into());
    }
    attempts(&state, "login", &email, ip, LOGIN_PER_MINUTE).await?;
    let bad = || ApiError::unauthorized("Invalid email or password");
    let creds = match state.store.user_credentials(&email).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => {
            // Spend the same time as a real check, so timing does not reveal accounts.
            let _ = state.auth.hash_password(&password).await;
            return Err(bad());
        }
        Err(e) => return Err(e.into()),
    };
    if !state
        .auth
        .verify_password(&password, &creds.password_hash)
        .await
        .map_err(ApiError::internal)?
    {
        return Err(bad());
    }
    let session = issue_session(&state, creds.user.id, Uuid::new_v4()).await?;
    let (cookie, session) = mode.deliver(session);
    Ok((
        cookie,
        Json(SignedIn {
            user: creds.user,
            session,
        }),
    ))
}

/// `POST /api/auth/logout`: ends the caller's session (its refresh tokens).
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "End this session",
    params(("X-Mockbird-Session" = Option<String>, Header, description = "`cookie`: keep the refresh token in the HttpOnly `mockbird_refresh` cookie (path `/api/auth`) instead of the body (the dashboard's session)")),
    responses(
        (status = 204, description = "The session's refresh tokens no longer work"),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    mode: SessionMode,
    caller: Caller,
) -> ApiResult<impl IntoResponse> {
    if let Some(session) = caller.session_id {
        state.store.revoke_token_family(session).await?;
    }
    Ok((StatusCode::NO_CONTENT, mode.clear()))
}

/// `GET /api/auth/me`.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    operation_id = "getCurrentUser",
    tag = "auth",
    summary = "The current user",
    responses(
        (status = 200, description = "The caller", body = User),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn me(caller: Caller) -> Json<User> {
    Json(caller.user)
}

/// Account update body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UpdateMe {
    /// Display name: at most 200 characters, not only spaces; stored as given.
    #[schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
}

/// `PUT /api/auth/me`: renames the account.
#[utoipa::path(
    put,
    path = "/api/auth/me",
    operation_id = "updateCurrentUser",
    tag = "auth",
    summary = "Change the account's name",
    request_body = UpdateMe,
    responses(
        (status = 200, description = "The account", body = User),
        (status = 400, response = errors::Invalid),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UpdateMe>,
) -> ApiResult<Json<User>> {
    let Some(name) = body.name else {
        return Err(ValidationError::single("name", "is required").into());
    };
    let name = validate_name("name", &name)?;
    Ok(Json(
        state.store.update_user_name(caller.user.id, &name).await?,
    ))
}

/// Refresh body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Refresh {
    /// The refresh token of the session (single use); in cookie mode it may
    /// be left out and is read from the `mockbird_refresh` cookie.
    #[schema(value_type = String)]
    refresh_token: Option<String>,
}

/// `POST /api/auth/refresh`: rotates the refresh token; a reused one revokes its whole family.
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    operation_id = "refreshSession",
    tag = "auth",
    summary = "Rotate the refresh token",
    request_body = Refresh,
    params(("X-Mockbird-Session" = Option<String>, Header, description = "`cookie`: keep the refresh token in the HttpOnly `mockbird_refresh` cookie (path `/api/auth`) instead of the body (the dashboard's session)")),
    responses(
        (status = 200, description = "New tokens", body = Renewed),
        (status = 400, response = errors::Invalid),
        (status = 401, response = errors::Unauthorized),
    ),
)]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    mode: SessionMode,
    ApiJson(body): ApiJson<Refresh>,
) -> ApiResult<impl IntoResponse> {
    let Some(presented) = body.refresh_token.or(mode.presented().map(str::to_owned)) else {
        return Err(ValidationError::single("refreshToken", "is required").into());
    };
    let invalid = || ApiError::unauthorized("Invalid or expired refresh token");
    let stored = state
        .store
        .refresh_token_by_hash(&token::hash_token(&presented))
        .await
        .map_err(|_| invalid())?;
    let now = mockbird_core::clock::now();
    if stored.revoked_at.is_some() || stored.expires_at <= now {
        return Err(invalid());
    }
    if !state.store.use_refresh_token(stored.id, now).await? {
        // Presented twice: someone else holds a copy. End the whole session.
        tracing::warn!(user = %stored.user_id, "refresh token reuse; revoking its session");
        state.store.revoke_token_family(stored.family_id).await?;
        return Err(invalid());
    }
    let session = issue_session(&state, stored.user_id, stored.family_id).await?;
    let (cookie, session) = mode.deliver(session);
    Ok((cookie, Json(Renewed { session })))
}

/// Forgot-password body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Forgot {
    /// The account's address.
    #[schema(value_type = String, required, format = Email, max_length = 254)]
    email: Option<String>,
}

/// `POST /api/auth/forgot-password`: 202 whether or not the account exists.
#[utoipa::path(
    post,
    path = "/api/auth/forgot-password",
    operation_id = "forgotPassword",
    tag = "auth",
    summary = "Email a reset token",
    request_body = Forgot,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = Message),
        (status = 400, response = errors::Invalid),
    ),
)]
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<Forgot>,
) -> ApiResult<impl IntoResponse> {
    let mut errors = ValidationError::default();
    let email = validate_email(
        &mut errors,
        "email",
        body.email.as_deref().unwrap_or_default(),
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    attempts(&state, "reset", &email, ip, RESET_PER_MINUTE).await?;
    if let Ok(creds) = state.store.user_credentials(&email).await {
        let secret = token::random_hex(32);
        state
            .store
            .create_reset_token(
                creds.user.id,
                &token::hash_token(&secret),
                mockbird_core::clock::now() + Duration::hours(1),
            )
            .await?;
        let link = format!(
            "{}/reset-password?token={secret}",
            state.settings.public_url
        );
        let sent = state
            .email
            .send(crate::emails::password_reset(&email, &secret, &link))
            .await;
        if let Err(e) = sent {
            tracing::error!(error = %e, "reset email not sent");
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Message {
            message: "If the account exists, a reset email is on its way".into(),
        }),
    ))
}

/// Reset-password body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Reset {
    /// The token from the reset email (single use, 1 hour).
    #[schema(value_type = String, required)]
    token: Option<String>,
    /// The new password: 8 to 1,024 characters.
    #[schema(value_type = String, required, min_length = 8, max_length = 1024)]
    password: Option<String>,
}

/// `POST /api/auth/reset-password`: sets the password and ends every session.
#[utoipa::path(
    post,
    path = "/api/auth/reset-password",
    operation_id = "resetPassword",
    tag = "auth",
    summary = "Set a new password with a reset token",
    request_body = Reset,
    responses(
        (status = 204, description = "Password set; every session ended"),
        (status = 400, response = errors::Invalid),
        (status = 401, description = "UNAUTHORIZED: the token is unknown, used or expired", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Reset>,
) -> ApiResult<StatusCode> {
    let mut errors = ValidationError::default();
    let secret = required(&mut errors, "token", &body.token).to_owned();
    let password = required(&mut errors, "password", &body.password).to_owned();
    validate_password(&mut errors, "password", &password);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let user_id = state
        .store
        .consume_reset_token(&token::hash_token(&secret), mockbird_core::clock::now())
        .await
        .map_err(|_| ApiError::unauthorized("Invalid, used or expired reset token"))?;
    let hash = state
        .auth
        .hash_password(&password)
        .await
        .map_err(ApiError::internal)?;
    state.store.set_password_hash(user_id, &hash).await?;
    state.store.revoke_user_tokens(user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change-password body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangePassword {
    /// The current password.
    #[schema(value_type = String, required)]
    old_password: Option<String>,
    /// The new password: 8 to 1,024 characters.
    #[schema(value_type = String, required, min_length = 8, max_length = 1024)]
    new_password: Option<String>,
}

/// `PUT /api/auth/password`.
#[utoipa::path(
    put,
    path = "/api/auth/password",
    operation_id = "changePassword",
    tag = "auth",
    summary = "Change the password",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Password changed"),
        (status = 400, response = errors::Invalid),
        (status = 403, response = errors::Forbidden),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    let mut errors = ValidationError::default();
    let old = required(&mut errors, "oldPassword", &body.old_password).to_owned();
    let new = required(&mut errors, "newPassword", &body.new_password).to_owned();
    validate_password(&mut errors, "newPassword", &new);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let creds = state.store.user_credentials(&caller.user.email).await?;
    if !state
        .auth
        .verify_password(&old, &creds.password_hash)
        .await
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::forbidden("The current password is wrong"));
    }
    let hash = state
        .auth
        .hash_password(&new)
        .await
        .map_err(ApiError::internal)?;
    state.store.set_password_hash(caller.user.id, &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/auth/me`: the account and the organizations only it owns.
#[utoipa::path(
    delete,
    path = "/api/auth/me",
    operation_id = "deleteCurrentUser",
    tag = "auth",
    summary = "Delete the account and organizations it alone owns",
    responses(
        (status = 204, description = "Deleted, with the organizations only it owned"),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete_me(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    let projects = state.store.projects_for_user(caller.user.id).await?;
    state.store.delete_user(caller.user.id).await?;
    for p in projects {
        state.project_changed(p.id).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
