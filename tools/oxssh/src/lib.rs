//! oxssh: the client, a drop-in replacement for OpenSSH's `ssh`.
//!
//! `oxssh [options] [user@]host [command ...]` reads the command line ([`args`]) and ssh_config
//! ([`config`], through oxssh-config), connects (TCP, `ProxyCommand` or `ProxyJump`,
//! [`connect`]/[`proxy`]), checks the host key against known_hosts with trust on first use
//! ([`host_key_check`]), authenticates with agent keys, identity files, keyboard-interactive and
//! passwords ([`auth`]), and runs a login shell on a pty or a command ([`session`]), returning the
//! remote exit status. Every word it shows is OpenSSH 9.2's, kept in [`messages`]; every failure is
//! one clear line and exit status 255, and the terminal is restored on every way out ([`tty`]).
//!
//! # Compared with OpenSSH 9.2
//!
//! Tests run OpenSSH's own client in the same scenarios and compare what it prints (the first
//! contact prompt, the changed-key warning, argument and configuration errors, `-G`). Where oxssh
//! knowingly differs:
//!
//! - **Program name**: OpenSSH prefixes some lines with `ssh: ` (hard-coded in the connect error,
//!   its invoked name elsewhere); oxssh prints the name it was invoked as everywhere, so installed
//!   as `ssh` it prints exactly OpenSSH's words.
//! - **`~`** is `$HOME` when set (OpenSSH always uses the passwd home directory).
//! - **ProxyJump** hops are connections inside the same process rather than `ssh -W` children; the
//!   words printed when a hop fails are the same.
//! - **`-f`** starts a copy of the program instead of forking after authentication ([`background`]).
//! - **Not implemented**, refused with a clear line: `-w` tunnels, `-O` multiplexing commands, `-y`
//!   syslog, `BindAddress`/`BindInterface`, Unix-domain socket forwarding. Accepted and ignored:
//!   `ControlMaster`/`ControlPath` (every connection is direct), X11 forwarding (a line when `DISPLAY` is set),
//!   `AddKeysToAgent ask`, certificates, GSSAPI and hostbased authentication, `UpdateHostKeys`,
//!   `TCPKeepAlive` (no SO_KEEPALIVE; `ServerAliveInterval` works), `IPQoS`.
//! - **Escapes**: `~&` (background) is not available and not listed in `~?`.
#![forbid(unsafe_code)]

pub mod agent_client;
pub mod args;
pub mod auth;
pub mod background;
pub mod config;
pub mod connect;
pub mod escape;
pub mod forward;
pub mod host_key_check;
pub mod identity;
pub mod log;
pub mod messages;
pub mod proxy;
pub mod session;
pub mod socks;
pub mod stdio;
pub mod tty;

use std::ffi::OsString;
use std::io::Write;

use oxssh_config::client::{ClientOptions, ForwardAgent, RequestTty, SessionType};
use oxssh_config::values::LogLevel;

use crate::args::Parsed;
use crate::connect::Shared;

/// "Stop now with this exit status"; whatever there was to say has been printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub i32);

/// The program name as invoked (its last path component), used where OpenSSH prints `ssh: `.
fn program_name(argv0: Option<&OsString>) -> String {
    argv0
        .map(std::path::Path::new)
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "ssh".to_owned())
}

/// ssh.c's decision about a pty: `-t`/`RequestTTY`, a command, `-N`, and whether stdin is a
/// terminal (which is only overridden by `-tt`/`force`). Returns (want a pty, a pty is required).
fn tty_decision(o: &ClientOptions, have_command: bool, stdin_is_tty: bool) -> (bool, bool) {
    let mut tty = matches!(o.request_tty, RequestTty::Yes | RequestTty::Force);
    if !have_command {
        tty = o.request_tty != RequestTty::No;
    }
    if o.request_tty == RequestTty::No || o.session_type == SessionType::None {
        tty = false;
    }
    if (!stdin_is_tty || o.stdin_null) && o.request_tty != RequestTty::Force {
        if tty {
            log::info(messages::NO_PTY_STDIN_NOT_TERMINAL);
        }
        tty = false;
    }
    let required = matches!(o.request_tty, RequestTty::Yes | RequestTty::Force);
    (tty, required)
}

/// `SendEnv` patterns matched against our environment, then `SetEnv` (clientloop.c
/// `client_session2_setup`).
fn session_env(o: &ClientOptions) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let patterns: Vec<&str> = o
        .send_env
        .iter()
        .flat_map(|p| p.split_whitespace())
        .filter(|p| !p.starts_with('-'))
        .collect();
    if !patterns.is_empty() {
        for (name, value) in std::env::vars() {
            if patterns
                .iter()
                .any(|p| oxssh_keys::pattern::match_pattern(&name, p))
            {
                out.push((name, value));
            }
        }
    }
    out.extend(o.set_env.iter().cloned());
    out
}

/// `PermitLocalCommand`/`LocalCommand`: runs the command here once connected (sshconnect.c
/// `ssh_local_cmd`), with its %-tokens expanded, and waits for it.
fn run_local_command(o: &ClientOptions, shared: &Shared) {
    let (true, Some(cmd)) = (o.permit_local_command, o.local_command.as_deref()) else {
        return;
    };
    let Ok(expanded) = o.expand("localcommand", cmd, &shared.env) else {
        return;
    };
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned());
    log::debug3(&format!("Executing {shell} -c \"{expanded}\""));
    if let Err(e) = std::process::Command::new(&shell)
        .arg("-c")
        .arg(&expanded)
        .status()
    {
        log::error(&format!(
            "Couldn't execute {shell} -c \"{expanded}\": {}",
            oxssh_tokio::connect::error_text(&e)
        ));
    }
}

/// Runs the client with `argv` (program name first) and returns the exit status.
pub fn run(argv: Vec<OsString>) -> i32 {
    tty::install_panic_hook();
    let prog = program_name(argv.first());
    let original_argv = argv.clone();
    let mut env = match config::SysEnvironment::new() {
        Ok(e) => e,
        Err(uid) => {
            eprintln!("{}\r", messages::no_user_for_uid(uid));
            return 255;
        }
    };
    let known = config::known_names();
    let args = match args::parse(argv.into_iter().skip(1).collect(), &env, &known) {
        Parsed::Run(a) => a,
        Parsed::Exit { lines, status } => {
            let mut err = std::io::stderr().lock();
            for l in lines {
                let _ = writeln!(err, "{l}");
            }
            return status;
        }
        Parsed::Query(text) => {
            println!("{text}");
            return 0;
        }
    };
    log::set_level(if args.quiet {
        LogLevel::Quiet
    } else {
        match args.verbosity {
            0 => LogLevel::Info,
            1 => LogLevel::Debug1,
            2 => LogLevel::Debug2,
            _ => LogLevel::Debug3,
        }
    });
    if let Some(path) = &args.log_file {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
        {
            Ok(f) => log::redirect(f),
            Err(e) => {
                eprintln!(
                    "Couldn't open logfile {path}: {}",
                    oxssh_tokio::connect::error_text(&e)
                );
                return 1;
            }
        }
    }
    if args.verbosity > 0 {
        log::info(&messages::version());
    }
    let algorithms = config::algorithms();
    let request = config::Request {
        host: &args.host,
        options: &args.options,
        forwards: &args.forwards,
        config_file: args.config_file.as_deref(),
        stdio_forward: args.stdio_forward.is_some(),
    };
    let resolved = match config::resolve(&request, &mut env, &algorithms) {
        Ok(r) => r,
        Err(e) => return e.0,
    };
    let o = resolved.options().clone();
    log::set_level(o.log_level);

    let remote_command = o.remote_command.clone().filter(|c| !c.is_empty());
    if args.command.is_some() && remote_command.is_some() {
        log::fatal(messages::COMMAND_AND_REMOTE_COMMAND);
        return 255;
    }
    let command = args
        .command
        .clone()
        .or_else(|| remote_command.map(String::into_bytes));
    if o.fork_after_authentication && command.is_none() && o.session_type != SessionType::None {
        log::fatal(messages::FORK_WITHOUT_COMMAND);
        return 255;
    }
    if o.fork_after_authentication && !args.dump_config && !background::is_child() {
        return background::run_parent(&original_argv);
    }
    let (want_tty, tty_required) = tty_decision(&o, command.is_some(), tty::stdin_is_tty());

    if args.dump_config {
        print!("{}", resolved.dump());
        let _ = std::io::stdout().flush();
        return 0;
    }

    // Features this version does not have: said plainly rather than silently ignored.
    let refuse = |what: &str| {
        log::fatal(&messages::not_supported(what));
        255
    };
    if o.bind_address.is_some() || !resolved.values("bindinterface").is_empty() {
        return refuse("BindAddress/BindInterface (-b, -B)");
    }
    if o.forward_x11 && std::env::var_os("DISPLAY").is_some() {
        log::error(&messages::not_supported("X11 forwarding"));
    }
    let agent = match &o.forward_agent {
        ForwardAgent::No => None,
        ForwardAgent::Yes => agent_client::socket_path(None),
        ForwardAgent::Socket(p) => agent_client::socket_path(Some(p)),
    };
    let escape = o.escape_char;
    let spec = session::Spec {
        gateway_ports: o.gateway_ports,
        command: command.clone(),
        subsystem: o.session_type == SessionType::Subsystem,
        tty: want_tty,
        tty_required,
        escape: if want_tty { escape } else { None },
        command_line: o.enable_escape_commandline,
        env: session_env(&o),
        stdin_null: o.stdin_null,
        agent,
        keepalive: (!o.server_alive_interval.is_zero())
            .then_some((o.server_alive_interval, o.server_alive_count_max)),
        no_session: o.session_type == SessionType::None,
    };
    let shared = Shared {
        prog,
        env,
        algorithms,
        config_file: args.config_file.clone(),
        user_identity_files: args.identity_files.clone(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            log::fatal(&format!("tokio runtime: {e}"));
            return 255;
        }
    };
    let stdio_forward = args.stdio_forward.clone();
    let status = runtime.block_on(async move {
        let early_signals = tokio::spawn(tty::exit_on_signals());
        let mut hops = Vec::new();
        let conn = match connect::establish(&o, &shared, &mut hops).await {
            Ok(c) => c,
            Err(e) => return e.0,
        };
        let mut spec = spec;
        let any_forward = !o.local_forwards.is_empty()
            || !o.remote_forwards.is_empty()
            || !o.dynamic_forwards.is_empty();
        let mut settings = forward::Settings {
            local: &o.local_forwards,
            remote: &o.remote_forwards,
            dynamic: &o.dynamic_forwards,
            gateway_ports: o.gateway_ports,
            exit_on_failure: o.exit_on_forward_failure,
        };
        if !conn.trusted {
            // sshconnect.c: an accepted changed key allows nothing a man in the middle could use.
            if spec.agent.take().is_some() {
                log::error(messages::AGENT_FORWARDING_DISABLED_MITM);
            }
            if any_forward {
                log::error(messages::PORT_FORWARDING_DISABLED_MITM);
                settings.local = &[];
                settings.remote = &[];
                settings.dynamic = &[];
            }
            if o.exit_on_forward_failure && any_forward {
                log::fatal(messages::FORWARDING_DISABLED_HOST_KEY);
                return 255;
            }
        }
        let forwards = match forward::Active::start(&conn.handle, &settings).await {
            Ok(f) => f,
            Err(e) => return e.0,
        };
        run_local_command(&o, &shared);
        if o.fork_after_authentication && background::is_child() {
            background::detach();
        }
        for mut hop in hops {
            tokio::spawn(async move {
                while let Some(event) = hop.events.recv().await {
                    hop.background(event);
                }
            });
        }
        // From here the session decides what a signal means (clientloop.c traps them).
        early_signals.abort();
        match stdio_forward {
            Some(f) => forward::stdio(conn, &f.host, f.port).await,
            None => session::run(conn, spec, forwards).await,
        }
    });
    tty::restore();
    // The runtime may hold a thread blocked on stdin; the process ends without waiting for it.
    std::mem::forget(runtime);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_name_is_the_last_path_component() {
        assert_eq!(program_name(Some(&OsString::from("/usr/bin/ssh"))), "ssh");
        assert_eq!(program_name(Some(&OsString::from("oxssh"))), "oxssh");
        assert_eq!(program_name(None), "ssh");
    }
}
