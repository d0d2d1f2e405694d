//! Interoperability tests of oxssh against real SSH peers
