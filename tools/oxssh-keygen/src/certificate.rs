//! `-L`: the contents of OpenSSH certificates (PROTOCOL.certkeys), printed as ssh-keygen.c
//! `do_show_cert` and `print_cert` print them; `sign_cert` makes them.

use oxssh_keys::{FingerprintHash, PublicKey};
use oxssh_wire::{Reader, WireError};

use crate::Context;
use crate::error::{Failure, Outcome};
use crate::fingerprint::{KeySource, read_source};
use crate::messages as msg;
use crate::prompt::{Console, log};

/// The certificate key types and the plain type whose fields follow the nonce.
pub(crate) const CERT_TYPES: &[(&str, &str, usize)] = &[
    ("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", 1),
    ("ssh-rsa-cert-v01@openssh.com", "ssh-rsa", 2),
    (
        "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256",
        2,
    ),
    (
        "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384",
        2,
    ),
    (
        "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521",
        2,
    ),
];

/// A parsed certificate: what `-L` shows.
struct Certificate<'a> {
    cert_type: &'static str,
    key: PublicKey,
    serial: u64,
    kind: u32,
    key_id: &'a [u8],
    principals: Vec<&'a [u8]>,
    valid_after: u64,
    valid_before: u64,
    critical: &'a [u8],
    extensions: &'a [u8],
    signature_key: PublicKey,
    signature_type: &'a [u8],
}

/// Why a line is not a certificate.
enum NotCert {
    /// Not a key at all (or a broken one).
    Invalid,
    /// A plain key.
    Plain,
}

fn wire(_: WireError) -> NotCert {
    NotCert::Invalid
}

/// Parses `type base64 [comment]` into a certificate.
fn parse_line(line: &str) -> Result<(Vec<u8>, &'static str), NotCert> {
    let mut words = line.split_whitespace();
    let name = words.next().ok_or(NotCert::Invalid)?;
    let data = words.next().ok_or(NotCert::Invalid)?;
    let blob = base64_decode(data).ok_or(NotCert::Invalid)?;
    match CERT_TYPES.iter().find(|(cert, _, _)| *cert == name) {
        Some((cert, _, _)) => Ok((blob, cert)),
        None if PublicKey::from_blob(&blob).is_ok() => Err(NotCert::Plain),
        None => Err(NotCert::Invalid),
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn parse(blob: &[u8]) -> Result<Certificate<'_>, NotCert> {
    let mut r = Reader::new(blob);
    let name = r.read_string("certificate type").map_err(wire)?;
    let &(cert_type, plain, fields) = CERT_TYPES
        .iter()
        .find(|(cert, _, _)| cert.as_bytes() == name)
        .ok_or(NotCert::Invalid)?;
    r.read_string("nonce").map_err(wire)?;
    // The plain key's blob: its type, then the same fields the certificate carries.
    let mut plain_blob = Vec::new();
    push_string(&mut plain_blob, plain.as_bytes());
    for _ in 0..fields {
        push_string(&mut plain_blob, r.read_string("key field").map_err(wire)?);
    }
    let key = PublicKey::from_blob(&plain_blob).map_err(|_| NotCert::Invalid)?;
    let serial = r.read_u64("serial").map_err(wire)?;
    let kind = r.read_u32("type").map_err(wire)?;
    let key_id = r.read_string("key id").map_err(wire)?;
    let mut names = Reader::new(r.read_string("principals").map_err(wire)?);
    let mut principals = Vec::new();
    while !names.is_empty() {
        principals.push(names.read_string("principal").map_err(wire)?);
    }
    let valid_after = r.read_u64("valid after").map_err(wire)?;
    let valid_before = r.read_u64("valid before").map_err(wire)?;
    let critical = r.read_string("critical options").map_err(wire)?;
    let extensions = r.read_string("extensions").map_err(wire)?;
    r.read_string("reserved").map_err(wire)?;
    let signature_key = PublicKey::from_blob(r.read_string("signature key").map_err(wire)?)
        .map_err(|_| NotCert::Invalid)?;
    let mut signature = Reader::new(r.read_string("signature").map_err(wire)?);
    let signature_type = signature.read_string("signature type").map_err(wire)?;
    r.finish("certificate").map_err(wire)?;
    Ok(Certificate {
        cert_type,
        key,
        serial,
        kind,
        key_id,
        principals,
        valid_after,
        valid_before,
        critical,
        extensions,
        signature_key,
        signature_type,
    })
}

fn push_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// sshkey.c `sshkey_format_cert_validity`.
pub(crate) fn validity(after: u64, before: u64) -> String {
    let time = |t: u64| crate::signature::format_time(i64::try_from(t).unwrap_or(i64::MAX));
    match (after, before) {
        (0, u64::MAX) => "forever".to_owned(),
        (0, b) => format!("before {}", time(b)),
        (a, u64::MAX) => format!("after {}", time(a)),
        (a, b) => format!("from {} to {}", time(a), time(b)),
    }
}

/// ssh-keygen.c `show_options`: one line per option, with the argument of the two critical
/// options that carry one.
fn options(data: &[u8], critical: bool) -> Result<String, NotCert> {
    const FLAGS: &[&str] = &[
        "permit-X11-forwarding",
        "permit-agent-forwarding",
        "permit-port-forwarding",
        "permit-pty",
        "permit-user-rc",
        "no-touch-required",
    ];
    let mut out = String::new();
    let mut r = Reader::new(data);
    while !r.is_empty() {
        let name = text(r.read_string("option name").map_err(wire)?);
        let mut value = Reader::new(r.read_string("option value").map_err(wire)?);
        out.push_str(&format!("                {name}"));
        if !critical && FLAGS.contains(&name.as_str()) {
            out.push('\n');
        } else if critical && (name == "force-command" || name == "source-address") {
            let arg = text(value.read_string("option argument").map_err(wire)?);
            out.push_str(&format!(" {arg}\n"));
        } else if critical && name == "verify-required" {
            out.push('\n');
        } else {
            let rest = value.take_rest();
            if rest.is_empty() {
                out.push_str(" UNKNOWN FLAG OPTION\n");
            } else {
                let hex: String = rest.iter().map(|b| format!("{b:02x}")).collect();
                out.push_str(&format!(" UNKNOWN OPTION: {hex} (len {})\n", rest.len()));
            }
        }
        if !value.is_empty() {
            return Err(NotCert::Invalid);
        }
    }
    Ok(out)
}

/// ssh-keygen.c `print_cert`.
fn render(c: &Certificate<'_>, hash: FingerprintHash) -> Result<String, NotCert> {
    let kind = match c.kind {
        1 => "user",
        2 => "host",
        _ => "unknown",
    };
    let mut s = String::new();
    s.push_str(&format!(
        "        Type: {} {kind} certificate\n",
        c.cert_type
    ));
    s.push_str(&format!(
        "        Public key: {}-CERT {}\n",
        c.key.key_type().display_name(),
        c.key.fingerprint(hash)
    ));
    s.push_str(&format!(
        "        Signing CA: {} {} (using {})\n",
        c.signature_key.key_type().display_name(),
        c.signature_key.fingerprint(hash),
        text(c.signature_type)
    ));
    s.push_str(&format!("        Key ID: \"{}\"\n", text(c.key_id)));
    s.push_str(&format!("        Serial: {}\n", c.serial));
    s.push_str(&format!(
        "        Valid: {}\n",
        validity(c.valid_after, c.valid_before)
    ));
    s.push_str("        Principals: ");
    if c.principals.is_empty() {
        s.push_str("(none)\n");
    } else {
        for p in &c.principals {
            s.push_str(&format!("\n                {}", text(p)));
        }
        s.push('\n');
    }
    s.push_str("        Critical Options: ");
    if c.critical.is_empty() {
        s.push_str("(none)\n");
    } else {
        s.push('\n');
        s.push_str(&options(c.critical, true)?);
    }
    s.push_str("        Extensions: ");
    if c.extensions.is_empty() {
        s.push_str("(none)\n");
    } else {
        s.push('\n');
        s.push_str(&options(c.extensions, false)?);
    }
    Ok(s)
}

/// `-L [-E hash] [-f file]`: exit 0 when at least one certificate was shown.
pub fn show(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let KeySource {
        path,
        display,
        from_stdin,
        data,
    } = read_source(ctx, console)?;
    let mut shown = false;
    let text = String::from_utf8_lossy(&data);
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let lnum = index + 1;
        let line = raw.trim_start_matches([' ', '\t']);
        // As do_show_cert: only a comment or the very end is skipped; a blank line still holds
        // its newline there and is reported as an invalid key.
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let rendered = parse_line(line).and_then(|(blob, _)| {
            let cert = parse(&blob)?;
            render(&cert, opts.hash)
        });
        match rendered {
            Ok(text) => {
                shown = true;
                let out = console.out();
                if lnum == 1 && !from_stdin {
                    let _ = write!(out, "{}:\n{text}", path.display());
                } else {
                    let _ = write!(out, "{display}:{lnum}:\n{text}");
                }
            }
            Err(NotCert::Plain) => log(console.err(), msg::not_a_certificate(&display, lnum)),
            Err(NotCert::Invalid) => log(console.err(), msg::invalid_key_line(&display, lnum)),
        }
    }
    if shown {
        Ok(0)
    } else {
        Err(Failure::silent(1))
    }
}
