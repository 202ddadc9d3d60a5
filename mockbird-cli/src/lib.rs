//! The `mockbird` command's library: mocks as code.
//!
//! - [`document`]: project files read in any format MockBird imports and
//!   written in MockBird's own, JSON or YAML, in a stable order.
//! - [`push`]: a server's project made to match a file, idempotently.
//! - [`serve`]: a file served locally by the engine alone, reloaded on change.
//! - [`tail`], [`verify`]: the live log and the verification API.
//! - [`client`], [`config`], [`error`]: the API, the saved sign-in, exit codes.
//!
//! ```
//! use mockbird_cli::document::{self, FileFormat};
//!
//! let openapi = br#"{"openapi": "3.1.0", "info": {"title": "Pets"},
//!   "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok",
//!     "content": {"application/json": {"example": [{"id": 1}]}}}}}}}}"#;
//! let imported = document::parse(openapi, None).unwrap();
//! let yaml = document::render(&document::canonical(imported.document), FileFormat::Yaml);
//! assert!(yaml.contains("path: /pets"));
//! // The file reads back as the same document.
//! let again = document::parse(yaml.as_bytes(), None).unwrap();
//! assert_eq!(again.document.mocks[0].mock.path.as_deref(), Some("/pets"));
//! ```

pub mod client;
pub mod config;
pub mod document;
pub mod error;
pub mod push;
pub mod serve;
pub mod tail;
pub mod verify;
