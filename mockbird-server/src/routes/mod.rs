//! The management API's handlers, one module per resource, and the route
//! table (`api`) that the OpenAPI document is generated from.

mod access;
pub(crate) mod analytics;
pub(crate) mod auth;
pub(crate) mod billing;
pub(crate) mod keys;
pub(crate) mod logs;
pub(crate) mod mocks;
pub(crate) mod orgs;
pub(crate) mod projects;
pub(crate) mod system;
pub(crate) mod verify;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The management API under `/api`.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::base())
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me, auth::update_me, auth::delete_me))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::forgot_password))
        .routes(routes!(auth::reset_password))
        .routes(routes!(auth::change_password))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get, orgs::update, orgs::delete))
        .routes(routes!(orgs::members))
        .routes(routes!(orgs::set_role, orgs::remove))
        .routes(routes!(orgs::invite, orgs::invitations))
        .routes(routes!(orgs::revoke_invitation))
        .routes(routes!(orgs::accept))
        .routes(routes!(projects::list, projects::create))
        .merge(
            // An imported file may be larger than other bodies.
            OpenApiRouter::new()
                .routes(routes!(projects::import))
                .layer(DefaultBodyLimit::max(projects::MAX_IMPORT_BODY)),
        )
        .routes(routes!(projects::get, projects::update, projects::delete))
        .routes(routes!(projects::duplicate))
        .routes(routes!(projects::export))
        .routes(routes!(mocks::list, mocks::create))
        .routes(routes!(mocks::check_route))
        .routes(routes!(mocks::get, mocks::update, mocks::delete))
        .routes(routes!(mocks::responses, mocks::create_response))
        .routes(routes!(mocks::update_response, mocks::delete_response))
        .routes(routes!(logs::mock_logs))
        .routes(routes!(logs::project_logs))
        .routes(routes!(logs::stream_project_logs))
        .routes(routes!(verify::verify))
        .routes(routes!(analytics::mock_analytics))
        .routes(routes!(analytics::project_analytics))
        .routes(routes!(billing::usage))
        .routes(routes!(keys::list, keys::create))
        .routes(routes!(keys::rotate))
        .routes(routes!(keys::delete))
        .routes(routes!(system::plans))
        .routes(routes!(billing::subscription))
        .routes(routes!(billing::checkout))
        .routes(routes!(billing::cancel))
        .routes(routes!(billing::invoices))
        .routes(routes!(billing::update_payment))
        .routes(routes!(billing::webhook))
        .routes(routes!(system::system))
        .routes(routes!(system::outbox))
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::metrics))
        .routes(routes!(crate::openapi::document))
        .layer(DefaultBodyLimit::max(crate::body::MAX_API_BODY))
}
