//! Key fingerprints in OpenSSH's text forms (`sshkey_fingerprint` with `SSH_FP_DEFAULT`): SHA-256 as
//! unpadded base64, MD5 as colon-separated lower-case hex.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use md5::Digest as _;

/// The hash behind a fingerprint (`ssh-keygen -E`, `FingerprintHash` in ssh_config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FingerprintHash {
    /// SHA-256, the default since OpenSSH 6.8.
    #[default]
    Sha256,
    /// MD5, the old colon-separated hex form.
    Md5,
}

impl FingerprintHash {
    /// The name OpenSSH prints before the digest and in randomart footers ("SHA256", "MD5").
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA256",
            Self::Md5 => "MD5",
        }
    }

    /// Parses the `-E` / `FingerprintHash` value ("sha256", "md5", case-insensitive like OpenSSH's
    /// `ssh_digest_alg_by_name`).
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("sha256") {
            Some(Self::Sha256)
        } else if name.eq_ignore_ascii_case("md5") {
            Some(Self::Md5)
        } else {
            None
        }
    }
}

/// The raw digest of a key blob.
pub(crate) fn digest(blob: &[u8], hash: FingerprintHash) -> Vec<u8> {
    match hash {
        FingerprintHash::Sha256 => aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, blob)
            .as_ref()
            .to_vec(),
        FingerprintHash::Md5 => md5::Md5::digest(blob).to_vec(),
    }
}

/// The fingerprint text of a key blob.
pub(crate) fn fingerprint(blob: &[u8], hash: FingerprintHash) -> String {
    let d = digest(blob, hash);
    match hash {
        FingerprintHash::Sha256 => format!("SHA256:{}", STANDARD_NO_PAD.encode(d)),
        FingerprintHash::Md5 => {
            let hex: Vec<String> = d.iter().map(|b| format!("{b:02x}")).collect();
            format!("MD5:{}", hex.join(":"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_ssh_keygen() {
        // Digests of the empty input: SHA-256 e3b0c442…, MD5 d41d8cd9….
        assert_eq!(
            fingerprint(b"", FingerprintHash::Sha256),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(
            fingerprint(b"", FingerprintHash::Md5),
            "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"
        );
        assert_eq!(
            FingerprintHash::from_name("MD5"),
            Some(FingerprintHash::Md5)
        );
        assert_eq!(FingerprintHash::from_name("sha1"), None);
    }
}
