//! Importers: API descriptions and mocks users already have — OpenAPI 3.0/3.1,
//! Swagger 2.0, Postman 2.1 collections, HAR 1.2 recordings, Mockoon
//! environments, WireMock stub mappings — turned into a
//! MockBird project document ([`ExportDocument`], what
//! `POST /api/projects/import` takes) and a fidelity [`Report`] naming every
//! construct not carried over as it was, with its JSON pointer in the source.
//!
//! Pure functions from bytes: JSON or YAML, the format detected (or named).
//! Nothing is ever fetched (`$ref`s to files or URLs are reported), and size,
//! nesting, YAML aliases and example generation are bounded ([`Limits`]).
//!
//! ```
//! let spec = br#"
//! openapi: 3.1.0
//! info: {title: Pets}
//! paths:
//!   /pets/{id}:
//!     get:
//!       operationId: getPet
//!       responses:
//!         "200":
//!           description: A pet
//!           content:
//!             application/json:
//!               schema: {type: object, properties: {id: {type: integer}, name: {type: string}}}
//!         "404": {description: No such pet}
//! "#;
//! let imported = mockbird_import::import(spec, None, &Default::default()).unwrap();
//! assert_eq!(imported.report.format, "openapi-3.1");
//! let mock = &imported.document.mocks[0];
//! assert_eq!(mock.mock.path.as_deref(), Some("/pets/{id}"));
//! assert_eq!(mock.responses[0].body.as_deref(), Some("{\n  \"id\": 0,\n  \"name\": \"string\"\n}"));
//! // The 404 answers when asked for by name: X-Mockbird-Response: 404.
//! assert!(imported.report.notes.iter().any(|n| n.instead.contains("X-Mockbird-Response: 404")));
//! ```

mod build;
pub mod export;
mod har;
mod mockoon;
mod openapi;
mod postman;
pub mod report;
mod schema;
mod source;
mod wiremock;

use mockbird_core::model::ExportDocument;
use serde_json::Value;

pub use report::{Note, Report};

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// MockBird's own export document.
    MockBird,
    /// OpenAPI 3.0 or 3.1.
    OpenApi,
    /// Swagger 2.0.
    Swagger,
    /// WireMock stub mappings.
    WireMock,
    /// Postman Collection v2.1 (or v2.0).
    Postman,
    /// HAR 1.2, a recording of requests and responses.
    Har,
    /// A Mockoon environment.
    Mockoon,
}

impl std::str::FromStr for Format {
    type Err = ImportError;

    /// `mockbird`, `openapi`, `swagger`, `wiremock`, `postman`, `har`, `mockoon`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mockbird" => Ok(Format::MockBird),
            "openapi" => Ok(Format::OpenApi),
            "swagger" => Ok(Format::Swagger),
            "wiremock" => Ok(Format::WireMock),
            "postman" => Ok(Format::Postman),
            "har" => Ok(Format::Har),
            "mockoon" => Ok(Format::Mockoon),
            other => Err(ImportError::UnknownFormat(format!(
                "{other:?} is not a format: mockbird, openapi, swagger, wiremock, postman, har or mockoon"
            ))),
        }
    }
}

/// Bounds on what one import may read and make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest source, in bytes (default 10 MiB).
    pub max_bytes: usize,
    /// Deepest nesting of the source (default 64).
    pub max_depth: usize,
    /// Most mocks made (default 10,000).
    pub max_mocks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_depth: 64,
            max_mocks: 10_000,
        }
    }
}

/// Why a source could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Over [`Limits::max_bytes`].
    #[error("the file is over {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Nested deeper than [`Limits::max_depth`].
    #[error("the file nests deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Neither JSON nor YAML.
    #[error("{0}")]
    Syntax(String),
    /// Not a format this crate reads, or not the one named.
    #[error("{0}")]
    UnknownFormat(String),
    /// More mocks than [`Limits::max_mocks`].
    #[error("the file describes {found} mocks; at most {limit} are imported at once")]
    TooManyMocks {
        /// Mocks the source describes.
        found: usize,
        /// The limit.
        limit: usize,
    },
}

/// A project document and what was not carried over.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The format read.
    pub format: Format,
    /// The project, ready for `POST /api/projects/import`.
    pub document: ExportDocument,
    /// What the import made and left behind.
    pub report: Report,
}

/// The format of a parsed source, if it is one this crate reads.
pub fn detect(doc: &Value) -> Option<Format> {
    if let Some((dialect, _)) = openapi::detect(doc) {
        return Some(match dialect {
            openapi::Dialect::OpenApi3 => Format::OpenApi,
            openapi::Dialect::Swagger2 => Format::Swagger,
        });
    }
    // `mocks` may be left out of a MockBird document (a project with none).
    if doc.get("mockbird").is_some() || doc.get("project").is_some_and(Value::is_object) {
        return Some(Format::MockBird);
    }
    if postman::detect(doc) {
        return Some(Format::Postman);
    }
    if har::detect(doc) {
        return Some(Format::Har);
    }
    if mockoon::detect(doc) {
        return Some(Format::Mockoon);
    }
    wiremock::detect(doc).then_some(Format::WireMock)
}

/// Imports `bytes` (JSON or YAML) as `format`, or as the format detected.
pub fn import(
    bytes: &[u8],
    format: Option<Format>,
    limits: &Limits,
) -> Result<Imported, ImportError> {
    let doc = source::parse(bytes, limits)?;
    let found = detect(&doc);
    let format = match (format, found) {
        (Some(named), Some(found)) if named != found => {
            return Err(ImportError::UnknownFormat(format!(
                "the file is not {named:?} (it reads as {found:?})"
            )));
        }
        (Some(named), _) => named,
        (None, Some(found)) => found,
        (None, None) => {
            return Err(ImportError::UnknownFormat(
                "not a format MockBird reads: OpenAPI 3, Swagger 2, Postman 2.1, HAR 1.2, Mockoon, WireMock mappings or a MockBird export".to_owned(),
            ));
        }
    };
    let (document, mut report) = match format {
        Format::OpenApi | Format::Swagger => {
            let (dialect, label) = openapi::detect(&doc).ok_or_else(|| {
                ImportError::UnknownFormat(
                    "no `openapi: 3.x` or `swagger: \"2.0\"` field".to_owned(),
                )
            })?;
            let mut report = Report::new(&label);
            (openapi::import(&doc, dialect, &mut report), report)
        }
        Format::WireMock => {
            let mut report = Report::new("wiremock");
            (wiremock::import(&doc, &mut report), report)
        }
        Format::Postman => {
            let mut report = Report::new(postman::label(&doc));
            (postman::import(&doc, &mut report), report)
        }
        Format::Har => {
            let mut report = Report::new("har-1.2");
            (har::import(&doc, &mut report), report)
        }
        Format::Mockoon => {
            let mut report = Report::new("mockoon");
            (mockoon::import(&doc, &mut report), report)
        }
        Format::MockBird => {
            let document: ExportDocument =
                serde_json::from_value(doc).map_err(|e| ImportError::Syntax(e.to_string()))?;
            (document, Report::new("mockbird"))
        }
    };
    if document.mocks.len() > limits.max_mocks {
        return Err(ImportError::TooManyMocks {
            found: document.mocks.len(),
            limit: limits.max_mocks,
        });
    }
    report.mocks = document.mocks.len();
    report.responses = document.mocks.iter().map(|m| m.responses.len()).sum();
    Ok(Imported {
        format,
        document,
        report,
    })
}

/// `text` with every `{{` escaped (`\{{`), so a MockBird body renders it as written.
pub(crate) fn escape_template(text: &str) -> String {
    text.replace("{{", "\\{{")
}
