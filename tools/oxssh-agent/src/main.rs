//! oxssh-agent: OpenSSH's ssh-agent, see the library's documentation.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(oxssh_agent::main_with(std::env::args_os().collect()));
}
