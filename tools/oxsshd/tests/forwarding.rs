//! Port forwarding with OpenSSH's client: `-W` (a direct-tcpip channel, as `-L` and `-D` use) and
//! `-R` (tcpip-forward and forwarded-tcpip channels), and their refusal by AllowTcpForwarding and
//! PermitOpen, as the seed says: forwarding is governed by sshd_config.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;

/// A TCP service on loopback that answers each connection with "echo:" and what it read until EOF.
fn echo_service() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got);
                let _ = s.write_all(b"echo:");
                let _ = s.write_all(&got);
            });
        }
    });
    port
}

#[test]
fn a_direct_tcpip_channel_reaches_a_local_service() {
    let s = KeyedServer::start("");
    let port = echo_service();
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let out = run(
        s.ssh().args(["-W", &format!("127.0.0.1:{port}")]),
        &data,
        CLIENT_TIMEOUT,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(&out.stdout[..5], b"echo:");
    assert!(out.stdout[5..] == data[..], "forwarded bytes differ");
}

#[test]
fn a_remote_forward_brings_connections_back_to_the_client() {
    let s = KeyedServer::start("");
    let service = echo_service();
    let remote = free_port();
    // The remote command connects to the forwarded port (retrying while the client sets the
    // forward up), sends a line, half-closes, and prints what the client-side service answered.
    let mut ssh = s.ssh();
    ssh.args(["-o", "ExitOnForwardFailure=yes", "-R"])
        .arg(format!("{remote}:127.0.0.1:{service}"))
        .arg(format!(
            "for i in $(seq 1 200); do \
               python3 -c \"import socket; c = socket.create_connection(('127.0.0.1', {remote})); \
c.sendall(b'ping'); c.shutdown(socket.SHUT_WR); print(c.makefile('rb').read().decode())\" \
               2>/dev/null && exit 0; sleep 0.05; \
             done; exit 1"
        ));
    let out = run_quick(&mut ssh);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), "echo:ping\n"),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        s.server.log()
    );
}

#[test]
fn forwarding_switched_off_in_sshd_config_is_refused() {
    let s = KeyedServer::start("AllowTcpForwarding no\n");
    let port = echo_service();
    let out = run(
        s.ssh().args(["-W", &format!("127.0.0.1:{port}")]),
        b"x",
        CLIENT_TIMEOUT,
    );
    assert_ne!(out.status.code(), Some(0));
    // ssh -W reports the refused open as "stdio forwarding failed".
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forwarding failed"), "{err}");
    assert!(s.server.wait_log(&format!(
        "Received request to connect to 127.0.0.1 port {port}, but the request was denied."
    )));
    // PermitOpen limits the destinations.
    let s = KeyedServer::start(&format!("PermitOpen 127.0.0.1:{port}\n"));
    let other = echo_service();
    let ok = run(
        s.ssh().args(["-W", &format!("127.0.0.1:{port}")]),
        b"a",
        CLIENT_TIMEOUT,
    );
    assert_eq!(ok.stdout, b"echo:a");
    let refused = run(
        s.ssh().args(["-W", &format!("127.0.0.1:{other}")]),
        b"a",
        CLIENT_TIMEOUT,
    );
    assert_ne!(refused.status.code(), Some(0));
}
