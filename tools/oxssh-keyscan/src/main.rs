//! The `oxssh-keyscan` executable: everything is in the library; this only passes the exit status on.
fn main() {
    std::process::exit(oxssh_keyscan::main_with_args(std::env::args_os()));
}
