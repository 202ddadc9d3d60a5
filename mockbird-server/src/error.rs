//! API errors: `{"error": CODE, "message": …, "errors": […]}` with the status
//! docs/http-api.md gives each code.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::store::StoreError;
use serde_json::json;

/// An error answer of the management API.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (`VALIDATION_FAILED`, `NOT_FOUND`, …).
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Every field problem, for `VALIDATION_FAILED`.
    pub errors: Vec<String>,
    /// `Allow` header, for `METHOD_NOT_ALLOWED`.
    pub allow: Option<String>,
}

/// The JSON shape of every error answer (documented in the OpenAPI document).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// Machine-readable code.
    pub error: String,
    /// Human-readable message.
    pub message: String,
    /// Every field problem, for `VALIDATION_FAILED`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Result of a handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with no field list.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            allow: None,
        }
    }

    /// 400 with one problem.
    pub fn bad_request(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "Validation failed",
        );
        e.errors.push(message);
        e
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
    }

    /// 503 `TEMPLATE_BUSY`: the template sandbox's queue is full.
    pub fn template_busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "TEMPLATE_BUSY",
            "Too many heavy templates are being compiled or rendered; try again shortly",
        )
    }

    /// 404 `PROJECT_NOT_FOUND`.
    pub fn project_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "PROJECT_NOT_FOUND",
            "Project not found",
        )
    }

    /// 404 `MOCK_NOT_FOUND`.
    pub fn mock_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "MOCK_NOT_FOUND", "Mock not found")
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    /// 500 that says nothing about internals; the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal server error",
        )
    }

    /// Replaces a 404 with `replacement` (a resource-specific code); keeps anything else.
    pub fn or_not_found(self, replacement: fn() -> ApiError) -> Self {
        if self.status == StatusCode::NOT_FOUND {
            replacement()
        } else {
            self
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        let mut err = Self::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "Validation failed",
        );
        err.errors = e.messages();
        err
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Self::not_found(),
            StoreError::Conflict { entity, key } => {
                Self::conflict(format!("{entity} {key} already exists or cannot change"))
            }
            StoreError::LimitExceeded { limit } => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "SUBSCRIPTION_LIMIT",
                format!("Your plan allows {limit} endpoints; upgrade to add more"),
            ),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.message});
        if !self.errors.is_empty() {
            body["errors"] = json!(self.errors);
        }
        let mut res = (self.status, Json(body)).into_response();
        if let Some(allow) = self
            .allow
            .and_then(|a| http::HeaderValue::from_str(&a).ok())
        {
            res.headers_mut().insert(http::header::ALLOW, allow);
        }
        res
    }
}
