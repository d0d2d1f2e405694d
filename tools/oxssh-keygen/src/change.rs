//! Reading and rewriting a private key: `-y` (print the public key), `-p` (change the passphrase)
//! and `-c` (change the comment), after ssh-keygen.c `do_print_public`, `do_change_passphrase` and
//! `do_change_comment`.

use std::path::{Path, PathBuf};

use oxssh_keys::{DEFAULT_KDF_ROUNDS, KeyType};
use zeroize::Zeroizing;

use crate::cli::KeyFormat;
use crate::error::{Failure, Outcome, strerror};
use crate::keyfile::{
    LoadError, LoadedPrivate, load_private, public_path, save_private, save_public,
};
use crate::messages as msg;
use crate::prompt::Console;
use crate::{Context, ask_filename};

/// The key file from `-f`, or asked for; it must exist (`stat`), else `fatal("%s: %s")`.
fn key_path(ctx: &Context, console: &mut dyn Console) -> Result<PathBuf, Failure> {
    let path = match &ctx.options.file {
        Some(p) => p.clone(),
        None => ask_filename(ctx, console, msg::ASK_KEY_FILE)?,
    };
    std::fs::metadata(&path)
        .map_err(|e| Failure::fatal(msg::path_error(path.display(), strerror(&e))))?;
    Ok(path)
}

/// Loads a private key: first with no passphrase, then, if it is encrypted, with `given` or the
/// answer to `prompt`. Returns the key and the passphrase that opened it.
fn load_with_passphrase(
    console: &mut dyn Console,
    path: &Path,
    given: Option<&Zeroizing<Vec<u8>>>,
    prompt: &str,
) -> Result<(LoadedPrivate, Zeroizing<Vec<u8>>), LoadError> {
    match load_private(path, b"", console.err()) {
        Ok(loaded) => return Ok((loaded, Zeroizing::new(Vec::new()))),
        Err(e) if !e.is_wrong_passphrase() => return Err(e),
        Err(_) => {}
    }
    let passphrase = match given {
        Some(p) => p.clone(),
        None => console.read_passphrase(prompt),
    };
    let loaded = load_private(path, &passphrase, console.err())?;
    Ok((loaded, passphrase))
}

/// `load_identity`: a private key, asking for its passphrase ("Enter passphrase: ") unless `-P`
/// gave one; any failure is fatal with `Load key "path": reason`.
pub(crate) fn load_identity(
    ctx: &Context,
    console: &mut dyn Console,
    path: &Path,
) -> Result<LoadedPrivate, Failure> {
    load_with_passphrase(
        console,
        path,
        ctx.options.passphrase.as_ref(),
        msg::ENTER_PASSPHRASE,
    )
    .map(|(loaded, _)| loaded)
    .map_err(|e| Failure::fatal(msg::load_key_failed(path.display(), e)))
}

/// `-y`: the public key of a private key file, with its comment.
pub fn print_public(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let path = key_path(ctx, console)?;
    let loaded = load_identity(ctx, console, &path)?;
    let comment = loaded.comment.unwrap_or_default();
    let line = loaded.key.public().to_openssh_line(&comment);
    let _ = writeln!(console.out(), "{line}");
    Ok(0)
}

/// `-p`: re-encrypts a key under a new passphrase (or none).
pub fn passphrase(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let path = key_path(ctx, console)?;
    let (loaded, _) = load_with_passphrase(
        console,
        &path,
        opts.passphrase.as_ref(),
        msg::ENTER_OLD_PASSPHRASE,
    )
    .map_err(|e| Failure::fatal(msg::failed_to_load_key(path.display(), e)))?;
    let LoadedPrivate { mut key, comment } = loaded;
    if let Some(c) = &comment {
        let _ = writeln!(console.out(), "{}", msg::key_has_comment(c));
    }
    let new = match &opts.new_passphrase {
        Some(p) => p.clone(),
        None => {
            let first = console.read_passphrase(msg::ENTER_NEW_PASSPHRASE);
            let second = console.read_passphrase(msg::ENTER_SAME_PASSPHRASE);
            if first != second {
                let _ = writeln!(console.out(), "{}", msg::PASS_PHRASES_DO_NOT_MATCH);
                return Err(Failure::silent(1));
            }
            first
        }
    };
    let rounds = opts.rounds.unwrap_or(DEFAULT_KDF_ROUNDS);
    save_private(
        &path,
        &mut key,
        comment.as_deref().unwrap_or_default(),
        &new,
        opts.format,
        rounds,
    )
    .map_err(|e| Failure::exit(msg::saving_key_failed(path.display(), e), 1))?;
    let _ = writeln!(console.out(), "{}", msg::SAVED_WITH_NEW_PASSPHRASE);
    Ok(0)
}

/// `-c`: changes the comment stored in a key and its `.pub` file.
pub fn comment(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let path = key_path(ctx, console)?;
    // -c takes the passphrase from -P, or failing that from -N.
    let given = opts.passphrase.as_ref().or(opts.new_passphrase.as_ref());
    let (loaded, passphrase) =
        load_with_passphrase(console, &path, given, msg::ENTER_PASSPHRASE)
            .map_err(|e| Failure::fatal(msg::cannot_load_private_key(path.display(), e)))?;
    let LoadedPrivate { mut key, comment } = loaded;
    if key.key_type() != KeyType::Ed25519
        && matches!(opts.format, Some(KeyFormat::Pem | KeyFormat::Pkcs8))
    {
        return Err(Failure::exit(msg::COMMENTS_ONLY_NEW_FORMAT, 1));
    }
    match &comment {
        Some(c) => {
            let _ = writeln!(console.out(), "{}", msg::old_comment(c));
        }
        None => {
            let _ = writeln!(console.out(), "{}", msg::NO_EXISTING_COMMENT);
        }
    }
    let new_comment = match &opts.comment {
        Some(c) => c.clone(),
        None => {
            let _ = write!(console.out(), "{}", msg::NEW_COMMENT);
            let _ = console.out().flush();
            console.read_line().ok_or_else(|| Failure::silent(1))?
        }
    };
    if comment.as_deref() == Some(new_comment.as_str()) {
        let _ = writeln!(console.out(), "{}", msg::NO_CHANGE_TO_COMMENT);
        return Ok(0);
    }
    let rounds = opts.rounds.unwrap_or(DEFAULT_KDF_ROUNDS);
    save_private(
        &path,
        &mut key,
        &new_comment,
        &passphrase,
        opts.format,
        rounds,
    )
    .map_err(|e| Failure::exit(msg::saving_key_failed(path.display(), e), 1))?;
    let pub_path = public_path(&path);
    save_public(&pub_path, key.public(), &new_comment).map_err(|e| {
        Failure::fatal(msg::unable_to_save_public_key(
            pub_path.display(),
            strerror(&e),
        ))
    })?;
    let line = if new_comment.is_empty() {
        msg::COMMENT_REMOVED.to_string()
    } else {
        msg::comment_applied(&new_comment)
    };
    let _ = writeln!(console.out(), "{line}");
    Ok(0)
}
