//! oxssh-keygen: a drop-in replacement for OpenSSH's ssh-keygen.
//!
//! It generates Ed25519, ECDSA and RSA keys (openssh-key-v1 files, bcrypt-pbkdf + aes256-ctr when a
//! passphrase is given; PEM and PKCS#8 with `-m`), prints fingerprints and randomart, changes
//! passphrases and comments, converts public keys to and from RFC 4716, PKCS#8 and PEM, searches
//! and rewrites known_hosts files, creates missing host keys, and makes and checks SSH signatures
//! (`-Y`) — with OpenSSH's prompts, messages and exit statuses.
//!
//! The executable parses its arguments ([`cli`]), builds a [`Context`] and calls [`run`]; each
//! operation lives in its own module and talks to the user through a [`prompt::Console`], so it
//! can be driven without a terminal. Every key operation goes through `oxssh-keys` (aws-lc-rs).
//!
//! Where oxssh-keygen differs from OpenSSH 9.2 on purpose:
//! - without `-t`, new keys are Ed25519, as in OpenSSH 9.5 and later (9.2 made RSA keys), and
//!   the default file offered by the "Enter file" prompt is `~/.ssh/id_ed25519`;
//! - RSA keys are 2048, 3072, 4096 or 8192 bits (the sizes aws-lc-rs generates);
//! - a key file that cannot be parsed is reported as "invalid format", where OpenSSH's fallback to
//!   OpenSSL says "error in libcrypto";
//! - files are written to a temporary name and renamed into place, so a failure never leaves a
//!   half-written key, signature or known_hosts file, and a new private key is always mode 0600;
//! - DSA and FIDO (`-sk`) keys, signing certificates with a key in the agent (`-U`), KRLs,
//!   PKCS#11, moduli, SSHFP records, bubblebabble, `-E sha1/sha384/sha512`,
//!   `-Y match-principals` and agent signing are not implemented and say so in one line;
//!   ssh-askpass is never run;
//! - times in allowed_signers files, `verify-time=` and `-V` are read as UTC, and `-L` prints
//!   certificate validity in UTC (OpenSSH uses local time; the same on a UTC machine).
#![forbid(unsafe_code)]

pub mod certificate;
pub mod change;
pub mod cli;
pub mod convert;
mod der;
pub mod error;
pub mod files;
pub mod fingerprint;
pub mod generate;
pub mod host_keys;
pub mod keyfile;
pub mod known_hosts;
pub mod messages;
mod pem_encrypt;
pub mod prompt;
pub mod sign_cert;
pub mod signature;
mod sshsig;

use std::path::PathBuf;

use cli::{Action, Options};
use error::{Failure, Outcome};
use messages as msg;
use prompt::Console;

/// Who runs the tool, and what they asked for.
pub struct Context {
    /// The parsed command line.
    pub options: Options,
    /// The login name of the real user (for the default comment `user@host`).
    pub user: String,
    /// The real user's home directory from the password database, as OpenSSH takes it (not `$HOME`).
    pub home: PathBuf,
    /// The host name (`gethostname`).
    pub hostname: String,
}

impl Context {
    /// Looks up the real user and host name the way ssh-keygen's `main` does.
    pub fn from_system(options: Options) -> Result<Self, Failure> {
        let uid = rustix::process::getuid().as_raw();
        let user = oxssh_sys::user::current_user()
            .ok()
            .flatten()
            .ok_or_else(|| Failure::fatal(msg::no_user_for_uid(uid)))?;
        let hostname = oxssh_sys::fs_checks::hostname()
            .map_err(|e| Failure::fatal(msg::gethostname_failed(e)))?;
        Ok(Self {
            options,
            user: user.name,
            home: user.home,
            hostname,
        })
    }

    /// `user@host`, the comment of new keys.
    pub fn default_comment(&self) -> String {
        format!("{}@{}", self.user, self.hostname)
    }

    /// `~/.ssh` of the real user.
    pub fn ssh_dir(&self) -> PathBuf {
        self.home.join(".ssh")
    }
}

/// Runs the operation the command line asks for and returns the exit status.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    match ctx.options.action()? {
        Action::KnownHosts => known_hosts::run(ctx, console),
        Action::Fingerprint => fingerprint::run(ctx, console),
        Action::ChangePassphrase => change::passphrase(ctx, console),
        Action::ChangeComment => change::comment(ctx, console),
        Action::ConvertTo => convert::export(ctx, console),
        Action::ConvertFrom => convert::import(ctx, console),
        Action::PrintPublic => change::print_public(ctx, console),
        Action::HostKeys => host_keys::run(ctx, console),
        Action::Signature => signature::run(ctx, console),
        Action::ShowCertificate => certificate::show(ctx, console),
        Action::SignCertificates => {
            let ca = ctx.options.signature_file.clone().unwrap_or_default();
            sign_cert::sign(ctx, console, &ca)
        }
        Action::Generate => generate::run(ctx, console),
    }
}

/// `ask_filename`: prompts with the default key file for `-t` (Ed25519 when no type is given, as in
/// current OpenSSH) and returns the answer, or the default for an empty line. End of input exits
/// with status 1.
pub fn ask_filename(
    ctx: &Context,
    console: &mut dyn Console,
    prompt: &str,
) -> Result<PathBuf, Failure> {
    let name = match ctx.options.key_type.as_deref() {
        None => "id_ed25519",
        Some(t) => match generate::parse_type(t) {
            Some(generate::TypeChoice::Rsa) => "id_rsa",
            Some(generate::TypeChoice::Ecdsa(_)) => "id_ecdsa",
            Some(generate::TypeChoice::Ed25519) => "id_ed25519",
            None => return Err(Failure::fatal(msg::BAD_KEY_TYPE)),
        },
    };
    let default = ctx.ssh_dir().join(name);
    let _ = write!(
        console.out(),
        "{}",
        msg::ask_filename(prompt, &default.display().to_string())
    );
    let _ = console.out().flush();
    match console.read_line() {
        None => Err(Failure::silent(1)),
        Some(line) if line.is_empty() => Ok(default),
        Some(line) => Ok(PathBuf::from(line)),
    }
}
