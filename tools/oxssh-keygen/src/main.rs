//! The `oxssh-keygen` executable: parse the arguments, run one operation, turn a failure into one
//! line on standard error and OpenSSH's exit status.

use std::process::ExitCode;

use oxssh_keygen::error::Failure;
use oxssh_keygen::prompt::{Console, SystemConsole, log};
use oxssh_keygen::{Context, cli, messages, run};

fn main() -> ExitCode {
    let mut console = SystemConsole::new();
    let outcome = cli::parse(std::env::args_os().skip(1))
        .and_then(Context::from_system)
        .and_then(|ctx| run(&ctx, &mut console));
    let code = match outcome {
        Ok(code) => code,
        Err(failure) => report(&mut console, &failure),
    };
    let _ = console.out().flush();
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

fn report(console: &mut SystemConsole, failure: &Failure) -> i32 {
    let _ = console.out().flush();
    let err = console.err();
    if let Some(message) = &failure.message {
        log(err, message);
    }
    if failure.usage {
        let _ = write!(err, "{}", messages::USAGE);
    }
    failure.code
}
