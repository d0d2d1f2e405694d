//! oxssh-copy-id: OpenSSH's ssh-copy-id, see the library's documentation.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(oxssh_copy_id::main_with(std::env::args_os().collect()));
}
