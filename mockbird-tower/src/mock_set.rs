//! [`MockSet`]: the mocks a [`crate::MockService`] serves, swappable at runtime.

use std::sync::Arc;

use arc_swap::ArcSwap;
use mockbird_core::DatabaseService;
use mockbird_core::engine::{DocumentError, Engine, EngineError, MockSource};
use mockbird_core::model::ExportDocument;
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
        Ok(Self::from_engine(compile(mocks, None)?))
    }

    /// A set serving a project document — an export, a file pulled with
    /// `mockbird pull`, an import's result — exactly as the hosted server
    /// serves it once imported; with `seed`, weighted choices are drawn as
    /// the server draws them under that seed.
    pub fn from_document(doc: &ExportDocument, seed: Option<u64>) -> Result<Self, DocumentError> {
        Ok(Self::from_engine(Engine::from_document(doc, seed)?))
    }

    /// Like [`MockSet::from_mocks`], with weighted choices drawn from `seed`
    /// ([`Engine::compile_seeded`]): the same calls, the same responses.
    pub fn from_mocks_seeded(
        mocks: impl IntoIterator<Item = Mock>,
        seed: u64,
    ) -> Result<Self, BuildError> {
        Ok(Self::from_engine(compile(mocks, Some(seed))?))
    }

    /// Replaces the mocks, atomically.
    pub fn set_mocks(&self, mocks: impl IntoIterator<Item = Mock>) -> Result<(), BuildError> {
        self.replace(compile(mocks, None)?);
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

fn compile(mocks: impl IntoIterator<Item = Mock>, seed: Option<u64>) -> Result<Engine, BuildError> {
    let sources = mocks
        .into_iter()
        .map(Mock::into_engine_source)
        .collect::<Result<Vec<MockSource>, _>>()?;
    match seed {
        Some(seed) => Engine::compile_seeded(sources, seed),
        None => Engine::compile(sources),
    }
    .map_err(BuildError::Engine)
}
