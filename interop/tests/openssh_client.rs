//! OpenSSH's `ssh` client against our [`TestServer`]: every key exchange × host key × cipher × MAC
//! that both support carries data byte for byte; re-keys started by either side in the middle of
//! megabytes of data lose nothing; password, keyboard-interactive and publickey authentication work;
//! exit statuses and stderr come through.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxssh_interop::{ProcessOutput, TestServer, openssh_list, pattern, run_process, user_key};
use oxssh_proto::names::{self, CipherAlgorithm};
use oxssh_test::peers::require;
use tokio::sync::Semaphore;

const LIMIT: Duration = Duration::from_secs(60);

/// `ssh` arguments for a batch connection to the test server with this key and these options.
fn ssh_args(port: u16, key: &Path, options: &[(&str, &str)], command: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push("-i".into());
    args.push(key.display().to_string());
    args.push("-p".into());
    args.push(port.to_string());
    for (k, v) in options {
        args.push("-o".into());
        args.push(format!("{k}={v}"));
    }
    args.push("tester@127.0.0.1".into());
    args.push(command.into());
    args
}

fn common(ours: impl Iterator<Item = &'static str>, query: &str) -> Vec<String> {
    let theirs = openssh_list(query);
    ours.filter(|n| theirs.iter().any(|t| t == n))
        .map(str::to_owned)
        .collect()
}

fn assert_exact(what: &str, out: &ProcessOutput, expected: &[u8]) {
    assert_eq!(out.code, Some(0), "{what}: {}", out.stderr_text());
    assert_eq!(out.stdout.len(), expected.len(), "{what}: length differs");
    assert!(out.stdout == expected, "{what}: bytes differ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_common_algorithm_combination_carries_data() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    let server = TestServer::start_default(vec![key]).await;

    let kexes = common(names::supported_kex_names(), "kex");
    let host_keys = common(
        oxssh_keys::SignatureAlgorithm::ALL
            .iter()
            .map(|a| a.name())
            .filter(|n| *n != "ssh-rsa"),
        "HostKeyAlgorithms",
    );
    let ciphers = common(names::supported_cipher_names(), "cipher");
    let macs = common(names::supported_mac_names(), "mac");
    assert!(
        kexes.len() >= 9 && host_keys.len() >= 6 && ciphers.len() >= 6 && macs.len() >= 6,
        "{kexes:?} {host_keys:?} {ciphers:?} {macs:?}"
    );
    let mut combos = Vec::new();
    for kex in &kexes {
        for host_key in &host_keys {
            for cipher in &ciphers {
                let aead = CipherAlgorithm::from_name(cipher).unwrap().is_aead();
                let mac_choices = if aead { &macs[..1] } else { &macs[..] };
                for mac in mac_choices {
                    combos.push([kex.clone(), host_key.clone(), cipher.clone(), mac.clone()]);
                }
            }
        }
    }
    // Two cores: a few ssh processes at once keep both busy without starving the server.
    let limit = Arc::new(Semaphore::new(6));
    let key_path = Arc::new(key_path);
    let mut tasks = Vec::new();
    for (i, [kex, host_key, cipher, mac]) in combos.iter().cloned().enumerate() {
        let permit = limit.clone().acquire_owned().await.unwrap();
        let key_path = key_path.clone();
        let port = server.port;
        tasks.push(tokio::spawn(async move {
            // Enough data for several packets of every size class; different per combination.
            let data = pattern(40_000 + i * 7, i as u32);
            let args = ssh_args(
                port,
                &key_path,
                &[
                    ("KexAlgorithms", &kex),
                    ("HostKeyAlgorithms", &host_key),
                    ("Ciphers", &cipher),
                    ("MACs", &mac),
                ],
                "cat",
            );
            let out = run_process("ssh", &args, data.clone(), LIMIT).await;
            drop(permit);
            let name = format!("{kex} {host_key} {cipher} {mac}");
            if out.code == Some(0) && out.stdout == data {
                Ok(())
            } else {
                Err(format!(
                    "{name}: exit {:?}, {} of {} bytes back: {}",
                    out.code,
                    out.stdout.len(),
                    data.len(),
                    out.stderr_text().trim()
                ))
            }
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}\nserver errors: {:?}",
        failures.len(),
        combos.len(),
        failures.join("\n"),
        server.errors()
    );
    assert_eq!(
        server.stats.authenticated.load(Ordering::Relaxed),
        combos.len()
    );
    println!("{} combinations carried data", combos.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_initiated_rekeys_in_the_middle_of_data_lose_nothing() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    let server = TestServer::start_default(vec![key]).await;
    let data = pattern(6 * 1024 * 1024 + 123, 7);
    // One run per packet protection scheme: ChaCha20-Poly1305, AES-GCM, CTR with ETM, CTR with E&M.
    let runs = [
        (
            "chacha20-poly1305@openssh.com",
            "hmac-sha2-256-etm@openssh.com",
        ),
        ("aes256-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com"),
        ("aes128-ctr", "hmac-sha2-512-etm@openssh.com"),
        ("aes256-ctr", "hmac-sha2-256"),
    ];
    let mut tasks = Vec::new();
    for (cipher, mac) in runs {
        let args = ssh_args(
            server.port,
            &key_path,
            &[("Ciphers", cipher), ("MACs", mac)],
            "rekey-then-cat",
        );
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            (cipher, run_process("ssh", &args, data, LIMIT).await)
        }));
    }
    for task in tasks {
        let (cipher, out) = task.await.unwrap();
        assert_exact(cipher, &out, &data);
    }
    // 6 MiB each: at least five server-started re-keys per run.
    let rekeys = server.stats.rekeys.load(Ordering::Relaxed);
    assert!(rekeys >= 4 * 5, "only {rekeys} re-keys");
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_initiated_rekeys_every_64k_lose_nothing() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    let server = TestServer::start_default(vec![key]).await;
    let data = pattern(4 * 1024 * 1024 + 17, 11);
    let args = ssh_args(
        server.port,
        &key_path,
        &[
            ("RekeyLimit", "64K"),
            ("KexAlgorithms", "curve25519-sha256"),
        ],
        "cat",
    );
    let out = run_process("ssh", &args, data.clone(), LIMIT).await;
    assert_exact("RekeyLimit=64K", &out, &data);
    // 4 MiB each way under a 64 KiB limit: dozens of client-started re-keys.
    let rekeys = server.stats.rekeys.load(Ordering::Relaxed);
    assert!(rekeys >= 32, "only {rekeys} re-keys");
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekeys_started_by_both_sides_at_once_lose_nothing() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    let server = TestServer::start_default(vec![key]).await;
    let data = pattern(4 * 1024 * 1024 + 5, 13);
    // ssh re-keys every 256 KiB while the server re-keys every MiB: their KEXINITs cross.
    let args = ssh_args(
        server.port,
        &key_path,
        // curve25519: OpenSSH 9.2's reference sntrup761 costs tens of milliseconds per exchange,
        // which a hundred re-keys turn into a minute (against its own sshd too).
        &[
            ("RekeyLimit", "256K"),
            ("KexAlgorithms", "curve25519-sha256"),
            ("Ciphers", "aes128-ctr"),
            ("MACs", "hmac-sha2-256"),
        ],
        "rekey-then-cat",
    );
    let out = run_process("ssh", &args, data.clone(), LIMIT).await;
    assert_exact("crossing re-keys", &out, &data);
    let rekeys = server.stats.rekeys.load(Ordering::Relaxed);
    assert!(rekeys >= 16, "only {rekeys} re-keys");
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_status_stderr_and_commands_come_through() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    let server = TestServer::start_default(vec![key]).await;
    let run = |command: &str| {
        let args = ssh_args(server.port, &key_path, &[], command);
        async move { run_process("ssh", &args, Vec::new(), LIMIT).await }
    };
    let out = run("echo hi there").await;
    assert_eq!(
        (out.code, out.stdout.as_slice()),
        (Some(0), &b"hi there\n"[..])
    );
    let out = run("exit 3").await;
    assert_eq!(out.code, Some(3));
    let out = run("false").await;
    assert_eq!(out.code, Some(1));
    let out = run("stderr oops").await;
    assert_eq!((out.code, out.stderr.as_slice()), (Some(0), &b"oops\n"[..]));
    let out = run("no-such-command").await;
    assert_eq!(out.code, Some(127));
    assert_eq!(out.stderr_text(), "sh: 1: no-such-command: not found\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_and_keyboard_interactive_logins_work() {
    if !require("ssh") || !require("sshpass") {
        return;
    }
    let server = TestServer::start_default(Vec::new()).await;
    for (method, password, expect) in [
        ("password", "secret", Some(0)),
        ("keyboard-interactive", "secret", Some(0)),
        ("password", "wrong", Some(255)),
    ] {
        let mut args: Vec<String> = ["-p", password, "ssh"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for option in [
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "LogLevel=ERROR",
            "PubkeyAuthentication=no",
            "NumberOfPasswordPrompts=1",
            &format!("PreferredAuthentications={method}"),
        ] {
            args.push("-o".into());
            args.push(option.to_owned());
        }
        args.extend(["-F", "/dev/null", "-p"].iter().map(|s| (*s).to_owned()));
        args.push(server.port.to_string());
        args.push("someone@127.0.0.1".into());
        args.push("echo in".into());
        let out = run_process("sshpass", &args, Vec::new(), LIMIT).await;
        // sshpass exits 5 when the password is refused and ssh asks again.
        if expect == Some(0) {
            assert_eq!(out.code, expect, "{method}: {}", out.stderr_text());
            assert_eq!(out.stdout, b"in\n", "{method}");
        } else {
            assert_ne!(out.code, Some(0), "{method} with a wrong password");
            assert!(out.stdout.is_empty());
        }
    }
    assert_eq!(server.stats.authenticated.load(Ordering::Relaxed), 2);
}
