//! `-A`: create each default host key that is missing or empty, under `/etc/ssh` or under the
//! `-f` prefix, after ssh-keygen.c `do_gen_all_hostkeys`. Both halves are written to temporary
//! names and renamed into place, public key first, so sshd never sees a private key without its
//! public half. Unlike OpenSSH, a failed key leaves no temporary file behind.

use std::path::PathBuf;

use oxssh_keys::{DEFAULT_KDF_ROUNDS, KeyType, PrivateKey};

use crate::Context;
use crate::error::{Outcome, strerror};
use crate::files::{TempFile, with_suffix};
use crate::keyfile::{encode_private, public_file_text};
use crate::messages as msg;
use crate::prompt::{Console, log};

/// The host key types OpenSSH 9 creates by default, in its order, with their file names.
const HOST_KEYS: [(KeyType, &str, &str); 3] = [
    (KeyType::Rsa, "RSA", "/etc/ssh/ssh_host_rsa_key"),
    (KeyType::EcdsaP256, "ECDSA", "/etc/ssh/ssh_host_ecdsa_key"),
    (KeyType::Ed25519, "ED25519", "/etc/ssh/ssh_host_ed25519_key"),
];

/// Runs `-A`. Failures are reported per key and do not change the exit status, as in OpenSSH.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let prefix = ctx
        .options
        .file
        .as_ref()
        .map(|p| p.as_os_str().to_os_string())
        .unwrap_or_default();
    let mut first = true;
    for (key_type, display, suffix) in HOST_KEYS {
        let mut name = prefix.clone();
        name.push(suffix);
        let private_path = PathBuf::from(name);
        match std::fs::metadata(&private_path) {
            Ok(meta) if meta.len() != 0 => continue,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                log(console.err(), msg::could_not_stat(suffix, strerror(&e)));
                first = true;
                continue;
            }
        }
        if first {
            first = false;
            let _ = write!(console.out(), "{}", msg::generating_host_keys());
        }
        let _ = write!(console.out(), "{display} ");
        let _ = console.out().flush();
        if let Err(line) = make_one(ctx, key_type, &private_path, suffix) {
            log(console.err(), line);
            // OpenSSH starts its "generating new host keys:" line again after a failure.
            first = true;
        }
    }
    if !first {
        let _ = writeln!(console.out());
    }
    Ok(0)
}

/// Generates one host key and moves both files into place; the error is the line to print.
fn make_one(
    ctx: &Context,
    key_type: KeyType,
    private_path: &std::path::Path,
    suffix: &str,
) -> Result<(), String> {
    // OpenSSH names the mkstemp template, whose X's it could not replace, in these errors.
    let template = |p: &std::path::Path| format!("{}.XXXXXXXXXX", p.display());
    let mut private_tmp = TempFile::create(private_path, 0o600)
        .map_err(|e| msg::could_not_save_private(template(private_path), strerror(&e)))?;
    let mut key =
        PrivateKey::generate(key_type, None).map_err(|_| msg::KEY_GENERATION_FAILED.to_string())?;
    let comment = ctx.default_comment();
    let rounds = ctx.options.rounds.unwrap_or(DEFAULT_KDF_ROUNDS);
    let text = encode_private(&mut key, &comment, b"", ctx.options.format, rounds)
        .map_err(|e| msg::saving_key_failed(private_tmp.path().display(), e))?;
    private_tmp
        .write_all(text.as_bytes())
        .map_err(|e| msg::saving_key_failed(private_tmp.path().display(), strerror(&e)))?;

    let public_path = with_suffix(private_path, ".pub");
    let mut public_tmp = TempFile::create(&public_path, 0o644)
        .map_err(|e| msg::could_not_save_public(template(&public_path), strerror(&e)))?;
    // OpenSSH sets 0644 on the public key whatever the umask.
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = public_tmp
            .file()
            .and_then(|f| f.set_permissions(std::fs::Permissions::from_mode(0o644)));
    }
    public_tmp
        .write_all(public_file_text(key.public(), &comment).as_bytes())
        .map_err(|e| {
            let prefix = ctx.options.file.clone().unwrap_or_default();
            msg::unable_to_save_public_key(prefix.display(), strerror(&e))
        })?;
    public_tmp
        .persist(&public_path)
        .map_err(|e| msg::unable_to_move(public_path.display(), strerror(&e)))?;
    private_tmp
        .persist(private_path)
        .map_err(|e| msg::unable_to_move(suffix, strerror(&e)))?;
    Ok(())
}
