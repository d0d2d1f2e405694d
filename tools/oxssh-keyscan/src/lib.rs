//! oxssh-keyscan: a drop-in replacement for OpenSSH's ssh-keyscan.
//!
//! For every host and every requested key type it makes one connection whose client offers only
//! that type's host key algorithms, runs the key exchange until the server has proved possession of
//! its host key, records the key and hangs up. Keys are printed in known_hosts format
//! (`host key-type base64`, `[host]:port` on other ports than 22, hashed with `-H`) or as SSHFP
//! records (`-D`); the `# host:port identification` comment for each connection goes to stderr.
//! Connections run in parallel (at most [`MAX_CONNECTIONS`] at once), each step bounded by `-T`.
//!
//! The flags, messages and exit statuses are OpenSSH 9.2's (exit 0 if any key was found, 1 if none or
//! on a usage error, 255 on a fatal error). Where we differ on purpose:
//! - results are printed in input order (host, then key type in OpenSSH's order rsa, ecdsa,
//!   ed25519), not in whatever order the servers happen to answer, so two runs give the same output;
//! - `dsa`, `ecdsa-sk` and `ed25519-sk` are accepted but only the greeting is read (oxssh implements
//!   none of them), which matches what OpenSSH prints for the servers that lack those keys — nearly
//!   all of them;
//! - `-c` (certificates) is refused in one line; `-q` (no comment lines, from older releases) is
//!   accepted;
//! - a name that resolves to several addresses is tried on each of them, not only on the first.
#![forbid(unsafe_code)]

pub mod cli;
pub mod greeting;
pub mod messages;
pub mod output;
pub mod scan;
pub mod targets;
pub mod types;

use std::ffi::OsString;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use cli::Options;
use output::Format;
use scan::{Line, Report, Settings};
use targets::Spec;
use tokio::sync::{Semaphore, mpsc};

/// Connections open at once at most: OpenSSH allows its descriptor limit (at most 256) minus 10.
pub const MAX_CONNECTIONS: usize = 246;

/// Runs the tool with these arguments (the first is the program name) and returns the exit status.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let mut args = args.into_iter();
    let program = args
        .next()
        .map(|a| {
            let a = a.to_string_lossy().into_owned();
            a.rsplit('/').next().unwrap_or_default().to_owned()
        })
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "oxssh-keyscan".to_owned());
    let options = match cli::parse(&program, args.collect()) {
        Ok(o) => o,
        Err(refusal) => {
            let _ = std::io::stderr().write_all(refusal.stderr.as_bytes());
            return refusal.status;
        }
    };
    let targets = match read_targets(&program, &options) {
        Ok(t) => t,
        Err(line) => {
            eprint!("{line}{}", messages::LOG_EOL);
            return 255;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{program}: {e}");
            return 255;
        }
    };
    runtime.block_on(run(&options, targets))
}

/// Collects the targets: `-f` files first, in order, then the hosts on the command line.
fn read_targets(program: &str, options: &Options) -> Result<Vec<Spec>, String> {
    let mut targets = Vec::new();
    for file in &options.files {
        let (text, shown) = match file {
            Some(path) => (std::fs::read(path), path.as_str()),
            None => (
                std::io::read_to_string(std::io::stdin()).map(String::into_bytes),
                "(stdin)",
            ),
        };
        let text = text.map_err(|e| {
            messages::file_error(program, shown, &oxssh_tokio::connect::error_text(&e))
        })?;
        targets.extend(targets::parse_file(&String::from_utf8_lossy(&text)));
    }
    targets.extend(options.hosts.iter().filter_map(|h| Spec::parse(h)));
    Ok(targets)
}

/// Scans every target for every key type and prints the results in order; returns the exit status.
pub async fn run(options: &Options, specs: Vec<Spec>) -> i32 {
    let settings = Arc::new(Settings {
        port: options.port,
        family: options.family,
        timeout: Duration::from_secs(options.timeout_secs),
        format: Format {
            port: options.port,
            hash: options.hash,
            sshfp: options.sshfp,
        },
        quiet: options.quiet,
        verbose: options.verbose > 0,
    });
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let kinds = options.key_kinds.clone();
    // The producer starts connections in order as slots free up; the consumer below prints their
    // reports in the same order, so output never depends on which server answers first.
    let producer = tokio::spawn(async move {
        for target in specs.iter().flat_map(Spec::targets) {
            let target = Arc::new(target);
            for &kind in &kinds {
                let Ok(permit) = limit.clone().acquire_owned().await else {
                    return;
                };
                let settings = settings.clone();
                let target = target.clone();
                let job = tokio::spawn(async move {
                    let report = scan::scan(&settings, &target, kind).await;
                    drop(permit);
                    report
                });
                if tx.send(job).is_err() {
                    return;
                }
            }
        }
    });
    let mut found = false;
    while let Some(job) = rx.recv().await {
        match job.await {
            Ok(Ok(report)) => {
                found |= report.found;
                print_report(&report);
            }
            Ok(Err(output::HashFailed)) => {
                eprint!("{}{}", messages::HOST_HASH_FAILED, messages::LOG_EOL);
                producer.abort();
                return 255;
            }
            Err(_) => {}
        }
    }
    let _ = producer.await;
    if found { 0 } else { 1 }
}

fn print_report(report: &Report) {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    for line in &report.lines {
        // A closed stdout (`| head`) is not worth a complaint; the exit status still tells.
        let _ = match line {
            Line::Out(text) => writeln!(stdout.lock(), "{text}"),
            Line::Err(text) => writeln!(stderr.lock(), "{text}"),
            Line::Log(text) => write!(stderr.lock(), "{text}{}", messages::LOG_EOL),
        };
    }
    let _ = stdout.lock().flush();
}
