//! `GET /api/openapi.json`: the OpenAPI 3 document of the management API,
//! built from [`OPERATIONS`], the same table a test walks against the live
//! router to prove every listed operation is routed.

use axum::Json;
use serde_json::{Map, Value, json};

/// One operation: method, path (OpenAPI style), summary, whether it needs credentials, success status.
pub const OPERATIONS: &[(&str, &str, &str, bool, u16)] = &[
    (
        "post",
        "/api/auth/register",
        "Create an account and its personal organization",
        false,
        201,
    ),
    ("post", "/api/auth/login", "Log in", false, 200),
    ("post", "/api/auth/logout", "End this session", true, 204),
    ("get", "/api/auth/me", "The current user", true, 200),
    (
        "delete",
        "/api/auth/me",
        "Delete the account and organizations it alone owns",
        true,
        204,
    ),
    (
        "post",
        "/api/auth/refresh",
        "Rotate the refresh token",
        false,
        200,
    ),
    (
        "post",
        "/api/auth/forgot-password",
        "Email a reset token",
        false,
        202,
    ),
    (
        "post",
        "/api/auth/reset-password",
        "Set a new password with a reset token",
        false,
        204,
    ),
    (
        "put",
        "/api/auth/password",
        "Change the password",
        true,
        204,
    ),
    ("get", "/api/orgs", "Organizations of the caller", true, 200),
    ("post", "/api/orgs", "Create an organization", true, 201),
    ("get", "/api/orgs/{id}", "An organization", true, 200),
    (
        "put",
        "/api/orgs/{id}",
        "Rename an organization (admin)",
        true,
        200,
    ),
    (
        "delete",
        "/api/orgs/{id}",
        "Delete an organization (owner)",
        true,
        204,
    ),
    ("get", "/api/orgs/{id}/members", "Members", true, 200),
    (
        "put",
        "/api/orgs/{id}/members/{userId}",
        "Change a member's role (admin)",
        true,
        200,
    ),
    (
        "delete",
        "/api/orgs/{id}/members/{userId}",
        "Remove a member, or leave",
        true,
        204,
    ),
    (
        "post",
        "/api/orgs/{id}/invitations",
        "Invite by email (admin)",
        true,
        201,
    ),
    (
        "post",
        "/api/invitations/{token}/accept",
        "Accept an invitation",
        true,
        200,
    ),
    ("get", "/api/projects", "Projects", true, 200),
    ("post", "/api/projects", "Create a project", true, 201),
    (
        "post",
        "/api/projects/import",
        "Import an export document",
        true,
        201,
    ),
    ("get", "/api/projects/{id}", "A project", true, 200),
    ("put", "/api/projects/{id}", "Update a project", true, 200),
    (
        "delete",
        "/api/projects/{id}",
        "Delete a project",
        true,
        204,
    ),
    (
        "post",
        "/api/projects/{id}/duplicate",
        "Copy a project with its mocks",
        true,
        201,
    ),
    (
        "get",
        "/api/projects/{id}/export",
        "Export a project",
        true,
        200,
    ),
    (
        "get",
        "/api/projects/{id}/mocks",
        "Mocks of a project",
        true,
        200,
    ),
    (
        "post",
        "/api/projects/{id}/mocks",
        "Create a mock",
        true,
        201,
    ),
    ("get", "/api/mocks/{id}", "A mock", true, 200),
    ("put", "/api/mocks/{id}", "Update a mock", true, 200),
    ("delete", "/api/mocks/{id}", "Delete a mock", true, 204),
    (
        "get",
        "/api/mocks/{id}/responses",
        "Responses of a mock",
        true,
        200,
    ),
    (
        "post",
        "/api/mocks/{id}/responses",
        "Add a response",
        true,
        201,
    ),
    (
        "put",
        "/api/mocks/{id}/responses/{responseId}",
        "Update a response",
        true,
        200,
    ),
    (
        "delete",
        "/api/mocks/{id}/responses/{responseId}",
        "Delete a response",
        true,
        204,
    ),
    ("get", "/api/keys", "API keys", true, 200),
    (
        "post",
        "/api/keys",
        "Create an API key (shown once)",
        true,
        201,
    ),
    (
        "post",
        "/api/keys/{id}/rotate",
        "Replace a key's secret",
        true,
        201,
    ),
    ("delete", "/api/keys/{id}", "Revoke a key", true, 204),
    ("get", "/api/billing/plans", "Plans", false, 200),
    (
        "get",
        "/api/billing/subscription",
        "The organization's subscription",
        true,
        200,
    ),
    (
        "post",
        "/api/billing/create-checkout",
        "Start a checkout (owner)",
        true,
        200,
    ),
    (
        "post",
        "/api/billing/cancel",
        "Cancel at period end (owner)",
        true,
        200,
    ),
    ("get", "/api/billing/invoices", "Invoices", true, 200),
    (
        "post",
        "/api/billing/update-payment",
        "Change the payment method (owner)",
        true,
        200,
    ),
    (
        "post",
        "/api/billing/webhook",
        "Payment provider events (Stripe-Signature)",
        false,
        200,
    ),
    (
        "get",
        "/api/system",
        "Version, store and service modes",
        false,
        200,
    ),
    ("get", "/api/openapi.json", "This document", false, 200),
];

/// The document.
pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, auth, status) in OPERATIONS {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": summary,
            "parameters": params,
            "responses": {
                status.to_string(): {"description": "Success"},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if *auth {
            op["security"] = json!([{"bearer": []}, {"apiKey": []}]);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "MockBird", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "string"}}
                    }
                }
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(build())
}
