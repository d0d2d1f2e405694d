//! Checking a password against a crypt(3) hash, for `PasswordAuthentication` with `UsePAM no`
//! (OpenSSH's auth-passwd.c `sys_auth_passwd`).
//!
//! Hashing goes through the system's libxcrypt (`crypt_rn`), so every method it supports works:
//! yescrypt `$y$` (Debian 12's default), `$gy$`, sha512crypt `$6$`, sha256crypt `$5$`, bcrypt
//! `$2b$`, scrypt `$7$` and the legacy ones the system has enabled. Each check costs what the
//! hash's parameters say (tens of milliseconds for yescrypt): run it on a blocking thread.

use std::ffi::CStr;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// libxcrypt refuses longer passphrases (`CRYPT_MAX_PASSPHRASE_SIZE`, 512 with the NUL).
const MAX_PASSWORD_LEN: usize = 511;

/// Whether `password` hashes to `hash`.
///
/// Never matches when the hash cannot be a password hash: empty (OpenSSH accepts an empty
/// password there only with `PermitEmptyPasswords`, which the daemon decides before calling
/// this), or starting with `*` or `!` (disabled or locked). Also never matches a password with
/// a NUL byte or longer than libxcrypt accepts. The final comparison is constant-time.
pub fn verify_password(password: &[u8], hash: &str) -> bool {
    if hash.is_empty() || hash.starts_with('*') || hash.starts_with('!') || hash.contains('\0') {
        return false;
    }
    if password.contains(&0) || password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    let Some(computed) = crypt(password, hash) else {
        return false;
    };
    // Failure outputs start with '*' (libxcrypt's "*0"/"*1"); a real hash never does.
    if computed.first() == Some(&b'*') {
        return false;
    }
    // Lengths are not secret (they follow from the method); the contents are compared without
    // an early exit so timing does not reveal how much of a guess was right.
    computed.len() == hash.len() && bool::from(computed.as_slice().ct_eq(hash.as_bytes()))
}

/// Hashes `password` with `setting` (a full hash or a salt prefix such as `$6$salt$`) and
/// returns the result, or `None` if libxcrypt rejects the setting. Our copies of the password
/// and of libxcrypt's work area are wiped before returning.
pub fn crypt(password: &[u8], setting: &str) -> Option<Zeroizing<Vec<u8>>> {
    if password.contains(&0) || setting.contains('\0') {
        return None;
    }
    let mut phrase = Zeroizing::new(Vec::with_capacity(password.len() + 1));
    phrase.extend_from_slice(password);
    phrase.push(0);
    let mut setting_z = Vec::with_capacity(setting.len() + 1);
    setting_z.extend_from_slice(setting.as_bytes());
    setting_z.push(0);
    let phrase_c = CStr::from_bytes_with_nul(&phrase).ok()?;
    let setting_c = CStr::from_bytes_with_nul(&setting_z).ok()?;
    crate::ffi::crypt(phrase_c, setting_c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &[u8] = b"Hello world!";
    // sha512crypt and sha256crypt vectors from Drepper's SHA-crypt specification, confirmed
    // with `openssl passwd -6/-5 -salt saltstring`.
    const SHA512: &str = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
    const SHA256: &str = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
    // Produced by this machine's libxcrypt 4.4.33 (through Python's crypt module) and fixed
    // here, so a change in our FFI cannot go unnoticed.
    const YESCRYPT: &str = "$y$j9T$saltsaltsaltsalt$eTIrj/cssnFakfR1liCl5NGjVfSUn6ROSudBWhfAts3";
    const BCRYPT: &str = "$2b$05$abcdefghijklmnopqrstuu7nFISH/8YdwlXD3lw69A4iBUf6fvWAW";

    #[test]
    fn known_hashes_verify_and_wrong_passwords_do_not() {
        for hash in [SHA512, SHA256, YESCRYPT, BCRYPT] {
            assert!(verify_password(PW, hash), "{hash}");
            assert!(!verify_password(b"Hello world?", hash), "{hash}");
            assert!(!verify_password(b"", hash), "{hash}");
        }
    }

    #[test]
    fn disabled_and_malformed_hashes_never_match() {
        for hash in ["", "*", "!", "*LK*", "x", "!$6$saltstring$abc", "$6$"] {
            assert!(!verify_password(b"", hash), "{hash:?}");
            assert!(!verify_password(PW, hash), "{hash:?}");
        }
        let locked = format!("!{SHA512}");
        assert!(!verify_password(PW, &locked));
        assert!(!verify_password(PW, &SHA512[..SHA512.len() - 1]));
    }

    #[test]
    fn nul_bytes_and_oversized_passwords_are_refused() {
        assert!(!verify_password(b"Hello world!\0tail", SHA512));
        assert!(!verify_password(&[b'a'; 4096], SHA512));
        assert!(crypt(PW, "$6$salt\0x$").is_none());
    }

    #[test]
    fn crypt_with_a_salt_prefix_produces_a_verifiable_hash() {
        let hash = crypt(b"s3cret", "$6$oxsshsalt$").expect("crypt");
        let hash = std::str::from_utf8(&hash).expect("ascii");
        assert!(hash.starts_with("$6$oxsshsalt$"));
        assert!(verify_password(b"s3cret", hash));
        assert!(crypt(b"s3cret", "$unknown$").is_none_or(|h| h.first() == Some(&b'*')));
    }
}
