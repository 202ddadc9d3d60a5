//! [`DatabaseService`](mockbird_core::store::DatabaseService) kept in process memory: no I/O, nothing survives a restart.
//! For tests, embedding, and `mockbird-server --store memory`.
//!
//! ```
//! use mockbird_core::model::{NewOrganization, NewProject, NewUser};
//! use mockbird_core::store::{OrgStore, ProjectStore, UserStore};
//! use mockbird_store_memory::MemoryStore;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let user = store.create_user(NewUser::new("ada@example.com", "Ada", "hash".into())?).await?;
//! let org = store.create_org(NewOrganization::new("Ada", "ada", "free", user.id)?).await?;
//! store.create_project(NewProject::new(org.id, "Payments", "payments", "", true)?).await?;
//! assert_eq!(store.project_by_slug("payments").await?.name, "Payments");
//! # Ok(()) }
//! ```

mod state;
mod store;

pub use store::MemoryStore;
