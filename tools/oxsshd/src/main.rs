//! The `oxsshd` executable: everything happens in [`oxsshd::main_with_args`].
fn main() -> std::process::ExitCode {
    oxsshd::main_with_args(std::env::args_os().skip(1))
}
