//! PuTTY's plink against our TestServer: host key pinned by fingerprint, password login, a command,
//! a megabyte through `cat` byte for byte, exit statuses, and a wrong password refused.

use std::time::Duration;

use oxssh_interop::{TestServer, pattern, run_process};
use oxssh_keys::FingerprintHash;
use oxssh_test::peers::require;

const LIMIT: Duration = Duration::from_secs(60);

fn plink_args(server: &TestServer, password: &str, command: &str) -> Vec<String> {
    let mut args: Vec<String> = ["-batch", "-ssh", "-P"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.push(server.port.to_string());
    args.push("-pw".into());
    args.push(password.into());
    // Every host key we might present, pinned by its SHA-256 fingerprint: no cache, no prompt.
    for key in &server.host_keys {
        args.push("-hostkey".into());
        args.push(key.public().fingerprint(FingerprintHash::Sha256));
    }
    args.push("tester@127.0.0.1".into());
    args.push(command.into());
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plink_logs_in_runs_commands_and_moves_data() {
    if !require("plink") {
        return;
    }
    let server = TestServer::start_default(Vec::new()).await;

    let out = run_process(
        "plink",
        &plink_args(&server, "secret", "echo hi"),
        Vec::new(),
        LIMIT,
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert_eq!(out.stdout, b"hi\n");

    let out = run_process(
        "plink",
        &plink_args(&server, "secret", "exit 42"),
        Vec::new(),
        LIMIT,
    )
    .await;
    assert_eq!(out.code, Some(42), "{}", out.stderr_text());

    let data = pattern(1024 * 1024 + 3, 5);
    let out = run_process(
        "plink",
        &plink_args(&server, "secret", "cat"),
        data.clone(),
        LIMIT,
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(
        out.stdout == data,
        "{} of {} bytes back",
        out.stdout.len(),
        data.len()
    );

    // A server-started re-key in the middle of the data, with PuTTY's own key exchange code.
    let data = pattern(3 * 1024 * 1024 + 1, 6);
    let out = run_process(
        "plink",
        &plink_args(&server, "secret", "rekey-then-cat"),
        data.clone(),
        LIMIT,
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(
        out.stdout == data,
        "{} of {} bytes back",
        out.stdout.len(),
        data.len()
    );
    assert!(
        server
            .stats
            .rekeys
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2
    );

    let out = run_process(
        "plink",
        &plink_args(&server, "wrong", "echo hi"),
        Vec::new(),
        LIMIT,
    )
    .await;
    assert_ne!(out.code, Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(
        server
            .stats
            .authenticated
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plink_refuses_a_host_key_that_does_not_match_the_pin() {
    if !require("plink") {
        return;
    }
    let server = TestServer::start_default(Vec::new()).await;
    let other = oxssh_keys::PrivateKey::generate(oxssh_keys::KeyType::Ed25519, None).unwrap();
    let args: Vec<String> = [
        "-batch",
        "-ssh",
        "-P",
        &server.port.to_string(),
        "-pw",
        "secret",
        "-hostkey",
        &other.public().fingerprint(FingerprintHash::Sha256),
        "tester@127.0.0.1",
        "echo hi",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let out = run_process("plink", &args, Vec::new(), LIMIT).await;
    assert_ne!(out.code, Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(
        server
            .stats
            .authenticated
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}
