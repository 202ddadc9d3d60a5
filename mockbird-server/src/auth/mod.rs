//! Authentication of `/api` calls: sessions (refresh-token families) and the
//! [`Caller`] of a request. Password hashing and tokens are the
//! [`AuthService`](mockbird_core::service::AuthService) of the services kit.

mod caller;
mod cookie;
mod session;

pub(crate) use caller::{Caller, authenticate, can_manage, require_role};
pub(crate) use cookie::SessionMode;
pub(crate) use session::{SessionTokens, issue_session};
