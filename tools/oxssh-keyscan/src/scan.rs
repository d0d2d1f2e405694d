//! One connection per host and key type: connect, note the server's identification, run the key
//! exchange offering only that type's host key algorithms, and stop at the host key.
//!
//! As in ssh-keyscan.c, the names of a target's addrlist are tried in turn: a name that does not
//! resolve, refuses the connection, closes it before greeting us or times out gives way to the next
//! one (`conrecycle`). Once a server has greeted us, that connection's outcome is final.

use std::io;
use std::time::{Duration, Instant};

use oxssh_proto::{ClientConfig, ClientConnection, Event};
use oxssh_tokio::connect::{self, AddressFamily, ConnectError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::greeting::{Greeting, Tap, is_ssh2};
use crate::messages as msg;
use crate::output::{self, Format, HashFailed};
use crate::targets::Target;
use crate::types::KeyKind;

/// Settings shared by every connection.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `-p`.
    pub port: u16,
    /// `-4` / `-6`.
    pub family: AddressFamily,
    /// `-T`: how long any one step (connecting, the greeting, each key exchange message) may take.
    pub timeout: Duration,
    /// How keys are printed.
    pub format: Format,
    /// `-q`: no comment lines.
    pub quiet: bool,
    /// `-v`: debug lines.
    pub verbose: bool,
}

/// A line of output, for stdout or stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A key (stdout).
    Out(String),
    /// A comment line (stderr, `fprintf`).
    Err(String),
    /// An error or debug line (stderr, through OpenSSH's logger: ends in CR LF).
    Log(String),
}

/// What one connection produced, in the order it happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Output lines.
    pub lines: Vec<Line>,
    /// Whether a key was found.
    pub found: bool,
}

impl Report {
    fn err(&mut self, text: String) {
        self.lines.push(Line::Log(text));
    }

    fn comment(&mut self, text: String) {
        self.lines.push(Line::Err(text));
    }

    fn debug(&mut self, settings: &Settings, text: impl FnOnce() -> String) {
        if settings.verbose {
            self.lines.push(Line::Log(text()));
        }
    }
}

/// How a connection to one name ended.
enum Ended {
    /// The server greeted us: this target and key type are done.
    Done,
    /// No greeting: try the next name of the addrlist.
    NextName,
}

/// Scans `target` for one key type. Fails only when `-H` cannot hash a name.
pub async fn scan(
    settings: &Settings,
    target: &Target,
    kind: KeyKind,
) -> Result<Report, HashFailed> {
    let mut report = Report::default();
    for name in &target.addresses {
        let Some(stream) = open(settings, name, &mut report).await else {
            continue;
        };
        if let Ended::Done = converse(settings, target, kind, name, stream, &mut report).await? {
            break;
        }
    }
    Ok(report)
}

/// Resolves `name` and connects to its addresses in turn.
async fn open(settings: &Settings, name: &str, report: &mut Report) -> Option<TcpStream> {
    let addresses = match connect::resolve(name, settings.port, settings.family).await {
        Ok(a) => a,
        Err(ConnectError::Resolve { reason, .. } | ConnectError::Connect { reason, .. }) => {
            report.err(msg::getaddrinfo(name, &reason));
            return None;
        }
    };
    for address in addresses {
        report.debug(settings, || {
            msg::debug_connecting(name, &address.ip().to_string(), settings.port)
        });
        match tokio::time::timeout(settings.timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Some(stream);
            }
            // ssh-keyscan connects without blocking, so a refusal or a silent host shows up later as
            // a failed read or a timeout, and neither is reported.
            Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {}
            Err(_) => {}
            Ok(Err(e)) => report.err(msg::connect_failed(name, &connect::error_text(&e))),
        }
    }
    None
}

/// Talks to one server: the greeting, then (for the types we implement) the key exchange.
async fn converse(
    settings: &Settings,
    target: &Target,
    kind: KeyKind,
    name: &str,
    stream: TcpStream,
    report: &mut Report,
) -> Result<Ended, HashFailed> {
    let (tap, greeting) = Tap::new(stream);
    let Some(host_key_algorithms) = kind.host_key_algorithms() else {
        report.debug(settings, || msg::debug_type_unsupported(kind.short_name()));
        return Ok(greeting_only(settings, name, tap, greeting, report).await);
    };
    let mut config = ClientConfig::default();
    config.common.algorithms.host_key = host_key_algorithms;
    // Cannot fail: every name comes from the algorithm table. Should it ever, there is nothing to
    // scan for this type, exactly as for a server that lacks it.
    let config = match config.build() {
        Ok(c) => c,
        Err(_) => return Ok(Ended::Done),
    };
    let mut driven = oxssh_tokio::spawn(ClientConnection::new(config, Instant::now()), tap);
    let greeted = tokio::time::timeout(settings.timeout, greeting)
        .await
        .ok()
        .and_then(Result::ok);
    let Some(identification) = note_greeting(settings, name, greeted, report) else {
        driven.task.abort();
        return Ok(Ended::NextName);
    };
    if !is_ssh2(&identification) {
        driven.task.abort();
        return Ok(Ended::Done);
    }
    loop {
        match tokio::time::timeout(settings.timeout, driven.events.recv()).await {
            Ok(Some(Event::HostKey { key })) => {
                driven.handle.reject_host_key();
                for line in output::key_lines(settings.format, &target.output_names, &key)? {
                    report.lines.push(Line::Out(line));
                }
                report.found = true;
                break;
            }
            Ok(Some(Event::Disconnected { description, .. })) => {
                report.debug(settings, || {
                    msg::debug_no_key(name, kind.short_name(), &description)
                });
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                // The connection ended without a host key: usually no common host key algorithm.
                let why = match tokio::time::timeout(settings.timeout, &mut driven.task).await {
                    Ok(Ok(Err(e))) => e.to_string(),
                    _ => "connection closed".to_owned(),
                };
                report.debug(settings, || {
                    msg::debug_no_key(name, kind.short_name(), &why)
                });
                break;
            }
            Err(_) => {
                report.debug(settings, || {
                    msg::debug_no_key(name, kind.short_name(), "timed out")
                });
                break;
            }
        }
    }
    // Let the DISCONNECT go out, but never wait longer than a step may take.
    if tokio::time::timeout(settings.timeout, &mut driven.task)
        .await
        .is_err()
    {
        driven.task.abort();
    }
    Ok(Ended::Done)
}

/// Turns what the tap saw into report lines; the identification if there was one.
fn note_greeting(
    settings: &Settings,
    name: &str,
    greeted: Option<Greeting>,
    report: &mut Report,
) -> Option<String> {
    match greeted {
        Some(Greeting::Line(identification)) => {
            report.debug(settings, || msg::debug_remote_version(&identification));
            if is_ssh2(&identification) {
                if !settings.quiet {
                    report.comment(msg::greeting_comment(
                        settings.format.sshfp,
                        name,
                        settings.port,
                        &identification,
                    ));
                }
            } else {
                report.debug(settings, || msg::debug_not_ssh2(name));
            }
            Some(identification)
        }
        Some(Greeting::Closed) => {
            report.err(msg::closed_by_remote(name));
            None
        }
        Some(Greeting::Failed(reason)) => {
            // A refusal that surfaces on the first read is not reported (congreet's ECONNREFUSED).
            if reason != "Connection refused" {
                report.err(msg::read_failed(name, &reason));
            }
            None
        }
        // The connection ended before reading anything, or the greeting did not come in time.
        None => None,
    }
}

/// For key types oxssh does not implement: send our identification, read the server's, print the
/// comment, and hang up — what OpenSSH does for a server without that key type.
async fn greeting_only(
    settings: &Settings,
    name: &str,
    mut tap: Tap<TcpStream>,
    mut greeting: tokio::sync::oneshot::Receiver<Greeting>,
    report: &mut Report,
) -> Ended {
    let identification = format!("{}\r\n", ClientConfig::default().common.identification());
    let exchange = async {
        tap.write_all(identification.as_bytes()).await?;
        let mut buf = vec![0u8; 4096];
        // Bounded by the timeout below; the tap stops collecting lines over 1 KiB.
        while !tap.has_reported() {
            if tap.read(&mut buf).await? == 0 {
                break;
            }
        }
        Ok::<(), io::Error>(())
    };
    if tokio::time::timeout(settings.timeout, exchange)
        .await
        .is_err()
    {
        return Ended::NextName;
    }
    match note_greeting(settings, name, greeting.try_recv().ok(), report) {
        Some(_) => Ended::Done,
        None => Ended::NextName,
    }
}
