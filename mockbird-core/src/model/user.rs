//! Users and their credentials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationError;

/// A person with an account. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Identifier.
    pub id: Uuid,
    /// Login address, stored lower-case; unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

/// A user together with the stored password hash, for login checks only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// The PHC-format hash made by the auth service.
    pub password_hash: String,
}

/// A user to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Lower-cased, validated email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Hash of the password (never the password itself).
    pub password_hash: String,
}

impl NewUser {
    /// Validates email and name; the password must already be hashed.
    pub fn new(email: &str, name: &str, password_hash: String) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let email = validate_email(&mut errors, "email", email);
        let name = super::check_name(&mut errors, "name", Some(name));
        errors.into_result(Self {
            email,
            name,
            password_hash,
        })
    }
}

/// Checks an email address and returns it trimmed and lower-cased.
pub fn validate_email(errors: &mut ValidationError, field: &str, email: &str) -> String {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && !domain.contains('@')
        });
    if !valid {
        errors.push(field, "must be an email address");
    }
    email
}

/// Checks a new password: at least 8 characters, at most 1,024.
pub fn validate_password(errors: &mut ValidationError, field: &str, password: &str) {
    let n = password.chars().count();
    if n < 8 {
        errors.push(field, "must be at least 8 characters");
    } else if n > 1024 {
        errors.push(field, "must be at most 1024 characters");
    }
}
