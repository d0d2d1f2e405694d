#![no_main]
//! oxssh_keys::fuzzing::signature_blob under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::signature_blob(data));
