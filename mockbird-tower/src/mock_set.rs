//! [`MockSet`]: the mocks a [`crate::MockService`] serves, swappable at runtime.

use std::sync::Arc;

use arc_swap::ArcSwap;
use mockbird_core::DatabaseService;
use mockbird_core::engine::{Engine, EngineError, MockSource};
use uuid::Uuid;

use crate::builder::{BuildError, Mock};

/// A shared, atomically replaceable set of compiled mocks. Clones share the set:
/// replace it through any clone and every service serving it sees the new set
/// on its next request, without locks on the request path.
#[derive(Debug, Clone)]
pub struct MockSet {
    engine: Arc<ArcSwap<Engine>>,
}

impl Default for MockSet {
    fn default() -> Self {
        Self::from_engine(Engine::default())
    }
}

/// Why loading mocks from a store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The store failed or has no such project.
    #[error(transparent)]
    Store(#[from] mockbird_core::StoreError),
    /// The stored mocks do not compile.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl MockSet {
    /// An empty set: every request passes through (or gets 404 when standalone).
    pub fn new() -> Self {
        Self::default()
    }

    /// A set serving a compiled engine.
    pub fn from_engine(engine: Engine) -> Self {
        MockSet {
            engine: Arc::new(ArcSwap::from_pointee(engine)),
        }
    }

    /// A set built from mocks defined in code.
    pub fn from_mocks(mocks: impl IntoIterator<Item = Mock>) -> Result<Self, BuildError> {
        Ok(Self::from_engine(compile(mocks)?))
    }

    /// Replaces the mocks, atomically.
    pub fn set_mocks(&self, mocks: impl IntoIterator<Item = Mock>) -> Result<(), BuildError> {
        self.replace(compile(mocks)?);
        Ok(())
    }

    /// Replaces the engine, atomically.
    pub fn replace(&self, engine: Engine) {
        self.engine.store(Arc::new(engine));
    }

    /// Loads a stored project's mocks and swaps them in.
    pub async fn load(
        &self,
        store: &dyn DatabaseService,
        project_id: Uuid,
    ) -> Result<(), LoadError> {
        let bundle = store.project_bundle(project_id).await?;
        self.replace(Engine::from_bundle(&bundle)?);
        Ok(())
    }

    /// The engine serving now.
    pub fn current(&self) -> Engine {
        Engine::clone(&self.engine.load())
    }
}

fn compile(mocks: impl IntoIterator<Item = Mock>) -> Result<Engine, BuildError> {
    let sources = mocks
        .into_iter()
        .map(Mock::into_engine_source)
        .collect::<Result<Vec<MockSource>, _>>()?;
    Engine::compile(sources).map_err(BuildError::Engine)
}
