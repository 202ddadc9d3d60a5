//! Rows into model types. Column names follow the schema; joined columns are
//! selected under the aliases given here.

use std::str::FromStr;

use mockbird_core::model::*;
use sqlx::Row;
use sqlx::types::Json;

use crate::dialect::{DbRow, get_id, get_opt_id, get_opt_ts, get_ts};

type R<T> = Result<T, sqlx::Error>;

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// An integer column as a narrower unsigned type.
pub(crate) fn uint<T: TryFrom<i64>>(row: &DbRow, col: &str) -> R<T>
where
    T::Error: std::error::Error + Send + Sync + 'static,
{
    T::try_from(row.try_get::<i64, _>(col)?).map_err(decode_err)
}

/// A text column parsed with `FromStr`.
fn parsed<T: FromStr>(row: &DbRow, col: &str) -> R<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    row.try_get::<String, _>(col)?.parse().map_err(decode_err)
}

/// A JSON column.
fn json<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> R<T> {
    Ok(row.try_get::<Json<T>, _>(col)?.0)
}

/// Columns of `users`.
pub(crate) const USER_COLS: &str = "u.id, u.email, u.name, u.created_at, u.password_hash";

pub(crate) fn user(row: &DbRow) -> R<User> {
    Ok(User {
        id: get_id(row, "id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn credentials(row: &DbRow) -> R<UserCredentials> {
    Ok(UserCredentials {
        user: user(row)?,
        password_hash: row.try_get("password_hash")?,
    })
}

/// Columns of `organizations`.
pub(crate) const ORG_COLS: &str = "o.id, o.name, o.slug, o.plan, o.created_at";

pub(crate) fn org(row: &DbRow) -> R<Organization> {
    Ok(Organization {
        id: get_id(row, "id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        plan: row.try_get("plan")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn membership(row: &DbRow) -> R<Membership> {
    Ok(Membership {
        org_id: get_id(row, "org_id")?,
        user_id: get_id(row, "user_id")?,
        role: parsed(row, "role")?,
        joined_at: get_ts(row, "joined_at")?,
    })
}

/// A member row joined with its user (`USER_COLS` plus `role`, `joined_at`).
pub(crate) fn member_info(row: &DbRow) -> R<MemberInfo> {
    Ok(MemberInfo {
        user: user(row)?,
        role: parsed(row, "role")?,
        joined_at: get_ts(row, "joined_at")?,
    })
}

pub(crate) fn invitation(row: &DbRow) -> R<Invitation> {
    Ok(Invitation {
        id: get_id(row, "id")?,
        org_id: get_id(row, "org_id")?,
        email: row.try_get("email")?,
        role: parsed(row, "role")?,
        token_hash: row.try_get("token_hash")?,
        invited_by: get_id(row, "invited_by")?,
        expires_at: get_ts(row, "expires_at")?,
        accepted_at: get_opt_ts(row, "accepted_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

/// Columns of `projects` with the mock count.
pub(crate) const PROJECT_COLS: &str = "p.id, p.org_id, p.name, p.slug, p.description, p.is_public, \
     p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM mocks c WHERE c.project_id = p.id) AS mock_count";

pub(crate) fn project(row: &DbRow) -> R<Project> {
    Ok(Project {
        id: get_id(row, "id")?,
        org_id: get_id(row, "org_id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        description: row.try_get("description")?,
        is_public: row.try_get("is_public")?,
        mock_count: uint(row, "mock_count")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// Columns of `mocks`.
pub(crate) const MOCK_COLS: &str = "id, project_id, name, path, method, description, is_active, \
     response_type, response_delay_ms, created_at, updated_at";

pub(crate) fn mock(row: &DbRow) -> R<Mock> {
    Ok(Mock {
        id: get_id(row, "id")?,
        project_id: get_id(row, "project_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        method: parsed(row, "method")?,
        description: row.try_get("description")?,
        is_active: row.try_get("is_active")?,
        response_type: parsed(row, "response_type")?,
        response_delay: uint(row, "response_delay_ms")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// Columns of `mock_responses`.
pub(crate) const RESPONSE_COLS: &str =
    "id, mock_id, name, status_code, headers, body, conditions, weight, is_default, created_at";

pub(crate) fn response(row: &DbRow) -> R<MockResponse> {
    Ok(MockResponse {
        id: get_id(row, "id")?,
        mock_id: get_id(row, "mock_id")?,
        name: row.try_get("name")?,
        status_code: uint(row, "status_code")?,
        headers: json(row, "headers")?,
        body: row.try_get("body")?,
        conditions: json(row, "conditions")?,
        weight: uint(row, "weight")?,
        is_default: row.try_get("is_default")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn usage(row: &DbRow) -> R<UsageRecord> {
    Ok(UsageRecord {
        org_id: get_id(row, "org_id")?,
        month: row.try_get("month")?,
        request_count: uint(row, "request_count")?,
        bandwidth_bytes: uint(row, "bandwidth_bytes")?,
    })
}

/// Columns of `api_keys`.
pub(crate) const KEY_COLS: &str =
    "id, org_id, user_id, name, prefix, key_hash, last_used_at, expires_at, created_at";

pub(crate) fn api_key(row: &DbRow) -> R<ApiKey> {
    Ok(ApiKey {
        id: get_id(row, "id")?,
        org_id: get_id(row, "org_id")?,
        user_id: get_id(row, "user_id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        key_hash: row.try_get("key_hash")?,
        last_used_at: get_opt_ts(row, "last_used_at")?,
        expires_at: get_opt_ts(row, "expires_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn refresh_token(row: &DbRow) -> R<RefreshToken> {
    Ok(RefreshToken {
        id: get_id(row, "id")?,
        user_id: get_id(row, "user_id")?,
        family_id: get_id(row, "family_id")?,
        token_hash: row.try_get("token_hash")?,
        expires_at: get_ts(row, "expires_at")?,
        used_at: get_opt_ts(row, "used_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn subscription(row: &DbRow) -> R<Subscription> {
    let status: String = row.try_get("status")?;
    Ok(Subscription {
        org_id: get_id(row, "org_id")?,
        tier: row.try_get("tier")?,
        status: serde_json::from_value(serde_json::Value::String(status)).map_err(decode_err)?,
        current_period_end: get_opt_ts(row, "current_period_end")?,
        cancel_at_period_end: row.try_get("cancel_at_period_end")?,
        customer_id: row.try_get("customer_id")?,
        provider_subscription_id: row.try_get("provider_subscription_id")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// The stored text of a subscription status (its serde name).
pub(crate) fn status_text(status: SubscriptionStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("a unit enum serializes as a string"),
    }
}

pub(crate) fn invoice(row: &DbRow) -> R<Invoice> {
    Ok(Invoice {
        id: row.try_get("id")?,
        org_id: get_id(row, "org_id")?,
        amount_cents: uint(row, "amount_cents")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        period_start: get_ts(row, "period_start")?,
        period_end: get_ts(row, "period_end")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub(crate) fn audit_entry(row: &DbRow) -> R<AuditEntry> {
    Ok(AuditEntry {
        id: get_id(row, "id")?,
        org_id: get_id(row, "org_id")?,
        user_id: get_opt_id(row, "user_id")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        details: json(row, "details")?,
        created_at: get_ts(row, "created_at")?,
    })
}
