//! `-Y sign`, `-Y verify`, `-Y check-novalidate` and `-Y find-principals`: SSH signatures of files
//! and the allowed_signers file, after ssh-keygen.c `sig_sign`, `sig_verify`,
//! `sig_find_principals` and sshsig.c `check_allowed_keys_line` (OpenSSH 9.2).
//!
//! Not here: certificates as signers (a `cert-authority` line never matches), revocation lists
//! (`-r`), signing through the agent, and `-Y match-principals`. Times in allowed_signers and
//! `verify-time=` without a `Z` are read as UTC, where OpenSSH uses the local time zone.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use oxssh_keys::PublicKey;
use oxssh_keys::authorized_keys::parse_expiry;
use oxssh_keys::pattern::{ListMatch, match_pattern_list};

use crate::Context;
use crate::change::load_identity;
use crate::error::{FATAL, Failure, Outcome, strerror};
use crate::files::{with_suffix, write_atomic};
use crate::generate::confirm_overwrite;
use crate::keyfile::{self, read_key};
use crate::messages as msg;
use crate::prompt::{Console, log};
use crate::sshsig;

/// `-Y <operation>`; OpenSSH compares only the operation's length of the argument.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let o = &ctx.options;
    let op = o.sign_op.as_deref().unwrap_or_default();
    let namespace = o.principals.as_deref().filter(|n| !n.is_empty());
    let too_few = |what: &str| Failure::exit(msg::too_few_arguments(what), 1);
    if op.starts_with("find-principals") {
        let sig = o
            .signature_file
            .as_deref()
            .ok_or_else(|| too_few("find-principals:missing signature file"))?;
        let allowed = o
            .file
            .as_deref()
            .ok_or_else(|| too_few("find-principals:missing allowed keys file"))?;
        find_principals(ctx, console, sig, allowed)
    } else if op.starts_with("match-principals") {
        o.file
            .as_deref()
            .ok_or_else(|| too_few("match-principals:missing allowed keys file"))?;
        Err(Failure::fatal(msg::not_supported("-Y match-principals")))
    } else if op.starts_with("sign") {
        let namespace = namespace.ok_or_else(|| too_few("sign: missing namespace"))?;
        let key = o
            .file
            .as_deref()
            .ok_or_else(|| too_few("sign: missing key"))?;
        sign(ctx, console, key, namespace)
    } else if op.starts_with("check-novalidate") {
        let namespace = namespace.ok_or_else(|| too_few("check-novalidate: missing namespace"))?;
        let sig = o
            .signature_file
            .as_deref()
            .ok_or_else(|| too_few("check-novalidate: missing signature file"))?;
        verify(ctx, console, sig, namespace, None)
    } else if op.starts_with("verify") {
        let namespace = namespace.ok_or_else(|| too_few("verify: missing namespace"))?;
        let sig = o
            .signature_file
            .as_deref()
            .ok_or_else(|| too_few("verify: missing signature file"))?;
        // OpenSSH's own words, "sign" included.
        let allowed = o
            .file
            .as_deref()
            .ok_or_else(|| too_few("sign: missing allowed keys file"))?;
        let principal = o
            .identity
            .as_deref()
            .ok_or_else(|| too_few("verify: missing principal identity"))?;
        if o.revocation.is_some() {
            return Err(Failure::fatal(msg::not_supported(
                "-r (key revocation lists)",
            )));
        }
        verify(ctx, console, sig, namespace, Some((principal, allowed)))
    } else {
        Err(Failure::usage(Some(msg::unsupported_y_operation(op))))
    }
}

/// `sig_sign`: signs each file into `<file>.sig`, or standard input to standard output.
fn sign(ctx: &Context, console: &mut dyn Console, key_path: &Path, namespace: &str) -> Outcome {
    let files: Vec<PathBuf> = ctx.options.args.iter().map(PathBuf::from).collect();
    if files.iter().any(|f| f.as_os_str() == "-") && files.len() > 1 {
        return Err(Failure::fatal(msg::SIGN_MIX_OF_PATHS_AND_STDIN));
    }
    let public = match keyfile::load_public(key_path) {
        Ok((key, _)) => key,
        Err(e) => {
            log(
                console.err(),
                msg::couldnt_load_public_key(key_path.display(), e),
            );
            return Err(Failure::silent(FATAL));
        }
    };
    // Given a public key file, sign with the private key beside it.
    let text = key_path.display().to_string();
    let private_path = ["-cert.pub", ".pub"]
        .iter()
        .find_map(|s| text.strip_suffix(s).filter(|p| !p.is_empty()))
        .map_or_else(|| key_path.to_path_buf(), PathBuf::from);
    let key = load_identity(ctx, console, &private_path)?.key;
    if key.public() != &public {
        log(
            console.err(),
            msg::public_key_doesnt_match(key_path.display(), private_path.display()),
        );
        return Err(Failure::silent(FATAL));
    }
    let quiet = ctx.options.quiet;
    let sign_input = |console: &mut dyn Console, input: &mut dyn Read| -> Result<String, Failure> {
        let hash = sshsig::hash_reader(input, sshsig::DEFAULT_HASH).map_err(Failure::fatal)?;
        let blob = sshsig::sign(&key, namespace, &hash).map_err(|e| {
            log(console.err(), e);
            Failure::silent(FATAL)
        })?;
        Ok(sshsig::armor(&blob))
    };
    if files.is_empty() || files[0].as_os_str() == "-" {
        if !quiet {
            let _ = writeln!(console.err(), "{}", msg::SIGNING_STDIN);
        }
        let armored = sign_input(console, &mut std::io::stdin().lock())?;
        let _ = console.out().write_all(armored.as_bytes());
        return Ok(0);
    }
    for file in &files {
        let mut input = std::fs::File::open(file).map_err(|e| {
            Failure::exit(
                msg::cannot_open_for_signing(file.display(), strerror(&e)),
                FATAL,
            )
        })?;
        if !quiet {
            let _ = writeln!(console.err(), "{}", msg::signing_file(file.display()));
        }
        let armored = sign_input(console, &mut input)?;
        let out = with_suffix(file, ".sig");
        if !confirm_overwrite(console, &out) {
            continue;
        }
        write_atomic(&out, armored.as_bytes(), 0o666)
            .map_err(|e| Failure::exit(msg::cannot_open(out.display(), strerror(&e)), FATAL))?;
        if !quiet {
            let _ = writeln!(console.err(), "{}", msg::write_signature_to(out.display()));
        }
    }
    Ok(0)
}

/// The `-O` options of verification (`sig_process_opts`): the time to check validity at and
/// whether to print the signer's key.
fn process_options(ctx: &Context, allow_print: bool) -> Result<(i64, bool), String> {
    let mut at = None;
    let mut print = false;
    for opt in &ctx.options.extra {
        if opt.len() >= 12 && opt[..12].eq_ignore_ascii_case("verify-time=") {
            let t = parse_expiry(&opt[12..])
                .map(|e| e.unix_time(0))
                .ok_or(msg::INVALID_VERIFY_TIME)?;
            at = Some(t);
        } else if allow_print && opt.eq_ignore_ascii_case("print-pubkey") {
            print = true;
        } else {
            return Err(msg::invalid_option(opt));
        }
    }
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    };
    Ok((at.unwrap_or_else(now), print))
}

/// Reads and dearmors a signature file; failures are logged as OpenSSH logs them.
fn load_signature(
    console: &mut dyn Console,
    path: &Path,
    function: &str,
) -> Option<sshsig::Signature> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => {
            log(
                console.err(),
                msg::couldnt_read_signature_file(strerror(&e)),
            );
            return None;
        }
    };
    let blob = match sshsig::dearmor(&text, function) {
        Ok(b) => b,
        Err(lines) => {
            for line in lines {
                log(
                    console.err(),
                    line.replace("sig_verify:", &format!("{function}:")),
                );
            }
            return None;
        }
    };
    match sshsig::parse(&blob) {
        Ok(s) => Some(s),
        Err(e) => {
            log(console.err(), e);
            None
        }
    }
}

/// `sig_verify`: checks the signature over standard input, then (for `verify`) the signer against
/// the allowed_signers file; prints "Good …" or "Could not verify signature.".
fn verify(
    ctx: &Context,
    console: &mut dyn Console,
    sig_path: &Path,
    namespace: &str,
    allowed: Option<(&str, &Path)>,
) -> Outcome {
    let mut print_pubkey = false;
    let result = (|| -> Option<PublicKey> {
        let (at, print) = process_options(ctx, true)
            .map_err(|e| log(console.err(), e))
            .ok()?;
        print_pubkey = print;
        let sig = load_signature(console, sig_path, "sig_verify")?;
        let hash = sshsig::hash_reader(std::io::stdin().lock(), &sig.hash)
            .map_err(|e| log(console.err(), e))
            .ok()?;
        sig.verify(namespace, &hash)
            .map_err(|e| log(console.err(), e))
            .ok()?;
        if let Some((principal, file)) = allowed {
            check_allowed(
                console,
                file,
                &sig.key,
                Some(principal),
                Some(namespace),
                at,
            )
            .ok()?;
        }
        Some(sig.key)
    })();
    let out = console.out();
    if !ctx.options.quiet {
        match (&result, allowed) {
            (Some(key), None) => {
                let _ = writeln!(
                    out,
                    "{}",
                    msg::good_signature(
                        namespace,
                        key.key_type().display_name(),
                        &key.fingerprint(ctx.options.hash)
                    )
                );
            }
            (Some(key), Some((principal, _))) => {
                let _ = writeln!(
                    out,
                    "{}",
                    msg::good_signature_for(
                        namespace,
                        principal,
                        key.key_type().display_name(),
                        &key.fingerprint(ctx.options.hash)
                    )
                );
            }
            (None, _) => {
                let _ = writeln!(out, "{}", msg::COULD_NOT_VERIFY);
            }
        }
    }
    match result {
        Some(key) => {
            if print_pubkey {
                let _ = writeln!(out, "{}", key.to_openssh_line(""));
            }
            Ok(0)
        }
        None => Err(Failure::silent(FATAL)),
    }
}

/// `sig_find_principals`: the principals of the first allowed_signers line holding the signer's
/// key, one per line.
fn find_principals(
    ctx: &Context,
    console: &mut dyn Console,
    sig_path: &Path,
    allowed: &Path,
) -> Outcome {
    let found = (|| -> Option<String> {
        let (at, _) = process_options(ctx, false)
            .map_err(|e| log(console.err(), e))
            .ok()?;
        let sig = load_signature(console, sig_path, "sig_find_principals")?;
        match check_allowed(console, allowed, &sig.key, None, None, at) {
            Ok(principals) => Some(principals),
            Err(Unmatched::NotFound) => None,
            Err(Unmatched::Unreadable(e)) => {
                log(console.err(), msg::find_principal_failed(e));
                None
            }
        }
    })();
    match found {
        Some(principals) => {
            for p in principals.split(',').take_while(|p| !p.is_empty()) {
                let _ = writeln!(console.out(), "{p}");
            }
            Ok(0)
        }
        None => {
            let _ = writeln!(console.err(), "{}", msg::NO_PRINCIPAL_MATCHED);
            Err(Failure::silent(FATAL))
        }
    }
}

/// The options of an allowed_signers line (sshsig.c `sigopts_parse`).
#[derive(Default)]
struct SignerOptions {
    cert_authority: bool,
    namespaces: Option<String>,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
}

/// auth-options.c `opt_dequote`: a double-quoted value with `\"` escapes.
fn dequote(s: &str) -> Result<(String, &str), &'static str> {
    let rest = s.strip_prefix('"').ok_or(msg::OPT_MISSING_START_QUOTE)?;
    let mut value = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &rest[i + 1..])),
            '\\' if rest[i + 1..].starts_with('"') => {
                value.push('"');
                chars.next();
            }
            _ => value.push(c),
        }
    }
    Err(msg::OPT_MISSING_END_QUOTE)
}

fn parse_options(mut s: &str) -> Result<SignerOptions, &'static str> {
    let mut o = SignerOptions::default();
    let starts =
        |s: &str, word: &str| s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word);
    while !s.is_empty() && !s.starts_with([' ', '\t']) {
        if starts(s, "cert-authority") {
            o.cert_authority = true;
            s = &s["cert-authority".len()..];
        } else if starts(s, "namespaces=") {
            if o.namespaces.is_some() {
                return Err(msg::OPT_MULTIPLE_NAMESPACES);
            }
            let (v, rest) = dequote(&s["namespaces=".len()..])?;
            o.namespaces = Some(v);
            s = rest;
        } else if starts(s, "valid-after=") || starts(s, "valid-before=") {
            let after = starts(s, "valid-after=");
            let (name, slot) = if after {
                ("valid-after=", &mut o.valid_after)
            } else {
                ("valid-before=", &mut o.valid_before)
            };
            if slot.is_some() {
                return Err(if after {
                    msg::OPT_MULTIPLE_VALID_AFTER
                } else {
                    msg::OPT_MULTIPLE_VALID_BEFORE
                });
            }
            let (v, rest) = dequote(&s[name.len()..])?;
            let t = parse_expiry(&v).map(|e| e.unix_time(0)).ok_or(if after {
                msg::OPT_INVALID_VALID_AFTER
            } else {
                msg::OPT_INVALID_VALID_BEFORE
            })?;
            *slot = Some(t);
            s = rest;
        }
        if s.is_empty() || s.starts_with([' ', '\t']) {
            break;
        }
        s = s.strip_prefix(',').ok_or(msg::OPT_UNKNOWN)?;
        if s.is_empty() {
            return Err(msg::OPT_UNEXPECTED_END);
        }
    }
    if let (Some(a), Some(b)) = (o.valid_after, o.valid_before)
        && b <= a
    {
        return Err(msg::OPT_BEFORE_BEFORE_AFTER);
    }
    Ok(o)
}

/// misc.c `format_absolute_time` (in UTC here).
pub(crate) fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `strdelimw`: the first whitespace-delimited word (a double-quoted part may hold blanks) and
/// the rest after the blanks that follow it.
fn first_word(s: &str) -> Option<(String, &str)> {
    let is_blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let end = s.find(|c: char| is_blank(c) || c == '"').unwrap_or(s.len());
    if s[end..].starts_with('"') {
        let after = &s[end + 1..];
        let close = after.find('"')?;
        let word = format!("{}{}", &s[..end], &after[..close]);
        return Some((word, after[close + 1..].trim_start_matches(is_blank)));
    }
    let rest = s[end..].trim_start_matches(is_blank);
    Some((s[..end].to_string(), rest))
}

/// Why no allowed_signers line admitted a key.
enum Unmatched {
    /// No line did.
    NotFound,
    /// The file could not be read (the reason in strerror's words).
    Unreadable(String),
}

/// `sshsig_check_allowed_keys` / `sshsig_find_principals`: the principals of the first line that
/// admits `key` (and `principal` and `namespace` when given) at time `at`. Problems with lines
/// are logged as OpenSSH logs them.
fn check_allowed(
    console: &mut dyn Console,
    path: &Path,
    key: &PublicKey,
    principal: Option<&str>,
    namespace: Option<&str>,
    at: i64,
) -> Result<String, Unmatched> {
    let display = path.display();
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            log(
                console.err(),
                msg::unable_to_open_allowed_keys(&display, strerror(&e)),
            );
            return Err(Unmatched::Unreadable(strerror(&e)));
        }
    };
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let n = index + 1;
        let cp = line.trim_start_matches([' ', '\t']);
        if cp.is_empty() || cp.starts_with(['#', '\n']) {
            continue;
        }
        let Some((principals, rest)) = first_word(cp) else {
            log(
                console.err(),
                msg::allowed_signers_line(&display, n, "invalid line"),
            );
            continue;
        };
        if let Some(p) = principal
            && match_pattern_list(p, &principals, false) != ListMatch::Positive
        {
            continue;
        }
        let (found, options) = match read_key(rest) {
            Some((k, _)) => (k, ""),
            None => {
                // Options first: skip them, honouring quotes.
                let mut quoted = false;
                let mut end = rest.len();
                let bytes = rest.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if bytes.get(i + 1) == Some(&b'"') => i += 1,
                        b'"' => quoted = !quoted,
                        b' ' | b'\t' if !quoted => {
                            end = i;
                            break;
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if quoted {
                    log(
                        console.err(),
                        msg::allowed_signers_line(&display, n, "invalid options"),
                    );
                    continue;
                }
                let after = rest[end..].trim_start_matches([' ', '\t']);
                if end == rest.len() || after.trim_end().is_empty() {
                    log(
                        console.err(),
                        msg::allowed_signers_line(&display, n, "missing key"),
                    );
                    continue;
                }
                match read_key(after) {
                    Some((k, _)) => (k, &rest[..end]),
                    None => {
                        log(
                            console.err(),
                            msg::allowed_signers_line(&display, n, "invalid key"),
                        );
                        continue;
                    }
                }
            }
        };
        let opts = match parse_options(options.trim_end_matches(['\r', '\n'])) {
            Ok(o) => o,
            Err(why) => {
                log(
                    console.err(),
                    msg::allowed_signers_bad_options(&display, n, why),
                );
                continue;
            }
        };
        // The key first: options only matter (and are only reported) for the signer's own line.
        // A CA line vouches only for certificates, which oxssh does not read.
        if opts.cert_authority || &found != key {
            continue;
        }
        if let (Some(ns), Some(allowed)) = (namespace, &opts.namespaces)
            && match_pattern_list(ns, allowed, false) != ListMatch::Positive
        {
            log(console.err(), msg::namespace_not_permitted(&display, n, ns));
            continue;
        }
        if let Some(after) = opts.valid_after.filter(|&a| at < a) {
            log(
                console.err(),
                msg::key_not_yet_valid(&display, n, &format_time(at), &format_time(after)),
            );
            continue;
        }
        if let Some(before) = opts.valid_before.filter(|&b| at > b) {
            log(
                console.err(),
                msg::key_expired(&display, n, &format_time(at), &format_time(before)),
            );
            continue;
        }
        return Ok(principals);
    }
    Err(Unmatched::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_like_strftime() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00");
        assert_eq!(format_time(1_893_456_000), "2030-01-01T00:00:00");
        assert_eq!(format_time(951_782_400 + 3661), "2000-02-29T01:01:01");
    }

    #[test]
    fn options_parse_like_sigopts_parse() {
        let o = parse_options(r#"namespaces="git,file",valid-after="20200101",cert-authority"#)
            .unwrap();
        assert_eq!(o.namespaces.as_deref(), Some("git,file"));
        assert!(o.cert_authority);
        assert_eq!(o.valid_after, Some(1_577_836_800));
        assert_eq!(parse_options("bogus").err(), Some("unknown key option"));
        assert_eq!(
            parse_options("cert-authority,").err(),
            Some("unexpected end-of-options")
        );
        assert_eq!(
            parse_options("namespaces=git").err(),
            Some("missing start quote")
        );
        assert_eq!(
            parse_options(r#"valid-after="20300101",valid-before="20200101""#).err(),
            Some("\"valid-before\" time is before \"valid-after\"")
        );
    }

    #[test]
    fn principals_may_be_quoted() {
        assert_eq!(first_word("a,b key").unwrap(), ("a,b".to_string(), "key"));
        assert_eq!(
            first_word("\"a b\" key").unwrap(),
            ("a b".to_string(), "key")
        );
        assert!(first_word("\"open").is_none());
    }
}
