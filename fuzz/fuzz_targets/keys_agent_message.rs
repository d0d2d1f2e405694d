#![no_main]
//! oxssh_keys::fuzzing::agent_message under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_keys::fuzzing::agent_message(data));
