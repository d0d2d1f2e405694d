//! Command-line parsing the way ssh-keygen's `getopt` loop does it: single-letter options that can
//! be bundled (`-lvf key`), values attached or separate (`-fkey`, `-f key`), and the same errors
//! and exit statuses ("unknown option -- x", "option requires an argument -- f", then usage).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use oxssh_keys::FingerprintHash;
use zeroize::Zeroizing;

use crate::error::Failure;
use crate::messages as msg;

/// The `-m` formats: for `-e`/`-i` conversions, and for private keys written by `-p`, `-c` and
/// generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// RFC 4716 ("SSH2") public keys; private keys stay openssh-key-v1.
    Rfc4716,
    /// PKCS#8 `PUBLIC KEY` / `PRIVATE KEY`.
    Pkcs8,
    /// `RSA PUBLIC KEY` / traditional `RSA PRIVATE KEY` and `EC PRIVATE KEY`.
    Pem,
}

/// What ssh-keygen was asked to do, in the order `main()` checks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `-F`, `-R`, `-H`.
    KnownHosts,
    /// `-l`.
    Fingerprint,
    /// `-p`.
    ChangePassphrase,
    /// `-c`.
    ChangeComment,
    /// `-e`.
    ConvertTo,
    /// `-i`.
    ConvertFrom,
    /// `-y`.
    PrintPublic,
    /// `-A`.
    HostKeys,
    /// `-Y`.
    Signature,
    /// `-L`.
    ShowCertificate,
    /// `-s` (without `-Y`).
    SignCertificates,
    /// No action flag: make a key pair.
    Generate,
}

/// The parsed command line.
#[derive(Debug, Default)]
pub struct Options {
    /// `-q`.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `-b`.
    pub bits: Option<u32>,
    /// `-a`.
    pub rounds: Option<u32>,
    /// `-C`.
    pub comment: Option<String>,
    /// `-f`.
    pub file: Option<PathBuf>,
    /// `-P`.
    pub passphrase: Option<Zeroizing<Vec<u8>>>,
    /// `-N`.
    pub new_passphrase: Option<Zeroizing<Vec<u8>>>,
    /// `-t`.
    pub key_type: Option<String>,
    /// `-E`.
    pub hash: FingerprintHash,
    /// `-m`.
    pub format: Option<KeyFormat>,
    /// `-A`.
    pub gen_all_host_keys: bool,
    /// `-H`.
    pub hash_hosts: bool,
    /// `-F`.
    pub find_host: bool,
    /// `-R`.
    pub delete_host: bool,
    /// The host of the last `-F` or `-R`.
    pub host: Option<String>,
    /// `-l`.
    pub print_fingerprint: bool,
    /// `-L`.
    pub show_certificate: bool,
    /// `-h`: certify a host key.
    pub host_certificate: bool,
    /// `-V`: the certificate's validity interval.
    pub validity: Option<String>,
    /// `-z`: the certificate's serial number.
    pub serial: u64,
    /// `-p`.
    pub change_passphrase: bool,
    /// `-c`.
    pub change_comment: bool,
    /// `-e`.
    pub convert_to: bool,
    /// `-i` / `-X`.
    pub convert_from: bool,
    /// `-y`.
    pub print_public: bool,
    /// Operands after the options.
    pub args: Vec<OsString>,
    /// `-Y`: the signature operation.
    pub sign_op: Option<String>,
    /// `-I`: the signer identity (`-Y verify`) or certificate key id.
    pub identity: Option<String>,
    /// `-n`: the signature namespace (`-Y`) or certificate principals.
    pub principals: Option<String>,
    /// `-s`: the signature file (`-Y`) or CA key.
    pub signature_file: Option<PathBuf>,
    /// `-O`: options, in order.
    pub extra: Vec<String>,
    /// `-r`: the revocation list (`-Y verify`) or the SSHFP host name.
    pub revocation: Option<String>,
    /// The first option given that oxssh-keygen recognises but does not implement.
    pub unsupported: Option<String>,
}

/// Options that take a value, as in ssh-keygen's getopt string.
const WITH_VALUE: &str = "CDEFIMNOPRVYZabfgmnrstwz";
/// Options without a value.
const FLAGS: &str = "ABHKLQUXceghiklopquvy";

/// Parses `argv` without the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Options, Failure> {
    use lexopt::Arg;
    let mut parser = lexopt::Parser::from_args(args);
    let mut o = Options::default();
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(Failure::usage(Some(e.to_string()))),
        };
        let letter = match arg {
            Arg::Value(v) => {
                o.args.push(v);
                continue;
            }
            // BSD getopt reads "--name" as the option letter '-'.
            Arg::Long(_) => return Err(Failure::usage(Some(msg::unknown_option('-')))),
            Arg::Short(c) => c,
        };
        if !(FLAGS.contains(letter) || WITH_VALUE.contains(letter)) {
            return Err(Failure::usage(Some(msg::unknown_option(letter))));
        }
        let value = if WITH_VALUE.contains(letter) {
            match parser.value() {
                Ok(v) => Some(v),
                Err(_) => return Err(Failure::usage(Some(msg::option_requires_argument(letter)))),
            }
        } else {
            None
        };
        apply(&mut o, letter, value)?;
    }
    Ok(o)
}

fn text(v: Option<OsString>) -> String {
    v.map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn secret(v: Option<OsString>) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(v.map(OsStringExt::into_vec).unwrap_or_default())
}

fn apply(o: &mut Options, letter: char, value: Option<OsString>) -> Result<(), Failure> {
    match letter {
        'A' => o.gen_all_host_keys = true,
        'b' => {
            let v = text(value);
            let bits = strtonum(&v, 1, i64::from(u32::MAX))
                .map_err(|why| Failure::fatal(msg::bits_bad_value(&v, why)))?;
            o.bits = u32::try_from(bits).ok();
        }
        'E' => {
            let v = text(value);
            match FingerprintHash::from_name(&v) {
                Some(hash) => o.hash = hash,
                // OpenSSH knows these digests; oxssh-keys fingerprints with SHA-256 and MD5 only.
                None if ["sha1", "sha384", "sha512"]
                    .iter()
                    .any(|n| v.eq_ignore_ascii_case(n)) =>
                {
                    unsupported(o, format!("-E {v}"))
                }
                None => return Err(Failure::fatal(msg::invalid_hash_algorithm(&v))),
            }
        }
        'F' => {
            o.find_host = true;
            o.host = Some(text(value));
        }
        'H' => o.hash_hosts = true,
        'R' => {
            o.delete_host = true;
            o.host = Some(text(value));
        }
        'l' => o.print_fingerprint = true,
        'L' => o.show_certificate = true,
        'h' => o.host_certificate = true,
        'V' => o.validity = Some(text(value)),
        'z' => {
            let v = text(value);
            o.serial = v
                .parse::<u64>()
                .ok()
                .filter(|_| v.starts_with(|c: char| c.is_ascii_digit()))
                .ok_or_else(|| Failure::fatal(msg::cert_invalid_serial(&v)))?;
        }
        'm' => {
            let v = text(value);
            o.format = Some(
                if v.eq_ignore_ascii_case("RFC4716") || v.eq_ignore_ascii_case("ssh2") {
                    KeyFormat::Rfc4716
                } else if v.eq_ignore_ascii_case("PKCS8") {
                    KeyFormat::Pkcs8
                } else if v.eq_ignore_ascii_case("PEM") {
                    KeyFormat::Pem
                } else {
                    return Err(Failure::fatal(msg::unsupported_conversion_format(&v)));
                },
            );
        }
        'o' => {} // no-op: the new format is already the default
        'p' => o.change_passphrase = true,
        'c' => o.change_comment = true,
        'f' => o.file = value.map(PathBuf::from),
        'P' => o.passphrase = Some(secret(value)),
        'N' => o.new_passphrase = Some(secret(value)),
        'Z' => {
            let v = text(value);
            if !KNOWN_CIPHERS.contains(&v.as_str()) {
                return Err(Failure::fatal(msg::invalid_cipher(&v)));
            }
            // aes256-ctr is what we write anyway; any other cipher is not implemented.
            if v != "aes256-ctr" {
                unsupported(o, format!("-Z {v}"));
            }
        }
        'C' => o.comment = Some(text(value)),
        'q' => o.quiet = true,
        'e' => o.convert_to = true,
        'i' | 'X' => o.convert_from = true,
        'y' => o.print_public = true,
        't' => o.key_type = Some(text(value)),
        'v' => o.verbose = o.verbose.saturating_add(1),
        'a' => {
            let v = text(value);
            let rounds = strtonum(&v, 1, i64::from(i32::MAX))
                .map_err(|why| Failure::fatal(msg::invalid_number(&v, why)))?;
            o.rounds = u32::try_from(rounds).ok();
        }
        'Y' => o.sign_op = Some(text(value)),
        'I' => o.identity = Some(text(value)),
        'n' => o.principals = Some(text(value)),
        's' => o.signature_file = value.map(PathBuf::from),
        'O' => o.extra.push(text(value)),
        'r' => o.revocation = Some(text(value)),
        other => unsupported(o, unsupported_name(other)),
    }
    Ok(())
}

/// The ciphers OpenSSH 9.2 accepts for `-Z`.
const KNOWN_CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
];

fn unsupported(o: &mut Options, what: String) {
    if o.unsupported.is_none() {
        o.unsupported = Some(what);
    }
}

/// Names the features behind the options oxssh-keygen does not implement.
fn unsupported_name(letter: char) -> String {
    let what = match letter {
        'B' => "-B (bubblebabble digests)",
        'D' => "-D (PKCS#11)",
        'K' => "-K (FIDO resident keys)",
        'w' => "-w (FIDO providers)",
        'k' | 'Q' | 'u' => "-k/-Q (key revocation lists)",
        'U' => "-U (signing certificates with a key in the agent)",
        'M' => "-M (moduli)",
        'g' => "-g (SSHFP records)",
        _ => "this option",
    };
    what.to_string()
}

/// OpenBSD `strtonum`: a decimal integer (leading space and a sign allowed) within `min..=max`,
/// or the words it fails with.
pub fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, &'static str> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid");
    }
    // strtoll saturates on overflow and strtonum then reports the direction.
    let value = match digits.parse::<i64>() {
        Ok(v) if negative => -v,
        Ok(v) => v,
        Err(_) if negative => return Err("too small"),
        Err(_) => return Err("too large"),
    };
    if value < min {
        Err("too small")
    } else if value > max {
        Err("too large")
    } else {
        Ok(value)
    }
}

impl Options {
    /// The action `main()` would take, after the argument checks it makes first.
    pub fn action(&self) -> Result<Action, Failure> {
        if let Some(what) = &self.unsupported {
            return Err(Failure::fatal(msg::not_supported(what)));
        }
        // -Y comes first and takes file operands.
        if self.sign_op.is_some() {
            return Ok(Action::Signature);
        }
        // -s without -Y names the CA key: certificates are signed (the files are operands).
        if self.signature_file.is_some() {
            return Ok(Action::SignCertificates);
        }
        if !self.args.is_empty() {
            return Err(Failure::usage(Some(msg::TOO_MANY_ARGUMENTS.into())));
        }
        // ssh-keygen.c main: -L is handled before every other action.
        if self.show_certificate {
            return Ok(Action::ShowCertificate);
        }
        if self.change_passphrase && self.change_comment {
            return Err(Failure::usage(Some(msg::ONLY_ONE_OF_P_AND_C.into())));
        }
        if self.print_fingerprint && (self.delete_host || self.hash_hosts) {
            return Err(Failure::usage(Some(msg::CANNOT_L_WITH_H_OR_R.into())));
        }
        Ok(if self.delete_host || self.hash_hosts || self.find_host {
            Action::KnownHosts
        } else if self.print_fingerprint {
            Action::Fingerprint
        } else if self.change_passphrase {
            Action::ChangePassphrase
        } else if self.change_comment {
            Action::ChangeComment
        } else if self.convert_to {
            Action::ConvertTo
        } else if self.convert_from {
            Action::ConvertFrom
        } else if self.print_public {
            Action::PrintPublic
        } else if self.revocation.is_some() && !self.find_host && !self.delete_host {
            return Err(Failure::fatal(msg::not_supported("-r (SSHFP records)")));
        } else if self.gen_all_host_keys {
            Action::HostKeys
        } else {
            Action::Generate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn bundled_flags_and_attached_values() {
        let o = parse(args(&["-lvEmd5", "-fkey"])).unwrap();
        assert!(o.print_fingerprint);
        assert_eq!(o.verbose, 1);
        assert_eq!(o.hash, FingerprintHash::Md5);
        assert_eq!(o.file, Some(PathBuf::from("key")));
        assert_eq!(o.action().unwrap(), Action::Fingerprint);
    }

    #[test]
    fn empty_value_is_a_value() {
        let o = parse(args(&["-N", "", "-q"])).unwrap();
        assert_eq!(o.new_passphrase.as_deref().map(Vec::len), Some(0));
        assert!(o.quiet);
    }

    #[test]
    fn getopt_errors() {
        let e = parse(args(&["-x"])).unwrap_err();
        assert_eq!(e.message.as_deref(), Some("unknown option -- x"));
        assert!(e.usage);
        let e = parse(args(&["-F"])).unwrap_err();
        assert_eq!(
            e.message.as_deref(),
            Some("option requires an argument -- F")
        );
        let e = parse(args(&["-b", "0"])).unwrap_err();
        assert_eq!(
            e.message.as_deref(),
            Some("Bits has bad value 0 (too small)")
        );
        assert_eq!(e.code, 255);
        let e = parse(args(&["-a", "x"])).unwrap_err();
        assert_eq!(e.message.as_deref(), Some("Invalid number: x (invalid)"));
        let e = parse(args(&["-l", "extra"])).unwrap().action().unwrap_err();
        assert_eq!(e.message.as_deref(), Some("Too many arguments."));
    }

    #[test]
    fn strtonum_matches_openbsd() {
        assert_eq!(strtonum(" +42", 1, 100), Ok(42));
        assert_eq!(strtonum("-1", 1, 100), Err("too small"));
        assert_eq!(strtonum("101", 1, 100), Err("too large"));
        assert_eq!(strtonum("99999999999999999999", 1, 100), Err("too large"));
        assert_eq!(strtonum("12a", 1, 100), Err("invalid"));
        assert_eq!(strtonum("", 1, 100), Err("invalid"));
    }
}
