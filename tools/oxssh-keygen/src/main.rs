//! The `oxssh-keygen` executable.
fn main() {}
