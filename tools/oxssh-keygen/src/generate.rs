//! Making a key pair (ssh-keygen's default action): choose the type and size, generate, ask where
//! to save it, create `~/.ssh`, confirm an overwrite, ask for a passphrase twice, save both halves,
//! and show the fingerprint and randomart — in OpenSSH's order and words.

use std::path::Path;

use oxssh_keys::{DEFAULT_KDF_ROUNDS, DEFAULT_RSA_BITS, KeyType, PrivateKey, randomart};
use zeroize::Zeroizing;

use crate::error::{Failure, Outcome, strerror};
use crate::keyfile::{public_path, save_private, save_public};
use crate::messages as msg;
use crate::prompt::{Console, log};
use crate::{Context, ask_filename};

/// The key type named by `-t`, before the size is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChoice {
    /// `rsa`, `ssh-rsa`, `rsa-sha2-256`, `rsa-sha2-512`.
    Rsa,
    /// `ecdsa`, or a full curve name with the curve's size.
    Ecdsa(Option<u32>),
    /// `ed25519`, `ssh-ed25519`.
    Ed25519,
}

/// `sshkey_type_from_name` for the types oxssh generates: the short names and the full key (and
/// signature) names OpenSSH accepts after `-t`.
pub fn parse_type(name: &str) -> Option<TypeChoice> {
    Some(match name {
        "rsa" | "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512" => TypeChoice::Rsa,
        "ecdsa" => TypeChoice::Ecdsa(None),
        "ecdsa-sha2-nistp256" => TypeChoice::Ecdsa(Some(256)),
        "ecdsa-sha2-nistp384" => TypeChoice::Ecdsa(Some(384)),
        "ecdsa-sha2-nistp521" => TypeChoice::Ecdsa(Some(521)),
        "ed25519" | "ssh-ed25519" => TypeChoice::Ed25519,
        _ => return None,
    })
}

/// OpenSSH's RSA bounds (`SSH_RSA_MINIMUM_MODULUS_SIZE`, `OPENSSL_RSA_MAX_MODULUS_BITS`).
const RSA_MIN_BITS: u32 = 1024;
const RSA_MAX_BITS: u32 = 16384;
/// The RSA sizes aws-lc-rs can generate.
const RSA_SIZES: [u32; 4] = [2048, 3072, 4096, 8192];

/// `type_bits_valid`: the key type and size to generate, or OpenSSH's complaint.
pub fn choose(name: &str, bits: Option<u32>) -> Result<(KeyType, Option<u32>), Failure> {
    let choice = parse_type(name).ok_or_else(|| Failure::fatal(msg::unknown_key_type(name)))?;
    match choice {
        TypeChoice::Ed25519 => Ok((KeyType::Ed25519, None)),
        TypeChoice::Rsa => {
            let bits = bits.unwrap_or(DEFAULT_RSA_BITS);
            if bits < RSA_MIN_BITS {
                Err(Failure::fatal(msg::rsa_length_minimum(RSA_MIN_BITS)))
            } else if bits > RSA_MAX_BITS {
                Err(Failure::fatal(msg::rsa_length_maximum(RSA_MAX_BITS)))
            } else if !RSA_SIZES.contains(&bits) {
                Err(Failure::fatal(msg::RSA_LENGTH_UNSUPPORTED))
            } else {
                Ok((KeyType::Rsa, Some(bits)))
            }
        }
        TypeChoice::Ecdsa(curve) => match bits.or(curve).unwrap_or(256) {
            256 => Ok((KeyType::EcdsaP256, None)),
            384 => Ok((KeyType::EcdsaP384, None)),
            521 => Ok((KeyType::EcdsaP521, None)),
            _ => Err(Failure::fatal(msg::ECDSA_LENGTH_INVALID)),
        },
    }
}

/// The default action: generate and save a key pair.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let type_name = opts.key_type.as_deref().unwrap_or("ed25519");
    let (key_type, bits) = choose(type_name, opts.bits)?;
    if !opts.quiet {
        let _ = writeln!(console.out(), "{}", msg::generating(type_name));
    }
    let _ = console.out().flush();
    let mut key = PrivateKey::generate(key_type, bits)
        .map_err(|_| Failure::fatal(msg::KEY_GENERATION_FAILED))?;

    let path = match &opts.file {
        Some(p) => p.clone(),
        None => ask_filename(ctx, console, msg::ASK_SAVE_FILE)?,
    };
    create_user_ssh_dir(ctx, console, &path, !opts.quiet);
    if !confirm_overwrite(console, &path) {
        return Err(Failure::silent(1));
    }
    let passphrase = new_passphrase(ctx, console);
    let comment = opts
        .comment
        .clone()
        .unwrap_or_else(|| ctx.default_comment());
    let rounds = opts.rounds.unwrap_or(DEFAULT_KDF_ROUNDS);

    save_private(&path, &mut key, &comment, &passphrase, opts.format, rounds)
        .map_err(|e| Failure::exit(msg::saving_key_failed(path.display(), e), 1))?;
    drop(passphrase);
    if !opts.quiet {
        let _ = writeln!(
            console.out(),
            "{}",
            msg::identification_saved(path.display())
        );
    }
    let public = key.public().clone();
    drop(key);
    let pub_path = public_path(&path);
    save_public(&pub_path, &public, &comment).map_err(|e| {
        Failure::fatal(msg::unable_to_save_public_key(
            pub_path.display(),
            strerror(&e),
        ))
    })?;
    if !opts.quiet {
        let out = console.out();
        let _ = writeln!(out, "{}", msg::public_key_saved(pub_path.display()));
        let _ = writeln!(out, "{}", msg::FINGERPRINT_IS);
        let _ = writeln!(out, "{} {comment}", public.fingerprint(opts.hash));
        let _ = writeln!(out, "{}", msg::RANDOMART_IS);
        let _ = writeln!(out, "{}", randomart::randomart(&public, opts.hash));
    }
    Ok(0)
}

/// `hostfile_create_user_ssh_dir`: when the key goes straight into `~/.ssh` and that directory is
/// missing, create it with mode 0700 and say so.
fn create_user_ssh_dir(ctx: &Context, console: &mut dyn Console, path: &Path, notify: bool) {
    let dir = ctx.ssh_dir();
    if path.parent() != Some(dir.as_path()) {
        return;
    }
    match std::fs::metadata(&dir) {
        Ok(_) => {}
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            log(
                console.err(),
                msg::could_not_stat(dir.display(), strerror(&e)),
            );
        }
        Err(_) => {
            use std::os::unix::fs::DirBuilderExt;
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) if notify => {
                    log(console.err(), msg::created_directory(dir.display()));
                }
                Ok(()) => {}
                Err(e) => {
                    log(
                        console.err(),
                        msg::could_not_create_directory(dir.display(), strerror(&e)),
                    );
                }
            }
        }
    }
}

/// `confirm_overwrite`: true when `path` does not exist or the user answers with a `y`.
pub fn confirm_overwrite(console: &mut dyn Console, path: &Path) -> bool {
    if std::fs::metadata(path).is_err() {
        return true;
    }
    let out = console.out();
    let _ = writeln!(out, "{}", msg::already_exists(path.display()));
    let _ = write!(out, "{}", msg::OVERWRITE);
    let _ = out.flush();
    console
        .read_line()
        .is_some_and(|answer| answer.starts_with(['y', 'Y']))
}

/// `private_key_passphrase`: `-P`, then `-N`, else asked twice until both answers agree.
pub fn new_passphrase(ctx: &Context, console: &mut dyn Console) -> Zeroizing<Vec<u8>> {
    let opts = &ctx.options;
    if let Some(p) = opts.passphrase.as_ref().or(opts.new_passphrase.as_ref()) {
        return p.clone();
    }
    loop {
        let first = console.read_passphrase(msg::ENTER_PASSPHRASE_NEW_KEY);
        let second = console.read_passphrase(msg::ENTER_SAME_PASSPHRASE);
        if first == second {
            return first;
        }
        let _ = writeln!(console.out(), "{}", msg::PASSPHRASES_DO_NOT_MATCH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli;
    use crate::prompt::scripted::ScriptedConsole;

    fn context(args: &[&str], home: &Path) -> Context {
        let options = cli::parse(args.iter().map(std::ffi::OsString::from)).unwrap();
        Context {
            options,
            user: "u".into(),
            home: home.to_path_buf(),
            hostname: "h".into(),
        }
    }

    #[test]
    fn asks_again_until_the_passphrases_match() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        let ctx = context(&["-t", "ed25519", "-f", key.to_str().unwrap()], dir.path());
        let mut console = ScriptedConsole::default();
        console
            .passphrases
            .extend(["a", "b", "same", "same"].map(String::from));
        assert_eq!(run(&ctx, &mut console), Ok(0));
        assert_eq!(
            console.prompts,
            [
                msg::ENTER_PASSPHRASE_NEW_KEY,
                msg::ENTER_SAME_PASSPHRASE,
                msg::ENTER_PASSPHRASE_NEW_KEY,
                msg::ENTER_SAME_PASSPHRASE
            ]
        );
        let out = String::from_utf8(console.out).unwrap();
        assert!(
            out.contains("\nPassphrases do not match.  Try again.\n"),
            "{out}"
        );
        assert!(out.contains("The key fingerprint is:\nSHA256:"));
        assert!(out.trim_end().ends_with("+----[SHA256]-----+"));
        let text = std::fs::read(&key).unwrap();
        assert!(oxssh_keys::PrivateKey::is_encrypted(&text));
        let pubkey = std::fs::read_to_string(dir.path().join("k.pub")).unwrap();
        assert!(pubkey.starts_with("ssh-ed25519 ") && pubkey.ends_with(" u@h\n"));
    }

    #[test]
    fn default_file_goes_in_a_new_ssh_directory() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(&["-t", "ecdsa", "-N", ""], dir.path());
        let mut console = ScriptedConsole::default();
        console.lines.push_back(String::new());
        assert_eq!(run(&ctx, &mut console), Ok(0));
        let out = String::from_utf8(console.out).unwrap();
        let ssh = dir.path().join(".ssh");
        assert!(out.contains(&format!(
            "Enter file in which to save the key ({}/id_ecdsa): ",
            ssh.display()
        )));
        let err = String::from_utf8(console.err).unwrap();
        assert_eq!(err, format!("Created directory '{}'.\r\n", ssh.display()));
        assert!(ssh.join("id_ecdsa.pub").exists());
        // End of input at the file prompt exits with status 1 and writes nothing.
        let other = tempfile::tempdir().unwrap();
        let ctx = context(&["-N", ""], other.path());
        let mut console = ScriptedConsole::default();
        assert_eq!(run(&ctx, &mut console), Err(Failure::silent(1)));
        assert!(!other.path().join(".ssh").exists());
    }

    #[test]
    fn types_and_sizes_follow_type_bits_valid() {
        assert_eq!(choose("rsa", None).unwrap(), (KeyType::Rsa, Some(3072)));
        assert_eq!(
            choose("ssh-rsa", Some(4096)).unwrap(),
            (KeyType::Rsa, Some(4096))
        );
        assert_eq!(choose("ecdsa", None).unwrap().0, KeyType::EcdsaP256);
        assert_eq!(
            choose("ecdsa-sha2-nistp521", None).unwrap().0,
            KeyType::EcdsaP521
        );
        // -b wins over the curve in the name, as in OpenSSH.
        assert_eq!(
            choose("ecdsa-sha2-nistp384", Some(256)).unwrap().0,
            KeyType::EcdsaP256
        );
        assert_eq!(choose("ed25519", Some(1)).unwrap().0, KeyType::Ed25519);
        let msg = |r: Result<_, Failure>| r.unwrap_err().message.unwrap();
        assert_eq!(msg(choose("dsa", None)), "unknown key type dsa");
        assert_eq!(
            msg(choose("rsa", Some(1000))),
            "Invalid RSA key length: minimum is 1024 bits"
        );
        assert_eq!(
            msg(choose("rsa", Some(20000))),
            "Invalid RSA key length: maximum is 16384 bits"
        );
        assert_eq!(msg(choose("rsa", Some(2560))), msg::RSA_LENGTH_UNSUPPORTED);
        assert_eq!(msg(choose("ecdsa", Some(300))), msg::ECDSA_LENGTH_INVALID);
    }
}
