#![no_main]
//! oxssh_keys::fuzzing::authorized_keys under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::authorized_keys(data));
