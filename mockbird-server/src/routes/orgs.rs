//! `/api/orgs`, members and invitations.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use chrono::Duration;
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::model::{
    Invitation, MemberInfo, NewInvitation, NewOrganization, Organization, Role, validate_email,
};
use mockbird_core::token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, can_manage, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::openapi::errors;
use crate::state::AppState;

/// `GET /api/orgs`.
#[utoipa::path(
    get,
    path = "/api/orgs",
    operation_id = "listOrganizations",
    tag = "organizations",
    summary = "Organizations of the caller",
    responses(
        (status = 200, description = "The caller's organizations (an API key sees its own)", body = [Organization]),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Organization>>> {
    let mut orgs = state.store.orgs_for_user(caller.user.id).await?;
    if let Some(k) = caller.key_org {
        orgs.retain(|o| o.id == k);
    }
    Ok(Json(orgs))
}

/// Create body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CreateOrg {
    /// At most 200 characters, not only spaces.
    #[schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
    /// Default derived from the name (and made unique).
    #[schema(pattern = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    slug: Option<String>,
}

/// `POST /api/orgs`: the caller becomes its owner.
#[utoipa::path(
    post,
    path = "/api/orgs",
    operation_id = "createOrganization",
    tag = "organizations",
    summary = "Create an organization",
    request_body = CreateOrg,
    responses(
        (status = 201, description = "Created; the caller owns it", body = Organization),
        (status = 400, response = errors::Invalid),
        (status = 403, response = errors::Forbidden),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateOrg>,
) -> ApiResult<impl IntoResponse> {
    if caller.key_org.is_some() {
        return Err(ApiError::forbidden(
            "API keys act within their organization only",
        ));
    }
    let name = body.name.unwrap_or_default();
    let slug = match body.slug {
        Some(s) => s,
        None => {
            super::access::unique_slug(&name, "org", |s| {
                let store = state.store.clone();
                async move { store.org_by_slug(&s).await.is_ok() }
            })
            .await?
        }
    };
    let new = NewOrganization::new(&name, &slug, &state.settings.default_plan, caller.user.id)?;
    let org = state.store.create_org(new).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// `GET /api/orgs/{id}`.
#[utoipa::path(
    get,
    path = "/api/orgs/{id}",
    operation_id = "getOrganization",
    tag = "organizations",
    summary = "An organization",
    params(("id" = Uuid, Path, description = "The organization")),
    responses(
        (status = 200, description = "The organization", body = Organization),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Organization>> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Member, ApiError::not_found).await?;
    Ok(Json(state.store.org(id).await?))
}

/// Update body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UpdateOrg {
    /// New name; at most 200 characters, not only spaces. Absent: no change.
    #[schema(max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
}

/// `PUT /api/orgs/{id}` (admin+).
#[utoipa::path(
    put,
    path = "/api/orgs/{id}",
    operation_id = "updateOrganization",
    tag = "organizations",
    summary = "Rename an organization (admin)",
    params(("id" = Uuid, Path, description = "The organization")),
    request_body = UpdateOrg,
    responses(
        (status = 200, description = "The organization as changed", body = Organization),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrg>,
) -> ApiResult<Json<Organization>> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Admin, ApiError::not_found).await?;
    let Some(name) = body.name else {
        return Ok(Json(state.store.org(id).await?));
    };
    let name = mockbird_core::model::validate_name("name", &name)?;
    Ok(Json(state.store.rename_org(id, &name).await?))
}

/// `DELETE /api/orgs/{id}` (owner).
#[utoipa::path(
    delete,
    path = "/api/orgs/{id}",
    operation_id = "deleteOrganization",
    tag = "organizations",
    summary = "Delete an organization (owner)",
    params(("id" = Uuid, Path, description = "The organization")),
    responses(
        (status = 204, description = "Deleted with its projects, keys and subscription"),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Owner, ApiError::not_found).await?;
    let projects = state.store.projects_for_org(id).await?;
    state.store.delete_org(id).await?;
    for p in projects {
        state.project_changed(p.id).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/orgs/{id}/members`.
#[utoipa::path(
    get,
    path = "/api/orgs/{id}/members",
    operation_id = "listMembers",
    tag = "organizations",
    summary = "Members",
    params(("id" = Uuid, Path, description = "The organization")),
    responses(
        (status = 200, description = "The members", body = [MemberInfo]),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MemberInfo>>> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Member, ApiError::not_found).await?;
    Ok(Json(state.store.members(id).await?))
}

/// Invitation body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Invite {
    /// The address invited; only that account may accept.
    #[schema(value_type = String, required, format = Email)]
    email: Option<String>,
    /// Default `member`; only an owner invites an owner.
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

/// An invitation as answered once, with its token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssuedInvitation {
    /// Identifier.
    pub id: Uuid,
    /// The address invited.
    pub email: String,
    /// The role it grants.
    pub role: Role,
    /// The secret of `POST /api/invitations/{token}/accept` (also in the email).
    pub token: String,
    /// Unusable after this (7 days).
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// `POST /api/orgs/{id}/invitations` (admin+; only an owner invites an owner).
#[utoipa::path(
    post,
    path = "/api/orgs/{id}/invitations",
    operation_id = "createInvitation",
    tag = "organizations",
    summary = "Invite by email (admin)",
    params(("id" = Uuid, Path, description = "The organization")),
    request_body = Invite,
    responses(
        (status = 201, description = "Created and emailed", body = IssuedInvitation),
        (status = 400, response = errors::Invalid),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Invite>,
) -> ApiResult<impl IntoResponse> {
    let id = parse_id(&id, ApiError::not_found)?;
    let me = require_role(&state, &caller, id, Role::Admin, ApiError::not_found).await?;
    let mut errors = ValidationError::default();
    let email = validate_email(
        &mut errors,
        "email",
        body.email.as_deref().unwrap_or_default(),
    );
    let role = match body.role.as_deref().unwrap_or("member").parse::<Role>() {
        Ok(r) => r,
        Err(e) => {
            errors.extend_prefixed("", e);
            Role::Member
        }
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !can_manage(me.role, None, role) {
        return Err(ApiError::forbidden("Only an owner can invite an owner"));
    }
    let secret = token::random_hex(24);
    let invitation = state
        .store
        .create_invitation(NewInvitation {
            org_id: id,
            email: email.clone(),
            role,
            token_hash: token::hash_token(&secret),
            invited_by: caller.user.id,
            expires_at: mockbird_core::clock::now() + Duration::days(7),
        })
        .await?;
    let org = state.store.org(id).await?;
    let link = format!("{}/invitations/{secret}", state.settings.public_url);
    if let Err(e) = state
        .email
        .send(crate::emails::invitation(
            &email,
            &caller.user.name,
            &org.name,
            role.as_str(),
            &secret,
            &link,
        ))
        .await
    {
        tracing::error!(error = %e, "invitation email not sent");
    }
    Ok((
        StatusCode::CREATED,
        Json(IssuedInvitation {
            id: invitation.id,
            email: invitation.email,
            role: invitation.role,
            token: secret,
            expires_at: invitation.expires_at,
        }),
    ))
}

/// `GET /api/orgs/{id}/invitations` (admin+): the pending ones.
#[utoipa::path(
    get,
    path = "/api/orgs/{id}/invitations",
    operation_id = "listInvitations",
    tag = "organizations",
    summary = "Pending invitations (admin)",
    params(("id" = Uuid, Path, description = "The organization")),
    responses(
        (status = 200, description = "Invitations not yet accepted, oldest first (expired ones too, marked by `expiresAt`)", body = [Invitation]),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn invitations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Invitation>>> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Admin, ApiError::not_found).await?;
    let mut all = state.store.invitations(id).await?;
    all.retain(|i| i.accepted_at.is_none());
    Ok(Json(all))
}

/// `DELETE /api/orgs/{id}/invitations/{invitationId}` (admin+): its link stops working.
#[utoipa::path(
    delete,
    path = "/api/orgs/{id}/invitations/{invitationId}",
    operation_id = "revokeInvitation",
    tag = "organizations",
    summary = "Revoke a pending invitation (admin)",
    params(
        ("id" = Uuid, Path, description = "The organization"),
        ("invitationId" = Uuid, Path, description = "The invitation"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, invitation)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, ApiError::not_found)?;
    require_role(&state, &caller, id, Role::Admin, ApiError::not_found).await?;
    let invitation = parse_id(&invitation, ApiError::not_found)?;
    state.store.delete_invitation(id, invitation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/invitations/{token}/accept`: only the invited email may accept.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/accept",
    operation_id = "acceptInvitation",
    tag = "organizations",
    summary = "Accept an invitation",
    params(("token" = String, Path, description = "The invitation's secret")),
    responses(
        (status = 200, description = "Joined; the organization", body = Organization),
        (status = 400, response = errors::Invalid),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(secret): Path<String>,
) -> ApiResult<Json<Organization>> {
    let invitation = state
        .store
        .invitation_by_token_hash(&token::hash_token(&secret))
        .await?;
    if !invitation.email.eq_ignore_ascii_case(&caller.user.email) {
        return Err(ApiError::forbidden(
            "This invitation is for another email address",
        ));
    }
    if invitation.expires_at <= mockbird_core::clock::now() {
        return Err(ApiError::bad_request("token: the invitation has expired"));
    }
    state
        .store
        .accept_invitation(invitation.id, caller.user.id)
        .await?;
    Ok(Json(state.store.org(invitation.org_id).await?))
}

/// Role body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SetRole {
    /// The new role.
    #[schema(value_type = Role, required)]
    role: Option<String>,
}

/// `PUT /api/orgs/{id}/members/{userId}` (admin+; owner role only by owners).
#[utoipa::path(
    put,
    path = "/api/orgs/{id}/members/{userId}",
    operation_id = "setMemberRole",
    tag = "organizations",
    summary = "Change a member's role (admin)",
    params(("id" = Uuid, Path, description = "The organization"), ("userId" = Uuid, Path, description = "The member")),
    request_body = SetRole,
    responses(
        (status = 200, description = "The member with the new role", body = MemberInfo),
        (status = 400, response = errors::Invalid),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<SetRole>,
) -> ApiResult<Json<MemberInfo>> {
    let id = parse_id(&id, ApiError::not_found)?;
    let user = parse_id(&user, ApiError::not_found)?;
    let me = require_role(&state, &caller, id, Role::Admin, ApiError::not_found).await?;
    let role: Role = body
        .role
        .as_deref()
        .ok_or_else(|| ValidationError::single("role", "is required"))?
        .parse()?;
    let target = state.store.membership(id, user).await?;
    if !can_manage(me.role, Some(target.role), role) {
        return Err(ApiError::forbidden(
            "Only an owner can grant or remove the owner role",
        ));
    }
    let m = state
        .store
        .set_member_role(id, user, role)
        .await
        .map_err(|e| match e {
            mockbird_core::store::StoreError::Conflict { .. } => {
                ApiError::conflict("The last owner cannot be demoted")
            }
            other => other.into(),
        })?;
    let info = state.store.user(user).await?;
    Ok(Json(MemberInfo {
        user: info,
        role: m.role,
        joined_at: m.joined_at,
    }))
}

/// `DELETE /api/orgs/{id}/members/{userId}` (admin+, or a member leaving).
#[utoipa::path(
    delete,
    path = "/api/orgs/{id}/members/{userId}",
    operation_id = "removeMember",
    tag = "organizations",
    summary = "Remove a member, or leave",
    params(("id" = Uuid, Path, description = "The organization"), ("userId" = Uuid, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed, or left"),
        (status = 403, response = errors::Forbidden),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, ApiError::not_found)?;
    let user = parse_id(&user, ApiError::not_found)?;
    let leaving = user == caller.user.id;
    let me = require_role(
        &state,
        &caller,
        id,
        if leaving { Role::Member } else { Role::Admin },
        ApiError::not_found,
    )
    .await?;
    let target = state.store.membership(id, user).await?;
    if !leaving && target.role == Role::Owner && me.role != Role::Owner {
        return Err(ApiError::forbidden("Only an owner can remove an owner"));
    }
    state
        .store
        .remove_member(id, user)
        .await
        .map_err(|e| match e {
            mockbird_core::store::StoreError::Conflict { .. } => {
                ApiError::conflict("The last owner cannot leave")
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
