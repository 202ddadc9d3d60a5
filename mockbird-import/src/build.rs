//! The pieces every importer makes: conditions, parameter names, response
//! types, and mocks grouped by route so that requests to one route become the
//! responses of one mock.

use std::collections::BTreeMap;

use mockbird_core::model::{
    ConditionSpec, ExportDocument, ExportMock, ExportProject, MockSpec, ResponseSpec,
};
use serde_json::json;

use crate::report::Report;

/// A condition on `kind` (`query`, `header`, `cookie`, `body`, `path`) `field`;
/// `exists`/`notExists` carry no value.
pub(crate) fn condition(kind: &str, field: &str, operator: &str, value: &str) -> ConditionSpec {
    ConditionSpec {
        kind: Some(kind.to_owned()),
        field: Some(field.to_owned()),
        operator: Some(operator.to_owned()),
        value: (!matches!(operator, "exists" | "notExists")).then(|| json!(value)),
    }
}

/// `name` as a MockBird parameter name: letters, digits, `_` and `-`, starting
/// with a letter or `_`, at most 64 characters.
pub(crate) fn param_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    match clean.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => clean,
        _ => format!("p{clean}").chars().take(64).collect(),
    }
}

/// The mock response type of a media type.
pub(crate) fn response_type(media: &str) -> &'static str {
    if media.contains("xml") {
        "xml"
    } else if media.contains("html") {
        "html"
    } else if media.is_empty() || media.contains("json") {
        "json"
    } else {
        "text"
    }
}

/// The fields of `sets[i]` that tell it from another set: those some other
/// set lacks or holds with another value. Conditions on them pick `i`.
pub(crate) fn telling_apart(sets: &[Vec<(String, String)>], i: usize) -> Vec<(String, String)> {
    sets[i]
        .iter()
        .filter(|(k, v)| {
            sets.iter()
                .any(|other| other.iter().find(|(k2, _)| k2 == k).map(|(_, v2)| v2) != Some(v))
        })
        .cloned()
        .collect()
}

/// `body` kept as a template when MockBird compiles it, else escaped to be
/// served as written, with the reason in the report.
pub(crate) fn template_or_text(body: String, at: &str, report: &mut Report) -> String {
    if !body.contains("{{") {
        return body;
    }
    match mockbird_core::template::Template::compile(&body) {
        Ok(_) => body,
        Err(e) => {
            report.note(
                at,
                format!("a template MockBird cannot run ({e})"),
                "served as written, not rendered",
            );
            crate::escape_template(&body)
        }
    }
}

/// At most `n` characters of `text`.
pub(crate) fn clip(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// A project document named `name`, public, holding `mocks`.
pub(crate) fn document(
    name: String,
    description: Option<String>,
    mocks: Vec<ExportMock>,
) -> ExportDocument {
    ExportDocument {
        mockbird: Some(1),
        project: ExportProject {
            name: Some(clip(&name, 100)),
            slug: None,
            description: description.map(|d| clip(&d, 5000)),
            is_public: Some(true),
        },
        mocks,
    }
}

/// Mocks gathered by route: the first request to a method and path shape
/// (`/users/{id}` and `/users/{userId}` are one shape) makes the mock, the
/// later ones add responses to it.
#[derive(Default)]
pub(crate) struct Routes {
    mocks: Vec<ExportMock>,
    index: BTreeMap<(String, String), usize>,
}

impl Routes {
    /// The mock of `method` `path`, made named `name` if it is new; and
    /// whether it is new.
    pub(crate) fn mock(&mut self, method: &str, path: &str, name: &str) -> (&mut ExportMock, bool) {
        let key = (method.to_owned(), shape(path));
        let mut made = false;
        let slot = *self.index.entry(key).or_insert_with(|| {
            made = true;
            self.mocks.push(ExportMock {
                mock: MockSpec {
                    name: Some(clip(name, 200)),
                    method: Some(method.to_owned()),
                    path: Some(path.to_owned()),
                    ..MockSpec::default()
                },
                responses: Vec::new(),
                unknown: BTreeMap::new(),
            });
            self.mocks.len() - 1
        });
        (&mut self.mocks[slot], made)
    }

    /// The mocks, in the order their routes first appeared, each with one
    /// default: the first marked so, else its first unconditional response,
    /// else its first. Other unconditional responses get weight 0, so they
    /// answer only by name.
    pub(crate) fn finish(mut self) -> Vec<ExportMock> {
        for m in &mut self.mocks {
            let plain = |r: &ResponseSpec| r.conditions.as_ref().is_none_or(Vec::is_empty);
            let default = m
                .responses
                .iter()
                .position(|r| r.is_default == Some(true))
                .or_else(|| m.responses.iter().position(plain))
                .unwrap_or(0);
            for (i, r) in m.responses.iter_mut().enumerate() {
                r.is_default = Some(i == default);
                if i != default && plain(r) {
                    r.weight = Some(0);
                }
            }
        }
        self.mocks
    }
}

/// `path` with every parameter's name left out: `/users/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| match s.strip_prefix("{*") {
            Some(_) => "{*}",
            None if s.starts_with('{') => "{}",
            None => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_shapes_ignore_them() {
        assert_eq!(param_name("owner.id"), "owner_id");
        assert_eq!(param_name("1st"), "p1st");
        assert_eq!(shape("/users/{id}/files/{*rest}"), "/users/{}/files/{*}");
        let mut routes = Routes::default();
        assert!(routes.mock("GET", "/users/{id}", "a").1);
        assert!(!routes.mock("GET", "/users/{userId}", "b").1);
        assert!(routes.mock("POST", "/users/{id}", "c").1);
    }
}
