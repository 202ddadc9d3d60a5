//! The memory store against the whole conformance suite.

use mockbird_store_memory::MemoryStore;

async fn fresh_store() -> Option<MemoryStore> {
    Some(MemoryStore::new())
}

mockbird_core::store_conformance_tests!(fresh_store);
