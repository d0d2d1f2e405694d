//! Port forwarding against OpenSSH's sshd: -L, -R (including port 0), -D with SOCKS 4a and 5,
//! and ExitOnForwardFailure. The far end of every forward is an echo server in the test.

mod common;

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

/// An echo server on a free loopback port.
fn echo_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// Waits (bounded) until something accepts on `port`.
fn connect_when_ready(port: u16, client: &mut Child) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            return s;
        }
        if let Ok(Some(status)) = client.try_wait() {
            panic!("the client exited early: {status}");
        }
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn echo_through(mut s: TcpStream, text: &[u8]) {
    s.write_all(text).unwrap();
    let mut back = vec![0u8; text.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, text);
}

/// Starts `oxssh -N <extra>` against the server.
fn start(home: &Home, port: u16, extra: &[&str]) -> Child {
    let mut rest = vec!["-N"];
    rest.extend_from_slice(extra);
    home.oxssh()
        .args(args(home, port, &rest))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Ends a -N client with SIGTERM, which OpenSSH answers with exit status 0.
fn stop(mut client: Child) -> (i32, String) {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(client.id().to_string())
        .status();
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = client.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the client did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    client
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code().unwrap_or(-1), err)
}

#[test]
fn local_forwarding_carries_connections_to_the_target() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let target = echo_server();
    let listen = oxssh_test::peers::free_port();
    let spec = format!("{listen}:127.0.0.1:{target}");
    let mut client = start(&home, server.port, &["-L", &spec]);
    let s = connect_when_ready(listen, &mut client);
    echo_through(s, b"through -L\n");
    // A second connection at the same time works too.
    let a = TcpStream::connect(("127.0.0.1", listen)).unwrap();
    let b = TcpStream::connect(("127.0.0.1", listen)).unwrap();
    a.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    b.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    echo_through(b, b"second");
    echo_through(a, b"first");
    let (code, err) = stop(client);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn remote_forwarding_to_a_chosen_port_and_to_port_zero() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let target = echo_server();
    let listen = oxssh_test::peers::free_port();
    let spec = format!("{listen}:127.0.0.1:{target}");
    let mut client = start(&home, server.port, &["-R", &spec]);
    echo_through(connect_when_ready(listen, &mut client), b"through -R\n");
    let (code, _) = stop(client);
    assert_eq!(code, 0);

    // Port 0: the server picks, and the client says which.
    let spec = format!("0:127.0.0.1:{target}");
    let mut client = start(&home, server.port, &["-R", &spec]);
    let mut err = std::io::BufReader::new(client.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let prefix = "Allocated port ";
    assert!(line.starts_with(prefix), "{line:?}");
    assert!(
        line.ends_with(&format!(" for remote forward to 127.0.0.1:{target}\r\n")),
        "{line:?}"
    );
    let port: u16 = line[prefix.len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    echo_through(connect_when_ready(port, &mut client), b"via port zero");
    client.stderr = Some(std::process::ChildStderr::from(std::os::fd::OwnedFd::from(
        err.into_inner(),
    )));
    let (code, _) = stop(client);
    assert_eq!(code, 0);
}

#[test]
fn dynamic_forwarding_speaks_socks5_and_socks4a() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let target = echo_server();
    let listen = oxssh_test::peers::free_port();
    let mut client = start(&home, server.port, &["-D", &listen.to_string()]);
    // SOCKS 5, CONNECT by name.
    let mut s = connect_when_ready(listen, &mut client);
    s.write_all(&[5, 1, 0]).unwrap();
    let mut answer = [0u8; 2];
    s.read_exact(&mut answer).unwrap();
    assert_eq!(answer, [5, 0]);
    let mut req = vec![5, 1, 0, 3, 9];
    req.extend_from_slice(b"127.0.0.1");
    req.extend_from_slice(&target.to_be_bytes());
    s.write_all(&req).unwrap();
    let mut reply = [0u8; 10];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply[..2], [5, 0]);
    echo_through(s, b"socks five");
    // SOCKS 4a, CONNECT by name.
    let mut s = TcpStream::connect(("127.0.0.1", listen)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = vec![4, 1];
    req.extend_from_slice(&target.to_be_bytes());
    req.extend_from_slice(&[0, 0, 0, 1, b'm', b'e', 0]);
    req.extend_from_slice(b"localhost\0");
    s.write_all(&req).unwrap();
    let mut reply = [0u8; 8];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply[..2], [0, 0x5a]);
    echo_through(s, b"socks four a");
    // A refused target is reported to the application.
    let closed = oxssh_test::peers::free_port();
    let mut s = TcpStream::connect(("127.0.0.1", listen)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(&[5, 1, 0]).unwrap();
    s.read_exact(&mut answer).unwrap();
    let mut req = vec![5, 1, 0, 1, 127, 0, 0, 1];
    req.extend_from_slice(&closed.to_be_bytes());
    s.write_all(&req).unwrap();
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply[..2], [5, 5]);
    let (code, err) = stop(client);
    assert_eq!(code, 0);
    assert!(
        err.contains("channel 0: open failed: connect failed: "),
        "{err}"
    );
}

#[test]
fn exit_on_forward_failure_stops_when_the_port_is_taken() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let spec = format!("127.0.0.1:{port}:127.0.0.1:22");
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-o", "ExitOnForwardFailure=yes", "-L", &spec, "echo", "ran"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stdout, b"");
    assert_eq!(
        out.stderr_clean(),
        format!(
            "bind [127.0.0.1]:{port}: Address already in use\r\n\
             channel_setup_fwd_listener_tcpip: cannot listen to port: {port}\r\n\
             Could not request local forwarding.\r\n"
        )
    );
    // Without it the failure is reported and the command still runs.
    let out = run(
        home.oxssh()
            .args(args(&home, server.port, &["-L", &spec, "echo", "ran"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0);
    assert_eq!(out.stdout, b"ran\n");
    drop(taken);
}

#[test]
fn fork_after_authentication_returns_at_once_and_keeps_forwarding() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let target = echo_server();
    let listen = oxssh_test::peers::free_port();
    let spec = format!("{listen}:127.0.0.1:{target}");
    // The foreground process returns as soon as the background one is authenticated and
    // listening; the background one ends with its remote command.
    let out = run_detaching(
        home.oxssh()
            .args(args(&home, server.port, &["-f", "-L", &spec, "sleep", "5"])),
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stderr_clean(), "");
    let s = TcpStream::connect(("127.0.0.1", listen)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    echo_through(s, b"from the background");
    // A failed login is reported by the background copy and its status comes back.
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &[
                "-f",
                "-o",
                "IdentityFile=/nonexistent",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "BatchMode=yes",
                "true",
            ],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert!(
        out.stderr_clean().ends_with(&format!(
            "{}@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).\r\n",
            home.user
        )),
        "{}",
        out.stderr
    );
    // Nothing to run and no -N: refused before connecting.
    let out = run(
        home.oxssh().args(args(&home, server.port, &["-f"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        "Cannot fork into background without a command to execute.\r\n"
    );
}
