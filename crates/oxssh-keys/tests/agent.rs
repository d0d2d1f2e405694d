//! The agent protocol against OpenSSH's ssh-agent over its Unix socket: keys added by ssh-add and by
//! us are listed, sign, and verify with our PublicKey::verify; constraints, removal and locking behave.

mod common;

use std::io::{BufRead as _, Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{generate, have, path_str};
use oxssh_keys::agent::{Constraint, Extension, Request, Response, frame_length, sign_flags};
use oxssh_keys::{KeyType, PrivateKey, PublicKey};
use zeroize::Zeroizing;

struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    /// Starts `ssh-agent -D -a SOCK` and waits for the line it prints once it listens.
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let mut child = Command::new("ssh-agent")
            .args(["-D", "-a", path_str(&socket)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("SSH_AUTH_SOCK="),
            "ssh-agent said {line:?}"
        );
        Agent { child, socket }
    }

    fn call(&self, request: &Request) -> Response {
        let mut stream = UnixStream::connect(&self.socket).unwrap();
        stream.write_all(&request.encode().unwrap()).unwrap();
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).unwrap();
        let mut body = vec![0u8; frame_length(prefix).unwrap()];
        stream.read_exact(&mut body).unwrap();
        Response::decode(&body).unwrap()
    }

    fn ssh_add(&self, args: &[&str]) -> String {
        let out = Command::new("ssh-add")
            .args(args)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-add {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn identities(&self) -> Vec<(PublicKey, String)> {
        match self.call(&Request::RequestIdentities) {
            Response::IdentitiesAnswer(ids) => ids
                .iter()
                .map(|i| (i.public_key().unwrap(), i.comment.clone()))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    fn sign_and_verify(&self, key: &PublicKey, flags: u32) {
        let data = b"session id and userauth request".to_vec();
        let request = Request::SignRequest {
            key_blob: key.blob().to_vec(),
            data: data.clone(),
            flags,
        };
        let Response::SignResponse(signature) = self.call(&request) else {
            panic!("no signature for {key:?}")
        };
        let alg = oxssh_keys::agent::requested_algorithm(key.key_type(), flags);
        key.verify(alg, &data, &signature).unwrap();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn openssh_agent_speaks_our_protocol() {
    if !have("ssh-agent") || !have("ssh-add") || !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(dir.path());

    // Keys added by ssh-add are listed and sign.
    let paths = [
        generate(dir.path(), "ed", "ed25519", None, ""),
        generate(dir.path(), "ec", "ecdsa", Some(384), ""),
        generate(dir.path(), "rsa", "rsa", Some(2048), ""),
    ];
    agent.ssh_add(&paths.iter().map(|p| path_str(p)).collect::<Vec<_>>());
    let listed = agent.identities();
    assert_eq!(listed.len(), 3);
    for path in &paths {
        let (expected, _) = PublicKey::parse_openssh_line(
            &std::fs::read_to_string(path.with_extension("pub")).unwrap(),
        )
        .unwrap();
        assert!(listed.contains(&(expected.clone(), "test@oxssh".to_string())));
        agent.sign_and_verify(&expected, 0);
        if expected.key_type() == KeyType::Rsa {
            agent.sign_and_verify(&expected, sign_flags::RSA_SHA2_256);
            agent.sign_and_verify(&expected, sign_flags::RSA_SHA2_512);
        }
    }

    // Keys we add, in the agent's private key encoding, are accepted, listed by ssh-add -L, and sign.
    let mut ours = Vec::new();
    for key_type in [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP521,
        KeyType::Rsa,
    ] {
        let mut key =
            PrivateKey::generate(key_type, (key_type == KeyType::Rsa).then_some(3072)).unwrap();
        key.set_comment(format!("ours-{}", key_type.name()));
        let public = key.public().clone();
        let constraints = vec![Constraint::Lifetime(3600)];
        assert_eq!(
            agent.call(&Request::AddIdentity {
                key: Box::new(key),
                constraints
            }),
            Response::Success
        );
        agent.sign_and_verify(&public, sign_flags::RSA_SHA2_512);
        ours.push(public);
    }
    let listing = agent.ssh_add(&["-L"]);
    for public in &ours {
        assert!(
            listing
                .contains(&public.to_openssh_line(&format!("ours-{}", public.key_type().name())))
        );
    }
    assert_eq!(agent.identities().len(), 7);

    // An unknown constraint makes the agent refuse the key.
    let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    let mut framed = Request::AddIdentity {
        key: Box::new(key),
        constraints: vec![Constraint::Confirm],
    }
    .encode()
    .unwrap()
    .to_vec();
    *framed.last_mut().unwrap() = 99;
    let mut stream = UnixStream::connect(&agent.socket).unwrap();
    stream.write_all(&framed).unwrap();
    let mut reply = [0u8; 5];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(Response::decode(&reply[4..]).unwrap(), Response::Failure);

    // Removal, locking, extensions.
    let removed = ours.pop().unwrap();
    assert_eq!(
        agent.call(&Request::RemoveIdentity {
            key_blob: removed.blob().to_vec()
        }),
        Response::Success
    );
    assert_eq!(agent.identities().len(), 6);
    assert_eq!(
        agent.call(&Request::Lock {
            passphrase: Zeroizing::new(b"pw".to_vec())
        }),
        Response::Success
    );
    assert!(agent.identities().is_empty());
    let no_sign = Request::SignRequest {
        key_blob: ours[0].blob().to_vec(),
        data: vec![1],
        flags: 0,
    };
    assert_eq!(agent.call(&no_sign), Response::Failure);
    assert_eq!(
        agent.call(&Request::Unlock {
            passphrase: Zeroizing::new(b"bad".to_vec())
        }),
        Response::Failure
    );
    assert_eq!(
        agent.call(&Request::Unlock {
            passphrase: Zeroizing::new(b"pw".to_vec())
        }),
        Response::Success
    );
    assert_eq!(agent.identities().len(), 6);
    let query = agent.call(&Request::Extension(Extension::Query));
    assert!(
        matches!(
            query,
            Response::Failure | Response::ExtensionFailure | Response::QueryAnswer(_)
        ),
        "{query:?}"
    );
    assert_eq!(agent.call(&Request::RemoveAllIdentities), Response::Success);
    assert!(agent.identities().is_empty());
}
