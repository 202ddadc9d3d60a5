//! `/api/projects/{id}/mocks`, `/api/mocks/{id}` and their responses.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use mockbird_core::model::{
    Mock, MockDef, MockResponse, MockSpec, Project, ResponseDef, ResponseSpec, Role, check_budgets,
    count_regexes,
};
use mockbird_core::store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::openapi::errors;
use crate::routes::access;
use crate::state::AppState;

/// A mock as the API shows it: stored fields plus its live `url`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MockView {
    /// The stored fields.
    #[serde(flatten)]
    pub mock: Mock,
    /// Where it answers: `{public URL}/m/{slug}{path}`.
    pub url: String,
}

impl MockView {
    fn new(state: &AppState, project: &Project, mock: Mock) -> Self {
        let url = format!(
            "{}/m/{}{}",
            state.settings.public_url, project.slug, mock.path
        );
        MockView { mock, url }
    }
}

crate::openapi::partial_update!(
    /// A partial update of a mock: any of [`MockSpec`]'s fields; the result is
    /// validated as a whole.
    MockPatch(MockSpec)
);

crate::openapi::partial_update!(
    /// A partial update of a response: any of [`ResponseSpec`]'s fields; the
    /// result is validated as a whole.
    ResponsePatch(ResponseSpec)
);

fn mock_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict { key, .. } => {
            ApiError::conflict(format!("A mock for {key} already exists in this project"))
        }
        other => other.into(),
    }
}

/// A method and path to check before saving, as the mock editor does while
/// they are typed.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RouteCheck {
    /// `GET`…`OPTIONS` or `ANY`.
    #[schema(value_type = mockbird_core::model::HttpMethod)]
    pub method: String,
    /// A path pattern, as a mock's `path`.
    #[schema(schema_with = mockbird_core::model::path_schema)]
    pub path: String,
    /// The mock being edited, which the route may keep.
    #[serde(default)]
    pub mock_id: Option<uuid::Uuid>,
}

/// `POST /api/projects/{id}/mocks/check`: 204 when an active mock could be
/// saved with this method and path; the 400 or 409 saving would give otherwise.
#[utoipa::path(
    post,
    path = "/api/projects/{id}/mocks/check",
    operation_id = "checkMockRoute",
    tag = "mocks",
    summary = "Check a method and path before saving a mock",
    params(("id" = Uuid, Path, description = "The project")),
    request_body = RouteCheck,
    responses(
        (status = 204, description = "The route is valid and free"),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn check_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(check): ApiJson<RouteCheck>,
) -> ApiResult<StatusCode> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    // The rules of a save, with the other fields valid.
    let def = MockSpec {
        name: Some("route check".to_owned()),
        method: Some(check.method),
        path: Some(check.path),
        ..MockSpec::default()
    }
    .validate()?;
    ensure_route_free(&state, project.id, &def, check.mock_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/projects/{projectId}/mocks`.
#[utoipa::path(
    get,
    path = "/api/projects/{id}/mocks",
    operation_id = "listMocks",
    tag = "mocks",
    summary = "Mocks of a project",
    params(("id" = Uuid, Path, description = "The project")),
    responses(
        (status = 200, description = "The project's mocks", body = [MockView]),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MockView>>> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let mocks = state.store.mocks_for_project(project.id).await?;
    Ok(Json(
        mocks
            .into_iter()
            .map(|m| MockView::new(&state, &project, m))
            .collect(),
    ))
}

/// `POST /api/projects/{projectId}/mocks` (within the plan's endpoint cap).
#[utoipa::path(
    post,
    path = "/api/projects/{id}/mocks",
    operation_id = "createMock",
    tag = "mocks",
    summary = "Create a mock",
    params(("id" = Uuid, Path, description = "The project")),
    request_body = MockSpec,
    responses(
        (status = 201, description = "Created", body = MockView),
        (status = 400, response = errors::Invalid),
        (status = 402, response = errors::PaymentRequired),
        (status = 404, response = errors::NotFound),
        (status = 409, response = errors::Conflict),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(spec): ApiJson<MockSpec>,
) -> ApiResult<impl IntoResponse> {
    let project = access::project(&state, &caller, &id, Role::Member).await?;
    let def = spec.validate()?;
    ensure_route_free(&state, project.id, &def, None).await?;
    let limit = state.endpoint_limit(project.org_id).await?;
    let mock = state
        .store
        .create_mock(project.id, def, limit.limit)
        .await
        .map_err(|e| limit.refusal(e, mock_conflict))?;
    state.project_changed(project.id).await;
    Ok((
        StatusCode::CREATED,
        Json(MockView::new(&state, &project, mock)),
    ))
}

/// `GET /api/mocks/{id}`.
#[utoipa::path(
    get,
    path = "/api/mocks/{id}",
    operation_id = "getMock",
    tag = "mocks",
    summary = "A mock",
    params(("id" = Uuid, Path, description = "The mock")),
    responses(
        (status = 200, description = "The mock", body = MockView),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<MockView>> {
    let (project, mock) = access::mock(&state, &caller, &id).await?;
    Ok(Json(MockView::new(&state, &project, mock)))
}

/// `PUT /api/mocks/{id}`: any mock field; the result is validated as a whole.
#[utoipa::path(
    put,
    path = "/api/mocks/{id}",
    operation_id = "updateMock",
    tag = "mocks",
    summary = "Update a mock",
    params(("id" = Uuid, Path, description = "The mock")),
    request_body = MockPatch,
    responses(
        (status = 200, description = "The mock as changed", body = MockView),
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
    ApiJson(MockPatch(patch)): ApiJson<MockPatch>,
) -> ApiResult<Json<MockView>> {
    let (project, mock) = access::mock(&state, &caller, &id).await?;
    let mut spec = mock.to_spec();
    spec.apply(patch);
    let def = spec.validate()?;
    ensure_route_free(&state, project.id, &def, Some(mock.id)).await?;
    let updated = state
        .store
        .update_mock(mock.id, def)
        .await
        .map_err(mock_conflict)?;
    state.project_changed(project.id).await;
    Ok(Json(MockView::new(&state, &project, updated)))
}

/// `DELETE /api/mocks/{id}`.
#[utoipa::path(
    delete,
    path = "/api/mocks/{id}",
    operation_id = "deleteMock",
    tag = "mocks",
    summary = "Delete a mock",
    params(("id" = Uuid, Path, description = "The mock")),
    responses(
        (status = 204, description = "Deleted with its responses"),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (project, mock) = access::mock(&state, &caller, &id).await?;
    state.store.delete_mock(mock.id).await?;
    state.project_changed(project.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/mocks/{id}/responses`.
#[utoipa::path(
    get,
    path = "/api/mocks/{id}/responses",
    operation_id = "listResponses",
    tag = "mocks",
    summary = "Responses of a mock",
    params(("id" = Uuid, Path, description = "The mock")),
    responses(
        (status = 200, description = "The mock's responses, oldest first", body = [MockResponse]),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn responses(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MockResponse>>> {
    let (_, mock) = access::mock(&state, &caller, &id).await?;
    Ok(Json(state.store.responses(mock.id).await?))
}

/// `POST /api/mocks/{id}/responses`: templates and regexes checked before saving.
#[utoipa::path(
    post,
    path = "/api/mocks/{id}/responses",
    operation_id = "createResponse",
    tag = "mocks",
    summary = "Add a response",
    params(("id" = Uuid, Path, description = "The mock")),
    request_body = ResponseSpec,
    responses(
        (status = 201, description = "Created", body = MockResponse),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
        (status = 503, response = errors::Busy),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn create_response(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(spec): ApiJson<ResponseSpec>,
) -> ApiResult<impl IntoResponse> {
    let (project, mock) = access::mock(&state, &caller, &id).await?;
    let def = state
        .in_sandbox(project.org_id, move || spec.validate())
        .await??;
    check_project_budgets(&state, project.id, mock.id, None, &def).await?;
    let created = state.store.create_response(mock.id, def).await?;
    state.project_changed(project.id).await;
    Ok((StatusCode::CREATED, Json(created)))
}

/// 409 `CONFLICT` when `def`, active, has the method and route shape of
/// another active mock of the project (`/files/{a}` and `/files/{b}`).
async fn ensure_route_free(
    state: &AppState,
    project_id: uuid::Uuid,
    def: &MockDef,
    except: Option<uuid::Uuid>,
) -> ApiResult<()> {
    if !def.is_active {
        return Ok(());
    }
    let shape = def.route_shape();
    let mocks = state.store.mocks_for_project(project_id).await?;
    let taken = mocks.iter().find(|m| {
        Some(m.id) != except
            && m.is_active
            && m.method == def.method
            && m.to_def().route_shape() == shape
    });
    match taken {
        Some(m) => Err(ApiError::conflict(format!(
            "{} {} answers the same requests as the active mock {} {} (parameter names aside)",
            def.method, def.path, m.method, m.path
        ))),
        None => Ok(()),
    }
}

/// 400 when saving `def` on `mock_id` (in place of `replacing`) would go
/// over the per-mock or per-project budgets of responses and regexes.
async fn check_project_budgets(
    state: &AppState,
    project_id: uuid::Uuid,
    mock_id: uuid::Uuid,
    replacing: Option<uuid::Uuid>,
    def: &ResponseDef,
) -> ApiResult<()> {
    let bundle = state.store.project_bundle(project_id).await?;
    let counts = bundle.mocks.iter().map(|(m, responses)| {
        let kept = responses.iter().filter(|r| Some(r.id) != replacing);
        let mut n = kept.clone().count();
        let mut regexes = count_regexes(kept.flat_map(|r| &r.conditions));
        if m.id == mock_id {
            n += 1;
            regexes += count_regexes(&def.conditions);
        }
        (n, regexes)
    });
    check_budgets(counts)
        .map_err(|e| mockbird_core::ValidationError::single("conditions", e).into())
}

/// The response if it belongs to the mock.
async fn load_response(
    state: &AppState,
    caller: &Caller,
    mock_id: &str,
    response_id: &str,
) -> ApiResult<(Project, MockResponse)> {
    let (project, mock) = access::mock(state, caller, mock_id).await?;
    let id = parse_id(response_id, ApiError::mock_not_found)?;
    let response = state
        .store
        .response(id)
        .await
        .map_err(|e| ApiError::from(e).or_not_found(ApiError::mock_not_found))?;
    if response.mock_id != mock.id {
        return Err(ApiError::mock_not_found());
    }
    Ok((project, response))
}

/// `PUT /api/mocks/{id}/responses/{responseId}`.
#[utoipa::path(
    put,
    path = "/api/mocks/{id}/responses/{responseId}",
    operation_id = "updateResponse",
    tag = "mocks",
    summary = "Update a response",
    params(("id" = Uuid, Path, description = "The mock"), ("responseId" = Uuid, Path, description = "The response")),
    request_body = ResponsePatch,
    responses(
        (status = 200, description = "The response as changed", body = MockResponse),
        (status = 400, response = errors::Invalid),
        (status = 404, response = errors::NotFound),
        (status = 503, response = errors::Busy),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn update_response(
    State(state): State<AppState>,
    caller: Caller,
    Path((mock_id, response_id)): Path<(String, String)>,
    ApiJson(ResponsePatch(patch)): ApiJson<ResponsePatch>,
) -> ApiResult<Json<MockResponse>> {
    let (project, response) = load_response(&state, &caller, &mock_id, &response_id).await?;
    let mut spec = response.to_spec();
    spec.apply(patch);
    let def = state
        .in_sandbox(project.org_id, move || spec.validate())
        .await??;
    check_project_budgets(
        &state,
        project.id,
        response.mock_id,
        Some(response.id),
        &def,
    )
    .await?;
    let updated = state.store.update_response(response.id, def).await?;
    state.project_changed(project.id).await;
    Ok(Json(updated))
}

/// `DELETE /api/mocks/{id}/responses/{responseId}`.
#[utoipa::path(
    delete,
    path = "/api/mocks/{id}/responses/{responseId}",
    operation_id = "deleteResponse",
    tag = "mocks",
    summary = "Delete a response",
    params(("id" = Uuid, Path, description = "The mock"), ("responseId" = Uuid, Path, description = "The response")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = errors::NotFound),
    ),
    security(("bearer" = []), ("apiKey" = [])),
)]
pub(crate) async fn delete_response(
    State(state): State<AppState>,
    caller: Caller,
    Path((mock_id, response_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, response) = load_response(&state, &caller, &mock_id, &response_id).await?;
    state.store.delete_response(response.id).await?;
    state.project_changed(project.id).await;
    Ok(StatusCode::NO_CONTENT)
}
