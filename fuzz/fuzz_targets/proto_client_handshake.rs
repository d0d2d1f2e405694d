#![no_main]
//! oxssh_proto::fuzzing::client_handshake under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_proto::fuzzing::client_handshake(data));
