//! Serve MockBird mocks inside any Rust HTTP app, and in test suites.
//!
//! - [`MockLayer`] / [`MockService`]: a tower middleware. Requests whose method
//!   and path match a mock are answered by the engine (conditions, response
//!   selection, templates, delay); all others reach the inner service untouched.
//!   Works with axum, hyper and anything tower. The [`MockSet`] it serves can be
//!   replaced at runtime, atomically, or loaded from a store.
//! - [`MockServer`]: a real server on 127.0.0.1 for tests, with a journal and
//!   expectations checked on drop.
//!
//! ```
//! use mockbird_tower::{Mock, MockLayer, MockSet, ResponseTemplate, method, path};
//! use tower::{Service, ServiceExt, service_fn};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mocks = MockSet::from_mocks([Mock::given(method("GET"))
//!     .and(path("/users/{id}"))
//!     .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":"{{request.params.id}}"}"#))])?;
//!
//! // Any tower service stands in for the real app.
//! let app = service_fn(|_req: http::Request<String>| async {
//!     Ok::<_, std::convert::Infallible>(http::Response::new("from the app".to_owned()))
//! });
//! let mut svc = tower::Layer::layer(&MockLayer::new(mocks), app);
//!
//! let res = svc.ready().await?.call(http::Request::get("/users/7").body(String::new())?).await?;
//! assert_eq!(res.status(), 200);
//! let res = svc.ready().await?.call(http::Request::get("/health").body(String::new())?).await?;
//! assert!(matches!(res.into_body(), http_body_util::Either::Right(_)), "passed through to the app");
//! # Ok(()) }
//! ```
//!
//! In a test suite:
//!
//! ```no_run
//! use mockbird_tower::{Mock, MockServer, ResponseTemplate, method, path};
//! # async fn run() {
//! let server = MockServer::start().await;
//! Mock::given(method("POST")).and(path("/payments"))
//!     .respond_with(ResponseTemplate::new(402))
//!     .expect(1)
//!     .mount(&server)
//!     .await;
//! // ... call server.uri() from the code under test; the expectation is checked on drop.
//! # }
//! ```

pub mod body;
mod builder;
mod future;
mod layer;
mod mock_set;
mod respond;
mod server;
mod service;

pub use builder::{
    BuildError, IntoMatcher, Matcher, Mock, ResponseTemplate, Times, body_contains, body_field,
    cookie, header, header_exists, method, path, path_param, query_param, when,
};
pub use future::{ResponseBody, ResponseFuture};
pub use layer::MockLayer;
pub use mock_set::{LoadError, MockSet};
pub use mockbird_core::engine::DocumentError;
pub use mockbird_core::model::ExportDocument;
pub use mockbird_core::request::MockRequest;
pub use respond::MAX_REQUEST_BODY;
pub use server::{DEFAULT_JOURNAL_CAP, MockServer, MockServerBuilder};
pub use service::{MockService, NotFound};
