#![no_main]
//! oxssh_config::fuzzing::server_config under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_config::fuzzing::server_config(data));
