//! Test support for oxssh: in-memory pairs, real-peer launchers, fixtures
