//! Every word oxssh-keygen shows a user, in one place, so "the same words as OpenSSH" can be checked
//! here against ssh-keygen.c (OpenSSH 9.2). Only the usage text says `oxssh-keygen`; messages that
//! OpenSSH prefixes with its program name keep `ssh-keygen`, so scripts that match on them still do.

// Each item is a message whose text is its own documentation; the doc comments here say only what
// is not obvious from the words.
#![allow(missing_docs)]

use std::fmt::Display;

/// The program name OpenSSH prints in front of some messages (`__progname`).
pub const PROGNAME: &str = "ssh-keygen";

/// The usage text: OpenSSH's, limited to the forms oxssh-keygen implements, with continuation lines
/// indented to line up under the longer name.
pub const USAGE: &str = "\
usage: oxssh-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]
                    [-m format] [-N new_passphrase] [-t ecdsa | ed25519 | rsa]
       oxssh-keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase]
                     [-P old_passphrase]
       oxssh-keygen -i [-f input_keyfile] [-m key_format]
       oxssh-keygen -e [-f input_keyfile] [-m key_format]
       oxssh-keygen -y [-f input_keyfile]
       oxssh-keygen -c [-a rounds] [-C comment] [-f keyfile] [-P passphrase]
       oxssh-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]
       oxssh-keygen -F hostname [-lv] [-f known_hosts_file]
       oxssh-keygen -H [-f known_hosts_file]
       oxssh-keygen -R hostname [-f known_hosts_file]
       oxssh-keygen -A [-a rounds] [-f prefix_path]
       oxssh-keygen -Y find-principals -s signature_file -f allowed_signers_file
       oxssh-keygen -Y check-novalidate -n namespace -s signature_file
       oxssh-keygen -Y sign -f key_file -n namespace file [-O option] ...
       oxssh-keygen -Y verify -f allowed_signers_file -I signer_identity
                    -n namespace -s signature_file [-O option]
";

// ---- argument errors (getopt's and main()'s) -------------------------------------------------

/// getopt: an option letter not in the option string.
pub fn unknown_option(letter: char) -> String {
    format!("unknown option -- {letter}")
}

/// getopt: an option that takes a value came last.
pub fn option_requires_argument(letter: char) -> String {
    format!("option requires an argument -- {letter}")
}

/// `-b` outside 1..=2^32-1 or not a number (strtonum's words: "invalid", "too small", "too large").
pub fn bits_bad_value(value: &str, why: &str) -> String {
    format!("Bits has bad value {value} ({why})")
}

/// `-a` outside 1..=INT_MAX or not a number.
pub fn invalid_number(value: &str, why: &str) -> String {
    format!("Invalid number: {value} ({why})")
}

/// `-E` with a hash we do not know.
pub fn invalid_hash_algorithm(name: &str) -> String {
    format!("Invalid hash algorithm \"{name}\"")
}

/// `-m` with an unknown format.
pub fn unsupported_conversion_format(name: &str) -> String {
    format!("Unsupported conversion format \"{name}\"")
}

/// `-Z` with a name that is not an OpenSSH cipher.
pub fn invalid_cipher(name: &str) -> String {
    format!("Invalid OpenSSH-format cipher '{name}'")
}

pub const TOO_MANY_ARGUMENTS: &str = "Too many arguments.";
pub const ONLY_ONE_OF_P_AND_C: &str = "Can only have one of -p and -c.";
pub const CANNOT_L_WITH_H_OR_R: &str = "Cannot use -l with -H or -R.";

/// An OpenSSH option oxssh-keygen parses but does not implement.
pub fn not_supported(what: &str) -> String {
    format!("{what} is not supported by oxssh-keygen")
}

// ---- environment ------------------------------------------------------------------------------

pub fn no_user_for_uid(uid: u32) -> String {
    format!("No user exists for uid {uid}")
}

pub fn gethostname_failed(err: impl Display) -> String {
    format!("gethostname: {err}")
}

// ---- generating -------------------------------------------------------------------------------

pub fn unknown_key_type(name: &str) -> String {
    format!("unknown key type {name}")
}

pub fn rsa_length_minimum(min: u32) -> String {
    format!("Invalid RSA key length: minimum is {min} bits")
}

pub fn rsa_length_maximum(max: u32) -> String {
    format!("Invalid RSA key length: maximum is {max} bits")
}

/// aws-lc-rs generates four RSA sizes only; OpenSSH would accept any size from 1024 to 16384.
pub const RSA_LENGTH_UNSUPPORTED: &str =
    "Invalid RSA key length: must be 2048, 3072, 4096 or 8192 bits";

pub const ECDSA_LENGTH_INVALID: &str =
    "Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits";

pub fn generating(type_name: &str) -> String {
    format!("Generating public/private {type_name} key pair.")
}

pub const KEY_GENERATION_FAILED: &str = "sshkey_generate failed";

/// `ask_filename` for a `-t` it cannot name a file for.
pub const BAD_KEY_TYPE: &str = "bad key type";

pub const ASK_SAVE_FILE: &str = "Enter file in which to save the key";
pub const ASK_KEY_FILE: &str = "Enter file in which the key is";

/// The filename prompt, with the default in parentheses (no newline).
pub fn ask_filename(prompt: &str, default: &str) -> String {
    format!("{prompt} ({default}): ")
}

pub fn created_directory(dir: impl Display) -> String {
    format!("Created directory '{dir}'.")
}

pub fn could_not_create_directory(dir: impl Display, err: impl Display) -> String {
    format!("Could not create directory '{dir}' ({err}).")
}

pub fn could_not_stat(path: impl Display, err: impl Display) -> String {
    format!("Could not stat {path}: {err}")
}

pub fn already_exists(path: impl Display) -> String {
    format!("{path} already exists.")
}

pub const OVERWRITE: &str = "Overwrite (y/n)? ";

pub const ENTER_PASSPHRASE_NEW_KEY: &str = "Enter passphrase (empty for no passphrase): ";
pub const ENTER_SAME_PASSPHRASE: &str = "Enter same passphrase again: ";
pub const PASSPHRASES_DO_NOT_MATCH: &str = "Passphrases do not match.  Try again.";

pub fn saving_key_failed(path: impl Display, err: impl Display) -> String {
    format!("Saving key \"{path}\" failed: {err}")
}

pub fn unable_to_save_public_key(path: impl Display, err: impl Display) -> String {
    format!("Unable to save public key to {path}: {err}")
}

pub fn identification_saved(path: impl Display) -> String {
    format!("Your identification has been saved in {path}")
}

pub fn public_key_saved(path: impl Display) -> String {
    format!("Your public key has been saved in {path}")
}

pub const FINGERPRINT_IS: &str = "The key fingerprint is:";
pub const RANDOMART_IS: &str = "The key's randomart image is:";

// ---- loading keys -----------------------------------------------------------------------------

pub const ENTER_PASSPHRASE: &str = "Enter passphrase: ";
pub const ENTER_OLD_PASSPHRASE: &str = "Enter old passphrase: ";

/// `error("%s: %s")` / `fatal("%s: %s")` on a file that cannot be opened.
pub fn path_error(path: impl Display, err: impl Display) -> String {
    format!("{path}: {err}")
}

/// The same with the program name in front (`-l`, `-e`, `-i`).
pub fn progname_path_error(path: impl Display, err: impl Display) -> String {
    format!("{PROGNAME}: {path}: {err}")
}

pub fn load_key_failed(path: impl Display, err: impl Display) -> String {
    format!("Load key \"{path}\": {err}")
}

pub fn failed_to_load_key(path: impl Display, err: impl Display) -> String {
    format!("Failed to load key {path}: {err}")
}

pub fn cannot_load_private_key(path: impl Display, err: impl Display) -> String {
    format!("Cannot load private key \"{path}\": {err}")
}

/// sshkey_perm_ok's warning, one line per element.
pub fn unprotected_key_warning(mode: u32, path: impl Display) -> [String; 6] {
    let bar = "@".repeat(59);
    [
        bar.clone(),
        "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @".to_string(),
        bar,
        format!("Permissions 0{mode:03o} for '{path}' are too open."),
        "It is required that your private key files are NOT accessible by others.".to_string(),
        "This private key will be ignored.".to_string(),
    ]
}

// OpenSSH's ssherr.c texts for the errors oxssh-keygen reports.
pub const ERR_WRONG_PASSPHRASE: &str = "incorrect passphrase supplied to decrypt private key";
pub const ERR_INVALID_FORMAT: &str = "invalid format";
pub const ERR_KEY_TYPE_UNKNOWN: &str = "unknown or unsupported key type";
pub const ERR_BAD_PERMISSIONS: &str = "bad permissions";
pub const ERR_PASSPHRASE_TOO_SHORT: &str = "passphrase is too short (minimum five characters)";

// ---- -l ---------------------------------------------------------------------------------------

pub const NO_COMMENT: &str = "no comment";

/// One `-l` line: bits, fingerprint, comment, type.
pub fn fingerprint_line(bits: u32, fingerprint: &str, comment: &str, type_name: &str) -> String {
    format!("{bits} {fingerprint} {comment} ({type_name})")
}

pub fn not_a_public_key_file(path: impl Display) -> String {
    format!("{path} is not a public key file.")
}

pub fn not_a_key_file(path: impl Display) -> String {
    format!("{path} is not a key file.")
}

pub fn debug_not_a_public_key(path: impl Display, line: usize) -> String {
    format!("debug1: {path}:{line}: not a public key")
}

pub fn debug_load_public(path: impl Display, err: impl Display) -> String {
    format!("debug1: load public \"{path}\": {err}")
}

pub fn debug_load_private(path: impl Display, err: impl Display) -> String {
    format!("debug1: load private \"{path}\": {err}")
}

// ---- -p, -c -----------------------------------------------------------------------------------

pub fn key_has_comment(comment: &str) -> String {
    format!("Key has comment '{comment}'")
}

pub const ENTER_NEW_PASSPHRASE: &str = "Enter new passphrase (empty for no passphrase): ";
pub const PASS_PHRASES_DO_NOT_MATCH: &str = "Pass phrases do not match.  Try again.";
pub const SAVED_WITH_NEW_PASSPHRASE: &str =
    "Your identification has been saved with the new passphrase.";

pub const COMMENTS_ONLY_NEW_FORMAT: &str =
    "Comments are only supported for keys stored in the new format (-o).";

pub fn old_comment(comment: &str) -> String {
    format!("Old comment: {comment}")
}

pub const NO_EXISTING_COMMENT: &str = "No existing comment";
pub const NEW_COMMENT: &str = "New comment: ";
pub const NO_CHANGE_TO_COMMENT: &str = "No change to comment";

pub fn comment_applied(comment: &str) -> String {
    format!("Comment '{comment}' applied")
}

pub const COMMENT_REMOVED: &str = "Comment removed";

// ---- known_hosts ------------------------------------------------------------------------------

pub fn cannot_stat(path: impl Display, err: impl Display) -> String {
    format!("Cannot stat {path}: {err}")
}

/// `-F`: a matching line; `marker` is "CA", "REVOKED" or "" (OpenSSH keeps the trailing space).
pub fn host_found_marked(host: &str, line: usize, marker: &str) -> String {
    format!("# Host {host} found: line {line} {marker}")
}

/// `-R`: a removed line.
pub fn host_found(host: &str, line: usize) -> String {
    format!("# Host {host} found: line {line}")
}

pub const HASH_HOST_FAILED: &str = "hash_host failed";

pub fn invalid_line(path: impl Display, line: usize) -> String {
    format!("{path}:{line}: invalid line")
}

/// `-H`: a line left alone because of a wildcard; OpenSSH prints at most 64 bytes of the names.
pub fn ignoring_wildcard(path: impl Display, line: usize, hosts: &str) -> String {
    let mut end = hosts.len().min(64);
    while !hosts.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{path}:{line}: ignoring host name with wildcard: {}",
        hosts.get(..end).unwrap_or_default()
    )
}

pub fn not_a_valid_known_hosts_file(path: impl Display) -> String {
    format!("{path} is not a valid known_hosts file.")
}

pub const NOT_REPLACING_KNOWN_HOSTS: &str =
    "Not replacing existing known_hosts file because of errors";

pub fn host_not_found_in(host: &str, path: impl Display) -> String {
    format!("Host {host} not found in {path}")
}

pub fn mkstemp_failed(err: impl Display) -> String {
    format!("mkstemp: {err}")
}

pub fn unlink_failed(path: impl Display, err: impl Display) -> String {
    format!("unlink {path}: {err}")
}

pub fn link_failed(from: impl Display, to: impl Display, err: impl Display) -> String {
    format!("link {from} to {to}: {err}")
}

pub fn rename_failed(from: impl Display, to: impl Display, err: impl Display) -> String {
    format!("rename\"{from}\" to \"{to}\": {err}")
}

pub fn file_updated(path: impl Display) -> String {
    format!("{path} updated.")
}

pub fn original_retained(path: impl Display) -> String {
    format!("Original contents retained as {path}")
}

pub fn contains_unhashed(path: impl Display) -> String {
    format!("WARNING: {path} contains unhashed entries")
}

pub const DELETE_FOR_PRIVACY: &str = "Delete this file to ensure privacy of hostnames";

// ---- -A ---------------------------------------------------------------------------------------

pub fn generating_host_keys() -> String {
    format!("{PROGNAME}: generating new host keys: ")
}

pub fn could_not_save_private(path: impl Display, err: impl Display) -> String {
    format!("Could not save your private key in {path}: {err}")
}

pub fn could_not_save_public(path: impl Display, err: impl Display) -> String {
    format!("Could not save your public key in {path}: {err}")
}

pub fn unable_to_move(path: impl Display, err: impl Display) -> String {
    format!("Unable to move {path} into position: {err}")
}

// ---- -e, -i -----------------------------------------------------------------------------------

/// The RFC 4716 `Comment:` value; OpenSSH cuts it to 60 bytes so the header line fits 72 columns
/// (RFC 4716 §3.3).
pub fn rfc4716_comment(bits: u32, type_name: &str, user: &str, host: &str) -> String {
    let mut c = format!("{bits}-bit {type_name}, converted by {user}@{host} from OpenSSH");
    let mut end = c.len().min(60);
    while !c.is_char_boundary(end) {
        end -= 1;
    }
    c.truncate(end);
    c
}

pub fn unsupported_key_type_in(function: &str, type_name: &str) -> String {
    format!("{function}: unsupported key type {type_name}")
}

pub fn rfc4716_base64_decode_failed() -> String {
    format!("do_convert_from_ssh2: base64 decode: {ERR_INVALID_FORMAT}")
}

pub fn rfc4716_parse_key_failed(err: impl Display) -> String {
    format!("do_convert_from_ssh2: parse key: {err}")
}

pub const RFC4716_LINE_TOO_LONG: &str = "input line too long.";

pub const RFC4716_PRIVATE_UNSUPPORTED: &str = "do_convert_from_ssh2: private key conversion failed";

pub fn not_a_recognised_public_key(path: impl Display) -> String {
    format!("do_convert_from_pkcs8: {path} is not a recognised public key format")
}

pub const UNRECOGNISED_RAW_FORMAT: &str =
    "do_convert_from_pem: unrecognised raw private key format";

pub fn unsupported_pubkey_type(what: &str) -> String {
    format!("do_convert_from_pkcs8: unsupported pubkey type {what}")
}

// ---- -Y (sshsig) ------------------------------------------------------------------------------

/// `-Y` without an argument it needs; `what` is e.g. "sign: missing key" (OpenSSH leaves out
/// the space after the colon for find-principals and match-principals).
pub fn too_few_arguments(what: &str) -> String {
    format!("Too few arguments for {what}")
}

pub fn unsupported_y_operation(op: &str) -> String {
    format!("Unsupported operation for -Y: \"{op}\"")
}

pub const SIGN_MIX_OF_PATHS_AND_STDIN: &str = "Cannot sign mix of paths and standard input";

pub fn couldnt_load_public_key(path: impl Display, err: impl Display) -> String {
    format!("Couldn't load public key {path}: {err}")
}

pub fn public_key_doesnt_match(public: impl Display, private: impl Display) -> String {
    format!("Public key {public} doesn't match private {private}")
}

/// Printed with `fprintf(stderr, …)`, so with a bare `\n`.
pub const SIGNING_STDIN: &str = "Signing data on standard input";

pub fn signing_file(path: impl Display) -> String {
    format!("Signing file {path}")
}

pub fn write_signature_to(path: impl Display) -> String {
    format!("Write signature to {path}")
}

pub fn cannot_open_for_signing(path: impl Display, err: impl Display) -> String {
    format!("Cannot open {path} for signing: {err}")
}

pub fn cannot_open(path: impl Display, err: impl Display) -> String {
    format!("Cannot open {path}: {err}")
}

pub const INVALID_VERIFY_TIME: &str = "Invalid \"verify-time\" option";

pub fn invalid_option(opt: &str) -> String {
    format!("Invalid option \"{opt}\"")
}

pub fn couldnt_read_signature_file(err: impl Display) -> String {
    format!("Couldn't read signature file: {err}")
}

pub fn good_signature(namespace: &str, type_name: &str, fingerprint: &str) -> String {
    format!("Good \"{namespace}\" signature with {type_name} key {fingerprint}")
}

pub fn good_signature_for(
    namespace: &str,
    principal: &str,
    type_name: &str,
    fingerprint: &str,
) -> String {
    format!("Good \"{namespace}\" signature for {principal} with {type_name} key {fingerprint}")
}

pub const COULD_NOT_VERIFY: &str = "Could not verify signature.";
pub const NO_PRINCIPAL_MATCHED: &str = "No principal matched.";

pub fn find_principal_failed(err: impl Display) -> String {
    format!("sig_find_principals: sshsig_find_principal: {err}")
}

pub fn unable_to_open_allowed_keys(path: impl Display, err: impl Display) -> String {
    format!("Unable to open allowed keys file \"{path}\": {err}")
}

/// An allowed_signers line problem: "invalid line", "invalid options", "missing key",
/// "invalid key".
pub fn allowed_signers_line(path: impl Display, line: usize, what: &str) -> String {
    format!("{path}:{line}: {what}")
}

pub fn allowed_signers_bad_options(path: impl Display, line: usize, why: &str) -> String {
    format!("{path}:{line}: bad options: {why}")
}

pub fn namespace_not_permitted(path: impl Display, line: usize, namespace: &str) -> String {
    format!("{path}:{line}: key is not permitted for use in signature namespace \"{namespace}\"")
}

pub fn key_not_yet_valid(path: impl Display, line: usize, at: &str, after: &str) -> String {
    format!("{path}:{line}: key is not yet valid: verify time {at} < valid-after {after}")
}

pub fn key_expired(path: impl Display, line: usize, at: &str, before: &str) -> String {
    format!("{path}:{line}: key has expired: verify time {at} > valid-before {before}")
}

// sigopts_parse's reasons.
pub const OPT_MISSING_START_QUOTE: &str = "missing start quote";
pub const OPT_MISSING_END_QUOTE: &str = "missing end quote";
pub const OPT_MULTIPLE_NAMESPACES: &str = "multiple \"namespaces\" clauses";
pub const OPT_MULTIPLE_VALID_AFTER: &str = "multiple \"valid-after\" clauses";
pub const OPT_MULTIPLE_VALID_BEFORE: &str = "multiple \"valid-before\" clauses";
pub const OPT_INVALID_VALID_AFTER: &str = "invalid \"valid-after\" time";
pub const OPT_INVALID_VALID_BEFORE: &str = "invalid \"valid-before\" time";
pub const OPT_UNKNOWN: &str = "unknown key option";
pub const OPT_UNEXPECTED_END: &str = "unexpected end-of-options";
pub const OPT_BEFORE_BEFORE_AFTER: &str = "\"valid-before\" time is before \"valid-after\"";

// sshsig.c's errors.
pub fn sshsig_unsupported_hash(name: &str) -> String {
    format!("sshsig_check_hashalg: unsupported hash algorithm \"{name}\"")
}

pub fn sshsig_read_failed(err: impl Display) -> String {
    format!("hash_file: read: {err}")
}

pub fn sshsig_couldnt_sign(err: impl Display) -> String {
    format!("Couldn't sign message: {err}")
}

pub const SSHSIG_MISSING_HEADER: &str = "Couldn't parse signature: missing header";
pub const SSHSIG_MISSING_FOOTER: &str = "Couldn't parse signature: missing footer";
pub const SSHSIG_BAD_BASE64: &str = "sshsig_dearmor: decode base64: invalid format";

/// The line the caller of `sshsig_dearmor` adds (`function` is `sig_verify` or
/// `sig_find_principals`).
pub fn sshsig_armor_failed(function: &str, why: &str) -> String {
    format!("{function}: sshsig_armor: {why}")
}

pub const SSHSIG_INVALID_FORMAT: &str = "Couldn't verify signature: invalid format";

pub fn sshsig_version_too_new(version: u32, supported: u32) -> String {
    format!("Signature version {version} is larger than supported version {supported}")
}

pub fn sshsig_bad_blob(why: impl Display) -> String {
    format!("Couldn't parse signature blob: {why}")
}

pub const SSHSIG_TRAILING_DATA: &str = "Signature contains trailing data";
pub const SSHSIG_NAMESPACE_MISMATCH: &str = "Couldn't verify signature: namespace does not match";
pub const SSHSIG_NO_SIGNATURE_TYPE: &str =
    "Couldn't verify signature: unable to get signature type: invalid format";

pub fn sshsig_unsupported_rsa_algorithm(name: &str) -> String {
    format!("Couldn't verify signature: unsupported RSA signature algorithm {name}")
}

pub const SSHSIG_TYPE_MISMATCH: &str = "Signature verification failed: signature type mismatch";
pub const SSHSIG_BAD_SIGNATURE: &str = "Signature verification failed: incorrect signature";

/// `-L` on a line holding a plain key (ssh-keygen.c `do_show_cert`).
pub fn not_a_certificate(path: &str, lnum: usize) -> String {
    format!("{path}:{lnum} is not a certificate")
}

/// `-L` on a line that is not a key at all.
pub fn invalid_key_line(path: &str, lnum: usize) -> String {
    format!("{path}:{lnum}: invalid key: invalid format")
}

// ---- signing certificates (ssh-keygen.c do_ca_sign, add_cert_option, parse_cert_times) ------

pub const CERT_NEED_KEY_ID: &str = "Must specify key id (-I) when certifying";
pub const CERT_EMPTY_FORCE_COMMAND: &str = "Empty force-command option";
pub const CERT_FORCE_COMMAND_TWICE: &str = "force-command already specified";
pub const CERT_EMPTY_SOURCE_ADDRESS: &str = "Empty source-address option";
pub const CERT_SOURCE_ADDRESS_TWICE: &str = "source-address already specified";
pub const CERT_EMPTY_PRINCIPAL: &str = "Empty principal name";
pub const CERT_EMPTY_VALIDITY: &str = "Empty certificate validity interval";

pub fn cert_unsupported_option(opt: &str) -> String {
    format!("Unsupported certificate option \"{opt}\"")
}

pub fn cert_invalid_serial(v: &str) -> String {
    format!("Invalid serial number \"{v}\"")
}

pub fn cert_invalid_relative_life(spec: &str) -> String {
    format!("Invalid relative certificate life {spec}")
}

pub fn cert_invalid_relative_time(spec: &str) -> String {
    format!("Invalid relative certificate time {spec}")
}

pub fn cert_time_not_representable(spec: &str) -> String {
    format!("Certificate time {spec} cannot be represented")
}

pub fn cert_invalid_life(spec: &str) -> String {
    format!("Invalid certificate life specification {spec}")
}

pub fn cert_invalid_from(t: &str) -> String {
    format!("Invalid from time \"{t}\"")
}

pub fn cert_invalid_to(t: &str) -> String {
    format!("Invalid to time \"{t}\"")
}

pub fn cert_load_pubkey(path: impl Display, err: impl Display) -> String {
    format!("load pubkey \"{path}\": {err}")
}

pub fn cert_cannot_certify(path: impl Display) -> String {
    format!("do_ca_sign: key \"{path}\" cannot be certified")
}

pub fn cert_couldnt_sign(err: impl Display) -> String {
    format!("Couldn't certify key: {err}")
}

pub fn cert_write_failed(path: impl Display, err: impl Display) -> String {
    format!("Could not open \"{path}\" for writing: {err}")
}

/// The line after each certificate is written.
pub fn cert_signed(
    kind: &str,
    out: impl Display,
    key_id: &str,
    serial: u64,
    principals: Option<&str>,
    valid: &str,
) -> String {
    let principals = principals.map(|p| format!(" for {p}")).unwrap_or_default();
    format!("Signed {kind} key {out}: id \"{key_id}\" serial {serial}{principals} valid {valid}")
}
