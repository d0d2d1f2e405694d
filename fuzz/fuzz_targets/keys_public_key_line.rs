#![no_main]
//! oxssh_keys::fuzzing::public_key_line under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::public_key_line(data));
