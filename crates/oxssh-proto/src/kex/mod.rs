//! Key exchange.
pub(crate) mod method;
