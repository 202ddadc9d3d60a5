//! `/api/projects`: CRUD, duplicate, export and import.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use http::StatusCode;
use mockbird_core::ValidationError;
use mockbird_core::model::{
    ExportDocument, NewProject, Project, ProjectPatch, Role, validate_slug,
};
use mockbird_core::store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::access;
use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, OptionalJson, parse_id};
use crate::openapi::errors;
use crate::state::AppState;

/// A project as the API shows it: the stored fields plus `baseUrl`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectView {
    /// The stored fields.
    #[serde(flatten)]
    pub project: Project,
    /// Where its mocks are served: `{public URL}/m/{slug}`.
    pub base_url: String,
}

impl ProjectView {
    /// The view of `project` on this server.
    pub(crate) fn new(state: &AppState, project: Project) -> Self {
        let base_url = format!("{}/m/{}", state.settings.public_url, project.slug);
        ProjectView { project, base_url }
    }
}

/// `?orgId=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct OrgQuery {
    /// The organization to act in (a member's); default the caller's default organization.
    #[param(value_type = Option<Uuid>)]
    org_id: Option<String>,
}

/// The organization a request acts in: `orgId` if given (membership checked), else the default.
async fn target_org(state: &AppState, caller: &Caller, org_id: Option<&str>) -> ApiResult<Uuid> {
    let org = match org_id {
        Some(raw) => parse_id(raw, ApiError::not_found)?,
        None => caller.default_org(state).await?,
    };
    require_role(state, caller, org, Role::Member, ApiError::not_found).await?;
    Ok(org)
}

/// `GET /api/projects[?orgId=]`.
#[utoipa::path(
    get,
    path = "/api/projects",
    operation_id = "listProjects",
    tag = "projects",
    summary = "Projects",
    params(OrgQuery),
    responses(
        (status = 200, description = "The projects the caller sees (of `orgId`, or of every organization)", body = [ProjectView]),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrgQuery>,
) -> ApiResult<Json<Vec<ProjectView>>> {
    let projects = match (q.org_id.as_deref(), caller.key_org) {
        (Some(raw), _) => {
            let org = target_org(&state, &caller, Some(raw)).await?;
            state.store.projects_for_org(org).await?
        }
        (None, Some(org)) => state.store.projects_for_org(org).await?,
        (None, None) => state.store.projects_for_user(caller.user.id).await?,
    };
    Ok(Json(
        projects
            .into_iter()
            .map(|p| ProjectView::new(&state, p))
            .collect(),
    ))
}

/// A slug from `wanted` (validated, 400 if it breaks the rule) or derived from `name` and made unique.
async fn choose_slug(state: &AppState, wanted: Option<&str>, name: &str) -> ApiResult<String> {
    if let Some(slug) = wanted {
        let mut errors = ValidationError::default();
        validate_slug(&mut errors, "slug", slug);
        return errors.into_result(slug.to_owned()).map_err(Into::into);
    }
    super::access::unique_slug(name, "project", |s| {
        let store = state.store.clone();
        async move { store.project_by_slug(&s).await.is_ok() }
    })
    .await
}

fn slug_conflict(slug: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::Conflict {
            entity: "project", ..
        } => ApiError::conflict(format!("The slug {slug} is taken")),
        StoreError::Conflict { .. } => ApiError::conflict("Two mocks share a path and method"),
        other => other.into(),
    }
}

/// Create body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateProject {
    /// At most 200 characters, not only spaces.
    #[schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
    /// At most 5,000 characters.
    #[schema(max_length = 5000)]
    description: Option<String>,
    /// Required: whether anyone may call the project's mocks.
    #[schema(value_type = bool, required)]
    is_public: Option<bool>,
    /// The organization (a member's); default the caller's default organization.
    #[schema(value_type = Option<Uuid>)]
    org_id: Option<String>,
    /// Default derived from the name (and made unique).
    #[schema(pattern = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    slug: Option<String>,
}

/// `POST /api/projects`.
#[utoipa::path(
    post,
    path = "/api/projects",
    operation_id = "createProject",
    tag = "projects",
    summary = "Create a project",
    request_body = CreateProject,
    responses(
        (status = 201, description = "Created", body = ProjectView),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateProject>,
) -> ApiResult<impl IntoResponse> {
    let org = target_org(&state, &caller, body.org_id.as_deref()).await?;
    let name = body.name.unwrap_or_default();
    let slug = choose_slug(&state, body.slug.as_deref(), &name).await;
    let checked = NewProject::new(
        org,
        &name,
        slug.as_deref().unwrap_or("ok"),
        body.description.as_deref().unwrap_or_default(),
        body.is_public.unwrap_or(false),
    );
    // Every problem at once: the fields', visibility's and the slug's.
    let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
    if body.is_public.is_none() {
        problems.push(
            "isPublic",
            "is required: true (anyone may call the mocks) or false (an API key or member token is needed)",
        );
    }
    let new = match (checked, slug) {
        (Ok(new), Ok(_)) if problems.is_empty() => new,
        (_, Err(e)) if e.status != StatusCode::BAD_REQUEST => return Err(e),
        (_, slug) => {
            let mut err = ApiError::from(problems);
            if let Err(e) = slug {
                err.errors.extend(e.errors);
            }
            return Err(err);
        }
    };
    let slug = new.slug.clone();
    let project = state
        .store
        .create_project(new)
        .await
        .map_err(slug_conflict(&slug))?;
    Ok((StatusCode::CREATED, Json(ProjectView::new(&state, project))))
}

/// `GET /api/projects/{id}`.
#[utoipa::path(
    get,
    path = "/api/projects/{id}",
    operation_id = "getProject",
    tag = "projects",
    summary = "A project",
    params(("id" = Uuid, Path, description = "The project")),
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    Ok(Json(ProjectView::new(&state, project)))
}

/// `PUT /api/projects/{id}`.
#[utoipa::path(
    put,
    path = "/api/projects/{id}",
    operation_id = "updateProject",
    tag = "projects",
    summary = "Update a project",
    params(("id" = Uuid, Path, description = "The project")),
    request_body = ProjectPatch,
    responses(
        (status = 200, description = "The project as changed", body = ProjectView),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ProjectPatch>,
) -> ApiResult<Json<ProjectView>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let patch = patch.validate()?;
    let slug = patch.slug.clone().unwrap_or_default();
    let updated = state
        .store
        .update_project(project.id, patch)
        .await
        .map_err(slug_conflict(&slug))?;
    state.project_changed(project.id).await;
    Ok(Json(ProjectView::new(&state, updated)))
}

/// `DELETE /api/projects/{id}`.
#[utoipa::path(
    delete,
    path = "/api/projects/{id}",
    operation_id = "deleteProject",
    tag = "projects",
    summary = "Delete a project",
    params(("id" = Uuid, Path, description = "The project")),
    responses(
        (status = 204, description = "Deleted with its mocks, responses and logs"),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    state.store.delete_project(project.id).await?;
    state.project_changed(project.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Duplicate body (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Duplicate {
    /// Default `{name} (copy)`; at most 200 characters, not only spaces.
    #[schema(max_length = 200, pattern = r"[^ \t\n\r]")]
    name: Option<String>,
    /// Default derived from the name (and made unique).
    #[schema(pattern = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    slug: Option<String>,
}

/// `POST /api/projects/{id}/duplicate`: a copy with all mocks and responses, atomically and within the plan's cap.
#[utoipa::path(
    post,
    path = "/api/projects/{id}/duplicate",
    operation_id = "duplicateProject",
    tag = "projects",
    summary = "Copy a project with its mocks",
    params(("id" = Uuid, Path, description = "The project")),
    request_body = Option<Duplicate>,
    responses(
        (status = 201, description = "The copy", body = ProjectView),
        (status = 400, response = errors::Invalid),
        (status = 402, response = errors::PaymentRequired),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn duplicate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<Duplicate>,
) -> ApiResult<impl IntoResponse> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let bundle = state.store.project_bundle(project.id).await?;
    let name = body
        .name
        .unwrap_or_else(|| format!("{} (copy)", project.name));
    let slug = choose_slug(&state, body.slug.as_deref(), &name).await?;
    let new = NewProject::new(
        project.org_id,
        &name,
        &slug,
        &project.description,
        project.is_public,
    )?;
    let mocks = bundle
        .mocks
        .iter()
        .map(|(m, rs)| (m.to_def(), rs.iter().map(|r| r.to_def()).collect()))
        .collect();
    let limit = state.endpoint_limit(project.org_id).await?;
    let copy = state
        .store
        .create_project_with_mocks(new, mocks, limit.limit)
        .await
        .map_err(|e| limit.refusal(e, slug_conflict(&slug)))?;
    Ok((StatusCode::CREATED, Json(ProjectView::new(&state, copy))))
}

/// The media type of an OpenAPI document (as registered with IANA).
const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json";

/// The query of `GET /api/projects/{id}/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `mockbird` (the default): the project document `POST /api/projects/import`
    /// takes; `openapi`: an OpenAPI 3.1 description of the mocks (each mock also
    /// whole in `x-mockbird-mock`, so importing it back gives the same project).
    #[param(value_type = Option<String>, pattern = "^(mockbird|openapi)$")]
    format: Option<String>,
}

/// `GET /api/projects/{id}/export?format=`.
#[utoipa::path(
    get,
    path = "/api/projects/{id}/export",
    operation_id = "exportProject",
    tag = "projects",
    summary = "Export a project: MockBird's document, or OpenAPI 3.1",
    params(("id" = Uuid, Path, description = "The project"), ExportQuery),
    responses(
        (status = 200, description = "The export document (`application/json`), or with `format=openapi` an OpenAPI 3.1 document (`application/vnd.oai.openapi+json`)", content(
            (ExportDocument = "application/json"),
            (Object = "application/vnd.oai.openapi+json"),
        )),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    let openapi = match q.format.as_deref() {
        None | Some("mockbird") => false,
        Some("openapi") => true,
        Some(_) => {
            let mut problems = ValidationError::default();
            problems.push("format", "must be mockbird or openapi");
            return Err(problems.into());
        }
    };
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let bundle = state.store.project_bundle(project.id).await?;
    let doc = ExportDocument::from_project(&bundle.project, &bundle.mocks);
    Ok(if openapi {
        let server = format!("{}/m/{}", state.settings.public_url, bundle.project.slug);
        let spec = mockbird_import::export::openapi(&doc, Some(&server));
        (
            [(http::header::CONTENT_TYPE, OPENAPI_MEDIA_TYPE)],
            Json(spec),
        )
            .into_response()
    } else {
        Json(doc).into_response()
    })
}

/// The query of `POST /api/projects/import`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// The organization to act in (a member's); default the caller's default organization.
    #[param(value_type = Option<Uuid>)]
    org_id: Option<String>,
    /// The file's format: `mockbird`, `openapi`, `swagger`, `wiremock`, `postman`, `har` or `mockoon`; detected when absent.
    #[param(value_type = Option<String>, pattern = "^(mockbird|openapi|swagger|wiremock|postman|har|mockoon)$")]
    format: Option<String>,
    /// Only report: nothing is created; the answer holds the would-be project document.
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
}

/// A project imported, and what the import could not carry over.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Imported {
    /// The project created.
    pub project: ProjectView,
    /// What was made and every construct not carried over as it was.
    pub report: mockbird_import::Report,
}

/// What an import would create (`dryRun=true`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImportPreview {
    /// The project document the file becomes.
    pub document: ExportDocument,
    /// What would be made and every construct not carried over as it was.
    pub report: mockbird_import::Report,
}

/// Largest file `POST /api/projects/import` reads (real API descriptions reach several MB).
pub(crate) const MAX_IMPORT_BODY: usize = 10 * 1024 * 1024;

/// The file of an import as a project document and report: a MockBird
/// export as the other JSON bodies are read (unknown fields named), the
/// other formats through `mockbird_import`, inside the tenant's sandbox.
async fn import_document(
    state: &AppState,
    org: Uuid,
    headers: &http::HeaderMap,
    format: Option<mockbird_import::Format>,
    body: bytes::Bytes,
) -> ApiResult<(ExportDocument, mockbird_import::Report)> {
    let media = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let json = media == "application/json" || media.ends_with("+json");
    let readable = json
        || media.is_empty()
        || media.contains("yaml")
        || media == "text/plain"
        || media == "application/octet-stream";
    if !readable {
        return Err(ApiError::bad_request(
            "body must be the file itself: JSON (application/json) or YAML (application/yaml)",
        ));
    }
    let own = match format {
        Some(f) => f == mockbird_import::Format::MockBird,
        // JSON that reads as no other format is taken as MockBird's own.
        None => {
            json && serde_json::from_slice::<serde_json::Value>(&body).map_or(true, |v| {
                mockbird_import::detect(&v).is_none_or(|f| f == mockbird_import::Format::MockBird)
            })
        }
    };
    if own && json {
        let doc: ExportDocument = crate::extract::json_body(&body)?;
        return Ok((doc, mockbird_import::Report::new("mockbird")));
    }
    let limits = mockbird_import::Limits {
        max_bytes: MAX_IMPORT_BODY,
        ..mockbird_import::Limits::default()
    };
    let imported = state
        .in_sandbox(org, move || mockbird_import::import(&body, format, &limits))
        .await?
        .map_err(|e| match e {
            mockbird_import::ImportError::TooLarge { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "Request body exceeds 10 MiB",
            ),
            other => ApiError::bad_request(format!("the file cannot be imported: {other}")),
        })?;
    let mut report = imported.report;
    report.mocks = imported.document.mocks.len();
    Ok((imported.document, report))
}

/// `POST /api/projects/import?orgId=&format=&dryRun=`: the file itself as the
/// body; everything validated before anything is created.
#[utoipa::path(
    post,
    path = "/api/projects/import",
    operation_id = "importProject",
    tag = "projects",
    summary = "Import a project file: a MockBird export, OpenAPI 3.0/3.1, Swagger 2.0, Postman 2.1, HAR 1.2, Mockoon or WireMock mappings",
    params(ImportQuery),
    // The schema is MockBird's document, as JSON or as YAML; the other
    // formats (described in the summary and docs/http-api.md) are read too.
    request_body(content(
        (ExportDocument = "application/json"),
        (ExportDocument = "application/yaml"),
    )),
    responses(
        (status = 201, description = "The project created, and the fidelity report", body = Imported),
        (status = 200, description = "Dry run: the project document and report; nothing created", body = ImportPreview),
        (status = 400, response = errors::Invalid),
        (status = 402, response = errors::PaymentRequired),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
        (status = 413, response = errors::TooLarge),
        (status = 503, response = errors::Busy),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    headers: http::HeaderMap,
    body: bytes::Bytes,
) -> ApiResult<axum::response::Response> {
    let mut problems = ValidationError::default();
    let format = match q
        .format
        .as_deref()
        .map(str::parse::<mockbird_import::Format>)
    {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            problems.push("format", e.to_string());
            None
        }
    };
    let dry_run = match q.dry_run.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            problems.push("dryRun", "must be true or false");
            false
        }
    };
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let org = target_org(&state, &caller, q.org_id.as_deref()).await?;
    let (doc, report) = import_document(&state, org, &headers, format, body).await?;
    let (doc, mocks) = state
        .in_sandbox(org, move || {
            let mocks = doc.validate();
            (doc, mocks)
        })
        .await?;
    let mocks = mocks?;
    let conflicts = ExportDocument::route_conflicts(&mocks);
    if !conflicts.is_empty() {
        let mut err = ApiError::conflict("Mocks of the document answer the same requests");
        err.errors = conflicts;
        return Err(err);
    }
    let mut report = report;
    report.mocks = mocks.len();
    report.responses = mocks.iter().map(|(_, r)| r.len()).sum();
    if dry_run {
        return Ok(Json(ImportPreview {
            document: doc,
            report,
        })
        .into_response());
    }
    let name = doc.project.name.clone().unwrap_or_default();
    // An imported slug is a wish: taken or invalid, a fresh one is derived.
    let slug = match doc.project.slug.as_deref() {
        Some(s)
            if {
                let mut e = ValidationError::default();
                validate_slug(&mut e, "slug", s);
                e.is_empty()
            } && state.store.project_by_slug(s).await.is_err() =>
        {
            s.to_owned()
        }
        _ => choose_slug(&state, None, &name).await?,
    };
    let new = NewProject::new(
        org,
        &name,
        &slug,
        doc.project.description.as_deref().unwrap_or_default(),
        doc.project.is_public.unwrap_or(true),
    )?;
    let limit = state.endpoint_limit(org).await?;
    let project = state
        .store
        .create_project_with_mocks(new, mocks, limit.limit)
        .await
        .map_err(|e| limit.refusal(e, slug_conflict(&slug)))?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            project: ProjectView::new(&state, project),
            report,
        }),
    )
        .into_response())
}
