//! Authentication: the real [`AuthService`](mockbird_core::service::AuthService),
//! sessions (refresh-token families) and the [`Caller`] of a request.

mod caller;
mod real;
mod session;

pub use caller::{Caller, authenticate, can_manage, require_role};
pub use real::RealAuthService;
pub use session::{SessionTokens, issue_session};
