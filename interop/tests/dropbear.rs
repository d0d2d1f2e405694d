//! Our client against Dropbear: every key exchange × host key × cipher × MAC that both support
//! completes key exchange and the ssh-userauth service, and a "none" request gets Dropbear's method
//! list back.
//!
//! What Dropbear supports is read from its own KEXINIT (so a Dropbear built with other options is
//! tested on what it really offers), then checked against what 2022.83 is known to offer, so a
//! silently shrinking intersection fails the test instead of passing it vacuously.

use std::sync::Arc;
use std::time::Duration;

use oxssh_interop::{handshake, server_offer, single};
use oxssh_proto::Event;
use oxssh_proto::names::{self, CipherAlgorithm};
use oxssh_test::peers::DropbearServer;
use tokio::sync::Semaphore;

fn ours_in<'a>(ours: impl Iterator<Item = &'a str>, theirs: &[String]) -> Vec<String> {
    ours.filter(|n| theirs.iter().any(|t| t == n))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_common_algorithm_combination_completes_key_exchange() {
    let Some(server) = DropbearServer::start(&[]) else {
        return;
    };
    let offer = server_offer(server.port);
    assert!(
        offer.identification.starts_with("SSH-2.0-dropbear"),
        "{}",
        offer.identification
    );
    let kexes = ours_in(names::supported_kex_names(), &offer.kex);
    let host_keys = ours_in(
        oxssh_keys::SignatureAlgorithm::ALL
            .iter()
            .map(|a| a.name())
            .filter(|n| *n != "ssh-rsa"),
        &offer.host_key,
    );
    let ciphers = ours_in(names::supported_cipher_names(), &offer.ciphers);
    let macs = ours_in(names::supported_mac_names(), &offer.macs);
    // Dropbear 2022.83's defaults, as documented in its default_options.h and seen on the wire.
    for (list, must) in [
        (
            &kexes,
            &[
                "curve25519-sha256",
                "curve25519-sha256@libssh.org",
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
                "diffie-hellman-group14-sha256",
            ][..],
        ),
        (
            &host_keys,
            &["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256"][..],
        ),
        (
            &ciphers,
            &["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"][..],
        ),
        (&macs, &["hmac-sha2-256"][..]),
    ] {
        for name in must {
            assert!(
                list.iter().any(|n| n == name),
                "{name} missing from {list:?} ({offer:?})"
            );
        }
    }
    let mut combos = Vec::new();
    for kex in &kexes {
        for host_key in &host_keys {
            for cipher in &ciphers {
                let aead = CipherAlgorithm::from_name(cipher).unwrap().is_aead();
                let mac_choices = if aead { &macs[..1] } else { &macs[..] };
                for mac in mac_choices {
                    combos.push((kex.clone(), host_key.clone(), cipher.clone(), mac.clone()));
                }
            }
        }
    }
    // Dropbear drops unauthenticated connections beyond 5 per source address (MAX_UNAUTH_PER_IP),
    // counting each until it has reaped the child: two at a time stays well below that.
    let limit = Arc::new(Semaphore::new(2));
    let port = server.port;
    let mut tasks = Vec::new();
    for (kex, host_key, cipher, mac) in combos.clone() {
        let permit = limit.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let outcome = async {
                let (mut driven, info) =
                    handshake(port, single(&kex, &host_key, &cipher, &mac)).await?;
                let a = info.algorithms.ok_or("no algorithms")?;
                if a.kex_name != kex
                    || a.host_key.name() != host_key
                    || a.cipher_c2s.name() != cipher
                {
                    return Err(format!("negotiated {a:?}"));
                }
                // The userauth service answers: "none" fails with Dropbear's method list.
                driven.handle.auth_none("root");
                loop {
                    match tokio::time::timeout(Duration::from_secs(20), driven.events.recv()).await
                    {
                        Ok(Some(Event::AuthFailure { methods, .. })) => {
                            driven.handle.disconnect(11, "done");
                            // Hold the slot until the connection is gone, so Dropbear's count of
                            // unauthenticated connections from this address stays low.
                            let _ =
                                tokio::time::timeout(Duration::from_secs(10), driven.task).await;
                            return if methods.iter().any(|m| m == "publickey") {
                                Ok(())
                            } else {
                                Err(format!("methods {methods:?}"))
                            };
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => return Err("connection ended before USERAUTH_FAILURE".into()),
                        Err(_) => return Err("timed out waiting for USERAUTH_FAILURE".into()),
                    }
                }
            }
            .await;
            drop(permit);
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
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!("{} combinations completed against Dropbear", combos.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_algorithm_dropbear_lacks_is_refused_cleanly() {
    let Some(server) = DropbearServer::start(&[]) else {
        return;
    };
    let offer = server_offer(server.port);
    // Dropbear 2022.83 has no encrypt-then-MAC: a client that insists gets a clean refusal.
    let Some(etm) = names::supported_mac_names().find(|m| !offer.macs.iter().any(|o| o == m))
    else {
        return;
    };
    let result = handshake(
        server.port,
        single("curve25519-sha256", "ssh-ed25519", "aes128-ctr", etm),
    )
    .await;
    let Err(e) = result else {
        panic!("{etm} negotiated with Dropbear");
    };
    assert!(e.contains("no matching") || e.contains("MAC"), "{e}");
}
