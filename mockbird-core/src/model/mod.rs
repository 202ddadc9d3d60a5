//! The domain model: every entity of the product, serialized in camelCase as
//! in docs/http-api.md, with validated constructors for everything a user sends.

mod audit;
mod billing;
mod condition;
mod export;
mod key;
mod log;
mod mock;
mod org;
mod project;
mod response;
#[cfg(feature = "openapi")]
mod schema;
mod session;
mod user;

pub use audit::{AuditEntry, NewAuditEntry};
pub use billing::{BillingEvent, Invoice, Plan, Subscription, SubscriptionStatus};
pub use condition::{Condition, ConditionSpec, ConditionType, Operator};
pub use export::{ExportDocument, ExportMock, ExportProject};
pub use key::{ApiKey, NewApiKey};
pub use log::{
    LogBucket, LogQuery, LogScope, LogStats, MAX_PAGE_SIZE, NewRequestLog, Page, RequestLog,
    UsageRecord,
};
#[cfg(feature = "openapi")]
pub use mock::path_schema;
pub use mock::{HttpMethod, Mock, MockDef, MockSpec, PATH_PATTERN, ResponseType};
pub use org::{
    Invitation, MemberInfo, Membership, NewInvitation, NewOrganization, Organization, Role,
};
pub use project::{NewProject, Project, ProjectBundle, ProjectPatch, slugify, validate_slug};
pub use response::{
    MAX_RESPONSES_PER_MOCK, MockResponse, ResponseDef, ResponseSpec, check_budgets, count_regexes,
    is_server_owned_header,
};
pub use session::{NewRefreshToken, RefreshToken, ResetToken};
pub use user::{NewUser, User, UserCredentials, validate_email, validate_password};

/// Largest response body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest `responseDelay`, in milliseconds.
pub const MAX_DELAY_MS: u32 = 10_000;
/// Longest mock path pattern, in characters.
pub const MAX_PATH_CHARS: usize = 500;
/// Longest name of anything (project, mock, response, organization, key).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;

/// Validates a name: required, not only spaces, at most [`MAX_NAME_CHARS`]
/// characters, kept as given (untrimmed). The name, or the error under `field`.
pub fn validate_name(field: &str, value: &str) -> Result<String, crate::ValidationError> {
    let mut errors = crate::ValidationError::default();
    let name = check_name(&mut errors, field, Some(value));
    errors.into_result(name)
}

/// Checks a required, length-limited name that is not only spaces, tabs and
/// line breaks (the OpenAPI pattern `[^ \t\n\r]` says the same); it is kept
/// as given (untrimmed). Records problems under `field`.
pub(crate) fn check_name(
    errors: &mut crate::ValidationError,
    field: &str,
    value: Option<&str>,
) -> String {
    match value {
        None => {
            errors.push(field, "is required");
            String::new()
        }
        Some(v) if v.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => {
            errors.push(field, "is required (not only spaces)");
            String::new()
        }
        Some(v) if v.chars().count() > MAX_NAME_CHARS => {
            errors.push(
                field,
                format!("must be at most {MAX_NAME_CHARS} characters"),
            );
            String::new()
        }
        Some(v) => v.to_owned(),
    }
}

/// Reads an optional whole number that JSON may write as `42` or `42.0`
/// (JSON Schema counts both as integers); a fraction is an error.
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number"))),
    }
}
