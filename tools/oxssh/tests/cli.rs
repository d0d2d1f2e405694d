//! The command line and configuration, without a server: usage and argument errors, -V, -Q, -G
//! compared with OpenSSH's `ssh -G`, configuration errors in OpenSSH's words, -E and -q.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(30);

/// Runs `program args` with no HOME override (both clients then use the passwd home for `~`).
fn run_plain(program: &str, args: &[&str]) -> Output {
    let mut c = Command::new(program);
    c.args(args)
        .env_remove("HOME")
        .env_remove("SSH_AUTH_SOCK")
        .env("LANG", "C");
    run(&mut c, b"", LIMIT)
}

#[test]
fn no_destination_prints_usage_and_fails() {
    let out = run_plain(bin(), &[]);
    assert_eq!(out.code(), 255);
    assert!(
        out.stderr
            .starts_with("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n")
    );
    assert!(
        out.stderr
            .ends_with("[-w local_tun[:remote_tun]] destination [command [argument ...]]\n")
    );
    if oxssh_test::peers::which("ssh").is_some() {
        let theirs = run_plain("ssh", &[]);
        assert_eq!(out.stderr, theirs.stderr);
        assert_eq!(out.code(), theirs.code());
    }
}

#[test]
fn argument_errors_match_openssh() {
    if !oxssh_test::peers::require("ssh") {
        return;
    }
    for argv in [
        &["-p", "abc", "h"][..],
        &["-p", "0", "h"],
        &["-e", "xx", "h"],
        &["-c", "no-such-cipher", "h"],
        &["-m", "no-such-mac", "h"],
        &["-W", "bad", "h"],
        &["-L", "bad", "h"],
        &["-R", "bad", "h"],
        &["-D", "bad:x", "h"],
        &["-J", "a", "-J", "b", "h"],
        &["-J", "a@@b.invalid", "h"],
        &["-W", "a:1", "-W", "b:2", "h"],
        &["-1", "h"],
        &["-N", "-s", "h", "sub"],
        &["-Z", "h"],
        &["-s", "h"],
        &["-o", "NoSuchOption=1", "h"],
        &["-o", "Port=abc", "h"],
    ] {
        let ours = run_plain(bin(), argv);
        let theirs = run_plain("ssh", argv);
        assert_eq!(ours.code(), theirs.code(), "{argv:?}");
        assert_eq!(
            ours.stderr.replace("oxssh", "ssh"),
            theirs.stderr,
            "{argv:?}"
        );
    }
}

#[test]
fn version_and_queries() {
    let out = run_plain(bin(), &["-V"]);
    assert_eq!(out.code(), 0);
    assert!(out.stderr.starts_with("OxSSH_"), "{}", out.stderr);
    let out = run_plain(bin(), &["-Q", "cipher"]);
    assert_eq!(out.code(), 0);
    let ciphers: Vec<String> = out.stdout_text().lines().map(str::to_owned).collect();
    assert!(ciphers.contains(&"chacha20-poly1305@openssh.com".to_owned()));
    assert!(ciphers.contains(&"aes256-ctr".to_owned()));
    let out = run_plain(bin(), &["-Q", "nonsense"]);
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr, "Unsupported query \"nonsense\"\r\n");
}

/// `-G` lines other than the algorithm lists, which name what each program implements.
fn comparable(dump: &str) -> Vec<String> {
    const ALGORITHM_LINES: &[&str] = &[
        "ciphers ",
        "macs ",
        "kexalgorithms ",
        "hostkeyalgorithms ",
        "pubkeyacceptedalgorithms ",
        "hostbasedacceptedalgorithms ",
        "casignaturealgorithms ",
    ];
    dump.lines()
        .filter(|l| !ALGORITHM_LINES.iter().any(|p| l.starts_with(p)))
        .map(str::to_owned)
        .collect()
}

#[test]
fn dump_config_matches_ssh_g_for_hosts_matches_includes_and_tokens() {
    if !oxssh_test::peers::require("ssh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("config");
    let inc = dir.path().join("extra.conf");
    std::fs::write(
        &inc,
        "Host *.example\n    ServerAliveInterval 15\n    IdentityFile ~/.ssh/id_%h_%r\n",
    )
    .unwrap();
    std::fs::write(
        &main,
        format!(
            "Include {inc}\n\
             Host alias\n    HostName real.example\n    User bob\n    Port 2200\n\
             \x20   ProxyJump jumper@gw.example:2222\n    RemoteCommand echo %h %p %r %n\n\
             Match host real.example exec \"test -n %h\"\n    ForwardAgent yes\n    StrictHostKeyChecking accept-new\n\
             Match all\n    UserKnownHostsFile ~/.ssh/kh_%k\n    ConnectTimeout 7\n",
            inc = inc.display()
        ),
    )
    .unwrap();
    let cfg = main.to_string_lossy().into_owned();
    for argv in [
        vec!["-G", "-F", &cfg, "alias"],
        vec!["-G", "-F", &cfg, "-l", "carol", "-p", "2", "alias"],
        vec!["-G", "-F", &cfg, "-o", "User=dave", "other.example"],
        vec![
            "-G",
            "-F",
            &cfg,
            "-t",
            "-A",
            "-4",
            "-J",
            "j1,j2",
            "ssh://eve@alias:2022",
        ],
    ] {
        let ours = run_plain(bin(), &argv);
        let theirs = run_plain("ssh", &argv);
        assert_eq!(ours.code(), 0, "{argv:?}: {}", ours.stderr);
        assert_eq!(theirs.code(), 0, "{argv:?}: {}", theirs.stderr);
        assert_eq!(
            comparable(&ours.stdout_text()),
            comparable(&theirs.stdout_text()),
            "{argv:?}"
        );
    }
}

#[test]
fn a_bad_line_in_a_config_file_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config");
    std::fs::write(&cfg, "Host *\n    Port 22\n    Bogus yes\n").unwrap();
    let cfg = cfg.to_string_lossy().into_owned();
    let out = run_plain(bin(), &["-F", &cfg, "h", "true"]);
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        format!(
            "{cfg}: line 3: Bad configuration option: bogus\r\n\
             {cfg}: terminating, 1 bad configuration options\r\n"
        )
    );
    if oxssh_test::peers::which("ssh").is_some() {
        let theirs = run_plain("ssh", &["-F", &cfg, "h", "true"]);
        assert_eq!(out.stderr, theirs.stderr);
    }
}

#[test]
fn a_jump_host_that_is_the_destination_is_a_loop() {
    let out = run_plain(
        bin(),
        &[
            "-F",
            "/dev/null",
            "-J",
            "root@127.0.0.1",
            "root@127.0.0.1",
            "true",
        ],
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr, "jumphost loop via 127.0.0.1\r\n");
}

#[test]
fn log_file_and_quiet_mode_redirect_or_silence_errors() {
    let port = oxssh_test::peers::free_port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("client.log");
    let p = port.to_string();
    let out = run_plain(
        bin(),
        &[
            "-F",
            "/dev/null",
            "-E",
            &log.to_string_lossy(),
            "-p",
            &p,
            "127.0.0.1",
            "true",
        ],
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr, "");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("oxssh: connect to host 127.0.0.1 port {port}: Connection refused\r\n")
    );
    let out = run_plain(
        bin(),
        &["-q", "-F", "/dev/null", "-p", &p, "127.0.0.1", "true"],
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr, "");
}

#[test]
fn installed_as_ssh_it_speaks_exactly_as_openssh() {
    // The program name OpenSSH prints is the one it was invoked as; a link named `ssh` makes the
    // connect error byte-identical.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ssh");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    let port = oxssh_test::peers::free_port().to_string();
    let argv = ["-F", "/dev/null", "-p", &port, "127.0.0.1", "true"];
    let ours = run_plain(&link.to_string_lossy(), &argv);
    assert_eq!(
        ours.stderr,
        format!("ssh: connect to host 127.0.0.1 port {port}: Connection refused\r\n")
    );
    if oxssh_test::peers::which("ssh").is_some() {
        let theirs = run_plain("ssh", &argv);
        assert_eq!(ours.stderr, theirs.stderr);
        assert_eq!(ours.code(), theirs.code());
    }
}

#[test]
fn connect_timeout_bounds_a_server_that_never_speaks() {
    // Accepts the TCP connection and says nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let p = port.to_string();
    let out = run_plain(
        bin(),
        &[
            "-F",
            "/dev/null",
            "-o",
            "ConnectTimeout=1",
            "-p",
            &p,
            "127.0.0.1",
            "true",
        ],
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        format!(
            "Connection timed out during banner exchange\r\n\
             Connection to 127.0.0.1 port {port} timed out\r\n"
        )
    );
    drop(holder.join());
}
