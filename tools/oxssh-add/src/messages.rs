//! Every word oxssh-add shows, in OpenSSH 9.2 ssh-add's wording, so "the same words as OpenSSH" can
//! be checked in one place.
//!
//! OpenSSH writes some lines with `fprintf`/`printf`/`perror` (ending in `\n`) and others through
//! its log functions `error`/`fatal` (ending in `\r\n`). Each function here says which; the text
//! is returned without the ending, and [`crate::output::Output`] adds it.

/// SSH_AUTH_SOCK is unset or empty (exit 2).
pub const NO_AGENT: &str = "Could not open a connection to your authentication agent.";

/// The agent socket could not be connected (exit 2); `why` is strerror's text.
pub fn agent_connect_failed(why: &str) -> String {
    format!("Error connecting to agent: {why}")
}

/// `usage()` (exit 1).
pub const USAGE: &str = "\
usage: ssh-add [-cDdKkLlqvXx] [-E fingerprint_hash] [-H hostkey_file]
               [-h destination_constraint] [-S provider] [-t life]
               [file ...]
       ssh-add -s pkcs11
       ssh-add -e pkcs11
       ssh-add -T pubkey ...
";

/// getopt: an unknown flag (log line).
pub fn unknown_option(c: char) -> String {
    format!("unknown option -- {c}")
}

/// getopt: a flag without its value (log line).
pub fn option_requires_argument(c: char) -> String {
    format!("option requires an argument -- {c}")
}

/// `-l` and `-L` together, or one twice (fatal).
pub fn flag_already_specified(c: char) -> String {
    format!("-{c} flag already specified")
}

/// More than one of -x/-X, -l/-L and -D (fatal).
pub const INVALID_COMBINATION: &str = "Invalid combination of actions";

/// `-t` with a value `convtime` refuses (fprintf).
pub const INVALID_LIFETIME: &str = "Invalid lifetime";

/// `-E` with an unknown digest (fatal).
pub fn invalid_hash(name: &str) -> String {
    format!("Invalid hash algorithm \"{name}\"")
}

/// `-E` with a digest OpenSSH knows but oxssh-keys does not fingerprint with (fatal).
pub fn unsupported_hash(name: &str) -> String {
    format!("Fingerprint hash \"{name}\" is not supported by oxssh-add (use sha256 or md5)")
}

/// A feature of OpenSSH's ssh-add that oxssh-add does not have (fatal): keys are never added
/// without a restriction the user asked for.
pub fn not_supported(what: &str) -> String {
    format!("{what} is not supported by oxssh-add")
}

/// `-T` without files (fatal).
pub const NO_KEYS_TO_TEST: &str = "no keys to test";

/// No passwd entry for the running uid (fprintf).
pub fn no_user(uid: u32) -> String {
    format!("No user found with uid {uid}")
}

/// `perror(filename)`.
pub fn perror(path: &str, why: &str) -> String {
    format!("{path}: {why}")
}

/// authfile.c `sshkey_perm_ok`: a private key others can read (log lines).
pub fn unprotected_key(path: &str, mode: u32) -> Vec<String> {
    vec![
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @".to_owned(),
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        format!("Permissions 0{mode:03o} for '{path}' are too open."),
        "It is required that your private key files are NOT accessible by others.".to_owned(),
        "This private key will be ignored.".to_owned(),
    ]
}

/// A key file that could not be read or decoded (fprintf).
pub fn error_loading_key(path: &str, why: &str) -> String {
    format!("Error loading key \"{path}\": {why}")
}

/// The first passphrase prompt.
pub fn passphrase_prompt(path: &str, confirm: bool) -> String {
    format!("Enter passphrase for {path}{}: ", confirm_suffix(confirm))
}

/// The prompt after a wrong passphrase.
pub fn bad_passphrase_prompt(path: &str, confirm: bool) -> String {
    format!(
        "Bad passphrase, try again for {path}{}: ",
        confirm_suffix(confirm)
    )
}

fn confirm_suffix(confirm: bool) -> &'static str {
    if confirm {
        " (will confirm each use)"
    } else {
        ""
    }
}

/// A key was added (fprintf).
pub fn identity_added(path: &str, comment: &str) -> String {
    format!("Identity added: {path} ({comment})")
}

/// After "Identity added" with `-t`.
pub fn lifetime_set(seconds: u32) -> String {
    format!("Lifetime set to {seconds} seconds")
}

/// After "Identity added" with `-c`.
pub const MUST_CONFIRM: &str = "The user must confirm each use of the key";

/// The agent refused a key (fprintf).
pub fn could_not_add(path: &str, why: &str) -> String {
    format!("Could not add identity \"{path}\": {why}")
}

/// A `FILE-cert.pub` next to the key that cannot be read (log line).
pub fn certificate_failed(path: &str, why: &str) -> String {
    format!("Failed to load certificate \"{path}\": {why}")
}

/// `-d` with a file that holds no public key (printf, to standard output).
pub fn bad_key_file(path: &str, why: &str) -> String {
    format!("Bad key file {path}: {why}")
}

/// A key was removed (fprintf).
pub fn identity_removed(path: &str, key_type: &str, comment: &str) -> String {
    format!("Identity removed: {path} {key_type} ({comment})")
}

/// The comment shown for a key whose public half came from its private key file.
pub const NO_COMMENT: &str = "no comment";

/// The agent refused a removal (fprintf).
pub fn could_not_remove(path: &str, why: &str) -> String {
    format!("Could not remove identity \"{path}\": {why}")
}

/// `-d -` with a line that is not a key (log line).
pub fn stdin_invalid_key(line: usize, why: &str) -> String {
    format!("(stdin):{line}: invalid key: {why}")
}

/// `-D` worked (fprintf).
pub const ALL_REMOVED: &str = "All identities removed.";

/// `-D` failed (fprintf).
pub const REMOVE_ALL_FAILED: &str = "Failed to remove all identities.";

/// `-l`/`-L` with an empty agent (printf, to standard output).
pub const NO_IDENTITIES: &str = "The agent has no identities.";

/// One `-l` line (printf): bits, fingerprint, comment, type.
pub fn list_fingerprint(bits: u32, fingerprint: &str, comment: &str, key_type: &str) -> String {
    format!("{bits} {fingerprint} {comment} ({key_type})")
}

/// One `-L` line (printf): the public key and the comment, with a space even if it is empty.
pub fn list_public(key_line: &str, comment: &str) -> String {
    format!("{key_line} {comment}")
}

/// The certificate ssh-add looks for beside a key file.
pub fn certificate_path(file: &str) -> String {
    format!("{file}-cert.pub")
}

/// `-l`/`-L` failed (fprintf).
pub fn fetch_failed(why: &str) -> String {
    format!("error fetching identities: {why}")
}

/// `-x`/`-X`: the first prompt.
pub const LOCK_PROMPT: &str = "Enter lock password: ";

/// `-x`: the confirmation prompt.
pub const AGAIN_PROMPT: &str = "Again: ";

/// `-x` with two different answers (fprintf).
pub const PASSWORDS_DIFFER: &str = "Passwords do not match.";

/// `-x`/`-X` worked (fprintf).
pub fn lock_done(lock: bool) -> String {
    format!("Agent {}locked.", if lock { "" } else { "un" })
}

/// `-x`/`-X` failed (fprintf).
pub fn lock_failed(lock: bool, why: &str) -> String {
    format!(
        "Failed to {}lock agent: {why}",
        if lock { "" } else { "un" }
    )
}

/// `-T`: the public key could not be read (log line).
pub fn cannot_read_public(path: &str, why: &str) -> String {
    format!("Couldn't read public key {path}: {why}")
}

/// `-T`: the agent did not sign (log line).
pub fn agent_signature_failed(path: &str, why: &str) -> String {
    format!("Agent signature failed for {path}: {why}")
}

/// `-T`: the signature does not verify (log line).
pub fn verification_failed(path: &str, why: &str) -> String {
    format!("Signature verification failed for {path}: {why}")
}

/// OpenSSH's `ssh_err()` words for the key errors ssh-add reports.
pub fn key_error(e: &oxssh_keys::KeyError) -> String {
    use oxssh_keys::KeyError;
    match e {
        KeyError::IncorrectPassphrase | KeyError::PassphraseRequired => {
            "incorrect passphrase supplied to decrypt private key".to_owned()
        }
        KeyError::UnsupportedKeyType => "unknown or unsupported key type".to_owned(),
        KeyError::RsaKeySize { .. } => "Invalid key length".to_owned(),
        // OpenSSH would load these; say plainly why oxssh cannot.
        KeyError::RsaPrivateKeySize { .. } => e.to_string(),
        KeyError::BadSignature => "incorrect signature".to_owned(),
        _ => "invalid format".to_owned(),
    }
}
