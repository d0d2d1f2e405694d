//! Starting the agent as ssh-agent does: create the socket first (so it exists before anyone is
//! told about it), then either stay in the foreground (`-d`, `-D`) or leave a background agent
//! behind and print the shell commands that point `SSH_AUTH_SOCK` and `SSH_AGENT_PID` at it, or
//! run the given command with those variables set.
//!
//! OpenSSH forks. A Rust program with no `unsafe` cannot fork, and forking a process that may
//! already have threads is unsound anyway, so the background agent is this program started again
//! with [`CHILD_FLAG`], handed the already-listening socket as its standard input. The parent
//! then prints the child's pid, or `exec`s the command (keeping its own pid, which the child
//! watches to know when the command has exited) — the same arrangement of processes as OpenSSH's.

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use oxssh_keys::FingerprintHash;

use crate::cli::Options;
use crate::server::{self, Settings};
use crate::socket::{self, SocketPaths, strerror};
use crate::{log, messages};

/// The first argument that makes this program the background half of an agent. Not for users.
pub const CHILD_FLAG: &str = "--oxssh-agent-background";

/// Runs `ssh-agent` with parsed options; returns the exit status (when it returns at all: running
/// a command replaces this process).
pub fn start(options: &Options, program: &OsString) -> i32 {
    let shell = std::env::var("SHELL").ok();
    let csh = options.csh(shell.as_deref());
    if options.kill {
        return kill(csh);
    }
    let pid = std::process::id();
    let (listener, paths) = match socket::create(options.socket.as_deref(), pid) {
        Ok(made) => made,
        Err(line) => {
            eprint!("{line}\r\n");
            return 1;
        }
    };
    let socket_text = paths.socket.display().to_string();
    if options.debug || options.foreground {
        print_flush(&messages::started(csh, &socket_text, None, pid));
        log::init(log::Sink::Stderr {
            debug: options.debug,
        });
        let settings = Settings {
            lifetime: options.lifetime,
            hash: options.hash,
            foreground: true,
            watch_parent: None,
        };
        return server::run(listener, paths, settings);
    }
    let watch = if options.command.is_empty() { 0 } else { pid };
    let child = match spawn_background(program, listener, &paths, watch, options) {
        Ok(child_pid) => child_pid,
        Err(e) => {
            eprintln!("{}", messages::fork_failed(&strerror(&e)));
            paths.remove();
            return 1;
        }
    };
    let Some((command, args)) = options.command.split_first() else {
        print_flush(&messages::started(csh, &socket_text, Some(child), child));
        return 0;
    };
    let e = Command::new(command)
        .args(args)
        .env(messages::AUTH_SOCK, &paths.socket)
        .env(messages::AGENT_PID, child.to_string())
        .exec();
    eprintln!(
        "{}",
        messages::exec_failed(&command.to_string_lossy(), &strerror(&e))
    );
    1
}

fn print_flush(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Starts the background agent with the listening socket as its standard input; returns its pid.
fn spawn_background(
    program: &OsString,
    listener: UnixListener,
    paths: &SocketPaths,
    watch: u32,
    options: &Options,
) -> std::io::Result<u32> {
    let exe = std::env::current_exe()?;
    let dir = paths
        .dir
        .as_ref()
        .map(|d| d.as_os_str().to_owned())
        .unwrap_or_default();
    let child = Command::new(exe)
        .arg0(program)
        .arg(CHILD_FLAG)
        .arg(&paths.socket)
        .arg(dir)
        .arg(watch.to_string())
        .arg(options.lifetime.to_string())
        .arg(options.hash.display_name())
        .stdin(Stdio::from(OwnedFd::from(listener)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Not waited for: the agent outlives this process (or is reaped by the command's shell).
    Ok(child.id())
}

/// The background agent's entry: `CHILD_FLAG SOCKET DIR WATCH_PID LIFETIME HASH`.
pub fn background(args: &[OsString]) -> i32 {
    let [socket, dir, watch, lifetime, hash] = args else {
        eprintln!("{}", messages::NO_INHERITED_SOCKET);
        return 1;
    };
    log::init(log::Sink::Syslog);
    let paths = SocketPaths {
        socket: PathBuf::from(socket),
        dir: (!dir.is_empty()).then(|| PathBuf::from(dir)),
    };
    // The listening socket arrives as standard input; standard input then becomes /dev/null.
    let listener = match std::io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => UnixListener::from(fd),
        Err(_) => {
            log::error(messages::NO_INHERITED_SOCKET);
            return 1;
        }
    };
    if listener.local_addr().is_err() {
        log::error(messages::NO_INHERITED_SOCKET);
        return 1;
    }
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = rustix::stdio::dup2_stdin(&null);
    }
    // Away from the terminal's session (its hangup is not for us) and from any mounted directory.
    if let Err(e) = rustix::process::setsid() {
        log::error(&messages::setsid_failed(&e.to_string()));
        paths.remove();
        return 1;
    }
    let _ = std::env::set_current_dir("/");
    // Memory holds unencrypted private keys: no core dumps (ssh-agent.c does this after forking).
    if let Err(e) = oxssh_sys::process::disable_core_dumps() {
        log::error(&e.to_string());
        paths.remove();
        return 1;
    }
    let watch: i32 = watch.to_string_lossy().parse().unwrap_or(0);
    let settings = Settings {
        lifetime: lifetime.to_string_lossy().parse().unwrap_or(0),
        hash: FingerprintHash::from_name(&hash.to_string_lossy()).unwrap_or_default(),
        foreground: false,
        watch_parent: (watch > 0).then_some(watch),
    };
    server::run(listener, paths, settings)
}

/// OpenSSH's `strtonum(s, min, max)`: the value, or "invalid", "too small", "too large".
fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, &'static str> {
    let t = s.trim_start();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(messages::strtonum::INVALID);
    }
    match t.parse::<i64>() {
        Ok(v) if v < min => Err(messages::strtonum::TOO_SMALL),
        Ok(v) if v > max => Err(messages::strtonum::TOO_LARGE),
        Ok(v) => Ok(v),
        Err(_) if t.starts_with('-') => Err(messages::strtonum::TOO_SMALL),
        Err(_) => Err(messages::strtonum::TOO_LARGE),
    }
}

/// `-k`: SIGTERM to the agent named by `SSH_AGENT_PID`, then the shell commands that forget it.
fn kill(csh: bool) -> i32 {
    let Some(value) = std::env::var_os(messages::AGENT_PID) else {
        eprintln!("{}", messages::KILL_NO_PID);
        return 1;
    };
    let value = value.to_string_lossy().into_owned();
    let pid = match strtonum(&value, 2, i64::from(i32::MAX)) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("{}", messages::kill_bad_pid(&value, why));
            return 1;
        }
    };
    let raw = i32::try_from(pid).unwrap_or(i32::MAX);
    let target = rustix::process::Pid::from_raw(raw);
    let sent = match target {
        Some(p) => rustix::process::kill_process(p, rustix::process::Signal::TERM),
        None => Err(rustix::io::Errno::SRCH),
    };
    if let Err(e) = sent {
        eprintln!(
            "{}",
            messages::kill_failed(&strerror(&std::io::Error::from(e)))
        );
        return 1;
    }
    print_flush(&messages::killed(csh, raw));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtonum_matches_openssh() {
        assert_eq!(strtonum("1234", 2, 100_000), Ok(1234));
        assert_eq!(strtonum("abc", 2, 10), Err("invalid"));
        assert_eq!(strtonum("12x", 2, 100), Err("invalid"));
        assert_eq!(strtonum("", 2, 10), Err("invalid"));
        assert_eq!(strtonum("1", 2, 10), Err("too small"));
        assert_eq!(strtonum("-5", 2, 10), Err("too small"));
        assert_eq!(strtonum("99999999999999999999", 2, 10), Err("too large"));
    }
}
