#![no_main]
//! oxssh_proto::fuzzing::channel_ops under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_proto::fuzzing::channel_ops(data));
