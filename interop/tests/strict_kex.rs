//! Strict key exchange (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure CVE-2023-48795) with real
//! peers: both sides advertise it, and a man in the middle who slips an SSH_MSG_IGNORE into the
//! plaintext start of the connection gets the connection killed before authentication, whichever
//! side notices.

use std::time::{Duration, Instant};

use oxssh_interop::{TestServer, run_process, server_offer, user_key};
use oxssh_proto::error::PeerMisbehaved;
use oxssh_proto::names::markers;
use oxssh_proto::{ClientConfig, ClientConnection, Error, Event};
use oxssh_test::peers::{OpenSshServer, require};
use oxssh_tokio::DriverError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(30);

/// Where the proxy slips its IGNORE into the server-to-client stream.
#[derive(Debug, Clone, Copy)]
enum InjectAt {
    /// Right after the server's identification line: before its KEXINIT (the Terrapin position).
    AfterIdentification,
    /// Right after the server's KEXINIT packet: inside the initial key exchange.
    AfterKexinit,
    /// Nowhere: the control, showing the proxy itself is harmless.
    Never,
}

/// A plaintext, correctly framed SSH_MSG_IGNORE with an empty string: packet_length 12, padding 6,
/// so the whole packet is 16 bytes, a multiple of the 8-byte block of the unencrypted transport.
fn ignore_packet() -> Vec<u8> {
    let mut p = vec![0, 0, 0, 12, 6, 2, 0, 0, 0, 0];
    p.extend([0u8; 6]);
    p
}

/// Reads from `from` until the injection point, then writes everything before it, the IGNORE and
/// everything after; returns the number of bytes forwarded before the injection.
async fn forward_with_injection(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    at: InjectAt,
) -> std::io::Result<usize> {
    if let InjectAt::Never = at {
        return Ok(0);
    }
    let mut buf = Vec::new();
    let cut = loop {
        let mut chunk = [0u8; 4096];
        let n = from.read(&mut chunk).await?;
        if n == 0 {
            to.write_all(&buf).await?;
            return Ok(buf.len());
        }
        buf.extend_from_slice(&chunk[..n]);
        // The identification line ends at the first LF (servers send no lines before it here).
        let Some(line_end) = buf.iter().position(|&b| b == b'\n').map(|p| p + 1) else {
            continue;
        };
        match at {
            InjectAt::AfterIdentification | InjectAt::Never => break line_end,
            InjectAt::AfterKexinit => {
                if let Some(len) = buf.get(line_end..line_end + 4) {
                    let len = u32::from_be_bytes(len.try_into().unwrap()) as usize;
                    if buf.len() >= line_end + 4 + len {
                        break line_end + 4 + len;
                    }
                }
            }
        }
        assert!(buf.len() < 1 << 20, "no injection point in the first MiB");
    };
    to.write_all(&buf[..cut]).await?;
    to.write_all(&ignore_packet()).await?;
    to.write_all(&buf[cut..]).await?;
    Ok(cut)
}

/// A one-connection proxy from a fresh port to `upstream`, injecting into the server's stream.
async fn start_proxy(upstream: u16, at: InjectAt) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((client, _)) = listener.accept().await else {
            return;
        };
        let server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
        let (mut client_read, mut client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let up = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            let _ = server_write.shutdown().await;
        });
        if forward_with_injection(&mut server_read, &mut client_write, at)
            .await
            .is_ok()
        {
            let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        }
        let _ = client_write.shutdown().await;
        let _ = tokio::time::timeout(LIMIT, up).await;
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_advertise_strict_kex() {
    // Our server's first KEXINIT carries the server marker.
    let ours = TestServer::start_default(Vec::new()).await;
    let offer = tokio::task::spawn_blocking(move || server_offer(ours.port))
        .await
        .unwrap();
    assert!(
        offer.kex.iter().any(|k| k == markers::KEX_STRICT_S),
        "{offer:?}"
    );

    // sshd's does too, and our client's marker makes it take effect: strict kex is in force.
    let Some(sshd) = OpenSshServer::start("") else {
        return;
    };
    let port = sshd.port;
    let offer = tokio::task::spawn_blocking(move || server_offer(port))
        .await
        .unwrap();
    assert!(
        offer.kex.iter().any(|k| k == markers::KEX_STRICT_S),
        "{offer:?}"
    );
    let (driven, info) = oxssh_interop::handshake(sshd.port, ClientConfig::default())
        .await
        .unwrap();
    assert!(info.strict_kex);
    driven.handle.disconnect(11, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_client_refuses_an_ignore_injected_into_our_server_stream() {
    if !require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = user_key(dir.path());
    for at in [
        InjectAt::Never,
        InjectAt::AfterIdentification,
        InjectAt::AfterKexinit,
    ] {
        let server = TestServer::start_default(vec![key.clone()]).await;
        let proxy = start_proxy(server.port, at).await;
        let args: Vec<String> = [
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
            key_path.to_str().unwrap(),
            "-p",
            &proxy.to_string(),
            "tester@127.0.0.1",
            "echo in",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let out = run_process("ssh", &args, Vec::new(), LIMIT).await;
        if let InjectAt::Never = at {
            assert_eq!(out.code, Some(0), "control: {}", out.stderr_text());
            assert_eq!(out.stdout, b"in\n");
            continue;
        }
        assert_eq!(out.code, Some(255), "{at:?}: {}", out.stderr_text());
        assert!(out.stdout.is_empty(), "{at:?}");
        assert!(
            out.stderr_text().contains("strict KEX violation"),
            "{at:?}: {}",
            out.stderr_text()
        );
        assert_eq!(
            server
                .stats
                .authenticated
                .load(std::sync::atomic::Ordering::Relaxed),
            0,
            "{at:?}"
        );
    }
}

/// Runs our client through an injecting proxy to `upstream`; returns how the connection ended.
async fn our_client_through_proxy(upstream: u16, at: InjectAt) -> (Option<Error>, bool) {
    let proxy = start_proxy(upstream, at).await;
    let socket = TcpStream::connect(("127.0.0.1", proxy)).await.unwrap();
    let config = ClientConfig::default().build().unwrap();
    let mut driven = oxssh_tokio::spawn(ClientConnection::new(config, Instant::now()), socket);
    let mut saw_host_key = false;
    loop {
        match tokio::time::timeout(LIMIT, driven.events.recv())
            .await
            .unwrap()
        {
            Some(Event::HostKey { .. }) => {
                saw_host_key = true;
                driven.handle.accept_host_key();
            }
            Some(Event::UserauthReady) => driven.handle.auth_password("root", b"x"),
            Some(Event::AuthFailure { .. }) => driven.handle.disconnect(11, "done"),
            Some(_) => {}
            None => break,
        }
    }
    let error = match tokio::time::timeout(LIMIT, driven.task)
        .await
        .unwrap()
        .unwrap()
    {
        Err(DriverError::Protocol(e)) => Some(e),
        _ => None,
    };
    (error, saw_host_key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_refuses_an_ignore_injected_into_sshd_stream() {
    let Some(sshd) = OpenSshServer::start("") else {
        return;
    };
    // The control: through the proxy without injection, the key exchange completes.
    let (error, saw_host_key) = our_client_through_proxy(sshd.port, InjectAt::Never).await;
    assert!(saw_host_key, "control failed: {error:?}");
    // Before sshd's KEXINIT: caught when the KEXINIT arrives and shows that strict kex applies.
    let (error, saw_host_key) =
        our_client_through_proxy(sshd.port, InjectAt::AfterIdentification).await;
    assert_eq!(
        error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::StrictKexViolation(
            oxssh_proto::msg::number::KEXINIT
        )))
    );
    assert!(!saw_host_key);
    // Inside the initial key exchange: caught on arrival.
    let (error, saw_host_key) = our_client_through_proxy(sshd.port, InjectAt::AfterKexinit).await;
    assert_eq!(
        error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::StrictKexViolation(
            oxssh_proto::msg::number::IGNORE
        )))
    );
    assert!(!saw_host_key);
    // sshd saw only the control's authentication attempt (one failed password), nothing after it.
    let log = sshd.log();
    assert!(!log.contains("Accepted"), "{log}");
    assert_eq!(log.matches("Failed password").count(), 1, "{log}");
}
