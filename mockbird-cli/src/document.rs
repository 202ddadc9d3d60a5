//! Project documents as files: read in any format MockBird imports, written
//! in MockBird's own (JSON or YAML) with a stable order, so that a pulled
//! file diffs well in Git.

use std::path::Path;

use mockbird_core::model::ExportDocument;
use mockbird_import::{Format, Imported, Limits};

use crate::error::{CliError, CliResult};

/// How a document file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// JSON, two-space indented.
    Json,
    /// YAML.
    Yaml,
}

impl FileFormat {
    /// YAML for `.yaml`/`.yml` files, JSON otherwise.
    pub fn of_path(path: &Path) -> FileFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => FileFormat::Yaml,
            _ => FileFormat::Json,
        }
    }

    /// The media type files of this format are uploaded as.
    pub fn media_type(self) -> &'static str {
        match self {
            FileFormat::Json => "application/json",
            FileFormat::Yaml => "application/yaml",
        }
    }
}

/// What a local read may take: a file on the user's own machine is bounded
/// more loosely than an upload to the shared server.
pub fn local_limits() -> Limits {
    Limits {
        max_bytes: 64 * 1024 * 1024,
        max_mocks: 100_000,
        ..Limits::default()
    }
}

/// Reads a project document from `bytes`: MockBird's own, or any format
/// `mockbird-import` reads (named, or detected), with its fidelity report.
pub fn parse(bytes: &[u8], format: Option<Format>) -> CliResult<Imported> {
    mockbird_import::import(bytes, format, &local_limits())
        .map_err(|e| CliError::Usage(format!("the file cannot be read: {e}")))
}

/// Reads the document file at `path` (see [`parse`]).
pub fn read(path: &Path, format: Option<Format>) -> CliResult<Imported> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    parse(&bytes, format).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// `doc` in a stable order: mocks by path, then method (responses keep
/// theirs: it decides ties in selection).
pub fn canonical(mut doc: ExportDocument) -> ExportDocument {
    doc.mocks.sort_by(|a, b| {
        (a.mock.path.as_deref(), a.mock.method.as_deref())
            .cmp(&(b.mock.path.as_deref(), b.mock.method.as_deref()))
    });
    doc.mockbird = Some(1);
    doc
}

/// The text of `doc` as a file of `format`, ending with a newline.
pub fn render(doc: &ExportDocument, format: FileFormat) -> String {
    let mut text = match format {
        FileFormat::Json => serde_json::to_string_pretty(doc).expect("a document serializes"),
        FileFormat::Yaml => serde_saphyr::to_string(doc).expect("a document serializes"),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
