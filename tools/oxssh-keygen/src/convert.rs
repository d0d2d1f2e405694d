//! `-e` and `-i`: public keys to and from RFC 4716 ("SSH2"), PKCS#8 `PUBLIC KEY` and PEM
//! `RSA PUBLIC KEY`, after ssh-keygen.c `do_convert_to` and `do_convert_from`. Output goes to
//! standard output; nothing is written to disk.
//!
//! RFC 4716 private keys (`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`, the old ssh.com format)
//! are not converted.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use oxssh_keys::{KeyType, PublicKey};
use oxssh_wire::{Reader, Writer};

use crate::change::load_identity;
use crate::cli::KeyFormat;
use crate::der::{self, Spki};
use crate::error::{Failure, Outcome, strerror};
use crate::keyfile::{self, key_error_text};
use crate::messages as msg;
use crate::prompt::Console;
use crate::{Context, ask_filename};

const SSH2_PUBLIC_BEGIN: &str = "---- BEGIN SSH2 PUBLIC KEY ----";
const SSH2_PUBLIC_END: &str = "---- END SSH2 PUBLIC KEY ----";
const SSH2_PRIVATE_BEGIN: &str = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----";
/// `get_line`'s buffer: a longer line is fatal.
const MAX_RFC4716_LINE: usize = 1023;
/// `encoded[8096]`: base64 beyond this is silently dropped by `strlcat`.
const MAX_RFC4716_BASE64: usize = 8095;

/// The public numbers of a key that has a DER form.
pub enum PublicParts<'a> {
    /// RSA modulus and exponent, big-endian magnitudes.
    Rsa {
        /// The modulus.
        n: &'a [u8],
        /// The public exponent.
        e: &'a [u8],
    },
    /// An ECDSA point on a named curve.
    Ecdsa {
        /// The SSH curve name ("nistp256" …).
        curve: &'static str,
        /// The SEC1 uncompressed point.
        point: &'a [u8],
    },
}

/// The DER-representable numbers of `key`; `None` for Ed25519.
fn parts(key: &PublicKey) -> Option<PublicParts<'_>> {
    let mut r = Reader::new(key.blob());
    r.read_string("type").ok()?;
    match key.key_type() {
        KeyType::Rsa => {
            let e = r.read_mpint_positive("e").ok()?;
            let n = r.read_mpint_positive("n").ok()?;
            Some(PublicParts::Rsa { n, e })
        }
        KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
            let curve = match key.key_type() {
                KeyType::EcdsaP256 => "nistp256",
                KeyType::EcdsaP384 => "nistp384",
                _ => "nistp521",
            };
            r.read_string("curve").ok()?;
            let point = r.read_string("point").ok()?;
            Some(PublicParts::Ecdsa { curve, point })
        }
        KeyType::Ed25519 => None,
    }
}

/// The SSH public key with these numbers (validated like any key received from a peer).
fn key_from_parts(parts: &PublicParts<'_>) -> Result<PublicKey, oxssh_keys::KeyError> {
    let mut blob = Vec::new();
    match parts {
        PublicParts::Rsa { n, e } => {
            blob.write_string(b"ssh-rsa");
            blob.write_mpint_positive(e);
            blob.write_mpint_positive(n);
        }
        PublicParts::Ecdsa { curve, point } => {
            blob.write_string(format!("ecdsa-sha2-{curve}").as_bytes());
            blob.write_string(curve.as_bytes());
            blob.write_string(point);
        }
    }
    PublicKey::from_blob(&blob)
}

/// PEM armour with 64-column lines, as OpenSSL writes it.
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The key file from `-f` or asked for, which must exist (`fatal("%s: %s: %s", __progname, …)`).
fn input_path(ctx: &Context, console: &mut dyn Console) -> Result<std::path::PathBuf, Failure> {
    let path = match &ctx.options.file {
        Some(p) => p.clone(),
        None => ask_filename(ctx, console, msg::ASK_KEY_FILE)?,
    };
    std::fs::metadata(&path)
        .map_err(|e| Failure::fatal(msg::progname_path_error(path.display(), strerror(&e))))?;
    Ok(path)
}

/// `-e [-m format]`: a public or private key file's public key in another format.
pub fn export(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let path = input_path(ctx, console)?;
    let key = match keyfile::load_public(&path) {
        Ok((key, _)) => key,
        Err(_) => load_identity(ctx, console, &path)?.key.public().clone(),
    };
    let type_name = key.key_type().display_name();
    let text = match ctx.options.format.unwrap_or(KeyFormat::Rfc4716) {
        KeyFormat::Rfc4716 => {
            let comment = msg::rfc4716_comment(key.bits(), type_name, &ctx.user, &ctx.hostname);
            let b64 = STANDARD.encode(key.blob());
            let mut text = format!("{SSH2_PUBLIC_BEGIN}\nComment: \"{comment}\"\n");
            for chunk in b64.as_bytes().chunks(70) {
                text.push_str(std::str::from_utf8(chunk).unwrap_or_default());
                text.push('\n');
            }
            text.push_str(SSH2_PUBLIC_END);
            text.push('\n');
            text
        }
        KeyFormat::Pkcs8 => match parts(&key) {
            Some(p) => pem("PUBLIC KEY", &der::spki(&p)),
            None => {
                return Err(Failure::fatal(msg::unsupported_key_type_in(
                    "do_convert_to_pkcs8",
                    type_name,
                )));
            }
        },
        KeyFormat::Pem => match parts(&key) {
            Some(PublicParts::Rsa { n, e }) => pem("RSA PUBLIC KEY", &der::rsa_public_key(n, e)),
            Some(p) => pem("PUBLIC KEY", &der::spki(&p)),
            None => {
                return Err(Failure::fatal(msg::unsupported_key_type_in(
                    "do_convert_to_pem",
                    type_name,
                )));
            }
        },
    };
    let _ = console.out().write_all(text.as_bytes());
    Ok(0)
}

/// `-i [-m format]`: an RFC 4716, PKCS#8 or PEM public key as an OpenSSH public key line.
pub fn import(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let path = input_path(ctx, console)?;
    let data = std::fs::read(&path)
        .map_err(|e| Failure::fatal(msg::progname_path_error(path.display(), strerror(&e))))?;
    let key = match ctx.options.format.unwrap_or(KeyFormat::Rfc4716) {
        KeyFormat::Rfc4716 => from_rfc4716(&data)?,
        KeyFormat::Pkcs8 => from_pkcs8(&data, &path)?,
        KeyFormat::Pem => from_pem(&data)?,
    };
    let _ = writeln!(console.out(), "{}", key.to_openssh_line(""));
    Ok(0)
}

/// `get_line`: lines end at `\n`, `\r\n` or a lone `\r`.
fn rfc4716_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\n' => {
                lines.push(&data[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&data[start..i]);
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    // A last line without a terminator is dropped, as get_line reports EOF for it.
    lines
}

/// `do_convert_from_ssh2` for public keys.
fn from_rfc4716(data: &[u8]) -> Result<PublicKey, Failure> {
    let mut encoded = String::new();
    let mut escaped = 0usize;
    let mut private = false;
    for line in rfc4716_lines(data) {
        if line.len() > MAX_RFC4716_LINE {
            return Err(Failure::fatal(msg::RFC4716_LINE_TOO_LONG));
        }
        let line = String::from_utf8_lossy(line);
        if line.ends_with('\\') {
            escaped += 1;
        }
        if line.starts_with("----") || line.contains(": ") {
            if line.contains(SSH2_PRIVATE_BEGIN) {
                private = true;
            }
            if line.contains(" END ") {
                break;
            }
            continue;
        }
        if escaped > 0 {
            // A header continued onto this line.
            escaped -= 1;
            continue;
        }
        let room = MAX_RFC4716_BASE64.saturating_sub(encoded.len());
        encoded.push_str(line.get(..line.len().min(room)).unwrap_or_default());
    }
    if encoded.len() % 4 == 3 && encoded.ends_with("===") {
        encoded.truncate(encoded.len() - 3);
    }
    let lenient = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let blob = lenient
        .decode(compact)
        .map_err(|_| Failure::fatal(msg::rfc4716_base64_decode_failed()))?;
    if private {
        return Err(Failure::fatal(msg::RFC4716_PRIVATE_UNSUPPORTED));
    }
    PublicKey::from_blob(&blob)
        .map_err(|e| Failure::fatal(msg::rfc4716_parse_key_failed(key_error_text(&e))))
}

/// The DER body of the first PEM block whose label is one of `labels`.
fn pem_block<'a>(text: &'a str, labels: &[&'a str]) -> Option<(&'a str, Vec<u8>)> {
    let mut rest = text;
    while let Some(at) = rest.find("-----BEGIN ") {
        let after = &rest[at + 11..];
        let (label, body) = after.split_once("-----")?;
        let end_marker = format!("-----END {label}-----");
        let end = body.find(&end_marker)?;
        if let Some(&wanted) = labels.iter().find(|l| **l == label) {
            let b64: String = body[..end]
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            return STANDARD.decode(b64).ok().map(|der| (wanted, der));
        }
        rest = &body[end + end_marker.len()..];
    }
    None
}

/// `do_convert_from_pkcs8`: OpenSSL's `PEM_read_PUBKEY`, which takes SubjectPublicKeyInfo and
/// (OpenSSL 3) a PKCS#1 `RSA PUBLIC KEY` too.
fn from_pkcs8(data: &[u8], path: &std::path::Path) -> Result<PublicKey, Failure> {
    let text = String::from_utf8_lossy(data);
    let not_recognised = || Failure::fatal(msg::not_a_recognised_public_key(path.display()));
    let (label, der) =
        pem_block(&text, &["PUBLIC KEY", "RSA PUBLIC KEY"]).ok_or_else(not_recognised)?;
    let parts = if label == "RSA PUBLIC KEY" {
        let (n, e) = der::parse_rsa_public_key(&der).ok_or_else(not_recognised)?;
        return key_from_parts(&PublicParts::Rsa { n, e }).map_err(|_| not_recognised());
    } else {
        der::parse_spki(&der).ok_or_else(not_recognised)?
    };
    match parts {
        Spki::Key(p) => key_from_parts(&p).map_err(|_| not_recognised()),
        // OpenSSL's EVP_PKEY_ED25519 number, as OpenSSH 9.2 prints it.
        Spki::Other(oid) if oid == der::OID_ED25519 => {
            Err(Failure::fatal(msg::unsupported_pubkey_type("1087")))
        }
        Spki::Other(_) => Err(not_recognised()),
    }
}

/// `do_convert_from_pem`: a PKCS#1 `RSA PUBLIC KEY`.
fn from_pem(data: &[u8]) -> Result<PublicKey, Failure> {
    let text = String::from_utf8_lossy(data);
    let bad = || Failure::fatal(msg::UNRECOGNISED_RAW_FORMAT);
    let (_, der) = pem_block(&text, &["RSA PUBLIC KEY"]).ok_or_else(bad)?;
    let (n, e) = der::parse_rsa_public_key(&der).ok_or_else(bad)?;
    key_from_parts(&PublicParts::Rsa { n, e }).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4716_headers_and_continuations_are_skipped() {
        let text = "---- BEGIN SSH2 PUBLIC KEY ----\r\n\
                    Comment: \"a long \\\r\n\
                    comment\"\r\n\
                    AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\r\n\
                    ---- END SSH2 PUBLIC KEY ----\r\n";
        let key = from_rfc4716(text.as_bytes()).unwrap();
        assert_eq!(key.key_type(), KeyType::Ed25519);
    }

    #[test]
    fn rfc4716_garbage_is_a_decode_error() {
        let e = from_rfc4716(b"ssh-ed25519 AAAA comment\n").unwrap_err();
        assert_eq!(
            e.message.as_deref(),
            Some("do_convert_from_ssh2: base64 decode: invalid format")
        );
    }
}
