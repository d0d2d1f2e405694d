//! Randomart against `ssh-keygen -lv`, byte for byte, for every key type and both hashes.

mod common;

use common::{generate, have, keygen, path_str, stdout};
use oxssh_keys::randomart::randomart;
use oxssh_keys::{FingerprintHash, PublicKey};

#[test]
fn randomart_matches_ssh_keygen() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        ("ed25519", None),
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
    ];
    // Several keys per type, so the walk visits walls, corners and the higher symbols.
    for round in 0..3 {
        for (t, bits) in keys {
            let path = generate(
                dir.path(),
                &format!("{t}{}-{round}", bits.unwrap_or(0)),
                t,
                bits,
                "",
            );
            let pub_path = path.with_extension("pub");
            let (key, _) =
                PublicKey::parse_openssh_line(&std::fs::read_to_string(&pub_path).unwrap())
                    .unwrap();
            for (hash, flag) in [
                (FingerprintHash::Sha256, "sha256"),
                (FingerprintHash::Md5, "md5"),
            ] {
                let out = stdout(&keygen(&["-lv", "-E", flag, "-f", path_str(&pub_path)]));
                let (_, art) = out.split_once('\n').unwrap();
                assert_eq!(randomart(&key, hash), art, "{t} {bits:?} {flag}");
            }
        }
    }
}
