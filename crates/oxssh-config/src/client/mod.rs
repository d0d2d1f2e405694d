//! ssh_config(5): resolving the client configuration for one destination, as ssh.c `main` does
//! up to `ssh -G`.
//!
//! Order of sources: `-o` options, then `~/.ssh/config`, then `/etc/ssh/ssh_config` (or the one
//! `-F` file); the first value obtained for a keyword wins. If a `Match final` appeared, or
//! `CanonicalizeHostname` is on, the files are read a second time with the final host name.
//! Host-name canonicalisation through DNS is the caller's business: the library resolves no names
//! (the host is only lower-cased, as ssh does before canonicalising).

mod dump;
mod options;
mod read;

use std::net::IpAddr;
use std::path::PathBuf;

pub use options::{
    AddKeysToAgent, ClientOptions, ControlMaster, ControlPersist, ForwardAgent,
    PubkeyAuthentication, RequestTty, SessionType, StrictHostKeyChecking, UpdateHostKeys,
};

use crate::algorithms::Algorithms;
use crate::defaults;
use crate::env::Environment;
use crate::error::{ConfigError, Diagnostic, ErrorKind, Severity};
use crate::forward::Forward;
use crate::parse::Side;
use crate::store::{Settings, Value};
use crate::tokens::{self, ClientTokens};
use read::{FileResult, Flags, Reader, Stop};

pub(crate) use dump::scalar as dump_scalar;

/// Which configuration files to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFiles {
    /// The user's file (must not be writable by others) then the system-wide file; either may be
    /// missing.
    Default {
        /// Usually `~/.ssh/config`.
        user: PathBuf,
        /// Usually `/etc/ssh/ssh_config`.
        system: PathBuf,
    },
    /// `-F file`: only this file, which must exist (`-F none` reads nothing).
    Explicit(PathBuf),
}

/// What to resolve.
#[derive(Debug, Clone)]
pub struct ClientRequest<'a> {
    /// The destination host as given on the command line (after splitting off `user@`).
    pub host: &'a str,
    /// `-o` options in command-line order, each as a config line (`Port=2222`).
    pub options: &'a [String],
    /// Forwardings from `-L`, `-R` and `-D` (they come before any from the files).
    pub forwards: &'a [CommandLineForward],
    /// The files to read.
    pub files: ConfigFiles,
    /// Where relative `Include`s of system files are looked for (OpenSSH's `/etc/ssh`).
    pub system_dir: PathBuf,
    /// The algorithms the program implements, and its defaults.
    pub algorithms: &'a Algorithms,
    /// `-W` was given: ExitOnForwardFailure and ClearAllForwardings then default to yes.
    pub stdio_forward: bool,
}

impl<'a> ClientRequest<'a> {
    /// A request for `host` with the standard files under `home` and `/etc/ssh`.
    pub fn new(host: &'a str, home: &std::path::Path, algorithms: &'a Algorithms) -> Self {
        ClientRequest {
            host,
            options: &[],
            forwards: &[],
            files: ConfigFiles::Default {
                user: home.join(".ssh/config"),
                system: PathBuf::from("/etc/ssh/ssh_config"),
            },
            system_dir: PathBuf::from("/etc/ssh"),
            algorithms,
            stdio_forward: false,
        }
    }
}

/// A forwarding given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLineForward {
    /// `-L spec`.
    Local(Forward),
    /// `-R spec`.
    Remote(Forward),
    /// `-D spec`.
    Dynamic(Forward),
}

/// The resolved configuration for one destination.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    options: ClientOptions,
    settings: Settings,
    diagnostics: Vec<Diagnostic>,
}

impl ClientConfig {
    /// The typed options.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Warnings to print (OpenSSH's "Unsupported option" lines).
    pub fn warnings(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect()
    }

    /// Every diagnostic, debug lines included (for `-v`).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The `ssh -G` output: lowercase `keyword value` lines in OpenSSH's order, each ending in a
    /// newline.
    pub fn dump(&self) -> String {
        dump::dump(&self.settings, &self.options)
    }

    /// The values `ssh -G` prints for one keyword (any spelling), one entry per output line; empty
    /// if the keyword is unknown or prints nothing. This reaches the parse-only keywords.
    pub fn values(&self, keyword: &str) -> Vec<String> {
        let Some((_, kw)) = crate::keywords::lookup(self.settings.table(), keyword) else {
            return Vec::new();
        };
        let prefix = format!("{} ", kw.name);
        self.dump()
            .lines()
            .filter_map(|l| {
                let lower = l.to_ascii_lowercase();
                lower
                    .starts_with(&prefix)
                    .then(|| l.get(prefix.len()..).unwrap_or("").to_owned())
            })
            .collect()
    }
}

/// Reads the configuration for `request.host` and resolves it, as ssh does before connecting.
pub fn resolve(
    request: &ClientRequest<'_>,
    env: &mut dyn Environment,
) -> Result<ClientConfig, ConfigError> {
    let algorithms = request.algorithms.clone().with_gssapi_defaults();
    resolve_with(request, &algorithms, env, true, &[])
}

/// The shared body of [`resolve`] and the fuzzing entry point (`disk == false` reads only the
/// texts in `virtual_files`).
pub(crate) fn resolve_with(
    request: &ClientRequest<'_>,
    algorithms: &Algorithms,
    env: &mut dyn Environment,
    disk: bool,
    virtual_files: &[(PathBuf, String)],
) -> Result<ClientConfig, ConfigError> {
    let mut r = Reader::new(env, algorithms, request.host, disk);
    r.system_dir = request
        .system_dir
        .to_string_lossy()
        .trim_end_matches('/')
        .to_owned();
    for (p, t) in virtual_files {
        r.cache.insert(p, t);
    }
    match run(&mut r, request) {
        Ok((options, settings)) => Ok(ClientConfig {
            options,
            settings,
            diagnostics: r.report.diagnostics,
        }),
        Err(Stop(kind)) => Err(r.report.into_error(kind)),
    }
}

fn stop(r: &mut Reader<'_>, msg: String) -> Stop {
    r.report.push(Severity::Fatal, msg);
    Stop(ErrorKind::Fatal)
}

/// ssh.c `process_config_files`.
fn read_files(r: &mut Reader<'_>, files: &ConfigFiles, final_pass: bool) -> Result<(), Stop> {
    let flags = |user_conf, check_perm| Flags {
        user_conf,
        check_perm,
        never_match: false,
        final_pass,
    };
    match files {
        ConfigFiles::Explicit(path) => {
            let p = path.to_string_lossy().into_owned();
            if p.eq_ignore_ascii_case("none") {
                return Ok(());
            }
            let mut active = true;
            match r.read_file(&p, flags(true, false), &mut active, 0)? {
                FileResult::Read => {}
                FileResult::Missing => {
                    let short: String = p.chars().take(100).collect();
                    return Err(stop(
                        r,
                        format!("Can't open user config file {short}: No such file or directory"),
                    ));
                }
                FileResult::Unreadable(e) => {
                    let short: String = p.chars().take(100).collect();
                    return Err(stop(r, format!("Can't open user config file {short}: {e}")));
                }
            }
        }
        ConfigFiles::Default { user, system } => {
            let mut active = true;
            r.read_file(&user.to_string_lossy(), flags(true, true), &mut active, 0)?;
            let mut active = true;
            r.read_file(
                &system.to_string_lossy(),
                flags(false, false),
                &mut active,
                0,
            )?;
        }
    }
    Ok(())
}

fn run(r: &mut Reader<'_>, req: &ClientRequest<'_>) -> Result<(ClientOptions, Settings), Stop> {
    for f in req.forwards {
        let (name, fwd) = match f {
            CommandLineForward::Local(f) => ("localforward", f),
            CommandLineForward::Remote(f) => ("remoteforward", f),
            CommandLineForward::Dynamic(f) => ("dynamicforward", f),
        };
        if let Some((i, _)) = crate::keywords::lookup(r.settings.table(), name) {
            r.settings.apply(i, Value::Forwards(vec![fwd.clone()]));
        }
    }
    for o in req.options {
        if !r.command_line(o)? {
            // ssh exits at once on a bad -o option.
            return Err(Stop(ErrorKind::BadOptions { count: 1 }));
        }
    }
    read_files(r, &req.files, false)?;

    // ssh.c: take HostName into use (with %h), lower-case names but not addresses.
    let mut host = r.host.clone();
    if let Some(Value::Text(h)) = r.settings.get("hostname") {
        host = match tokens::expand(h, &[('h', &host)], None) {
            Ok(x) => x,
            Err(e) => {
                r.report.push(Severity::Error, e.to_string());
                return Err(stop(r, "percent_expand: failed".to_owned()));
            }
        };
        r.settings.put("hostname", Some(Value::Text(host.clone())));
    }
    if host.parse::<IpAddr>().is_err() {
        host = host.to_ascii_lowercase();
    }
    let canonicalize = !matches!(
        r.settings.get("canonicalizehostname"),
        None | Some(Value::Word("false"))
    );
    if r.want_final || canonicalize {
        r.settings.put("hostname", Some(Value::Text(host.clone())));
        r.host = host.clone();
        read_files(r, &req.files, true)?;
    }

    finish(r, req, &host)
}

/// readconf.c `fill_default_options` and the part of ssh.c `main` that precedes `-G` output.
fn finish(
    r: &mut Reader<'_>,
    req: &ClientRequest<'_>,
    host: &str,
) -> Result<(ClientOptions, Settings), Stop> {
    let s = &mut r.settings;
    let stdio = Some(Value::Flag(req.stdio_forward));
    for name in ["clearallforwardings", "exitonforwardfailure"] {
        if !s.is_set(name) {
            s.put(name, stdio.clone());
        }
    }
    if matches!(s.get("clearallforwardings"), Some(Value::Flag(true))) {
        for name in ["localforward", "remoteforward", "dynamicforward"] {
            s.put(name, None);
        }
        s.put("tunnel", Some(Value::Word("false")));
    }
    if !s.is_set("updatehostkeys") {
        let dns_off = matches!(s.get("verifyhostkeydns"), None | Some(Value::Word("false")));
        let default_files = match s.get("userknownhostsfile") {
            None => true,
            Some(Value::List(l)) => {
                l.len() == 1 && l.first().is_some_and(|f| f == "~/.ssh/known_hosts")
            }
            _ => false,
        };
        s.put(
            "updatehostkeys",
            Some(Value::Word(if dns_off && default_files {
                "true"
            } else {
                "false"
            })),
        );
    }
    let env: &dyn Environment = &*r.env;
    if let Err(e) = defaults::fill(s, Side::Client, env, r.algorithms) {
        r.report.push(Severity::Fatal, e);
        return Err(Stop(ErrorKind::Fatal));
    }
    if let Err(field) = defaults::assemble_algorithms(s, r.algorithms) {
        r.report.push(
            Severity::Fatal,
            format!("fill_default_options: {field}: invalid argument"),
        );
        return Err(Stop(ErrorKind::Fatal));
    }
    // Options that "none" switches off (readconf.c CLEAR_ON_NONE).
    for name in [
        "localcommand",
        "remotecommand",
        "proxycommand",
        "controlpath",
        "revokedhostkeys",
        "pkcs11provider",
        "securitykeyprovider",
        "knownhostscommand",
    ] {
        if matches!(s.get(name), Some(Value::Text(t)) if t.eq_ignore_ascii_case("none")) {
            s.put(name, None);
        }
    }
    if matches!(s.get("proxyjump"), Some(Value::Jump(None, _))) {
        s.put("proxyjump", None);
    }
    if matches!(s.get("canonicalizepermittedcnames"), Some(Value::Pairs(p)) if p.len() == 1 && p.first().is_some_and(|(a, b)| a.eq_ignore_ascii_case("none") && b.is_empty()))
    {
        s.put("canonicalizepermittedcnames", None);
    }
    if !s.is_set("user") {
        s.put("user", Some(Value::Text(env.local_user().to_owned())));
    }
    if let Some(Value::Text(a)) = s.get("hostkeyalias") {
        let lower = a.to_ascii_lowercase();
        s.put("hostkeyalias", Some(Value::Text(lower)));
    }
    let user = match s.get("user") {
        Some(Value::Text(u)) => u.clone(),
        _ => String::new(),
    };
    let port = match s.get("port") {
        Some(Value::Int(p)) => u16::try_from(*p).unwrap_or(22),
        _ => 22,
    };
    if let Some(Value::Jump(Some(hops), _)) = s.get("proxyjump")
        && let Some(last) = hops.last()
        && last.host == host
        && last.port.unwrap_or(22) == port
        && last.user.as_deref().unwrap_or(&user) == user
    {
        let h = last.host.clone();
        return Err(stop(r, format!("jumphost loop via {h}")));
    }
    if matches!(s.get("connectionattempts"), Some(Value::Int(n)) if *n <= 0) {
        return Err(stop(r, "Invalid number of ConnectionAttempts".to_owned()));
    }
    let alias = match s.get("hostkeyalias") {
        Some(Value::Text(a)) => Some(a.clone()),
        _ => None,
    };
    let t = ClientTokens::new(env, host, &r.original_host, port, &user, alias.as_deref());
    expand_for_use(r, &t)?;
    let options = ClientOptions::from_settings(&r.settings, &r.original_host, host, t);
    Ok((options, r.settings.clone()))
}

/// The expansions ssh.c performs before `-G` output: RemoteCommand (tokens), ControlPath,
/// IdentityAgent, a ForwardAgent socket and UserKnownHostsFile (`~`, tokens, `${VAR}`), and
/// forwarding socket paths (tokens).
fn expand_for_use(r: &mut Reader<'_>, t: &ClientTokens) -> Result<(), Stop> {
    let all = t.all();
    let env: &dyn Environment = &*r.env;
    let mut failed: Option<(String, &str)> = None;
    let mut expand = |v: &str, tilde: bool, dollar: bool| -> Option<String> {
        let base = if tilde {
            match tokens::expand_tilde(v, env) {
                Ok(b) => b,
                Err(e) => {
                    failed.get_or_insert((e.to_string(), "tilde_expand_filename: failed"));
                    return None;
                }
            }
        } else {
            v.to_owned()
        };
        match tokens::expand(&base, &all, dollar.then_some(env)) {
            Ok(x) => Some(x),
            Err(e) => {
                let tail = if dollar {
                    "percent_dollar_expand: failed"
                } else {
                    "percent_expand: failed"
                };
                failed.get_or_insert((e.to_string(), tail));
                None
            }
        }
    };
    let s = &mut r.settings;
    if let Some(Value::Text(c)) = s.get("remotecommand").cloned() {
        let x = expand(&c, false, false);
        s.put("remotecommand", x.map(Value::Text));
    }
    for name in ["controlpath", "identityagent"] {
        if let Some(Value::Text(c)) = s.get(name).cloned() {
            let x = expand(&c, true, true);
            s.put(name, x.map(Value::Text));
        }
    }
    if let Some(Value::Text(c)) = s.get("forwardagent").cloned() {
        let x = expand(&c, true, true);
        s.put("forwardagent", x.map(Value::Text));
    }
    for name in ["globalknownhostsfile", "userknownhostsfile"] {
        if let Some(Value::List(l)) = s.get(name).cloned() {
            if l.first().is_some_and(|f| f.eq_ignore_ascii_case("none")) {
                s.put(name, Some(Value::List(Vec::new())));
            } else if name == "userknownhostsfile" {
                let x: Vec<String> = l.iter().filter_map(|f| expand(f, true, true)).collect();
                s.put(name, Some(Value::List(x)));
            }
        }
    }
    for name in ["localforward", "remoteforward"] {
        if let Some(Value::Forwards(fs)) = s.get(name).cloned() {
            let mut out = Vec::new();
            for mut f in fs {
                f.listen_path = f
                    .listen_path
                    .as_deref()
                    .and_then(|p| expand(p, false, false));
                f.connect_path = f
                    .connect_path
                    .as_deref()
                    .and_then(|p| expand(p, false, false));
                out.push(f);
            }
            s.put(name, Some(Value::Forwards(out)));
        }
    }
    if let Some((detail, tail)) = failed {
        r.report.push(Severity::Error, detail);
        return Err(stop(r, tail.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_options_only_read_keywords_the_table_has() {
        let a = crate::fuzzing::algorithms();
        let mut env = crate::env::FixedEnvironment::new("u", "/home/u");
        let mut req = ClientRequest::new("h", std::path::Path::new("/home/u"), &a);
        req.files = ConfigFiles::Explicit(PathBuf::from("none"));
        let c = resolve_with(&req, &a, &mut env, false, &[]).unwrap();
        let _ = c.dump();
        assert_eq!(crate::store::unknown_lookups(), Vec::<String>::new());
    }
}
