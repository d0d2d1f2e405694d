//! oxsshd: the oxssh daemon, a drop-in replacement for OpenSSH's sshd.
//!
//! One async process serves every connection: each connection is a task (the protocol core runs in
//! oxssh-tokio's driver), each session channel and forwarded connection another, and everything
//! that blocks (NSS, PAM, crypt, fork) runs on the blocking pool, so a slow or hostile client never
//! delays the others. What needs privilege goes through [`privileged`], the narrow interface with a
//! per-phase allowlist (ARCHITECTURE §9).
//!
//! | module | concern |
//! |---|---|
//! | [`cli`] | sshd's flags |
//! | [`options`] | sshd_config through oxssh-config, the built-in defaults, the core's config |
//! | [`sysenv`] | the system as oxssh-config's `Environment` |
//! | [`daemon`] | the configuration snapshot new connections start from (replaced on SIGHUP) |
//! | [`hostkeys`] | loading and generating host keys |
//! | [`listen`] | binding, accepting, MaxStartups, signals and reload |
//! | `connection` | one client: events from the core, banner and client-alive timers, how it ended |
//! | [`auth`] | publickey, password, keyboard-interactive decisions; AuthenticationMethods |
//! | [`privileged`] | user lookup, passwords, PAM, user files, pty and process start, by phase |
//! | [`session`] | session channels: pty, shell, exec, subsystem, signals, exit status |
//! | [`spawn`] | the user's environment and command line |
//! | `fdio`, `reaper` | the child's descriptors on the reactor; collecting exit statuses |
//! | [`forward`] | direct-tcpip and tcpip-forward |
//! | [`agent`] | agent forwarding |
//! | [`log`] | every log line, in OpenSSH's words |
//!
//! # Not implemented
//!
//! X11 forwarding (refused), tunnel devices (`tun@openssh.com`, refused), certificates
//! (`TrustedUserCAKeys`, `HostCertificate`), `AuthorizedKeysCommand`/`AuthorizedPrincipals*`,
//! binary KRLs in `RevokedKeys` (they revoke every key), `ChrootDirectory` (sessions are refused),
//! `~/.ssh/rc` and `~/.ssh/environment`, GSSAPI, the PAM motd and other PAM
//! messages shown at login, password changes, utmp/wtmp/lastlog, `-d`'s one-connection debug
//! mode, and inetd mode (`-i`).
#![forbid(unsafe_code)]

pub mod agent;
pub mod auth;
pub mod cli;
mod connection;
pub mod daemon;
mod fdio;
pub mod forward;
pub mod hostkeys;
pub mod listen;
pub mod log;
pub mod options;
pub mod privileged;
mod reaper;
pub mod session;
pub mod spawn;
pub mod sysenv;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use crate::daemon::{Current, Daemon};
use crate::options::{Mode, StartError};

/// oxssh-config's LogLevel as the logger's.
pub fn log_level(l: oxssh_config::values::LogLevel) -> log::LogLevel {
    use oxssh_config::values::LogLevel as C;
    match l {
        C::Quiet => log::LogLevel::Quiet,
        C::Fatal => log::LogLevel::Fatal,
        C::Error => log::LogLevel::Error,
        C::Info => log::LogLevel::Info,
        C::Verbose => log::LogLevel::Verbose,
        C::Debug1 => log::LogLevel::Debug1,
        C::Debug2 => log::LogLevel::Debug2,
        C::Debug3 => log::LogLevel::Debug3,
    }
}

fn print_lines(lines: &[String]) {
    let mut err = std::io::stderr().lock();
    for l in lines {
        let _ = writeln!(err, "{l}");
    }
}

fn fail(e: StartError) -> ExitCode {
    print_lines(&e.messages);
    ExitCode::from(e.status)
}

/// The whole program: flags, configuration, binding, then serving. Returns the exit status.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let flags = match cli::parse(args) {
        Ok(f) => f,
        Err(e) => {
            print_lines(&[e.to_string()]);
            let _ = std::io::stderr().write_all(cli::usage().as_bytes());
            return ExitCode::from(1);
        }
    };
    if flags.version {
        print_lines(&[cli::version_line()]);
        return ExitCode::SUCCESS;
    }
    let debug_level = match flags.debug {
        0 => None,
        1 => Some(log::LogLevel::Debug1),
        2 => Some(log::LogLevel::Debug2),
        _ => Some(log::LogLevel::Debug3),
    };
    // Until the configuration says otherwise, problems go to stderr.
    log::configure(
        debug_level.unwrap_or(log::LogLevel::Info),
        log::Sink::Stderr,
    );
    if flags.test_extended {
        // -T only reads the configuration: no host key is loaded or generated.
        let printed = options::load(&flags)
            .and_then(|loaded| options::dump(&loaded, flags.connection_spec.as_deref()));
        return match printed {
            Ok(text) => {
                let _ = std::io::stdout().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    let daemon = match Daemon::load(&flags, None) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    if flags.test {
        return ExitCode::SUCCESS;
    }
    if let Err(e) = setup_logging(&flags, &daemon, debug_level) {
        return fail(e);
    }
    let bound = match listen::bind_all(&daemon.loaded.options.listen_addresses) {
        Ok(b) => b,
        Err(e) => {
            log::log(log::LogLevel::Fatal, e.messages.join(" "));
            return ExitCode::from(e.status);
        }
    };
    if daemon.loaded.embedded {
        let port = bound.first().map_or(0, |b| b.address.1);
        match &daemon.loaded.mode {
            Mode::SingleUser(me) => {
                let password =
                    daemon.loaded.use_pam && daemon.loaded.options.password_authentication;
                log::single_user_mode(
                    &me.name,
                    port,
                    password,
                    &me.home.join(".ssh/authorized_keys").display().to_string(),
                );
            }
            Mode::Root => log::builtin_defaults(options::DEFAULT_CONFIG, port),
        }
    }
    if !flags.foreground
        && flags.debug == 0
        && let Err(e) = oxssh_sys::fs_checks::daemonize()
    {
        log::log(log::LogLevel::Fatal, format_args!("daemon() failed: {e}"));
        return ExitCode::from(255);
    }
    if flags.debug == 0
        && let Some(pid_file) = &daemon.loaded.options.pid_file
        && let Err(e) = oxssh_sys::fs_checks::write_pid_file(std::path::Path::new(pid_file))
    {
        log::error(format_args!("Couldn't create pid file \"{pid_file}\": {e}"));
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(worker_threads());
    let runtime = match builder.enable_all().thread_name("oxsshd").build() {
        Ok(r) => r,
        Err(e) => {
            log::log(log::LogLevel::Fatal, format_args!("tokio runtime: {e}"));
            return ExitCode::from(255);
        }
    };
    let current = Current::new(daemon);
    runtime.block_on(async move {
        if let Err(e) = reaper::start() {
            log::log(log::LogLevel::Fatal, format_args!("SIGCHLD handler: {e}"));
            return;
        }
        listen::run(current, bound, flags).await;
    });
    // Connections have ended; blocking threads still parked in PAM must not keep us alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    ExitCode::SUCCESS
}

/// Runtime worker threads: half the CPUs (at least one), or `OXSSHD_WORKER_THREADS`.
///
/// Every data packet crosses from the connection's driver task to a session task and back (window
/// credit); on different threads that is a futex wake-up each way. Measured on 2 cores with the
/// client and `cat` on the same machine, one worker moved 512 MiB up in 1.4–1.7 s where two took
/// 2.7–7.7 s (OpenSSH: 2.0–2.7 s): the other CPUs are better left to the user's processes, while
/// many connections still spread over several workers on bigger machines.
fn worker_threads() -> usize {
    if let Some(n) = std::env::var("OXSSHD_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Log destination and level from the flags and LogLevel/SyslogFacility (sshd's rules: `-d`
/// means stderr and DEBUG, `-q` QUIET, `-E` a file, `-e` stderr, otherwise syslog).
fn setup_logging(
    flags: &cli::Flags,
    daemon: &Daemon,
    debug_level: Option<log::LogLevel>,
) -> Result<(), StartError> {
    let o = &daemon.loaded.options;
    let level = if flags.quiet {
        log::LogLevel::Quiet
    } else {
        debug_level.unwrap_or_else(|| log_level(o.log_level))
    };
    let sink = if let Some(path) = &flags.log_file {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                StartError::fatal(format!(
                    "Couldn't open logfile {}: {}",
                    path.display(),
                    oxssh_tokio::connect::error_text(&e)
                ))
            })?;
        log::Sink::File(std::sync::Mutex::new(f))
    } else if flags.log_stderr || flags.debug > 0 {
        log::Sink::Stderr
    } else {
        let facility = o
            .syslog_facility
            .parse()
            .unwrap_or(oxssh_sys::syslog::SyslogFacility::Auth);
        let _ = oxssh_sys::syslog::openlog("oxsshd", facility);
        log::Sink::Syslog
    };
    log::configure(level, sink);
    if flags.debug >= 2 {
        // The libraries' own tracing output, for protocol debugging.
        let max = if flags.debug >= 3 {
            tracing::Level::TRACE
        } else {
            tracing::Level::DEBUG
        };
        let _ = tracing_subscriber::fmt()
            .with_max_level(max)
            .with_writer(std::io::stderr)
            .try_init();
    }
    Ok(())
}
