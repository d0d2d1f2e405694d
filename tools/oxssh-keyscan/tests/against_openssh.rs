//! oxssh-keyscan and OpenSSH's ssh-keyscan side by side against real servers on 127.0.0.1: the same
//! keys, the same comment lines, the same error lines and exit statuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

use oxssh_test::peers::{DropbearServer, OpenSshServer, require};

const OURS: &str = env!("CARGO_BIN_EXE_oxssh-keyscan");

/// Runs a command to completion, killing it if it outlives `limit`.
fn run(program: &str, args: &[&str], stdin: &[u8], limit: Duration) -> Output {
    oxssh_test::process::run(Command::new(program).args(args), Some(stdin), limit)
}

const LIMIT: Duration = Duration::from_secs(30);

fn both(args: &[&str]) -> (Output, Output) {
    both_with_stdin(args, b"")
}

fn both_with_stdin(args: &[&str], stdin: &[u8]) -> (Output, Output) {
    (
        run(OURS, args, stdin, LIMIT),
        run("ssh-keyscan", args, stdin, LIMIT),
    )
}

/// The lines with their endings (OpenSSH's logger ends lines in CR LF, its fprintf lines in LF).
fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Asserts the same stdout lines, the same stderr lines (both as sets: OpenSSH's order depends on
/// which server process answers first) and the same exit status.
fn assert_same(ours: &Output, theirs: &Output) {
    assert_eq!(
        sorted_lines(&ours.stdout),
        sorted_lines(&theirs.stdout),
        "stdout differs"
    );
    assert_eq!(
        sorted_lines(&ours.stderr),
        sorted_lines(&theirs.stderr),
        "stderr differs"
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "exit status differs"
    );
}

fn have_keyscan() -> bool {
    require("ssh-keyscan")
}

#[test]
fn same_keys_and_comments_as_openssh_against_sshd() {
    if !have_keyscan() {
        return;
    }
    let Some(server) = OpenSshServer::start("") else {
        return;
    };
    let port = server.port.to_string();
    let (ours, theirs) = both(&["-p", &port, "-t", "ed25519,rsa,ecdsa", "127.0.0.1"]);
    assert_same(&ours, &theirs);
    let keys = sorted_lines(&ours.stdout);
    assert_eq!(keys.len(), 3, "{keys:?}");
    for line in &keys {
        assert!(line.starts_with(&format!("[127.0.0.1]:{port} ")), "{line}");
    }
    // The keys are the server's own.
    for path in &server.host_keys {
        let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        let key = public.split(' ').take(2).collect::<Vec<_>>().join(" ");
        if key.starts_with("ecdsa-sha2-nistp384") || key.starts_with("ecdsa-sha2-nistp521") {
            continue; // sshd offers its first ECDSA key (P-256) for ecdsa-sha2-nistp256 first.
        }
        assert!(
            keys.iter().any(|l| l.trim_end().ends_with(&key)),
            "{key} not among {keys:?}"
        );
    }
    // Our output is in OpenSSH's type order (rsa, ecdsa, ed25519) every time.
    let types: Vec<&str> = std::str::from_utf8(&ours.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    assert_eq!(types, ["ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"]);
}

#[test]
fn default_types_and_sshfp_records_match_openssh() {
    if !have_keyscan() {
        return;
    }
    let Some(server) = OpenSshServer::start("") else {
        return;
    };
    let port = server.port.to_string();
    // The default set includes ecdsa-sk and ed25519-sk: two more comment lines, no keys.
    let (ours, theirs) = both(&["-p", &port, "127.0.0.1"]);
    assert_same(&ours, &theirs);
    assert_eq!(sorted_lines(&ours.stderr).len(), 5);
    let (ours, theirs) = both(&["-D", "-p", &port, "127.0.0.1,LocalHost"]);
    assert_same(&ours, &theirs);
    assert_eq!(sorted_lines(&ours.stdout).len(), 12);
}

#[test]
fn host_files_namelists_and_case_match_openssh() {
    if !have_keyscan() {
        return;
    }
    let Some(server) = OpenSshServer::start("") else {
        return;
    };
    let port = server.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hosts");
    std::fs::write(
        &file,
        "127.0.0.1,Foo  # a comment\n\n# only a comment\n127.0.0.1 bar,baz\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (ours, theirs) = both(&["-t", "ed25519", "-p", &port, "-f", file, "127.0.0.1 X,y"]);
    assert_same(&ours, &theirs);
    assert_eq!(sorted_lines(&ours.stdout).len(), 6);
    let (ours, theirs) = both_with_stdin(&["-t", "rsa", "-p", &port, "-f", "-"], b"127.0.0.1\n");
    assert_same(&ours, &theirs);
    let (ours, theirs) = both(&["-t", "ecdsa", "-p", &port, "127.0.0.0/30"]);
    assert_same(&ours, &theirs);
}

#[test]
fn same_keys_as_openssh_against_dropbear() {
    if !have_keyscan() {
        return;
    }
    let Some(server) = DropbearServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    let (ours, theirs) = both(&["-p", &port, "-t", "ed25519,rsa,ecdsa", "127.0.0.1"]);
    assert_same(&ours, &theirs);
    let keys = sorted_lines(&ours.stdout);
    assert_eq!(keys.len(), 3, "{keys:?}\n{}", server.log());
    assert!(
        sorted_lines(&ours.stderr).iter().all(|l| l
            .starts_with(&format!("# 127.0.0.1:{port} SSH-2.0-dropbear"))
            && l.ends_with("\n")),
        "{:?}",
        sorted_lines(&ours.stderr)
    );
}

#[test]
fn hashed_output_is_found_by_ssh_keygen() {
    if !require("ssh-keygen") {
        return;
    }
    let Some(server) = OpenSshServer::start("") else {
        return;
    };
    let port = server.port.to_string();
    let ours = run(
        OURS,
        &["-H", "-p", &port, "-t", "ed25519,rsa", "127.0.0.1"],
        b"",
        LIMIT,
    );
    assert_eq!(ours.status.code(), Some(0));
    let text = String::from_utf8(ours.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.starts_with("|1|")), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, &text).unwrap();
    let name = format!("[127.0.0.1]:{port}");
    let found = run(
        "ssh-keygen",
        &["-F", &name, "-f", file.to_str().unwrap()],
        b"",
        LIMIT,
    );
    assert_eq!(
        found.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let found = String::from_utf8(found.stdout).unwrap();
    assert_eq!(found.matches("|1|").count(), 2, "{found}");
    // And the file is usable by ssh itself: a StrictHostKeyChecking=yes connection gets past the
    // host key check (it then fails authentication, which is fine).
    let ssh = run(
        "ssh",
        &[
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            &format!("UserKnownHostsFile={}", file.display()),
            "-o",
            "HostKeyAlgorithms=ssh-ed25519",
            "-p",
            &port,
            "nobody@127.0.0.1",
            "true",
        ],
        b"",
        LIMIT,
    );
    let stderr = String::from_utf8_lossy(&ssh.stderr);
    assert!(!stderr.contains("Host key verification failed"), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
}

#[test]
fn refused_unresolvable_and_closing_hosts_match_openssh() {
    if !have_keyscan() {
        return;
    }
    // Nobody listens: OpenSSH prints nothing at all and exits 1.
    let port = oxssh_test::peers::free_port().to_string();
    let (ours, theirs) = both(&["-p", &port, "127.0.0.1"]);
    assert_same(&ours, &theirs);
    assert_eq!(ours.status.code(), Some(1));
    assert!(ours.stderr.is_empty() && ours.stdout.is_empty());

    let (ours, theirs) = both(&["-t", "rsa,ed25519", "no-such-host.invalid"]);
    assert_same(&ours, &theirs);
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr)
            .split_inclusive('\n')
            .next(),
        Some("getaddrinfo no-such-host.invalid: Name or service not known\r\n")
    );

    let (ours, theirs) = both(&["-6", "-t", "rsa", "127.0.0.1"]);
    assert_same(&ours, &theirs);

    // A server that accepts and hangs up at once.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let closer = std::thread::spawn(move || {
        // Two clients, one connection each (ours and OpenSSH's, -t rsa).
        // Closing only our sending side and draining what the client sent makes the client read end
        // of file: dropping a socket with unread input would send RST instead, and which of the two
        // a client sees would then depend on timing.
        for _ in 0..2 {
            let (mut socket, _) = listener.accept().unwrap();
            socket.shutdown(std::net::Shutdown::Write).unwrap();
            let mut buf = [0u8; 1024];
            while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    let ours = run(OURS, &["-t", "rsa", "-p", &port, "127.0.0.1"], b"", LIMIT);
    let theirs = run(
        "ssh-keyscan",
        &["-t", "rsa", "-p", &port, "127.0.0.1"],
        b"",
        LIMIT,
    );
    closer.join().unwrap();
    assert_same(&ours, &theirs);
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr),
        "127.0.0.1: Connection closed by remote host\r\n"
    );
}

#[test]
fn a_silent_server_times_out_quietly() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let holder = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        // Read what the client sends until it gives up; never answer.
        let mut buf = [0u8; 1024];
        while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
    });
    let ours = run(
        OURS,
        &["-T", "1", "-t", "ed25519", "-p", &port, "127.0.0.1"],
        b"",
        LIMIT,
    );
    holder.join().unwrap();
    assert_eq!(ours.status.code(), Some(1));
    assert!(ours.stdout.is_empty());
    assert!(
        ours.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
}

#[test]
fn usage_errors_match_openssh() {
    if !have_keyscan() {
        return;
    }
    for args in [
        &[][..],
        &["-p", "0", "h"][..],
        &["-p", "x", "h"][..],
        &["-T", "0", "h"][..],
        &["-T", "1x", "h"][..],
        &["-t", "foo", "h"][..],
        &["-x", "h"][..],
        &["-p"][..],
        &["-v", "-t"][..],
        &["-H"][..],
        &["-f", "/nonexistent/hosts"][..],
    ] {
        let (ours, theirs) = both(args);
        let ours_err =
            String::from_utf8_lossy(&ours.stderr).replace("oxssh-keyscan", "ssh-keyscan");
        assert_eq!(
            ours_err,
            String::from_utf8_lossy(&theirs.stderr),
            "{args:?}"
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
        assert!(ours.stdout.is_empty());
    }
}
