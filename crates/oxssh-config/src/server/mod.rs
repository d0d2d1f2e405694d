//! sshd_config(5): the global configuration at startup, and the effective configuration for a
//! connection once `Match` blocks are applied.
//!
//! [`ServerConfig::load`] reads the file (and its includes) once, checks every line as sshd does at
//! startup, and keeps the text. [`ServerConfig::for_connection`] re-processes that text for one
//! connection and overlays what matching `Match` blocks set, as sshd's `parse_server_match_config`
//! and `copy_set_server_options` do. Both give `sshd -T` output.

mod dump;
mod options;
mod read;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use options::{
    AccessDenied, AllowForwarding, GatewayPorts, MaxStartups, PermitRootLogin,
    PermitUserEnvironment, ServerOptions, Subsystem,
};

use crate::algorithms::Algorithms;
use crate::defaults;
use crate::env::Environment;
use crate::error::{ConfigError, Diagnostic, ErrorKind, Report, Severity};
use crate::keywords::{Scope, server_keywords};
use crate::parse::Side;
use crate::parse::server::derelativise;
use crate::source::{FileCache, Loaded};
use crate::store::{ListenAddress, Settings, Value};
use read::{Flags, Reader, Stop};

/// What to load.
#[derive(Debug, Clone)]
pub struct ServerRequest<'a> {
    /// The configuration file (`-f`; usually `/etc/ssh/sshd_config`).
    pub config_file: PathBuf,
    /// `-o` options in command-line order.
    pub options: &'a [String],
    /// `-p` ports; when given, `Port` lines in the file are ignored.
    pub ports: &'a [u16],
    /// `-h` host key files (they come before any in the file).
    pub host_keys: &'a [String],
    /// Where relative `Include`s are looked for (OpenSSH's `/etc/ssh`).
    pub config_dir: PathBuf,
    /// The algorithms the daemon implements, and its defaults.
    pub algorithms: &'a Algorithms,
}

impl<'a> ServerRequest<'a> {
    /// A request for `config_file` with no command-line options.
    pub fn new(config_file: impl Into<PathBuf>, algorithms: &'a Algorithms) -> Self {
        ServerRequest {
            config_file: config_file.into(),
            options: &[],
            ports: &[],
            host_keys: &[],
            config_dir: PathBuf::from("/etc/ssh"),
            algorithms,
        }
    }
}

/// What is known about a connection when `Match` blocks are evaluated (servconf.h
/// `connection_info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The user name the client asked for.
    pub user: Option<String>,
    /// The client's host name (its address unless UseDNS).
    pub host: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// The address the connection arrived on.
    pub local_address: Option<String>,
    /// The port the connection arrived on.
    pub local_port: Option<u16>,
    /// The routing domain.
    pub rdomain: Option<String>,
    /// Test mode (`sshd -T -C`): criteria whose field is missing simply do not match; outside test
    /// mode a missing field is an error.
    pub test: bool,
}

impl ConnectionInfo {
    /// Parses an `sshd -C` spec: `user=...,host=...,addr=...,laddr=...,lport=...,rdomain=...`
    /// (servconf.c `parse_server_match_testspec`). The error is the line sshd prints.
    pub fn from_test_spec(spec: &str, env: &dyn Environment) -> Result<Self, String> {
        let mut ci = ConnectionInfo {
            test: true,
            ..Default::default()
        };
        for p in spec.split(',') {
            if p.is_empty() {
                break;
            }
            if let Some(v) = p.strip_prefix("addr=") {
                ci.address = Some(v.to_owned());
            } else if let Some(v) = p.strip_prefix("host=") {
                ci.host = Some(v.to_owned());
            } else if let Some(v) = p.strip_prefix("user=") {
                ci.user = Some(v.to_owned());
            } else if let Some(v) = p.strip_prefix("laddr=") {
                ci.local_address = Some(v.to_owned());
            } else if let Some(v) = p.strip_prefix("rdomain=") {
                ci.rdomain = Some(v.to_owned());
            } else if let Some(v) = p.strip_prefix("lport=") {
                match crate::values::a2port(v, env) {
                    Some(port) => ci.local_port = Some(port),
                    None => {
                        return Err(format!("Invalid port '{v}' in test mode specification {p}"));
                    }
                }
            } else {
                return Err(format!("Invalid test mode specification {p}"));
            }
        }
        Ok(ci)
    }
}

/// The server configuration as loaded at startup.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    algorithms: Algorithms,
    cache: FileCache,
    config_text: String,
    config_dir: String,
    ports_from_cmdline: bool,
    raw: Settings,
    effective: Resolved,
}

/// Configuration resolved for the daemon or for one connection.
#[derive(Debug, Clone)]
pub struct Resolved {
    options: ServerOptions,
    settings: Settings,
    diagnostics: Vec<Diagnostic>,
}

impl Resolved {
    /// The typed options.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// Warnings to log ("Deprecated option", "Unsupported option").
    pub fn warnings(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect()
    }

    /// The `sshd -T` output.
    pub fn dump(&self) -> String {
        dump::dump(&self.settings, &self.options)
    }

    /// The values `sshd -T` prints for one keyword (any spelling), one entry per output line.
    pub fn values(&self, keyword: &str) -> Vec<String> {
        let Some((_, kw)) = crate::keywords::lookup(self.settings.table(), keyword) else {
            return Vec::new();
        };
        let prefix = format!("{} ", kw.name);
        self.dump()
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .collect()
    }
}

impl ServerConfig {
    /// Reads and checks the configuration, as sshd does at startup.
    pub fn load(
        request: &ServerRequest<'_>,
        env: &mut dyn Environment,
    ) -> Result<ServerConfig, ConfigError> {
        let name = request.config_file.to_string_lossy().into_owned();
        let mut cache = FileCache::new(true);
        let text = match cache.load(&request.config_file) {
            Loaded::Text(t) => t.to_string(),
            Loaded::Missing => {
                return Err(ConfigError::fatal(format!(
                    "{name}: No such file or directory"
                )));
            }
            Loaded::Error(e) => return Err(ConfigError::fatal(format!("{name}: {e}"))),
        };
        Self::load_from(request, env, cache, name, text)
    }

    /// Like [`ServerConfig::load`] but with the main file's text given; `Include`s are read from
    /// disk when `disk`, otherwise only from `files`.
    pub(crate) fn load_from(
        request: &ServerRequest<'_>,
        env: &mut dyn Environment,
        mut cache: FileCache,
        name: String,
        text: String,
    ) -> Result<ServerConfig, ConfigError> {
        let algorithms = request.algorithms.clone().with_gssapi_defaults();
        let config_dir = request
            .config_dir
            .to_string_lossy()
            .trim_end_matches('/')
            .to_owned();
        let mut settings = Settings::new(server_keywords());
        if !request.ports.is_empty() {
            let ports = request.ports.iter().map(u16::to_string).collect();
            settings.put("port", Some(Value::List(ports)));
        }
        let mut report = Report::default();
        let host_keys: Result<Vec<String>, String> = request
            .host_keys
            .iter()
            .map(|k| derelativise(k, &*env))
            .collect();
        match host_keys {
            Ok(k) if !k.is_empty() => settings.put("hostkey", Some(Value::List(k))),
            Ok(_) => {}
            Err(e) => return Err(ConfigError::fatal(e)),
        }
        let result = {
            let mut r = Reader {
                env: &mut *env,
                algorithms: &algorithms,
                settings,
                report,
                cache: &mut cache,
                config_dir: config_dir.clone(),
                conn: None,
                ports_from_cmdline: !request.ports.is_empty(),
            };
            let mut outcome = Ok(());
            for o in request.options {
                match r.command_line(o) {
                    Ok(true) => {}
                    Ok(false) => {
                        outcome = Err(Stop(ErrorKind::BadOptions { count: 1 }));
                        break;
                    }
                    Err(s) => {
                        outcome = Err(s);
                        break;
                    }
                }
            }
            if outcome.is_ok() {
                let mut active = true;
                outcome = r.read_text(&name, &text, &mut Flags::default(), &mut active, 0);
            }
            report = r.report;
            settings = r.settings;
            outcome
        };
        if let Err(Stop(kind)) = result {
            return Err(report.into_error(kind));
        }
        let raw = settings.clone();
        let effective = finish(settings, report.diagnostics, env, &algorithms)?;
        Ok(ServerConfig {
            algorithms,
            cache,
            config_text: text,
            config_dir,
            ports_from_cmdline: !request.ports.is_empty(),
            raw,
            effective,
        })
    }

    /// The global configuration (no Match block applied), with defaults.
    pub fn global(&self) -> &Resolved {
        &self.effective
    }

    /// What `sshd -T [-C spec]` prints and reports: sshd always runs the Match pass in test mode,
    /// with an empty connection (nothing matches but `Match all`) when no `-C` was given.
    pub fn test_mode(
        &self,
        conn: Option<&ConnectionInfo>,
        env: &mut dyn Environment,
    ) -> Result<Resolved, ConfigError> {
        let empty = ConnectionInfo {
            test: true,
            ..Default::default()
        };
        let mut ci = conn.cloned().unwrap_or(empty);
        ci.test = true;
        self.for_connection(&ci, env)
    }

    /// The effective configuration for a connection: the global values overridden by what matching
    /// `Match` blocks set.
    pub fn for_connection(
        &self,
        conn: &ConnectionInfo,
        env: &mut dyn Environment,
    ) -> Result<Resolved, ConfigError> {
        let mut cache = self.cache.clone();
        let mut r = Reader {
            env: &mut *env,
            algorithms: &self.algorithms,
            settings: Settings::new(server_keywords()),
            report: Report::default(),
            cache: &mut cache,
            config_dir: self.config_dir.clone(),
            conn: Some(conn),
            ports_from_cmdline: self.ports_from_cmdline,
        };
        let mut active = false;
        let mut flags = Flags {
            never_match: false,
            match_only: true,
        };
        // sshd names the re-read main file "reprocess config" in its messages.
        if let Err(Stop(kind)) = r.read_text(
            "reprocess config",
            &self.config_text,
            &mut flags,
            &mut active,
            0,
        ) {
            return Err(r.report.into_error(kind));
        }
        let matched = r.settings;
        let report = r.report;
        let mut merged = self.raw.clone();
        merged.overlay(&matched, |k| k.scope == Scope::Match);
        // ForceCommand and ChrootDirectory "none" in a Match block clear a global value.
        for name in ["forcecommand", "chrootdirectory"] {
            if matches!(merged.get(name), Some(Value::Text(t)) if t.eq_ignore_ascii_case("none")) {
                merged.put(name, None);
            }
        }
        let mut diagnostics = self.effective.diagnostics.clone();
        diagnostics.extend(report.diagnostics);
        finish(merged, diagnostics, env, &self.algorithms)
    }
}

/// servconf.c `fill_default_server_options` and `process_queued_listen_addrs`.
fn finish(
    mut s: Settings,
    diagnostics: Vec<Diagnostic>,
    env: &dyn Environment,
    algorithms: &Algorithms,
) -> Result<Resolved, ConfigError> {
    let fail = |diagnostics: Vec<Diagnostic>, msg: String| {
        let mut report = Report { diagnostics };
        report.push(Severity::Fatal, msg);
        report.into_error(ErrorKind::Fatal)
    };
    if !s.is_set("port") {
        s.put("port", Some(Value::List(vec!["22".to_owned()])));
    }
    if !s.is_set("hostkey") {
        let keys = ["rsa", "ecdsa", "ed25519"]
            .iter()
            .map(|t| format!("/etc/ssh/ssh_host_{t}_key"))
            .collect();
        s.put("hostkey", Some(Value::List(keys)));
    }
    if let Err(e) = defaults::fill(&mut s, Side::Server, env, algorithms) {
        return Err(fail(diagnostics, e));
    }
    if let Err(field) = defaults::assemble_algorithms(&mut s, algorithms) {
        return Err(fail(
            diagnostics,
            format!("assemble_algorithms: {field}: invalid argument"),
        ));
    }
    let listen = match listen_addresses(&s) {
        Ok(l) => l,
        Err(e) => return Err(fail(diagnostics, e)),
    };
    let options = ServerOptions::from_settings(&s, listen);
    Ok(Resolved {
        options,
        settings: s,
        diagnostics,
    })
}

/// The addresses sshd listens on, in `sshd -T` order: each ListenAddress (over every Port when it
/// has none), or the wildcard addresses of the address family for every Port.
fn listen_addresses(s: &Settings) -> Result<Vec<(String, u16)>, String> {
    let ports: Vec<u16> = match s.get("port") {
        Some(Value::List(p)) => p.iter().filter_map(|p| p.parse().ok()).collect(),
        _ => vec![22],
    };
    let family = match s.get("addressfamily") {
        Some(Value::Word(w)) => *w,
        _ => "any",
    };
    let normal = |h: &str| match h.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => h.to_owned(),
    };
    let mut out = Vec::new();
    match s.get("listenaddress") {
        Some(Value::Listen(addrs)) if !addrs.is_empty() => {
            for ListenAddress { host, port, .. } in addrs {
                // getaddrinfo with the configured family refuses literals of the other family.
                let wrong = match host.parse::<IpAddr>() {
                    Ok(IpAddr::V4(_)) => family == "inet6",
                    Ok(IpAddr::V6(_)) => family == "inet",
                    Err(_) => false,
                };
                if wrong {
                    return Err(format!(
                        "bad addr or host: {host} (Address family for hostname not supported)"
                    ));
                }
                match port {
                    Some(p) => out.push((normal(host), *p)),
                    None => out.extend(ports.iter().map(|p| (normal(host), *p))),
                }
            }
        }
        _ => {
            for p in ports {
                // getaddrinfo(NULL, AI_PASSIVE) gives IPv4 first; sshd prints the list reversed.
                if family != "inet" {
                    out.push(("::".to_owned(), p));
                }
                if family != "inet6" {
                    out.push(("0.0.0.0".to_owned(), p));
                }
            }
        }
    }
    Ok(out)
}

/// Reads a configuration from text (fuzzing): includes resolve only among `files`.
pub(crate) fn load_text(
    text: &str,
    files: &[(PathBuf, String)],
    algorithms: &Algorithms,
    env: &mut dyn Environment,
) -> Result<ServerConfig, ConfigError> {
    let mut cache = FileCache::new(false);
    for (p, t) in files {
        cache.insert(p, t);
    }
    let request = ServerRequest::new(Path::new("sshd_config"), algorithms);
    ServerConfig::load_from(
        &request,
        env,
        cache,
        "sshd_config".to_owned(),
        text.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_options_only_read_keywords_the_table_has() {
        let a = crate::fuzzing::algorithms();
        let mut env = crate::env::FixedEnvironment::new("root", "/root");
        let c = load_text("Match all\n  MaxSessions 3\n", &[], &a, &mut env).unwrap();
        let r = c.test_mode(None, &mut env).unwrap();
        assert_eq!(r.options().max_sessions, 3);
        let _ = r.dump();
        assert_eq!(crate::store::unknown_lookups(), Vec::<String>::new());
    }
}
