//! Is this the server we meant? sshconnect.c `check_host_key` over known_hosts files: a key found
//! for the host is trusted; an unknown host is asked about (trust on first use) or refused or added
//! as `StrictHostKeyChecking` says; a different key for a known host is refused with OpenSSH's full
//! warning; a `@revoked` key is always refused unless checking is off.
//!
//! The lookups are oxssh-keys' [`KnownHosts`]; this module reads and appends the files, asks the
//! user on /dev/tty, and prints. It blocks (files, prompts), so the caller runs it off the async
//! runtime.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use oxssh_config::client::StrictHostKeyChecking;
use oxssh_keys::known_hosts::{self, Entry, HostStatus, KnownHosts, host_port_name};
use oxssh_keys::{FingerprintHash, KeyType, PublicKey};

use crate::{log, messages, tty};

/// How many other names the first-contact prompt lists (sshconnect.c MAX_OTHER_NAMES).
const MAX_OTHER_NAMES: usize = 8;

/// What the check needs to know about the connection and the configuration.
#[derive(Debug, Clone)]
pub struct Context {
    /// The host name connected to (after `HostName`), lower-case.
    pub hostname: String,
    /// The port.
    pub port: u16,
    /// `HostKeyAlias`.
    pub alias: Option<String>,
    /// The server's address; `None` through ProxyCommand or ProxyJump.
    pub address: Option<IpAddr>,
    /// `UserKnownHostsFile`, expanded; the first one is written to.
    pub user_files: Vec<String>,
    /// `GlobalKnownHostsFile`.
    pub system_files: Vec<String>,
    /// `StrictHostKeyChecking`.
    pub strict: StrictHostKeyChecking,
    /// `HashKnownHosts`.
    pub hash: bool,
    /// `CheckHostIP`.
    pub check_host_ip: bool,
    /// `BatchMode`: never ask.
    pub batch_mode: bool,
    /// `FingerprintHash`.
    pub fingerprint_hash: FingerprintHash,
    /// `VisualHostKey`.
    pub visual_host_key: bool,
    /// The user's home, for `~/` in the file names shown and for creating `~/.ssh`.
    pub home: PathBuf,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Known, or accepted.
    Trusted,
    /// A changed or revoked key accepted because `StrictHostKeyChecking no`: the connection goes on
    /// without anything a man in the middle could abuse (passwords, keyboard-interactive,
    /// forwarding).
    Untrusted,
    /// Refused: the caller prints "Host key verification failed." and exits.
    Refused,
}

struct File {
    path: String,
    hosts: KnownHosts,
}

fn load(paths: &[String]) -> Vec<File> {
    paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read(p).ok()?;
            Some(File {
                path: p.clone(),
                hosts: KnownHosts::parse(&String::from_utf8_lossy(&text)),
            })
        })
        .collect()
}

/// The outcome over all files, in order, as OpenSSH's single list of entries would give it.
#[derive(Debug)]
enum Status<'a> {
    Ok,
    New,
    Changed { path: &'a str, entry: &'a Entry },
    Revoked,
}

fn entry_at(f: &File, line: usize) -> Option<&Entry> {
    f.hosts.entries().iter().find(|e| e.line_number() == line)
}

fn status<'a>(files: &[&'a File], name_host: &str, port: u16, key: &PublicKey) -> Status<'a> {
    let mut changed = None;
    let mut ok = false;
    for f in files {
        match f.hosts.check(name_host, port, key) {
            HostStatus::Revoked { .. } => return Status::Revoked,
            HostStatus::Found { .. } => ok = true,
            HostStatus::Changed { lines } => {
                if let Some(e) = lines.last().and_then(|l| entry_at(f, *l)) {
                    changed = Some((f.path.as_str(), e));
                }
            }
            HostStatus::NotFound => {}
        }
    }
    match (ok, changed) {
        (true, _) => Status::Ok,
        (false, Some((path, entry))) => Status::Changed { path, entry },
        (false, None) => Status::New,
    }
}

/// sshconnect.c `try_tilde_unexpand`.
fn tilde_unexpand(path: &str, home: &Path) -> String {
    let home = home.to_string_lossy();
    let home = home.trim_end_matches('/');
    if home.is_empty() {
        return path.to_owned();
    }
    match path.strip_prefix(home) {
        Some(rest) if rest.starts_with('/') => format!("~{rest}"),
        _ => path.to_owned(),
    }
}

/// The name and port the files are searched with: the alias as written, or `host` on `port`.
fn lookup_name(ctx: &Context, clobber_port: bool) -> (String, u16) {
    match &ctx.alias {
        Some(a) => (a.to_ascii_lowercase(), 22),
        None => (
            ctx.hostname.clone(),
            if clobber_port { 22 } else { ctx.port },
        ),
    }
}

fn ip_text(ctx: &Context) -> String {
    match ctx.address {
        Some(a) => host_port_name(&a.to_string(), ctx.port),
        None => messages::NO_HOSTIP_FOR_PROXY.to_owned(),
    }
}

fn is_local(ctx: &Context) -> bool {
    ctx.address.is_some_and(|a| a.is_loopback())
}

/// The key types known for the host, for ordering host key algorithms (sshconnect.c
/// `order_hostkeyalgs`): those the server can prove with an already-known key come first.
pub fn known_key_types(ctx: &Context) -> Vec<KeyType> {
    let (name, port) = lookup_name(ctx, false);
    let mut types = Vec::new();
    for f in load(&ctx.user_files)
        .iter()
        .chain(load(&ctx.system_files).iter())
    {
        for t in f.hosts.known_key_types(&name, port) {
            if !types.contains(&t) {
                types.push(t);
            }
        }
    }
    types
}

/// Other keys of other types known for the host (sshconnect.c `show_other_keys`); logs them and
/// says whether there were any.
fn show_other_keys(files: &[&File], name: &str, port: u16, key: &PublicKey, ctx: &Context) -> bool {
    let mut any = false;
    for t in [KeyType::Rsa, KeyType::EcdsaP256, KeyType::Ed25519] {
        let same_family = |k: KeyType| match (k, t) {
            (KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521, KeyType::EcdsaP256) => {
                true
            }
            (a, b) => a == b,
        };
        if same_family(key.key_type()) {
            continue;
        }
        let found = files.iter().find_map(|f| {
            f.hosts
                .find(name, port)
                .into_iter()
                .find(|e| {
                    e.marker().is_none()
                        && e.public_key().is_some_and(|k| same_family(k.key_type()))
                })
                .map(|e| (f.path.clone(), e.clone()))
        });
        if let Some((path, e)) = found {
            let Some(k) = e.public_key() else { continue };
            log::info(&messages::other_key_found(
                k.key_type().display_name(),
                e.display_names(),
                &path,
                e.line_number(),
                &k.fingerprint(ctx.fingerprint_hash),
            ));
            if ctx.visual_host_key {
                log::info(&oxssh_keys::randomart::randomart(k, ctx.fingerprint_hash));
            }
            any = true;
        }
    }
    any
}

/// sshconnect.c `other_hostkeys_message`.
fn other_names_message(
    ctx: &Context,
    user: &[File],
    system: &[File],
    key: &PublicKey,
    name: &str,
    port: u16,
) -> String {
    let address = ctx.address.map(|a| a.to_string());
    let mut names = Vec::new();
    for f in user.iter().chain(system.iter()) {
        for e in f.hosts.other_names(key, name, port, address.as_deref()) {
            names.push(format!(
                "{}:{}: {}",
                tilde_unexpand(&f.path, &ctx.home),
                e.line_number(),
                e.display_names()
            ));
        }
    }
    if names.is_empty() {
        return messages::NOT_KNOWN_BY_OTHER_NAMES.to_owned();
    }
    let mut out = messages::KNOWN_BY_OTHER_NAMES.to_owned();
    for n in names.iter().take(MAX_OTHER_NAMES) {
        out.push_str("\n    ");
        out.push_str(n);
    }
    if names.len() > MAX_OTHER_NAMES {
        out.push('\n');
        out.push_str(&messages::other_names_omitted(
            names.len() - MAX_OTHER_NAMES,
        ));
    }
    out
}

/// sshconnect.c `confirm`: asks until the answer is yes, no, empty or the fingerprint.
fn confirm(prompt: &str, fingerprint: Option<&str>, batch: bool) -> bool {
    if batch {
        return false;
    }
    let mut msg = prompt.to_owned();
    loop {
        let Some(answer) = tty::read_passphrase(&msg, true) else {
            return false;
        };
        let a = answer.trim_start_matches([' ', '\t']);
        let a = a.split([' ', '\t', '\n']).next().unwrap_or("");
        if a.is_empty() || a.eq_ignore_ascii_case("no") {
            return false;
        }
        if a.eq_ignore_ascii_case("yes") || fingerprint.is_some_and(|f| a == f) {
            return true;
        }
        msg = if fingerprint.is_some() {
            messages::PLEASE_TYPE_FP
        } else {
            messages::PLEASE_TYPE
        }
        .to_owned();
    }
}

/// hostfile.c `hostfile_create_user_ssh_dir`: creates `~/.ssh` (mode 0700) when the file to write
/// lives there and the directory is missing.
fn create_user_ssh_dir(file: &Path, home: &Path) {
    let dir = home.join(".ssh");
    if file.parent() == Some(dir.as_path()) && !dir.exists() {
        use std::os::unix::fs::DirBuilderExt;
        if std::fs::DirBuilder::new().mode(0o700).create(&dir).is_ok() {
            log::debug(&format!("Created directory '{}'.", dir.display()));
        }
    }
}

/// hostfile.c `add_host_to_hostfile`: appends the entry, adding a newline first if the file does
/// not end in one.
fn add_to_file(path: &str, names: &[&str], key: &PublicKey, hash: bool, home: &Path) -> bool {
    create_user_ssh_dir(Path::new(path), home);
    let Ok(lines) = known_hosts::format_entry(names, key, hash) else {
        return false;
    };
    let existing = std::fs::read(path).unwrap_or_default();
    let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return false;
    };
    let mut text = String::new();
    if existing.last().is_some_and(|b| *b != b'\n') {
        text.push('\n');
    }
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    f.write_all(text.as_bytes()).is_ok()
}

/// Checks `key`. Prints what OpenSSH prints; on [`Verdict::Refused`] the caller adds
/// "Host key verification failed." and exits.
pub fn check(ctx: &Context, key: &PublicKey) -> Verdict {
    let fp = key.fingerprint(ctx.fingerprint_hash);
    log::debug(&format!("Server host key: {} {fp}", key.key_type().name()));
    let local = is_local(ctx);
    let user = load(&ctx.user_files);
    let system = load(&ctx.system_files);
    let files: Vec<&File> = user.iter().chain(system.iter()).collect();
    let (name, port) = lookup_name(ctx, false);
    let host = match &ctx.alias {
        Some(a) => a.to_ascii_lowercase(),
        None => host_port_name(&ctx.hostname, ctx.port),
    };
    let ip = ip_text(ctx);
    // CheckHostIP makes no sense for loopback, for a literal address or through a proxy.
    let check_ip =
        ctx.check_host_ip && !local && ctx.address.is_some_and(|a| a.to_string() != ctx.hostname);
    let kt = key.key_type().display_name();
    let ip_status = if check_ip {
        ctx.address
            .map(|a| status(&files, &a.to_string(), ctx.port, key))
    } else {
        None
    };
    let host_status = status(&files, &name, port, key);
    let writable = !ctx.user_files.is_empty();
    let mut verdict = Verdict::Trusted;
    match host_status {
        Status::Ok => {
            log::debug(&format!(
                "Host '{host}' is known and matches the {kt} host key."
            ));
            if let Some(Status::New) = ip_status
                && writable
            {
                if add_to_file(&ctx.user_files[0], &[&ip], key, ctx.hash, &ctx.home) {
                    log::info(&format!(
                        "Warning: Permanently added the {kt} host key for IP address '{ip}' to the list of known hosts."
                    ));
                }
            } else if ctx.visual_host_key {
                log::info(&format!(
                    "Host key fingerprint is {fp}\n{}",
                    oxssh_keys::randomart::randomart(key, ctx.fingerprint_hash)
                ));
            }
        }
        Status::New => {
            // sshconnect.c: a non-default port falls back to the bare host name, quietly.
            if ctx.alias.is_none()
                && ctx.port != 22
                && matches!(status(&files, &ctx.hostname, 22, key), Status::Ok)
            {
                log::debug("found matching key w/out port");
                return Verdict::Trusted;
            }
            if !writable {
                return Verdict::Refused;
            }
            match ctx.strict {
                StrictHostKeyChecking::Yes => {
                    log::error(&messages::no_host_key_known(kt, &host));
                    return Verdict::Refused;
                }
                StrictHostKeyChecking::Ask => {
                    let mut msg = messages::authenticity(&host, &ip);
                    if show_other_keys(&files, &name, port, key, ctx) {
                        msg.push('\n');
                        msg.push_str(messages::OTHER_TYPES_KNOWN);
                    } else {
                        msg.push('.');
                    }
                    msg.push('\n');
                    msg.push_str(&messages::key_fingerprint_is(kt, &fp));
                    if ctx.visual_host_key {
                        msg.push('\n');
                        msg.push_str(&oxssh_keys::randomart::randomart(key, ctx.fingerprint_hash));
                    }
                    msg.push('\n');
                    msg.push_str(&other_names_message(ctx, &user, &system, key, &name, port));
                    msg.push('\n');
                    msg.push_str(messages::CONTINUE_CONNECTING_FP);
                    if !confirm(&msg, Some(&fp), ctx.batch_mode) {
                        return Verdict::Refused;
                    }
                }
                StrictHostKeyChecking::AcceptNew | StrictHostKeyChecking::No => {}
            }
            let ip_new = matches!(ip_status, Some(Status::New));
            let (names, shown): (Vec<&str>, String) = if check_ip && ip_new {
                (vec![host.as_str(), ip.as_str()], format!("{host},{ip}"))
            } else {
                (vec![host.as_str()], host.clone())
            };
            if add_to_file(&ctx.user_files[0], &names, key, ctx.hash, &ctx.home) {
                log::info(&messages::permanently_added(&shown, kt));
            } else {
                log::info(&messages::failed_to_add(&ctx.user_files[0]));
            }
        }
        Status::Revoked => {
            for l in messages::revoked_key_warning(kt, &host) {
                log::error(&l);
            }
            if ctx.strict != StrictHostKeyChecking::No {
                log::error(&messages::revoked_strict(kt, &host));
                return Verdict::Refused;
            }
            verdict = Verdict::Untrusted;
        }
        Status::Changed { path, entry } => {
            for l in messages::changed_key_warning(kt, &fp) {
                log::error(&l);
            }
            let first = ctx.user_files.first().map(String::as_str).unwrap_or("");
            log::error(&messages::add_correct_host_key(first));
            let offending = entry
                .public_key()
                .map(|k| k.key_type().display_name().to_owned())
                .unwrap_or_else(|| match entry.key() {
                    known_hosts::EntryKey::Unsupported { key_type } => key_type.clone(),
                    known_hosts::EntryKey::Supported(k) => k.key_type().display_name().to_owned(),
                });
            for l in messages::offending_key(&offending, path, entry.line_number(), &host) {
                log::error(&l);
            }
            if ctx.strict != StrictHostKeyChecking::No {
                log::error(&messages::changed_strict(&host));
                return Verdict::Refused;
            }
            verdict = Verdict::Untrusted;
        }
    }
    verdict
}

#[cfg(test)]
mod tests;
