//! Integration tests of the middleware and the test server.

mod layer;
mod server;
mod support;
