//! The server's own adapter to an outside system: the Redis cluster client
//! that lets instances share limits. (Billing and email adapters are in the
//! services kit of `mockbird-core`, features `billing-stripe` and `email-smtp`.)

pub(crate) mod cluster;
