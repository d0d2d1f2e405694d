//! `oxssh-bench [--quick]`: oxssh against OpenSSH on this machine; see the library's docs.

fn main() -> std::process::ExitCode {
    oxssh_bench::main_with_args(std::env::args_os().skip(1))
}
