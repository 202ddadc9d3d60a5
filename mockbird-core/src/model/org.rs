//! Organizations, their members and invitations.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::User;
use crate::ValidationError;

/// A member's role. Ordered: `Member < Admin < Owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates and edits projects and mocks.
    Member,
    /// Also renames the organization, manages members, invitations and API keys.
    Admin,
    /// Also deletes the organization and manages billing.
    Owner,
}

impl Role {
    /// The role's name as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Role::Member),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            _ => Err(ValidationError::single(
                "role",
                "must be one of owner, admin, member",
            )),
        }
    }
}

/// A tenant: owns projects, API keys and a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Identifier.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Globally unique slug.
    pub slug: String,
    /// Plan tier name (`free`, `pro`, `team`, or one from the plans file).
    pub plan: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// An organization to be created, with its first owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    /// Display name.
    pub name: String,
    /// Slug, validated by [`super::validate_slug`].
    pub slug: String,
    /// Starting plan.
    pub plan: String,
    /// The user who becomes its owner.
    pub owner_id: Uuid,
}

impl NewOrganization {
    /// Validates name and slug.
    pub fn new(
        name: &str,
        slug: &str,
        plan: &str,
        owner_id: Uuid,
    ) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let name = super::check_name(&mut errors, "name", Some(name));
        super::validate_slug(&mut errors, "slug", slug);
        errors.into_result(Self {
            name,
            slug: slug.to_owned(),
            plan: plan.to_owned(),
            owner_id,
        })
    }
}

/// One user's membership of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The organization.
    pub org_id: Uuid,
    /// The member.
    pub user_id: Uuid,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// A member as listed by `GET /api/orgs/{id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberInfo {
    /// The member.
    pub user: User,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// An invitation to join an organization, redeemable once by the invited email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// Identifier.
    pub id: Uuid,
    /// The organization to join.
    pub org_id: Uuid,
    /// Who may accept it (lower-case).
    pub email: String,
    /// The role granted on acceptance.
    pub role: Role,
    /// SHA-256 (hex) of the token; the token itself is shown once at creation.
    #[serde(skip_serializing)]
    pub token_hash: String,
    /// Who sent it.
    pub invited_by: Uuid,
    /// Unusable after this.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted, if it was.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// An invitation to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// The organization to join.
    pub org_id: Uuid,
    /// Who may accept it.
    pub email: String,
    /// The role granted on acceptance.
    pub role: Role,
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// Who sent it.
    pub invited_by: Uuid,
    /// Unusable after this.
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    /// A new, open invitation with a fresh id, created now.
    pub fn create(inv: NewInvitation) -> Self {
        Invitation {
            id: Uuid::new_v4(),
            org_id: inv.org_id,
            email: inv.email,
            role: inv.role,
            token_hash: inv.token_hash,
            invited_by: inv.invited_by,
            expires_at: crate::clock::truncate(inv.expires_at),
            accepted_at: None,
            created_at: crate::clock::now(),
        }
    }
}
