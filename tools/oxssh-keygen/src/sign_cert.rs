//! `-s ca_key -I id [-h] [-n principals] [-V validity] [-z serial] [-O option] file ...`:
//! certificates signed by a CA key, built and worded as ssh-keygen.c `do_ca_sign` builds them
//! (PROTOCOL.certkeys). Signing through an agent (`-U`) waits.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oxssh_keys::authorized_keys::parse_expiry;
use oxssh_keys::{KeyType, SignatureAlgorithm};
use oxssh_wire::Writer;

use crate::Context;
use crate::certificate::{CERT_TYPES, validity};
use crate::change::load_identity;
use crate::error::{Failure, Outcome};
use crate::files::write_atomic;
use crate::keyfile::{self, key_error_text};
use crate::messages as msg;
use crate::prompt::{Console, log};

/// The certificate's restrictions and permissions, as `-O` builds them.
struct CertOptions {
    permit_x11: bool,
    permit_agent: bool,
    permit_port: bool,
    permit_pty: bool,
    permit_user_rc: bool,
    no_touch_required: bool,
    verify_required: bool,
    force_command: Option<String>,
    source_address: Option<String>,
    /// `extension:` and `critical:` options: (critical, name, value).
    custom: Vec<(bool, String, Option<String>)>,
}

impl Default for CertOptions {
    /// A user certificate permits everything by default.
    fn default() -> Self {
        Self {
            permit_x11: true,
            permit_agent: true,
            permit_port: true,
            permit_pty: true,
            permit_user_rc: true,
            no_touch_required: false,
            verify_required: false,
            force_command: None,
            source_address: None,
            custom: Vec::new(),
        }
    }
}

/// ssh-keygen.c `add_cert_option`.
fn add_option(o: &mut CertOptions, opt: &str) -> Result<(), String> {
    let lower = opt.to_ascii_lowercase();
    let flag = |o: &mut CertOptions, name: &str, on: bool| -> bool {
        let slot = match name {
            "x11-forwarding" => &mut o.permit_x11,
            "agent-forwarding" => &mut o.permit_agent,
            "port-forwarding" => &mut o.permit_port,
            "pty" => &mut o.permit_pty,
            "user-rc" => &mut o.permit_user_rc,
            _ => return false,
        };
        *slot = on;
        true
    };
    if lower == "clear" {
        o.permit_x11 = false;
        o.permit_agent = false;
        o.permit_port = false;
        o.permit_pty = false;
        o.permit_user_rc = false;
        o.no_touch_required = false;
        o.verify_required = false;
    } else if let Some(name) = lower.strip_prefix("no-")
        && flag(o, name, false)
    {
    } else if let Some(name) = lower.strip_prefix("permit-")
        && flag(o, name, true)
    {
    } else if lower == "touch-required" {
        o.no_touch_required = false;
    } else if lower == "no-touch-required" {
        o.no_touch_required = true;
    } else if lower == "no-verify-required" {
        o.verify_required = false;
    } else if lower == "verify-required" {
        o.verify_required = true;
    } else if lower.starts_with("force-command=") {
        let value = &opt["force-command=".len()..];
        if value.is_empty() {
            return Err(msg::CERT_EMPTY_FORCE_COMMAND.into());
        }
        if o.force_command.is_some() {
            return Err(msg::CERT_FORCE_COMMAND_TWICE.into());
        }
        o.force_command = Some(value.to_owned());
    } else if lower.starts_with("source-address=") {
        let value = &opt["source-address=".len()..];
        if value.is_empty() {
            return Err(msg::CERT_EMPTY_SOURCE_ADDRESS.into());
        }
        if o.source_address.is_some() {
            return Err(msg::CERT_SOURCE_ADDRESS_TWICE.into());
        }
        o.source_address = Some(value.to_owned());
    } else if lower.starts_with("extension:") || lower.starts_with("critical:") {
        let critical = lower.starts_with("critical:");
        let rest = &opt[opt.find(':').unwrap_or(0) + 1..];
        let (name, value) = match rest.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (rest.to_owned(), None),
        };
        o.custom.push((critical, name, value));
    } else {
        return Err(msg::cert_unsupported_option(opt));
    }
    Ok(())
}

fn flag_option(out: &mut Vec<u8>, name: &str) {
    out.write_string(name.as_bytes());
    out.write_string(b"");
}

fn string_option(out: &mut Vec<u8>, name: &str, value: &str) {
    let mut inner = Vec::new();
    inner.write_string(value.as_bytes());
    out.write_string(name.as_bytes());
    out.write_string(&inner);
}

/// ssh-keygen.c `prepare_options_buf`: the critical options and the extensions, each sorted by
/// name as PROTOCOL.certkeys requires.
fn encode_options(o: &CertOptions, host: bool) -> (Vec<u8>, Vec<u8>) {
    let mut critical: Vec<(String, Option<String>)> = Vec::new();
    let mut extensions: Vec<(String, Option<String>)> = Vec::new();
    if o.verify_required {
        critical.push(("verify-required".into(), None));
    }
    if let Some(c) = &o.force_command {
        critical.push(("force-command".into(), Some(c.clone())));
    }
    if let Some(a) = &o.source_address {
        critical.push(("source-address".into(), Some(a.clone())));
    }
    if !host {
        for (on, name) in [
            (o.no_touch_required, "no-touch-required"),
            (o.permit_x11, "permit-X11-forwarding"),
            (o.permit_agent, "permit-agent-forwarding"),
            (o.permit_port, "permit-port-forwarding"),
            (o.permit_pty, "permit-pty"),
            (o.permit_user_rc, "permit-user-rc"),
        ] {
            if on {
                extensions.push((name.into(), None));
            }
        }
    }
    for (is_critical, name, value) in &o.custom {
        let list = if *is_critical {
            &mut critical
        } else {
            &mut extensions
        };
        list.push((name.clone(), value.clone()));
    }
    let encode = |mut list: Vec<(String, Option<String>)>| {
        list.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut out = Vec::new();
        for (name, value) in &list {
            match value {
                Some(v) => string_option(&mut out, name, v),
                None => flag_option(&mut out, name),
            }
        }
        out
    };
    (encode(critical), encode(extensions))
}

/// ssh-keygen.c `parse_cert_times`, with times read as UTC.
fn parse_validity(spec: &str, now: i64) -> Result<(u64, u64), String> {
    let relative = |s: &str| -> Result<u64, String> {
        let negative = s.starts_with('-');
        let secs = parse_duration(&s[1..]).ok_or_else(|| msg::cert_invalid_relative_time(s))?;
        let t = if negative { now - secs } else { now + secs };
        u64::try_from(t).map_err(|_| msg::cert_time_not_representable(s))
    };
    let absolute = |s: &str| -> Option<u64> {
        parse_expiry(s).and_then(|e| u64::try_from(e.unix_time(0)).ok())
    };
    if spec.starts_with('+') && !spec.contains(':') {
        let secs =
            parse_duration(&spec[1..]).ok_or_else(|| msg::cert_invalid_relative_life(spec))?;
        // Backdated a minute, for hosts whose clocks run a little behind.
        let from = (now - 59).div_euclid(60) * 60;
        return Ok((u64::try_from(from).unwrap_or(0), (now + secs) as u64));
    }
    let Some((from, to)) = spec
        .split_once(':')
        .filter(|(f, t)| !f.is_empty() && !t.is_empty())
    else {
        return Err(msg::cert_invalid_life(spec));
    };
    let from = if from.starts_with(['-', '+']) {
        relative(from)?
    } else if from == "always" {
        0
    } else {
        absolute(from).ok_or_else(|| msg::cert_invalid_from(from))?
    };
    let to = if to.starts_with(['-', '+']) {
        relative(to)?
    } else if to == "forever" {
        u64::MAX
    } else {
        absolute(to).ok_or_else(|| msg::cert_invalid_to(to))?
    };
    if to <= from {
        return Err(msg::CERT_EMPTY_VALIDITY.into());
    }
    Ok((from, to))
}

/// misc.c `convtime`: `90`, `1h30m`, `2d`, `1w`.
fn parse_duration(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    if !digits.is_empty() {
        total = total.checked_add(digits.parse().ok()?)?;
    }
    (total <= i64::from(i32::MAX)).then_some(total)
}

/// `-s`: certifies each public key file given, writing `<name>-cert.pub` beside it.
pub fn sign(ctx: &Context, console: &mut dyn Console, ca_path: &Path) -> Outcome {
    let opts = &ctx.options;
    let key_id = opts
        .identity
        .clone()
        .ok_or_else(|| Failure::fatal(msg::CERT_NEED_KEY_ID))?;
    if opts.args.is_empty() {
        return Err(Failure::usage(None));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (valid_after, valid_before) = match &opts.validity {
        Some(spec) => parse_validity(spec, now).map_err(Failure::fatal)?,
        None => (0, u64::MAX),
    };
    let mut options = CertOptions::default();
    for o in &opts.extra {
        add_option(&mut options, o).map_err(Failure::fatal)?;
    }
    let principals: Vec<String> = match &opts.principals {
        Some(list) => list.split(',').map(str::to_owned).collect(),
        None => Vec::new(),
    };
    if principals.iter().any(String::is_empty) {
        return Err(Failure::fatal(msg::CERT_EMPTY_PRINCIPAL));
    }
    let ca = load_identity(ctx, console, ca_path)?.key;
    let sig_alg = match ca.key_type() {
        KeyType::Rsa => SignatureAlgorithm::RsaSha512,
        other => other.signature_algorithms()[0],
    };
    let (critical, extensions) = encode_options(&options, opts.host_certificate);
    for arg in &opts.args {
        let path = PathBuf::from(arg);
        let (public, comment) = keyfile::load_public(&path)
            .map_err(|e| Failure::fatal(msg::cert_load_pubkey(path.display(), e)))?;
        let plain = public.blob();
        let mut r = oxssh_wire::Reader::new(plain);
        let type_name = r.read_string("key type").unwrap_or_default();
        let fields = r.take_rest();
        let Some(&(cert_type, _, _)) = CERT_TYPES
            .iter()
            .find(|(_, p, _)| p.as_bytes() == type_name)
        else {
            return Err(Failure::fatal(msg::cert_cannot_certify(path.display())));
        };
        let mut nonce = [0u8; 32];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| Failure::fatal("random"))?;
        let mut names = Vec::new();
        for p in &principals {
            names.write_string(p.as_bytes());
        }
        let mut blob = Vec::new();
        blob.write_string(cert_type.as_bytes());
        blob.write_string(&nonce);
        blob.write_raw(fields);
        blob.write_u64(opts.serial);
        blob.write_u32(if opts.host_certificate { 2 } else { 1 });
        blob.write_string(key_id.as_bytes());
        blob.write_string(&names);
        blob.write_u64(valid_after);
        blob.write_u64(valid_before);
        blob.write_string(&critical);
        blob.write_string(&extensions);
        blob.write_string(b"");
        blob.write_string(ca.public().blob());
        let signature = ca
            .sign(sig_alg, &blob)
            .map_err(|e| Failure::fatal(msg::cert_couldnt_sign(key_error_text(&e))))?;
        blob.write_string(&signature);

        let text = path.display().to_string();
        let base = text.strip_suffix(".pub").unwrap_or(&text);
        let out = PathBuf::from(format!("{base}-cert.pub"));
        let line = format!(
            "{cert_type} {} {}\n",
            STANDARD.encode(&blob),
            comment.unwrap_or_default()
        );
        write_atomic(&out, line.as_bytes(), 0o644)
            .map_err(|e| Failure::fatal(msg::cert_write_failed(out.display(), e)))?;
        if !opts.quiet {
            log(
                console.err(),
                msg::cert_signed(
                    if opts.host_certificate {
                        "host"
                    } else {
                        "user"
                    },
                    out.display(),
                    &key_id,
                    opts.serial,
                    opts.principals.as_deref(),
                    &validity(valid_after, valid_before),
                ),
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_specifications_as_openssh_reads_them() {
        let now = 1_800_000_000;
        assert_eq!(parse_validity("always:forever", now), Ok((0, u64::MAX)));
        assert_eq!(
            parse_validity("+1w", now),
            Ok((1_799_999_940, 1_800_604_800))
        );
        assert_eq!(
            parse_validity("-1d:+1h", now),
            Ok((1_799_913_600, 1_800_003_600))
        );
        assert_eq!(
            parse_validity("20300101:20310101Z", now),
            Ok((1_893_456_000, 1_924_992_000))
        );
        assert!(parse_validity("+1x", now).is_err());
        assert!(parse_validity("20310101:20300101", now).is_err());
        assert!(parse_validity("always:", now).is_err());
    }

    #[test]
    fn durations_as_convtime() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("2W"), Some(1_209_600));
        assert_eq!(parse_duration("1y"), None);
    }
}
