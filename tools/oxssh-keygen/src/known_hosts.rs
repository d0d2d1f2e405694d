//! `-F` (find a host), `-R` (remove a host) and `-H` (hash every name) on a known_hosts file, after
//! ssh-keygen.c `do_known_hosts`. Lines are classified by `oxssh_keys::known_hosts`; the rewrites
//! are its `remove_host` and `hash_file`. A rewritten file replaces the old one by rename, after the
//! old one is kept as `<file>.old` (a hard link, as OpenSSH makes it).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use oxssh_keys::known_hosts::{self, Entry, KnownHosts, Marker};
use oxssh_keys::randomart;

use crate::Context;
use crate::error::{Failure, Outcome, strerror};
use crate::files::{TempFile, with_suffix};
use crate::messages as msg;
use crate::prompt::{Console, log};

/// The lines of a file as `getline` gives them, without the newline.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

/// OpenSSH's `%.100s`.
fn cut100(path: &Path) -> String {
    let mut s = path.display().to_string();
    let mut end = s.len().min(100);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

/// Whether a host field has wildcard or negation characters (never hashed by `-H`).
fn has_wildcard(hosts: &str) -> bool {
    hosts.contains(['*', '?', '!'])
}

/// `-F`, `-R`, `-H`.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let path = opts
        .file
        .clone()
        .unwrap_or_else(|| ctx.ssh_dir().join("known_hosts"));
    let meta = std::fs::metadata(&path)
        .map_err(|e| Failure::fatal(msg::cannot_stat(path.display(), strerror(&e))))?;
    let host = opts.host.clone().unwrap_or_default();

    if opts.find_host {
        let bytes = std::fs::read(&path).unwrap_or_default();
        return find(ctx, console, &String::from_utf8_lossy(&bytes), &host);
    }

    // Hashing and deleting happen in place: the temporary file comes first, as OpenSSH's mkstemp.
    let mut tmp = TempFile::create(&path, 0o600)
        .map_err(|e| Failure::fatal(msg::mkstemp_failed(strerror(&e))))?;
    let _ = tmp.file().and_then(|f| {
        f.set_permissions(std::fs::Permissions::from_mode(
            meta.permissions().mode() & 0o644,
        ))
    });
    let bytes = std::fs::read(&path).unwrap_or_default();
    let display = path.display().to_string();
    // A file that is not UTF-8 cannot be rewritten byte for byte here; refuse it like a bad file.
    let Ok(text) = String::from_utf8(bytes) else {
        return refuse(console, &display);
    };

    // Lines OpenSSH logs as it goes, kept in file order.
    let mut notes: Vec<(usize, String)> = Vec::new();
    let (rewrite, hashed_any) = if opts.hash_hosts {
        // -H (even with -R, which OpenSSH then ignores): hash every plain name.
        for entry in KnownHosts::parse(&text).entries() {
            if has_wildcard(entry.hosts()) {
                let n = entry.line_number();
                notes.push((n, msg::ignoring_wildcard(&display, n, entry.hosts())));
            }
        }
        let r = known_hosts::hash_file(&text).map_err(|_| Failure::fatal(msg::HASH_HOST_FAILED))?;
        let any = !r.changed_lines.is_empty();
        (r, any)
    } else {
        let r = known_hosts::remove_host(&text, &host);
        if !opts.quiet {
            for line in &r.changed_lines {
                let _ = writeln!(console.out(), "{}", msg::host_found(&host, *line));
            }
        }
        (r, false)
    };
    notes.extend(
        rewrite
            .invalid_lines
            .iter()
            .map(|&n| (n, msg::invalid_line(&display, n))),
    );
    notes.sort_by_key(|(n, _)| *n);
    for (_, note) in notes {
        log(console.err(), note);
    }
    if !rewrite.invalid_lines.is_empty() {
        return refuse(console, &display);
    }
    let deleted_nothing = opts.delete_host && (opts.hash_hosts || rewrite.changed_lines.is_empty());
    if deleted_nothing {
        log(console.err(), msg::host_not_found_in(&host, &display));
        return Ok(0);
    }

    tmp.write_all(rewrite.text.as_bytes())
        .map_err(|e| Failure::fatal(msg::mkstemp_failed(strerror(&e))))?;
    let old = with_suffix(&path, ".old");
    replace_keeping_old(tmp, &path, &old)?;
    let out = console.out();
    let _ = writeln!(out, "{}", msg::file_updated(&display));
    let _ = writeln!(out, "{}", msg::original_retained(old.display()));
    if hashed_any {
        let err = console.err();
        log(err, msg::contains_unhashed(old.display()));
        log(err, msg::DELETE_FOR_PRIVACY);
    }
    Ok(0)
}

/// The two errors OpenSSH prints for a file with bad lines; the file is left alone.
fn refuse(console: &mut dyn Console, display: &str) -> Outcome {
    let err = console.err();
    log(err, msg::not_a_valid_known_hosts_file(display));
    log(err, msg::NOT_REPLACING_KNOWN_HOSTS);
    Err(Failure::silent(1))
}

/// Keeps the current file as `old` (a hard link) and renames the new one into place.
fn replace_keeping_old(tmp: TempFile, path: &Path, old: &PathBuf) -> Result<(), Failure> {
    match std::fs::remove_file(old) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Failure::fatal(msg::unlink_failed(
                cut100(old),
                strerror(&e),
            )));
        }
    }
    std::fs::hard_link(path, old)
        .map_err(|e| Failure::fatal(msg::link_failed(cut100(path), cut100(old), strerror(&e))))?;
    let tmp_name = tmp.path().display().to_string();
    if let Err(e) = tmp.persist(path) {
        let _ = std::fs::remove_file(old);
        return Err(Failure::exit(
            msg::rename_failed(tmp_name, path.display(), strerror(&e)),
            1,
        ));
    }
    Ok(())
}

/// `-F host`: every line for `host`, marked `CA` or `REVOKED` where it applies; with `-H` the
/// line's names hashed, with `-l` the key's fingerprint. Exit status 1 when nothing matched.
fn find(ctx: &Context, console: &mut dyn Console, text: &str, host: &str) -> Outcome {
    let opts = &ctx.options;
    let parsed = KnownHosts::parse(text);
    let mut entries = parsed.entries().iter().peekable();
    let mut found = false;
    for (number, line) in lines(text) {
        let entry: Option<&Entry> = entries.next_if(|e| e.line_number() == number);
        let Some(entry) = entry.filter(|e| e.matches(host)) else {
            continue;
        };
        found = true;
        let out = console.out();
        if opts.delete_host {
            // -F with -R: OpenSSH's delete branch runs on the matching lines, writing to stdout.
            if entry.marker().is_some() {
                let _ = writeln!(out, "{line}");
            } else if !opts.quiet {
                let _ = writeln!(out, "{}", msg::host_found(host, number));
            }
            continue;
        }
        if !opts.quiet {
            let marker = match entry.marker() {
                Some(Marker::CertAuthority) => "CA",
                Some(Marker::Revoked) => "REVOKED",
                None => "",
            };
            let _ = writeln!(out, "{}", msg::host_found_marked(host, number, marker));
        }
        if opts.hash_hosts {
            let hashed = hash_line(entry, line)?;
            let _ = write!(out, "{hashed}");
        } else if opts.print_fingerprint {
            // Keys of types oxssh does not implement (DSA, FIDO, certificates) have no fingerprint here.
            if let Some(key) = entry.public_key() {
                let comment = entry.comment();
                let _ = writeln!(
                    out,
                    "{host} {} {}{}{comment}",
                    key.key_type().display_name(),
                    key.fingerprint(opts.hash),
                    if comment.is_empty() { "" } else { " " },
                );
                if opts.verbose > 0 {
                    let _ = writeln!(out, "{}", randomart::randomart(key, opts.hash));
                }
            }
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(i32::from(!found))
}

/// `known_hosts_hash` for one line: unchanged if already hashed, wildcarded or marked; otherwise
/// one line per name, each hashed with a fresh salt and followed by the key as written.
fn hash_line(entry: &Entry, line: &str) -> Result<String, Failure> {
    let hosts = entry.hosts();
    if entry.is_hashed() || has_wildcard(hosts) || entry.marker().is_some() {
        return Ok(format!("{line}\n"));
    }
    // The key as written: after leading blanks, the host field and the blanks that follow it.
    let rest = line.trim_start_matches([' ', '\t']);
    let rest = rest.get(hosts.len()..).unwrap_or_default();
    let raw_key = rest.trim_start_matches([' ', '\t']);
    let mut out = String::new();
    for name in hosts.split(',').take_while(|n| !n.is_empty()) {
        let hashed = known_hosts::hash_host_name(&name.to_ascii_lowercase())
            .map_err(|_| Failure::fatal(msg::HASH_HOST_FAILED))?;
        out.push_str(&format!("{hashed} {raw_key}\n"));
    }
    Ok(out)
}
