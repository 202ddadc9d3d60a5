//! What several route modules share: loading a project or mock the caller
//! may see (a 404 of the resource's own code otherwise), and choosing a free
//! slug.

use mockbird_core::model::{Mock, Project, Role};

use crate::auth::{Caller, require_role};
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::state::AppState;

/// The project if the caller may see it (else `PROJECT_NOT_FOUND`), and checks `min` role.
pub(crate) async fn project(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    min: Role,
) -> ApiResult<Project> {
    let id = parse_id(raw_id, ApiError::project_not_found)?;
    let project = state
        .store
        .project(id)
        .await
        .map_err(|e| ApiError::from(e).or_not_found(ApiError::project_not_found))?;
    require_role(
        state,
        caller,
        project.org_id,
        min,
        ApiError::project_not_found,
    )
    .await?;
    Ok(project)
}

/// The mock and its project, if the caller is a member (else `MOCK_NOT_FOUND`).
pub(crate) async fn mock(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
) -> ApiResult<(Project, Mock)> {
    let id = parse_id(raw_id, ApiError::mock_not_found)?;
    let mock = state
        .store
        .mock(id)
        .await
        .map_err(|e| ApiError::from(e).or_not_found(ApiError::mock_not_found))?;
    let project = state
        .store
        .project(mock.project_id)
        .await
        .map_err(|e| ApiError::from(e).or_not_found(ApiError::mock_not_found))?;
    require_role(
        state,
        caller,
        project.org_id,
        Role::Member,
        ApiError::mock_not_found,
    )
    .await?;
    Ok((project, mock))
}

/// A slug from `name` (or `fallback` when nothing of it is usable): as is when
/// free, else with a random suffix, trying a few times.
pub(crate) async fn unique_slug<F, Fut>(
    name: &str,
    fallback: &str,
    taken: F,
) -> Result<String, ApiError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let base = mockbird_core::model::slugify(name);
    let base: String = base
        .chars()
        .take(50)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    let base = if base.is_empty() {
        fallback.to_owned()
    } else {
        base
    };
    if !taken(base.clone()).await {
        return Ok(base);
    }
    for _ in 0..10 {
        let candidate = format!("{base}-{}", mockbird_core::token::random_hex(3));
        if !taken(candidate.clone()).await {
            return Ok(candidate);
        }
    }
    Err(ApiError::internal("no free slug"))
}
