//! Hostile and broken clients: garbage instead of a banner, an oversized packet, random bytes, no
//! banner at all and stalls (LoginGraceTime), a flood of unauthenticated connections (MaxStartups).
//! Each time the daemon drops the offender, logs one line, keeps serving, and the next login works.
//! Also: the server's KEXINIT advertises strict key exchange. Runs as root or as an ordinary user
//! (the daemon then serves only that user).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

fn fixture(extra: &str) -> KeyedServer {
    KeyedServer::start(extra)
}

trait Connect {
    fn connect(&self) -> TcpStream;
}

impl Connect for KeyedServer {
    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.server.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }
}

/// Reads until the peer closes (bounded by the socket's read timeout); what was read.
fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return all,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

#[test]
fn garbage_instead_of_a_banner_is_dropped_and_logged() {
    let f = fixture("");
    let mut s = f.connect();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let got = read_to_close(&mut s);
    assert!(got.starts_with(b"SSH-2.0-"), "{got:?}");
    assert!(
        f.server
            .wait_log("banner exchange: Connection from 127.0.0.1 port")
    );
    assert!(f.server.log().contains(": invalid format"));
    f.login_works();
}

#[test]
fn an_oversized_packet_is_refused_before_allocation() {
    let f = fixture("");
    let mut s = f.connect();
    s.write_all(b"SSH-2.0-hostile\r\n").unwrap();
    // A 256 MiB packet length.
    s.write_all(&[0x10, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    let _ = read_to_close(&mut s);
    assert!(
        f.server
            .wait_log("ssh_dispatch_run_fatal: Connection from 127.0.0.1 port")
    );
    f.login_works();
}

#[test]
fn random_bytes_after_the_banner_never_take_the_daemon_down() {
    let f = fixture("");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    eprintln!("seed 0x9e3779b97f4a7c15");
    for round in 0..40 {
        let mut s = f.connect();
        let len = 1 + (next() % 4096) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = s.write_all(b"SSH-2.0-fuzz\r\n");
        let _ = s.write_all(&bytes);
        // Half the rounds hang up at once, half wait for the server's verdict.
        if round % 2 == 0 {
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
        }
    }
    f.login_works();
}

#[test]
fn silent_and_stalled_clients_time_out_while_others_log_in() {
    // LoginGraceTime 4 s; a client without a banner gets a quarter of it.
    let f = fixture("LoginGraceTime 4\n");
    let mut silent = f.connect();
    let started = Instant::now();
    // Meanwhile a real login is not delayed.
    f.login_works();
    let _ = read_to_close(&mut silent);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    assert!(f.server.wait_log("Connection from 127.0.0.1 port"));
    assert!(f.server.log().contains(" timed out"), "{}", f.server.log());
    // A client that stalls after its banner, in the middle of the key exchange, meets
    // LoginGraceTime.
    let mut stalled = f.connect();
    let started = Instant::now();
    stalled.write_all(b"SSH-2.0-stall\r\n").unwrap();
    let _ = read_to_close(&mut stalled);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    assert!(
        f.server
            .wait_log("Timeout before authentication for 127.0.0.1 port")
    );
    f.login_works();
}

#[test]
fn a_flood_of_unauthenticated_connections_is_dropped_past_max_startups() {
    let f = fixture("MaxStartups 3:100:4\n");
    // Three connections that never authenticate fill the startups.
    let mut holders: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = f.connect();
            s.write_all(b"SSH-2.0-holder\r\n").unwrap();
            // The server's banner proves it admitted us.
            let mut buf = [0u8; 8];
            s.read_exact(&mut buf).unwrap();
            s
        })
        .collect();
    assert!(f.server.wait_log("Connection from 127.0.0.1"));
    for _ in 0..20 {
        let mut s = f.connect();
        let got = read_to_close(&mut s);
        assert!(got.is_empty(), "a flooding connection was served");
    }
    assert!(f.server.wait_log("past MaxStartups"));
    assert!(f.server.log().contains("exceeded MaxStartups"));
    holders.clear();
    // Once they are gone (the daemon sees the close), logins go through again.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = run_quick(ssh_with_key(f.server.port, &f.key.path, &f.user).arg("echo back"));
        if out.status.code() == Some(0) {
            assert_eq!(out.stdout, b"back\n");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "logins never resumed: {}",
            f.server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server's first packet is its KEXINIT, unencrypted: message 20, a 16-byte cookie, then the
/// key-exchange name-list.
#[test]
fn the_server_kexinit_advertises_strict_key_exchange() {
    let f = fixture("");
    let mut s = f.connect();
    s.write_all(b"SSH-2.0-probe\r\n").unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    let kex = loop {
        assert!(Instant::now() < deadline);
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            continue;
        };
        let packet = &data[end + 2..];
        if packet.len() < 5 + 1 + 16 + 4 {
            continue;
        }
        let len = u32::from_be_bytes(packet[..4].try_into().unwrap()) as usize;
        if packet.len() < 4 + len {
            continue;
        }
        assert_eq!(packet[5], 20, "first message is KEXINIT");
        let list = &packet[5 + 1 + 16..];
        let n = u32::from_be_bytes(list[..4].try_into().unwrap()) as usize;
        break String::from_utf8(list[4..4 + n].to_vec()).unwrap();
    };
    let names: Vec<&str> = kex.split(',').collect();
    assert!(names.contains(&"kex-strict-s-v00@openssh.com"), "{kex}");
    assert!(names.contains(&"ext-info-s"), "{kex}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("nistp") || n.contains("sha1")),
        "{kex}"
    );
}

#[test]
fn too_many_failed_attempts_end_the_connection_with_openssh_log_lines() {
    let f = fixture("MaxAuthTries 2\n");
    let strangers: Vec<ClientKey> = (0..3).map(|_| ClientKey::new("ed25519")).collect();
    let mut cmd = std::process::Command::new("ssh");
    cmd.args(ssh_options(f.server.port))
        .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"]);
    for k in &strangers {
        cmd.arg("-i").arg(&k.path);
    }
    cmd.arg(format!("{}@127.0.0.1", f.user)).arg("true");
    let out = run_quick(&mut cmd);
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Too many authentication failures"), "{err}");
    assert!(f.server.wait_log(&format!(
        "maximum authentication attempts exceeded for {} from 127.0.0.1 port",
        f.user
    )));
    assert!(f.server.log().contains(&format!(
        "Disconnecting authenticating user {} 127.0.0.1 port",
        f.user
    )));
    f.login_works();
}
