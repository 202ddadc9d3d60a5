//! The fidelity report: what an import could not carry over, where, and what
//! it did instead.

use serde::Serialize;

/// One construct of the source not carried over as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Where in the source: a JSON pointer (`/paths/~1users/get/responses/default`).
    pub at: String,
    /// What was there (`a response for every other status ("default")`).
    pub construct: String,
    /// What the import did instead (`imported as status 500, reachable by name`).
    pub instead: String,
}

/// What an import made and what it left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The format read (`openapi-3.0`, `openapi-3.1`, `swagger-2.0`, `postman-2.1`,
    /// `har-1.2`, `mockoon`, `wiremock`, `mockbird`).
    pub format: String,
    /// Mocks made.
    pub mocks: usize,
    /// Responses made, over all mocks.
    pub responses: usize,
    /// Everything not carried over as it was, in source order.
    pub notes: Vec<Note>,
}

impl Report {
    /// A report for `format`, empty.
    pub fn new(format: &str) -> Self {
        Report {
            format: format.to_owned(),
            ..Report::default()
        }
    }

    /// Notes `construct` at `at`, done `instead`.
    pub fn note(&mut self, at: &str, construct: impl Into<String>, instead: impl Into<String>) {
        self.notes.push(Note {
            at: at.to_owned(),
            construct: construct.into(),
            instead: instead.into(),
        });
    }

    /// One line: `12 mocks, 31 responses, 4 constructs not carried over as they were`.
    pub fn summary(&self) -> String {
        format!(
            "{} mocks, {} responses, {} constructs not carried over as they were",
            self.mocks,
            self.responses,
            self.notes.len()
        )
    }
}

/// A JSON pointer: `base` plus `token` escaped (`~` → `~0`, `/` → `~1`).
pub fn pointer(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_and_summaries_count() {
        assert_eq!(pointer("/paths", "/a~b"), "/paths/~1a~0b");
        let mut r = Report::new("openapi-3.1");
        r.note("/x", "a thing", "another");
        r.mocks = 2;
        assert_eq!(
            r.summary(),
            "2 mocks, 0 responses, 1 constructs not carried over as they were"
        );
    }
}
