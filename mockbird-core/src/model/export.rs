//! The export document: a whole project, portable between instances.

use serde::{Deserialize, Serialize};

use super::{
    MockDef, MockResponse, MockSpec, Project, ResponseDef, ResponseSpec, check_budgets,
    count_regexes,
};
use crate::ValidationError;

/// `{"mockbird": 1, "project": {…}, "mocks": [...]}` as in docs/http-api.md.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ExportDocument {
    /// Format version; 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub mockbird: Option<u32>,
    /// The project's own fields.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub project: ExportProject,
    /// Every mock with its responses.
    pub mocks: Vec<ExportMock>,
}

/// The project part of an export document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ExportProject {
    /// Name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]"))]
    pub name: Option<String>,
    /// Slug wished for: kept when valid and free, else one is derived from the name.
    pub slug: Option<String>,
    /// Description.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 5000))]
    pub description: Option<String>,
    /// Visibility; default false.
    pub is_public: Option<bool>,
}

/// A mock of an export document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExportMock {
    /// The mock's fields.
    #[serde(flatten)]
    pub mock: MockSpec,
    /// Its responses; at most 50.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub responses: Vec<ResponseSpec>,
    /// Keys that are no mock field: [`ExportDocument::validate`] names each.
    /// (The mock's fields come flattened, which hides such keys from the
    /// deserializer; collected here they cannot slip through.)
    #[serde(flatten, skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub unknown: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ExportDocument {
    /// Mocks that would answer the same requests as an earlier one: the same
    /// method and path, or (both active) the same method and route shape
    /// (`/u/{a}` and `/u/{b}`). One message per collision, naming `mocks[i]`;
    /// the API answers them as 409, like a mock created over another.
    pub fn route_conflicts(mocks: &[(MockDef, Vec<ResponseDef>)]) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut shapes = std::collections::HashSet::new();
        let mut conflicts = Vec::new();
        for (i, (def, _)) in mocks.iter().enumerate() {
            if !seen.insert((def.path.clone(), def.method)) {
                conflicts.push(format!(
                    "mocks[{i}]: duplicate path and method {} {}",
                    def.method, def.path
                ));
            } else if def.is_active && !shapes.insert((def.route_shape(), def.method)) {
                conflicts.push(format!(
                    "mocks[{i}]: {} {} has the same route as an earlier active mock (parameter names aside)",
                    def.method, def.path
                ));
            }
        }
        conflicts
    }

    /// Builds the document of a project and its mocks.
    pub fn from_project(project: &Project, mocks: &[(super::Mock, Vec<MockResponse>)]) -> Self {
        ExportDocument {
            mockbird: Some(1),
            project: ExportProject {
                name: Some(project.name.clone()),
                slug: Some(project.slug.clone()),
                description: Some(project.description.clone()),
                is_public: Some(project.is_public),
            },
            mocks: mocks
                .iter()
                .map(|(m, rs)| ExportMock {
                    mock: m.to_spec(),
                    responses: rs.iter().map(MockResponse::to_spec).collect(),
                    unknown: Default::default(),
                })
                .collect(),
        }
    }

    /// Validates every mock and response, all problems at once (fields named
    /// `mocks[2].responses[0].statusCode`). Of several responses marked
    /// default, the last stays the default (as when the API marks one: the
    /// earlier default is unmarked). Routes are checked apart, by
    /// [`ExportDocument::route_conflicts`].
    pub fn validate(&self) -> Result<Vec<(MockDef, Vec<ResponseDef>)>, ValidationError> {
        let mut errors = ValidationError::default();
        if let Some(v) = self.mockbird
            && v != 1
        {
            errors.push("mockbird", "unsupported version (expected 1)");
        }
        let mut out = Vec::with_capacity(self.mocks.len());
        for (i, m) in self.mocks.iter().enumerate() {
            for key in m.unknown.keys() {
                errors.push(format!("mocks[{i}].{key}"), "is not a known field");
            }
            let def = match m.mock.validate() {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.extend_prefixed(&format!("mocks[{i}]."), e);
                    None
                }
            };
            let mut responses = Vec::with_capacity(m.responses.len());
            for (j, r) in m.responses.iter().enumerate() {
                match r.validate() {
                    Ok(d) => responses.push(d),
                    Err(e) => errors.extend_prefixed(&format!("mocks[{i}].responses[{j}]."), e),
                }
            }
            if let Some(def) = def {
                if let Some(last) = responses.iter().rposition(|r| r.is_default) {
                    for r in &mut responses[..last] {
                        r.is_default = false;
                    }
                }
                out.push((def, responses));
            }
        }
        let budgets = check_budgets(out.iter().map(|(_, rs)| {
            (
                rs.len(),
                count_regexes(rs.iter().flat_map(|r| &r.conditions)),
            )
        }));
        if let Err(e) = budgets {
            errors.push("mocks", e);
        }
        errors.into_result(out)
    }
}
