#![no_main]
//! oxssh_keys::fuzzing::known_hosts under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::known_hosts(data));
