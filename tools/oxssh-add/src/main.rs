//! oxssh-add: OpenSSH's ssh-add, see the library's documentation.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(oxssh_add::main_with(std::env::args_os().skip(1).collect()));
}
