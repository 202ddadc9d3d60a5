//! MockBird's core: the domain model, the mock engine (routing, conditions,
//! response selection, Handlebars templating), the service traits with their
//! mock implementations, and the store conformance kit (feature `testkit`).
//!
//! ```
//! use mockbird_core::engine::{Engine, MockSource, Outcome};
//! use mockbird_core::model::{MockDef, ResponseDef};
//! use mockbird_core::request::MockRequest;
//!
//! let mock = MockDef::new("Get user", "GET", "/users/{id}")?;
//! let hello = ResponseDef::new(200, r#"{"id": "{{request.params.id}}"}"#)?;
//! let engine = Engine::compile(vec![MockSource::new(mock, vec![hello])])?;
//!
//! match engine.handle(&MockRequest::new(http::Method::GET, "/users/42")) {
//!     Outcome::Matched(res) => assert_eq!(&res.body[..], br#"{"id": "42"}"#),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod clock;
pub mod condition;
pub mod engine;
mod error;
pub mod model;
pub mod request;
pub mod routing;
pub mod selection;
pub mod service;
pub mod store;
pub mod template;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod token;

pub use error::{FieldError, ValidationError};
pub use store::{DatabaseService, StoreError, StoreResult};
