#![no_main]
//! oxssh_keys::fuzzing::private_key_file under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::private_key_file(data));
