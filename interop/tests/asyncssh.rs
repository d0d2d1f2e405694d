//! asyncssh both ways: its client against our TestServer, and our client against an asyncssh
//! server, each over every algorithm both implement (one dimension at a time), through password
//! authentication and `exec echo hi`.

use std::process::Stdio;
use std::time::Duration;

use oxssh_interop::{
    TestServer, check_matrix_output, handshake, login_and_exec, our_algorithm_args, python_script,
    require_python_module, run_process, server_offer,
};
use oxssh_proto::ClientConfig;
use oxssh_proto::names;
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asyncssh_client_logs_in_and_runs_a_command_with_every_shared_algorithm() {
    if !require_python_module("asyncssh") {
        return;
    }
    let server = TestServer::start_default(Vec::new()).await;
    let mut args = vec![
        "-B".to_owned(),
        python_script("asyncssh_client.py"),
        "--port".into(),
        server.port.to_string(),
    ];
    args.extend(our_algorithm_args());
    let out = run_process("python3", &args, Vec::new(), Duration::from_secs(120)).await;
    let ok = check_matrix_output(&out, 25);
    println!("{}", ok.join("\n"));
    assert!(
        ok.iter().any(|l| l == "OK kex mlkem768x25519-sha256"),
        "{ok:?}"
    );
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_logs_in_to_asyncssh_with_every_shared_algorithm() {
    if !require_python_module("asyncssh") {
        return;
    }
    let mut child = tokio::process::Command::new("python3")
        .arg("-B")
        .arg(python_script("asyncssh_server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("asyncssh server starts within 30 s")
        .unwrap()
        .expect("asyncssh server prints its port");
    let port: u16 = line
        .strip_prefix("LISTENING ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));

    let offer = tokio::task::spawn_blocking(move || server_offer(port))
        .await
        .unwrap();
    let shared = |ours: Vec<&str>, theirs: &[String]| -> Vec<String> {
        ours.into_iter()
            .filter(|n| theirs.iter().any(|t| t == n))
            .map(str::to_owned)
            .collect()
    };
    let kexes = shared(names::supported_kex_names().collect(), &offer.kex);
    let host_keys = shared(
        oxssh_keys::SignatureAlgorithm::ALL
            .iter()
            .map(|a| a.name())
            .filter(|n| *n != "ssh-rsa")
            .collect(),
        &offer.host_key,
    );
    let ciphers = shared(names::supported_cipher_names().collect(), &offer.ciphers);
    let macs = shared(names::supported_mac_names().collect(), &offer.macs);
    assert!(
        kexes.len() >= 8 && host_keys.len() >= 6 && ciphers.len() >= 6 && macs.len() >= 6,
        "{offer:?}"
    );
    // One dimension at a time, the others at our defaults.
    let mut cases: Vec<(&str, String, ClientConfig)> = Vec::new();
    let base = ClientConfig::default;
    for kex in &kexes {
        let mut c = base();
        c.common.algorithms.kex = vec![kex.clone()];
        cases.push(("kex", kex.clone(), c));
    }
    for host_key in &host_keys {
        let mut c = base();
        c.common.algorithms.host_key = vec![host_key.clone()];
        cases.push(("host key", host_key.clone(), c));
    }
    for cipher in &ciphers {
        let mut c = base();
        c.common.algorithms.ciphers = vec![cipher.clone()];
        cases.push(("cipher", cipher.clone(), c));
    }
    for mac in &macs {
        let mut c = base();
        c.common.algorithms.ciphers = vec!["aes128-ctr".into()];
        c.common.algorithms.macs = vec![mac.clone()];
        cases.push(("mac", mac.clone(), c));
    }
    let mut failures = Vec::new();
    for (dimension, name, config) in &cases {
        let outcome = async {
            let (driven, info) = handshake(port, config.clone()).await?;
            let a = info.algorithms.ok_or("no algorithms")?;
            let negotiated = match *dimension {
                "kex" => a.kex_name.clone(),
                "host key" => a.host_key.name().to_owned(),
                "cipher" => a.cipher_c2s.name().to_owned(),
                _ => a.mac_c2s.map_or("none", |m| m.name()).to_owned(),
            };
            if negotiated != *name {
                return Err(format!("negotiated {negotiated}"));
            }
            let (stdout, status) = login_and_exec(driven, "tester", b"secret", "echo hi").await?;
            if stdout != b"hi\n" || status != Some(0) {
                return Err(format!("exec gave {stdout:?}, status {status:?}"));
            }
            Ok::<(), String>(())
        }
        .await;
        if let Err(e) = outcome {
            failures.push(format!("{dimension} {name}: {e}"));
        }
    }
    drop(child.stdin.take());
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{} cases against asyncssh", cases.len());
}
