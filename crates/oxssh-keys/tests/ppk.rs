//! PuTTY key files made by puttygen (PPK v2 and v3, plain and encrypted) read by PrivateKey::decode.
//! Only Ed25519 PPK keys are readable (see the UnsupportedFormat case).

mod common;

use common::{have, path_str, run};
use oxssh_keys::{KeyError, PrivateKey, PublicKey};

#[test]
fn puttygen_keys_decode() {
    if !have("puttygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, "pp secret\n").unwrap();
    let empty_file = dir.path().join("empty");
    std::fs::write(&empty_file, "").unwrap();
    let make = |name: &str, t: &str, version: &str, pass: &std::path::Path| {
        let ppk = dir.path().join(format!("{name}.ppk"));
        let param = format!("version={version}");
        run(
            "puttygen",
            &[
                "-q",
                "-t",
                t,
                "-o",
                path_str(&ppk),
                "--new-passphrase",
                path_str(pass),
                "--ppk-param",
                &param,
            ],
        );
        let public_path = dir.path().join(format!("{name}.pub"));
        run(
            "puttygen",
            &[
                path_str(&ppk),
                "--old-passphrase",
                path_str(pass),
                "-O",
                "public-openssh",
                "-o",
                path_str(&public_path),
            ],
        );
        let (public, comment) =
            PublicKey::parse_openssh_line(&std::fs::read_to_string(&public_path).unwrap()).unwrap();
        (std::fs::read(&ppk).unwrap(), public, comment)
    };

    for (version, encrypted) in [("3", false), ("3", true), ("2", true), ("2", false)] {
        let (bytes, public, comment) = make(
            &format!("ed{version}{encrypted}"),
            "ed25519",
            version,
            if encrypted { &pass_file } else { &empty_file },
        );
        assert_eq!(PrivateKey::is_encrypted(&bytes), encrypted, "v{version}");
        let key = if encrypted {
            assert_eq!(
                PrivateKey::decode(&bytes, None).unwrap_err(),
                KeyError::PassphraseRequired
            );
            assert_eq!(
                PrivateKey::decode(&bytes, Some(b"wrong")).unwrap_err(),
                KeyError::IncorrectPassphrase
            );
            PrivateKey::decode(&bytes, Some(b"pp secret")).unwrap()
        } else {
            PrivateKey::decode(&bytes, None).unwrap()
        };
        assert_eq!(key.public(), &public, "v{version}");
        assert_eq!(key.comment(), comment);
    }

    let (bytes, _, _) = make("ecdsa", "ecdsa", "3", &empty_file);
    assert!(matches!(
        PrivateKey::decode(&bytes, None),
        Err(KeyError::UnsupportedFormat(_))
    ));
}
