//! Projects: a named, slugged set of mocks owned by an organization.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Mock, MockResponse};
use crate::ValidationError;

/// A project as stored. `mockCount` is computed by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Identifier.
    pub id: Uuid,
    /// Owning organization.
    pub org_id: Uuid,
    /// Display name.
    pub name: String,
    /// Globally unique slug; mocks are served at `/m/{slug}/…`.
    pub slug: String,
    /// Free text.
    pub description: String,
    /// Whether anyone may call its mocks.
    pub is_public: bool,
    /// Number of mocks in it.
    pub mock_count: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it or one of its mocks last changed.
    pub updated_at: DateTime<Utc>,
}

/// A project to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    /// Owning organization.
    pub org_id: Uuid,
    /// Display name.
    pub name: String,
    /// Slug, already validated.
    pub slug: String,
    /// Free text.
    pub description: String,
    /// Whether anyone may call its mocks.
    pub is_public: bool,
}

impl NewProject {
    /// Validates all fields at once.
    pub fn new(
        org_id: Uuid,
        name: &str,
        slug: &str,
        description: &str,
        is_public: bool,
    ) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let name = super::check_name(&mut errors, "name", Some(name));
        validate_slug(&mut errors, "slug", slug);
        check_description(&mut errors, description);
        errors.into_result(Self {
            org_id,
            name,
            slug: slug.to_owned(),
            description: description.to_owned(),
            is_public,
        })
    }
}

/// A change to a project: `None` keeps the field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectPatch {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 200, pattern = r"[^ \t\n\r]"))]
    pub name: Option<String>,
    /// New description.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 5000))]
    pub description: Option<String>,
    /// New visibility.
    pub is_public: Option<bool>,
    /// New slug.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"))]
    pub slug: Option<String>,
}

impl ProjectPatch {
    /// Validates the fields that are present, all at once.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        if let Some(name) = self.name.take() {
            self.name = Some(super::check_name(&mut errors, "name", Some(&name)));
        }
        if let Some(slug) = &self.slug {
            validate_slug(&mut errors, "slug", slug);
        }
        if let Some(d) = &self.description {
            check_description(&mut errors, d);
        }
        errors.into_result(self)
    }
}

/// A project with all its mocks and their responses: what an engine snapshot is compiled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectBundle {
    /// The project.
    pub project: Project,
    /// Its mocks, each with its responses in creation order.
    pub mocks: Vec<(Mock, Vec<MockResponse>)>,
}

fn check_description(errors: &mut ValidationError, d: &str) {
    if d.chars().count() > super::MAX_DESCRIPTION_CHARS {
        errors.push(
            "description",
            format!(
                "must be at most {} characters",
                super::MAX_DESCRIPTION_CHARS
            ),
        );
    }
}

/// Checks the slug rule `^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`, recording a problem under `field`.
pub fn validate_slug(errors: &mut ValidationError, field: &str, slug: &str) {
    let b = slug.as_bytes();
    let ok_char = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = !b.is_empty()
        && b.len() <= 63
        && ok_char(&b[0])
        && ok_char(&b[b.len() - 1])
        && b.iter().all(|c| ok_char(c) || *c == b'-');
    if !valid {
        errors.push(
            field,
            "must be 1-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit",
        );
    }
}

/// Derives a valid slug from a name: lower-cased ASCII letters and digits,
/// other runs turned into one hyphen, trimmed to 50 characters. Never empty.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 50 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "project".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug_ok(s: &str) -> bool {
        let mut e = ValidationError::default();
        validate_slug(&mut e, "slug", s);
        e.is_empty()
    }

    #[test]
    fn slug_rule_matches_the_contract() {
        for good in ["a", "0", "my-api", "a1-b2", &"a".repeat(63)] {
            assert!(slug_ok(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "A",
            "my_api",
            "my api",
            "é",
            &"a".repeat(64),
        ] {
            assert!(!slug_ok(bad), "{bad}");
        }
    }

    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(slugify("My Payments API!"), "my-payments-api");
        assert_eq!(slugify("  ---  "), "project");
        assert_eq!(slugify("Ünïcode 2"), "n-code-2");
        assert!(slug_ok(&slugify(&"x y ".repeat(100))));
    }

    #[test]
    fn new_project_reports_every_problem() {
        let err =
            NewProject::new(Uuid::nil(), "", "Bad Slug", &"d".repeat(6000), true).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "slug", "description"]);
    }
}
