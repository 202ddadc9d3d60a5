//! Compiled projects, by slug. A hit is a read lock and an `Arc` clone: no
//! database. Any change to a project invalidates its entry; the next request
//! compiles the new state — one request per slug at a time, the others
//! waiting for it (a burst of first requests to a 10,000-mock project
//! compiled it once per request before, on the serving threads, and stalled
//! every mock for seconds).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use mockbird_core::engine::Engine;
use mockbird_core::model::{HttpMethod, Project};
use mockbird_core::store::{DatabaseService, StoreError};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;

/// A project compiled for serving.
#[derive(Debug)]
pub struct Snapshot {
    /// The project as it was compiled.
    pub project: Project,
    /// Its engine.
    pub engine: Engine,
    /// Each mock's method (to tell an explicit `OPTIONS` mock from `ANY`).
    pub methods: HashMap<Uuid, HttpMethod>,
}

/// The cache.
#[derive(Debug, Default)]
pub struct SnapshotCache {
    by_slug: RwLock<HashMap<String, Arc<Snapshot>>>,
    /// Slugs being compiled: whoever holds the lock compiles, the rest wait for it.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Bumped by every invalidation: a compile that started before one is not cached.
    generation: AtomicU64,
}

impl SnapshotCache {
    /// The snapshot of the project with this slug, compiling it on a miss;
    /// `None` if there is no such project.
    pub async fn get(
        &self,
        store: &dyn DatabaseService,
        metrics: &Metrics,
        slug: &str,
    ) -> ApiResult<Option<Arc<Snapshot>>> {
        if let Some(hit) = self.hit(metrics, slug) {
            return Ok(Some(hit));
        }
        let turn = self
            .loading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(slug.to_owned())
            .or_default()
            .clone();
        let _compiling = turn.lock().await;
        // Another request may have compiled it while this one waited.
        if let Some(hit) = self.hit(metrics, slug) {
            return Ok(Some(hit));
        }
        metrics.cache_misses.inc();
        let loaded = self.load(store, slug).await;
        self.loading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(slug);
        loaded
    }

    /// The cached snapshot of `slug`, counted as a hit.
    fn hit(&self, metrics: &Metrics, slug: &str) -> Option<Arc<Snapshot>> {
        let hit = self.read().get(slug).cloned()?;
        metrics.cache_hits.inc();
        Some(hit)
    }

    /// Compiles the project with this slug and caches it (unless an
    /// invalidation came meanwhile).
    async fn load(
        &self,
        store: &dyn DatabaseService,
        slug: &str,
    ) -> ApiResult<Option<Arc<Snapshot>>> {
        let generation = self.generation.load(Ordering::Acquire);
        let project = match store.project_by_slug(slug).await {
            Ok(p) => p,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bundle = store.project_bundle(project.id).await?;
        // Compiling thousands of mocks takes a while: off the serving threads.
        let snapshot = tokio::task::spawn_blocking(move || {
            // A mock that cannot be compiled (a stored route collision, say)
            // is left out; the rest of the project serves.
            let (engine, skipped) = Engine::from_bundle_lenient(&bundle);
            for e in skipped {
                tracing::warn!(project = %bundle.project.id, "mock left out of serving: {e}");
            }
            let methods = bundle.mocks.iter().map(|(m, _)| (m.id, m.method)).collect();
            Ok::<_, ApiError>(Arc::new(Snapshot {
                project: bundle.project,
                engine,
                methods,
            }))
        })
        .await
        .map_err(ApiError::internal)??;
        let mut map = self
            .by_slug
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            map.insert(slug.to_owned(), snapshot.clone());
        }
        Ok(Some(snapshot))
    }

    /// Forgets the project's snapshot (under any slug it had).
    pub fn invalidate(&self, project_id: Uuid) {
        let mut map = self
            .by_slug
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.retain(|_, s| s.project.id != project_id);
    }

    /// Forgets every snapshot (after a gap in the invalidation messages).
    pub fn clear(&self) {
        let mut map = self
            .by_slug
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }

    /// Backstop for lost invalidation messages: drops every snapshot whose
    /// project changed in the store (any mock change bumps the project's
    /// `updatedAt`), was renamed or is gone. Returns how many went.
    pub async fn recheck(&self, store: &dyn DatabaseService) -> usize {
        let cached: Vec<(Uuid, String, chrono::DateTime<chrono::Utc>)> = self
            .read()
            .iter()
            .map(|(slug, s)| (s.project.id, slug.clone(), s.project.updated_at))
            .collect();
        let mut stale = 0;
        for (id, slug, updated_at) in cached {
            let current = match store.project(id).await {
                Ok(p) => p.slug == slug && p.updated_at == updated_at,
                Err(StoreError::NotFound { .. }) => false,
                Err(_) => true,
            };
            if !current {
                self.invalidate(id);
                stale += 1;
            }
        }
        stale
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<Snapshot>>> {
        self.by_slug
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
