#![no_main]
//! oxssh_proto::fuzzing::server_bytes under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_proto::fuzzing::server_bytes(data));
