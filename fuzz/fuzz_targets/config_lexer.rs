#![no_main]
//! oxssh_config::fuzzing::lexer under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_config::fuzzing::lexer(data));
