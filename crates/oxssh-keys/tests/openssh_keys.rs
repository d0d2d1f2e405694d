//! Private and public keys against OpenSSH's `ssh-keygen`: its keys read by us, our keys read by it,
//! fingerprints and signatures in both directions (through sshsig, PROTOCOL.sshsig).

mod common;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{generate, have, keygen, path_str, stdout, write_private};
use oxssh_keys::{FingerprintHash, KeyError, KeyType, PrivateKey, PublicKey, SignatureAlgorithm};
use oxssh_wire::{Reader, Writer};

const PASS: &str = "correct horse";

/// Key types OpenSSH can make, with `-t` and `-b`.
const OPENSSH_KEYS: [(&str, Option<u32>, KeyType); 6] = [
    ("ed25519", None, KeyType::Ed25519),
    ("ecdsa", Some(256), KeyType::EcdsaP256),
    ("ecdsa", Some(384), KeyType::EcdsaP384),
    ("ecdsa", Some(521), KeyType::EcdsaP521),
    ("rsa", Some(2048), KeyType::Rsa),
    ("rsa", Some(3072), KeyType::Rsa),
];

fn read_pub(path: &Path) -> (PublicKey, String) {
    let text = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    PublicKey::parse_openssh_line(&text).unwrap()
}

/// Re-encrypts or converts a key file in place (`ssh-keygen -p`).
fn convert(path: &Path, old: &str, new: &str, format: Option<&str>) {
    let mut args = vec!["-q", "-p", "-P", old, "-N", new, "-f", path_str(path)];
    if let Some(f) = format {
        args.extend(["-m", f]);
    }
    keygen(&args);
}

#[test]
fn openssh_keys_decode_with_and_without_passphrase() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, (t, bits, key_type)) in OPENSSH_KEYS.into_iter().enumerate() {
        let path = generate(dir.path(), &format!("k{i}"), t, bits, "");
        let (expected, comment) = read_pub(&path);
        assert_eq!(comment, "test@oxssh");
        let plain = std::fs::read(&path).unwrap();
        assert!(!PrivateKey::is_encrypted(&plain));
        let key = PrivateKey::decode(&plain, None).unwrap();
        assert_eq!(key.public(), &expected, "{t} {bits:?}");
        assert_eq!(key.key_type(), key_type);
        assert_eq!(key.comment(), "test@oxssh");
        if let Some(b) = bits {
            assert_eq!(key.public().bits(), b);
        }

        convert(&path, "", PASS, None);
        let encrypted = std::fs::read(&path).unwrap();
        assert!(PrivateKey::is_encrypted(&encrypted));
        assert_eq!(
            PrivateKey::decode(&encrypted, None).unwrap_err(),
            KeyError::PassphraseRequired
        );
        assert_eq!(
            PrivateKey::decode(&encrypted, Some(b"wrong")).unwrap_err(),
            KeyError::IncorrectPassphrase
        );
        assert_eq!(PrivateKey::decode_public(&encrypted).unwrap(), expected);
        let key = PrivateKey::decode(&encrypted, Some(PASS.as_bytes())).unwrap();
        assert_eq!(key.public(), &expected);
        assert_eq!(key.comment(), "test@oxssh");
    }
}

#[test]
fn openssh_pem_and_pkcs8_exports_decode() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
    ];
    for (i, (t, bits)) in keys.into_iter().enumerate() {
        let path = generate(dir.path(), &format!("k{i}"), t, bits, "");
        let (expected, _) = read_pub(&path);
        for format in ["PEM", "PKCS8"] {
            let copy = dir.path().join(format!("k{i}-{format}"));
            std::fs::copy(&path, &copy).unwrap();
            convert(&copy, "", "", Some(format));
            let bytes = std::fs::read(&copy).unwrap();
            let label = if format == "PKCS8" {
                "-----BEGIN PRIVATE KEY-----"
            } else if t == "rsa" {
                "-----BEGIN RSA PRIVATE KEY-----"
            } else {
                "-----BEGIN EC PRIVATE KEY-----"
            };
            assert!(bytes.starts_with(label.as_bytes()), "{t} {format}");
            assert!(!PrivateKey::is_encrypted(&bytes));
            assert_eq!(
                PrivateKey::decode(&bytes, None).unwrap().public(),
                &expected,
                "{t} {format}"
            );

            convert(&copy, "", PASS, Some(format));
            let bytes = std::fs::read(&copy).unwrap();
            assert!(PrivateKey::is_encrypted(&bytes), "{t} {format}");
            assert_eq!(
                PrivateKey::decode(&bytes, None).unwrap_err(),
                KeyError::PassphraseRequired
            );
            assert_eq!(
                PrivateKey::decode(&bytes, Some(b"wrong")).unwrap_err(),
                KeyError::IncorrectPassphrase
            );
            let key = PrivateKey::decode(&bytes, Some(PASS.as_bytes())).unwrap();
            assert_eq!(key.public(), &expected, "{t} {format} encrypted");
        }
    }
}

#[test]
fn our_key_files_are_read_by_ssh_keygen() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let types = [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
        KeyType::Rsa,
    ];
    for key_type in types {
        let mut key =
            PrivateKey::generate(key_type, Some(2048).filter(|_| key_type == KeyType::Rsa))
                .unwrap();
        key.set_comment("ours@oxssh");
        let expected = key.public().to_openssh_line("");
        let name = key_type.name();

        let plain = dir.path().join(format!("{name}-plain"));
        write_private(&plain, key.encode_openssh(None, 16).unwrap().as_bytes());
        assert_eq!(
            stdout(&keygen(&["-y", "-f", path_str(&plain)])),
            format!("{expected} ours@oxssh")
        );

        let encrypted = dir.path().join(format!("{name}-encrypted"));
        let text = key.encode_openssh(Some(PASS.as_bytes()), 4).unwrap();
        write_private(&encrypted, text.as_bytes());
        assert!(PrivateKey::is_encrypted(text.as_bytes()));
        assert_eq!(
            stdout(&keygen(&["-y", "-P", PASS, "-f", path_str(&encrypted)])),
            format!("{expected} ours@oxssh")
        );
        // And back through our own decoder.
        let again = PrivateKey::decode(text.as_bytes(), Some(PASS.as_bytes())).unwrap();
        assert_eq!(again.public(), key.public());
        assert_eq!(again.comment(), "ours@oxssh");

        let pkcs8 = dir.path().join(format!("{name}-pkcs8"));
        let pkcs8_text = key.encode_pkcs8().unwrap();
        write_private(&pkcs8, pkcs8_text.as_bytes());
        assert_eq!(
            PrivateKey::decode(pkcs8_text.as_bytes(), None)
                .unwrap()
                .public(),
            key.public()
        );
        if key_type != KeyType::Ed25519 {
            // OpenSSH 9.2 reads Ed25519 only from its own format.
            assert_eq!(stdout(&keygen(&["-y", "-f", path_str(&pkcs8)])), expected);
            let pem = dir.path().join(format!("{name}-pem"));
            let pem_text = key.encode_pem().unwrap();
            write_private(&pem, pem_text.as_bytes());
            assert_eq!(stdout(&keygen(&["-y", "-f", path_str(&pem)])), expected);
            assert_eq!(
                PrivateKey::decode(pem_text.as_bytes(), None)
                    .unwrap()
                    .public(),
                key.public()
            );
        } else {
            assert!(matches!(
                key.encode_pem(),
                Err(KeyError::UnsupportedFormat(_))
            ));
        }
    }
}

#[test]
fn fingerprints_match_ssh_keygen() {
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
    for (i, (t, bits)) in keys.into_iter().enumerate() {
        let path = generate(dir.path(), &format!("k{i}"), t, bits, "");
        let (key, comment) = read_pub(&path);
        let pub_path = path.with_extension("pub");
        for (hash, flag) in [
            (FingerprintHash::Sha256, "sha256"),
            (FingerprintHash::Md5, "md5"),
        ] {
            let theirs = stdout(&keygen(&["-l", "-E", flag, "-f", path_str(&pub_path)]));
            let ours = format!(
                "{} {} {} ({})",
                key.bits(),
                key.fingerprint(hash),
                comment,
                key.key_type().display_name()
            );
            assert_eq!(ours, theirs);
        }
    }
}

/// The data an sshsig signature covers (PROTOCOL.sshsig).
fn sshsig_signed_data(namespace: &str, message: &[u8]) -> Vec<u8> {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, message);
    let mut data = b"SSHSIG".to_vec();
    data.write_string(namespace.as_bytes());
    data.write_string(b"");
    data.write_string(b"sha512");
    data.write_string(digest.as_ref());
    data
}

/// Pulls the public key and SSH signature blob out of an armoured sshsig.
fn parse_sshsig(armoured: &str) -> (Vec<u8>, Vec<u8>) {
    let b64: String = armoured
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let raw = BASE64.decode(b64).unwrap();
    let mut r = Reader::new(&raw);
    assert_eq!(r.take(6, "magic").unwrap(), b"SSHSIG");
    assert_eq!(r.read_u32("version").unwrap(), 1);
    let public = r.read_string("public key").unwrap().to_vec();
    assert_eq!(r.read_string("namespace").unwrap(), b"file");
    r.read_string("reserved").unwrap();
    assert_eq!(r.read_string("hash").unwrap(), b"sha512");
    let signature = r.read_string("signature").unwrap().to_vec();
    r.finish("sshsig").unwrap();
    (public, signature)
}

fn armour_sshsig(public: &PublicKey, signature: &[u8]) -> String {
    let mut raw = b"SSHSIG".to_vec();
    raw.write_u32(1);
    raw.write_string(public.blob());
    raw.write_string(b"file");
    raw.write_string(b"");
    raw.write_string(b"sha512");
    raw.write_string(signature);
    let b64 = BASE64.encode(raw);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    )
}

fn default_algorithm(key_type: KeyType) -> SignatureAlgorithm {
    key_type.signature_algorithms()[0]
}

#[test]
fn signatures_by_ssh_keygen_verify_and_ours_verify_in_ssh_keygen() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let message = b"a message signed by both sides\n";
    let data_path = dir.path().join("data");
    std::fs::write(&data_path, message).unwrap();
    let keys = [
        ("ed25519", None),
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
    ];
    for (i, (t, bits)) in keys.into_iter().enumerate() {
        let path = generate(dir.path(), &format!("k{i}"), t, bits, "");
        let (public, _) = read_pub(&path);
        let alg = default_algorithm(public.key_type());

        // OpenSSH signs; we verify.
        keygen(&[
            "-Y",
            "sign",
            "-q",
            "-f",
            path_str(&path),
            "-n",
            "file",
            path_str(&data_path),
        ]);
        let armoured = std::fs::read_to_string(dir.path().join("data.sig")).unwrap();
        std::fs::remove_file(dir.path().join("data.sig")).unwrap();
        let (blob, signature) = parse_sshsig(&armoured);
        assert_eq!(blob, public.blob());
        let signed = sshsig_signed_data("file", message);
        public.verify(alg, &signed, &signature).unwrap();
        assert_eq!(
            public.verify(alg, b"other data", &signature),
            Err(KeyError::BadSignature)
        );

        // We sign; OpenSSH verifies.
        let key = PrivateKey::decode(&std::fs::read(&path).unwrap(), None).unwrap();
        let ours = key.sign(alg, &signed).unwrap();
        let sig_path = dir.path().join(format!("ours{i}.sig"));
        std::fs::write(&sig_path, armour_sshsig(&public, &ours)).unwrap();
        let out = std::process::Command::new("ssh-keygen")
            .args([
                "-Y",
                "check-novalidate",
                "-n",
                "file",
                "-s",
                path_str(&sig_path),
            ])
            .stdin(std::fs::File::open(&data_path).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{t}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn rsa_1024_verifies_but_cannot_be_loaded_as_a_private_key() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), "small", "rsa", Some(1024), "");
    let (public, _) = read_pub(&path);
    assert_eq!(public.bits(), 1024);
    let err = PrivateKey::decode(&std::fs::read(&path).unwrap(), None).unwrap_err();
    assert_eq!(err, KeyError::RsaPrivateKeySize { bits: 1024 });
    assert!(err.to_string().contains("2048"), "{err}");

    let data_path = dir.path().join("data");
    std::fs::write(&data_path, b"legacy").unwrap();
    keygen(&[
        "-Y",
        "sign",
        "-q",
        "-f",
        path_str(&path),
        "-n",
        "file",
        path_str(&data_path),
    ]);
    let (_, signature) =
        parse_sshsig(&std::fs::read_to_string(dir.path().join("data.sig")).unwrap());
    public
        .verify(
            SignatureAlgorithm::RsaSha512,
            &sshsig_signed_data("file", b"legacy"),
            &signature,
        )
        .unwrap();
}

/// One P-256 key in 256 has a scalar below 2^248, which OpenSSH writes as a 31-byte mpint (and which
/// ssh-key's own decoder refuses). Such keys must go both ways.
#[test]
fn short_p256_scalars_round_trip_with_ssh_keygen() {
    if !have("ssh-keygen") {
        return;
    }
    let scalar_len = |key: &PrivateKey| {
        let framed = oxssh_keys::agent::Request::AddIdentity {
            key: Box::new(
                PrivateKey::decode(key.encode_openssh(None, 1).unwrap().as_bytes(), None).unwrap(),
            ),
            constraints: vec![],
        }
        .encode()
        .unwrap();
        let mut r = Reader::new(&framed[5..]);
        r.read_string("type").unwrap();
        r.read_string("curve").unwrap();
        r.read_string("point").unwrap();
        r.read_mpint_positive("d").unwrap().len()
    };
    let key = (0..4000)
        .map(|_| PrivateKey::generate(KeyType::EcdsaP256, None).unwrap())
        .find(|k| scalar_len(k) < 32)
        .expect("a short scalar within 4000 keys");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short");
    write_private(&path, key.encode_openssh(None, 16).unwrap().as_bytes());
    assert_eq!(
        stdout(&keygen(&["-y", "-f", path_str(&path)])),
        key.public().to_openssh_line("")
    );
    // Re-encrypted by ssh-keygen, it comes back to us.
    convert(&path, "", PASS, None);
    let again = PrivateKey::decode(&std::fs::read(&path).unwrap(), Some(PASS.as_bytes())).unwrap();
    assert_eq!(again.public(), key.public());
}
