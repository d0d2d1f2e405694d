#![no_main]
//! oxssh_proto::fuzzing::connection_messages under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_proto::fuzzing::connection_messages(data));
