//! Key-exchange methods.
