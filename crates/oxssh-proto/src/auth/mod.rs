//! User authentication (RFC 4252, RFC 4256) for both roles. The core handles the protocol; every decision
//! (which method to try, whether a password or key is right) belongs to the application and arrives as
//! an answer to an event.

pub(crate) mod client;
pub(crate) mod server;
