//! `oxssh`: OpenSSH's `ssh`. Everything is in the library; this only hands over the arguments and
//! turns the result into the exit status.
#![forbid(unsafe_code)]

fn main() {
    let status = oxssh::run(std::env::args_os().collect());
    oxssh::tty::exit(status);
}
