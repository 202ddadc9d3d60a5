//! Mocks: a method and path pattern in a project, answered by responses.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationError;
use crate::routing::PathPattern;

/// The method a mock answers. `Any` answers every method not claimed by a more exact mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// Any method.
    Any,
}

impl HttpMethod {
    /// Every concrete method (all but `Any`).
    pub const CONCRETE: [HttpMethod; 7] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
        HttpMethod::Head,
        HttpMethod::Options,
    ];

    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Any => "ANY",
        }
    }

    /// The method of an HTTP request; `None` for methods no mock can declare (e.g. `TRACE`).
    pub fn from_http(m: &http::Method) -> Option<Self> {
        Some(match *m {
            http::Method::GET => HttpMethod::Get,
            http::Method::POST => HttpMethod::Post,
            http::Method::PUT => HttpMethod::Put,
            http::Method::PATCH => HttpMethod::Patch,
            http::Method::DELETE => HttpMethod::Delete,
            http::Method::HEAD => HttpMethod::Head,
            http::Method::OPTIONS => HttpMethod::Options,
            _ => return None,
        })
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HttpMethod {
    type Err = ValidationError;
    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        HttpMethod::CONCRETE
            .into_iter()
            .chain([HttpMethod::Any])
            .find(|m| m.as_str() == upper)
            .ok_or_else(|| {
                ValidationError::single(
                    "method",
                    "must be one of GET POST PUT PATCH DELETE HEAD OPTIONS ANY",
                )
            })
    }
}

/// The kind of body a mock returns; sets the default `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    /// `application/json`
    #[default]
    Json,
    /// `application/xml`
    Xml,
    /// `text/plain; charset=utf-8`
    Text,
    /// `text/html; charset=utf-8`
    Html,
}

impl ResponseType {
    /// The `Content-Type` a response gets unless it sets its own.
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseType::Json => "application/json",
            ResponseType::Xml => "application/xml",
            ResponseType::Text => "text/plain; charset=utf-8",
            ResponseType::Html => "text/html; charset=utf-8",
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseType::Json => "json",
            ResponseType::Xml => "xml",
            ResponseType::Text => "text",
            ResponseType::Html => "html",
        }
    }
}

impl FromStr for ResponseType {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(ResponseType::Json),
            "xml" => Ok(ResponseType::Xml),
            "text" => Ok(ResponseType::Text),
            "html" => Ok(ResponseType::Html),
            _ => Err(ValidationError::single(
                "responseType",
                "must be one of json, xml, text, html",
            )),
        }
    }
}

/// A mock as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Mock {
    /// Identifier.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// Display name.
    pub name: String,
    /// Path pattern, e.g. `/users/{id}`.
    pub path: String,
    /// Method answered.
    pub method: HttpMethod,
    /// Free text.
    pub description: String,
    /// An inactive mock is served as if absent.
    pub is_active: bool,
    /// Default `Content-Type` of its responses.
    pub response_type: ResponseType,
    /// Milliseconds to wait before answering.
    pub response_delay: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Mock {
    /// A new stored mock made from a validated definition, with a fresh id, created now.
    pub fn create(project_id: Uuid, def: MockDef) -> Self {
        let now = crate::clock::now();
        Mock {
            id: Uuid::new_v4(),
            project_id,
            name: def.name,
            path: def.path,
            method: def.method,
            description: def.description,
            is_active: def.is_active,
            response_type: def.response_type,
            response_delay: def.response_delay,
            created_at: now,
            updated_at: now,
        }
    }

    /// The mock's fields as a definition, e.g. to apply a partial update and revalidate.
    pub fn to_spec(&self) -> MockSpec {
        self.to_def().to_spec()
    }

    /// The validated definition this mock was made from.
    pub fn to_def(&self) -> MockDef {
        MockDef {
            name: self.name.clone(),
            path: self.path.clone(),
            method: self.method,
            description: self.description.clone(),
            response_type: self.response_type,
            response_delay: self.response_delay,
            is_active: self.is_active,
        }
    }
}

/// A mock path as the OpenAPI schema describes it (what [`PathPattern`]
/// accepts, but for unique parameter names, which a pattern cannot state).
pub const PATH_PATTERN: &str = r"^/$|^/\{\*[A-Za-z_][A-Za-z0-9_-]{0,63}\}$|^(?:/(?:[^/{}?#\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|\{[A-Za-z_][A-Za-z0-9_-]{0,63}\}))+(?:/\{\*[A-Za-z_][A-Za-z0-9_-]{0,63}\})?$";

/// The OpenAPI schema of a mock path: a string of at most 500 characters
/// matching [`PATH_PATTERN`].
#[cfg(feature = "openapi")]
pub fn path_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(
            "`/`-separated static segments, `{param}` segments and a last `{*rest}`; \
             parameter names unique; at most 500 characters.",
        ))
        .max_length(Some(500))
        .pattern(Some(PATH_PATTERN))
        .build()
}

/// A mock as a user sends it (create body, update body, export document):
/// every field optional so that all problems can be reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct MockSpec {
    /// Required; at most 200 characters, not only spaces.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required, max_length = 200, pattern = r"[^ \t\n\r]"))]
    pub name: Option<String>,
    /// Required; see [`PathPattern`]: `/`-separated static segments,
    /// `{param}` segments and a last `{*rest}`; parameter names unique.
    #[cfg_attr(feature = "openapi", schema(schema_with = path_schema, required))]
    pub path: Option<String>,
    /// Required; `GET`…`OPTIONS` or `ANY`.
    #[cfg_attr(feature = "openapi", schema(value_type = HttpMethod, required))]
    pub method: Option<String>,
    /// Default empty; at most 5,000 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 5000))]
    pub description: Option<String>,
    /// Default `json`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ResponseType>))]
    pub response_type: Option<String>,
    /// Default 0; 0–10000 milliseconds.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000))]
    #[serde(deserialize_with = "super::whole_number")]
    pub response_delay: Option<i64>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl MockSpec {
    /// Overwrites the fields that `patch` sets.
    pub fn apply(&mut self, patch: MockSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if patch.$f.is_some() { self.$f = patch.$f; } )* };
        }
        take!(
            name,
            path,
            method,
            description,
            response_type,
            response_delay,
            is_active
        );
    }

    /// Checks every field and applies defaults.
    pub fn validate(&self) -> Result<MockDef, ValidationError> {
        let mut errors = ValidationError::default();
        let name = super::check_name(&mut errors, "name", self.name.as_deref());
        let path = match self.path.as_deref() {
            None => {
                errors.push("path", "is required");
                String::new()
            }
            Some(p) => match PathPattern::parse(p) {
                Ok(_) => p.to_owned(),
                Err(e) => {
                    errors.push("path", e.to_string());
                    String::new()
                }
            },
        };
        let method = match self.method.as_deref() {
            None => {
                errors.push("method", "is required");
                HttpMethod::Any
            }
            Some(m) => m.parse().unwrap_or_else(|e: ValidationError| {
                errors.errors.extend(e.errors);
                HttpMethod::Any
            }),
        };
        let description = self.description.clone().unwrap_or_default();
        if description.chars().count() > super::MAX_DESCRIPTION_CHARS {
            errors.push(
                "description",
                format!(
                    "must be at most {} characters",
                    super::MAX_DESCRIPTION_CHARS
                ),
            );
        }
        let response_type = match self.response_type.as_deref() {
            None => ResponseType::Json,
            Some(t) => t.parse().unwrap_or_else(|e: ValidationError| {
                errors.errors.extend(e.errors);
                ResponseType::Json
            }),
        };
        let response_delay = match self.response_delay {
            None => 0,
            Some(d) if (0..=i64::from(super::MAX_DELAY_MS)).contains(&d) => d as u32,
            Some(_) => {
                errors.push(
                    "responseDelay",
                    format!("must be between 0 and {} milliseconds", super::MAX_DELAY_MS),
                );
                0
            }
        };
        errors.into_result(MockDef {
            name,
            path,
            method,
            description,
            response_type,
            response_delay,
            is_active: self.is_active.unwrap_or(true),
        })
    }
}

/// A validated mock definition, ready to be stored or compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockDef {
    /// Display name.
    pub name: String,
    /// A valid path pattern.
    pub path: String,
    /// Method answered.
    pub method: HttpMethod,
    /// Free text.
    pub description: String,
    /// Default `Content-Type` of its responses.
    pub response_type: ResponseType,
    /// Milliseconds to wait, ≤ [`super::MAX_DELAY_MS`].
    pub response_delay: u32,
    /// Whether it is served.
    pub is_active: bool,
}

impl MockDef {
    /// The definition as user input (every field given), e.g. to send it to the API.
    pub fn to_spec(&self) -> MockSpec {
        MockSpec {
            name: Some(self.name.clone()),
            path: Some(self.path.clone()),
            method: Some(self.method.as_str().to_owned()),
            description: Some(self.description.clone()),
            response_type: Some(self.response_type.as_str().to_owned()),
            response_delay: Some(i64::from(self.response_delay)),
            is_active: Some(self.is_active),
        }
    }

    /// The path's route shape (parameter names left out, see
    /// [`PathPattern::shape`](crate::routing::PathPattern::shape)); the path
    /// itself when it does not parse.
    pub fn route_shape(&self) -> String {
        crate::routing::PathPattern::parse(&self.path)
            .map(|p| p.shape())
            .unwrap_or_else(|_| self.path.clone())
    }

    /// A definition with defaults, validated: `MockDef::new("List users", "GET", "/users")`.
    pub fn new(name: &str, method: &str, path: &str) -> Result<Self, ValidationError> {
        MockSpec {
            name: Some(name.to_owned()),
            path: Some(path.to_owned()),
            method: Some(method.to_owned()),
            ..MockSpec::default()
        }
        .validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_reports_every_problem_with_field_names() {
        let spec = MockSpec {
            name: None,
            path: Some("users".into()),
            method: Some("FETCH".into()),
            response_type: Some("yaml".into()),
            response_delay: Some(10_001),
            ..MockSpec::default()
        };
        let err = spec.validate().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "path", "method", "responseType", "responseDelay"]
        );
    }

    #[test]
    fn defaults_apply() {
        let def = MockDef::new("x", "any", "/a/{id}").unwrap();
        assert_eq!(def.method, HttpMethod::Any);
        assert_eq!(def.response_type, ResponseType::Json);
        assert_eq!(def.response_delay, 0);
        assert!(def.is_active);
    }

    #[test]
    fn delay_bounds_are_inclusive() {
        for (d, ok) in [(0, true), (10_000, true), (-1, false), (10_001, false)] {
            let spec = MockSpec {
                response_delay: Some(d),
                ..MockDef::new("x", "GET", "/").unwrap().to_spec_for_test()
            };
            assert_eq!(spec.validate().is_ok(), ok, "{d}");
        }
    }

    impl MockDef {
        fn to_spec_for_test(&self) -> MockSpec {
            MockSpec {
                name: Some(self.name.clone()),
                path: Some(self.path.clone()),
                method: Some(self.method.to_string()),
                ..MockSpec::default()
            }
        }
    }

    #[test]
    fn content_types_follow_response_type() {
        assert_eq!(ResponseType::Json.content_type(), "application/json");
        assert_eq!(ResponseType::Xml.content_type(), "application/xml");
        assert_eq!(
            ResponseType::Text.content_type(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            ResponseType::Html.content_type(),
            "text/html; charset=utf-8"
        );
    }
}
