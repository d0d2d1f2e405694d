//! The client against OpenSSH's sshd on loopback: key login, exit status, stdout and stderr kept
//! apart, bulk stdin byte for byte, and the words of connection failures.

mod common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn key_login_runs_the_command_and_returns_its_exit_status() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["echo out; echo err >&2; exit 42"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 42, "{}", out.stderr);
    assert_eq!(out.stdout, b"out\n");
    // A piped stdin with a command: no pty, no note about it.
    assert_eq!(out.stderr_clean(), "err\n");
}

#[test]
fn no_command_and_a_pipe_for_stdin_runs_the_shell_without_a_pty() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().args(args(&home, server.port, &[])),
        b"echo from-shell; tty; exit 3\n",
        LIMIT,
    );
    assert_eq!(out.code(), 3, "{}", out.stderr);
    assert_eq!(out.stdout_text(), "from-shell\nnot a tty\n");
    assert_eq!(
        out.stderr_clean(),
        "Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n"
    );
}

#[test]
fn thirty_two_mib_of_stdin_arrive_byte_exact_and_come_back() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let data: Vec<u8> = (0..32u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let out = run(
        home.oxssh().args(args(&home, server.port, &["cat"])),
        &data,
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "the echoed bytes differ");
}

#[test]
fn a_command_killed_by_a_signal_gives_255_and_no_message() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().args(args(&home, server.port, &["kill -9 $$"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr_clean(), "");
}

#[test]
fn a_refused_connection_is_reported_in_openssh_words() {
    let port = oxssh_test::peers::free_port();
    let home = Home::new();
    home.config("");
    let out = run(home.oxssh().args(args(&home, port, &["true"])), b"", LIMIT);
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        format!("oxssh: connect to host 127.0.0.1 port {port}: Connection refused\r\n")
    );
}

#[test]
fn an_unknown_host_name_is_reported_in_openssh_words() {
    let home = Home::new();
    home.config("");
    let out = run(
        home.oxssh().args([
            "-F",
            &home.ssh("config").to_string_lossy(),
            "no-such-host.invalid",
            "true",
        ]),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert!(
        out.stderr
            .starts_with("oxssh: Could not resolve hostname no-such-host.invalid: "),
        "{}",
        out.stderr
    );
}

#[test]
fn a_closed_stdout_ends_an_endless_command_at_once() {
    use std::io::BufRead;
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    // `ssh host yes | head -1`: when the reader goes away the session must end, not drain forever.
    let mut child = home
        .oxssh()
        .args(args(&home, server.port, &["yes"]))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "y\n");
    drop(out);
    let deadline = std::time::Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the client kept draining"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // The remote command dies of SIGPIPE: exit-signal (255) or, through a shell that reports it,
    // exit status 141. Either way not 0, and promptly.
    assert!(matches!(status.code(), Some(255 | 141)), "{status:?}");
}
