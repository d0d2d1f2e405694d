//! Our client against OpenSSH's sshd: every key exchange × host key × cipher × MAC that both support
//! completes key exchange and the ssh-userauth service request.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;

use oxssh_interop::{handshake, single};
use oxssh_keys::SignatureAlgorithm;
use oxssh_proto::names::{self, CipherAlgorithm};
use oxssh_test::peers::OpenSshServer;
use tokio::sync::Semaphore;

fn openssh_list(query: &str) -> BTreeSet<String> {
    let out = Command::new("ssh")
        .args(["-Q", query])
        .output()
        .expect("ssh -Q runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn common(ours: impl Iterator<Item = &'static str>, query: &str) -> Vec<String> {
    let theirs = openssh_list(query);
    ours.filter(|n| theirs.contains(*n))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_common_algorithm_combination_completes_key_exchange() {
    let Some(server) = OpenSshServer::start("MaxStartups 200\nMaxSessions 200\n") else {
        return;
    };
    let kexes = common(names::supported_kex_names(), "kex");
    let host_keys = common(
        SignatureAlgorithm::ALL
            .iter()
            .map(|a| a.name())
            .filter(|n| *n != "ssh-rsa"),
        "HostKeyAlgorithms",
    );
    let ciphers = common(names::supported_cipher_names(), "cipher");
    let macs = common(names::supported_mac_names(), "mac");
    assert!(
        kexes.len() >= 9 && host_keys.len() >= 6 && ciphers.len() >= 6 && macs.len() >= 6,
        "{kexes:?} {host_keys:?}"
    );

    let mut combos = Vec::new();
    for kex in &kexes {
        for host_key in &host_keys {
            for cipher in &ciphers {
                if CipherAlgorithm::from_name(cipher).unwrap().is_aead() {
                    combos.push((
                        kex.clone(),
                        host_key.clone(),
                        cipher.clone(),
                        macs[0].clone(),
                    ));
                } else {
                    for mac in &macs {
                        combos.push((kex.clone(), host_key.clone(), cipher.clone(), mac.clone()));
                    }
                }
            }
        }
    }
    let limit = Arc::new(Semaphore::new(8));
    let mut tasks = Vec::new();
    let port = server.port;
    for (kex, host_key, cipher, mac) in combos.clone() {
        let permit = limit.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let result = handshake(port, single(&kex, &host_key, &cipher, &mac)).await;
            drop(permit);
            let outcome = match result {
                Ok((driven, info)) => {
                    let a = info.algorithms.unwrap();
                    driven.handle.disconnect(11, "done");
                    let ok = a.kex_name == kex
                        && a.host_key.name() == host_key
                        && a.cipher_c2s.name() == cipher
                        && info.strict_kex;
                    if ok {
                        Ok(())
                    } else {
                        Err(format!("negotiated {a:?}"))
                    }
                }
                Err(e) => Err(e),
            };
            (format!("{kex} {host_key} {cipher} {mac}"), outcome)
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        let (name, outcome) = task.await.unwrap();
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}\n{}",
        failures.len(),
        combos.len(),
        failures.join("\n"),
        server
            .log()
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!("{} combinations completed", combos.len());
}
