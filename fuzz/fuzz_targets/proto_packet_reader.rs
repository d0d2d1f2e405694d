#![no_main]
//! oxssh_proto::fuzzing::packet_reader under libFuzzer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oxssh_proto::fuzzing::packet_reader(data));
