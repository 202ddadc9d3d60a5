//! [`MockLayer`]: puts mocks in front of any tower service.

use tower_layer::Layer;

use crate::{MockService, MockSet};

/// Wraps a service so that requests matching a mock are answered by MockBird
/// and all others reach the service untouched.
#[derive(Debug, Clone)]
pub struct MockLayer {
    mocks: MockSet,
}

impl MockLayer {
    /// A layer serving `mocks` (replace them later through any clone of the set).
    pub fn new(mocks: MockSet) -> Self {
        MockLayer { mocks }
    }

    /// The mocks served.
    pub fn mocks(&self) -> &MockSet {
        &self.mocks
    }
}

impl<S> Layer<S> for MockLayer {
    type Service = MockService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MockService::new(inner, self.mocks.clone())
    }
}
