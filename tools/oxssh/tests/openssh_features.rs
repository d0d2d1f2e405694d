//! The client against OpenSSH's sshd: every algorithm both implement, agent logins and agent
//! forwarding with a real ssh-agent, ProxyJump through a ~/.ssh/config alias, ProxyCommand, -W,
//! the environment, and failures mid-session.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn openssh_list(query: &str) -> BTreeSet<String> {
    let out = Command::new("ssh").args(["-Q", query]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn ours(query: &str) -> Vec<String> {
    let out = Command::new(bin()).args(["-Q", query]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_algorithm_openssh_supports_negotiates_and_carries_a_session() {
    if !oxssh_test::peers::require("ssh") {
        return;
    }
    let Some(server) = sshd("MaxStartups 100\nMaxSessions 100\n") else {
        return;
    };
    let home = client_for(&server);
    let mut cases: Vec<(Vec<String>, String)> = Vec::new();
    for (query, option, expect) in [
        ("cipher", "Ciphers", "client->server cipher: "),
        ("kex", "KexAlgorithms", "kex: algorithm: "),
    ] {
        let theirs = openssh_list(query);
        for name in ours(query).into_iter().filter(|n| theirs.contains(n)) {
            cases.push((
                vec!["-o".into(), format!("{option}={name}")],
                format!("{expect}{name}"),
            ));
        }
    }
    let theirs = openssh_list("mac");
    for name in ours("mac").into_iter().filter(|n| theirs.contains(n)) {
        cases.push((
            vec!["-c".into(), "aes128-ctr".into(), "-m".into(), name.clone()],
            format!("client->server cipher: aes128-ctr MAC: {name} "),
        ));
    }
    let theirs = openssh_list("HostKeyAlgorithms");
    for name in ours("HostKeyAlgorithms")
        .into_iter()
        .filter(|n| theirs.contains(n) && n != "ssh-rsa")
    {
        cases.push((
            vec!["-o".into(), format!("HostKeyAlgorithms={name}")],
            format!("kex: host key algorithm: {name}"),
        ));
    }
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    // Eight clients at a time keep the run short without tripping sshd's MaxStartups.
    for batch in cases.chunks(8) {
        let handles: Vec<_> = batch
            .iter()
            .map(|(extra, expect)| {
                let mut a = vec!["-v".to_owned()];
                a.extend(extra.iter().cloned());
                a.extend(args(&home, server.port, &["echo", "ok"]));
                let mut cmd = home.oxssh();
                cmd.args(&a);
                let expect = expect.clone();
                std::thread::spawn(move || {
                    let out = run(&mut cmd, b"", LIMIT);
                    (expect, out)
                })
            })
            .collect();
        for h in handles {
            let (expect, out) = h.join().unwrap();
            assert_eq!(out.code(), 0, "{expect}: {}", out.stderr);
            assert_eq!(out.stdout, b"ok\n", "{expect}");
            assert!(
                out.stderr.contains(&expect),
                "{expect} not negotiated:\n{}",
                out.stderr
            );
        }
    }
}

#[test]
fn agent_keys_log_in_and_rsa_uses_sha2_signatures() {
    let Some(server) = sshd("") else { return };
    let Some(agent) = Agent::start() else { return };
    let home = Home::new();
    home.config("");
    trust(&home, &server);
    // The keys live outside ~/.ssh: only the agent can offer them.
    let keys = tempfile::tempdir().unwrap();
    for t in ["ed25519", "rsa"] {
        let path = keys.path().join(format!("id_{t}"));
        let line = keygen(&path, t, "");
        agent.add(&path);
        if t == "rsa" {
            server.authorize(&line);
        }
    }
    let out = run(
        home.oxssh().env("SSH_AUTH_SOCK", &agent.socket).args(args(
            &home,
            server.port,
            &["-vvv", "echo", "agent-ok"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, b"agent-ok\n");
    assert!(out.stderr.contains(" RSA SHA256:"), "{}", out.stderr);
    // server-sig-algs lists the SHA-2 algorithms; the strongest is used.
    assert!(
        out.stderr
            .contains("sign_and_send_pubkey: signing using rsa-sha2-512 SHA256:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Server accepts key: "),
        "{}",
        out.stderr
    );
    let log = server.log();
    assert!(
        log.contains(&format!("Accepted publickey for {}", home.user)),
        "{log}"
    );
    assert!(log.contains("RSA SHA256:"), "{log}");
    // IdentityAgent none switches the agent off: nothing else can log in.
    let out = run(
        home.oxssh().env("SSH_AUTH_SOCK", &agent.socket).args(args(
            &home,
            server.port,
            &["-o", "IdentityAgent=none", "-o", "BatchMode=yes", "true"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr_clean(),
        format!(
            "{}@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).\r\n",
            home.user
        )
    );
}

#[test]
fn agent_forwarding_lets_the_remote_side_list_our_keys() {
    let Some(server) = sshd("") else { return };
    let Some(agent) = Agent::start() else { return };
    let home = client_for(&server);
    let key = tempfile::tempdir().unwrap();
    let path = key.path().join("id_fwd");
    let line = keygen(&path, "ed25519", "");
    agent.add(&path);
    let out = run(
        home.oxssh().env("SSH_AUTH_SOCK", &agent.socket).args(args(
            &home,
            server.port,
            &["-A", "ssh-add -L"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let listed = out.stdout_text();
    let blob = line.split_whitespace().nth(1).unwrap();
    assert!(listed.contains(blob), "forwarded agent lists: {listed}");
}

/// ~/.ssh/config with `jump` and `target` aliases for the same sshd; `target` goes through `jump`.
fn jump_config(home: &Home, port: u16) -> String {
    let user = &home.user;
    let cfg = format!(
        "Host jump\n    HostName 127.0.0.1\n    Port {port}\n    User {user}\n\
         Host target\n    HostName 127.0.0.1\n    Port {port}\n    User {user}\n    ProxyJump jump\n"
    );
    home.config(&cfg);
    home.ssh("config").to_string_lossy().into_owned()
}

#[test]
fn proxyjump_through_a_config_alias_reaches_the_target() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    jump_config(&home, server.port);
    // No -F: ~/.ssh/config (under the test's HOME) is read, then the system file.
    let out = run(
        home.oxssh().args(["-v", "target", "echo", "via-jump"]),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, b"via-jump\n");
    assert!(
        out.stderr
            .contains("Authenticated to 127.0.0.1 (via proxy) using \"publickey\"."),
        "{}",
        out.stderr
    );
    // The jump host opened the forwarded connection to the target.
    let log = server.log();
    assert!(log.contains("direct-tcpip"), "{log}");
}

#[test]
fn a_chain_of_jumps_on_the_command_line_works() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let cfg = jump_config(&home, server.port);
    let out = run(
        home.oxssh().args([
            "-F",
            &cfg,
            "-J",
            // The last hop must differ from the target, or it is a loop.
            &format!("{}@localhost:{},jump", home.user, server.port),
            "-p",
            &server.port.to_string(),
            &format!("{}@127.0.0.1", home.user),
            "echo",
            "two-hops",
        ]),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, b"two-hops\n");
}

#[test]
fn proxycommand_runs_a_child_and_w_forwards_stdio() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let cfg = jump_config(&home, server.port);
    // Our own -W as the proxy: both halves are exercised.
    let proxy = format!("ProxyCommand={} -F {cfg} -W %h:%p jump", bin());
    let out = run(
        home.oxssh().args([
            "-F",
            &cfg,
            "-o",
            &proxy,
            "-p",
            &server.port.to_string(),
            &format!("{}@127.0.0.1", home.user),
            "echo",
            "via-proxy-command",
        ]),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, b"via-proxy-command\n");
}

#[test]
fn stdio_forwarding_carries_the_target_banner() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-W", &format!("127.0.0.1:{}", server.port)],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(b"SSH-2.0-OpenSSH_"),
        "{:?}",
        out.stdout_text()
    );
}

#[test]
fn setenv_sendenv_and_remotecommand_reach_the_server() {
    let Some(server) = sshd("AcceptEnv OXSSH_*\n") else {
        return;
    };
    let home = client_for(&server);
    home.config(
        "Host 127.0.0.1\n    SetEnv OXSSH_SET=from-config\n    SendEnv OXSSH_SENT\n    \
         RemoteCommand echo $OXSSH_SET $OXSSH_SENT %r\n",
    );
    let out = run(
        home.oxssh()
            .env("OXSSH_SENT", "from-env")
            .args(args(&home, server.port, &[])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(
        out.stdout_text(),
        format!("from-config from-env {}\n", home.user)
    );
    // A command line command and RemoteCommand together are refused.
    let out = run(
        home.oxssh().args(args(&home, server.port, &["true"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        "Cannot execute command-line and remote command.\r\n"
    );
}

#[test]
fn a_failed_subsystem_request_is_fatal_in_openssh_words() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh()
            .args(args(&home, server.port, &["-s", "no-such-subsystem"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr_clean(),
        "subsystem request failed on channel 0\r\n"
    );
}

#[test]
fn a_server_that_vanishes_mid_session_gives_one_line_and_255() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    // The command kills the server process serving it, which drops the TCP connection.
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-q", "echo before; sleep 0.2; kill -9 $PPID"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stdout, b"before\n");
    assert_eq!(
        out.stderr_clean(),
        "Connection to 127.0.0.1 closed by remote host.\r\n"
    );
}

#[test]
fn stdin_null_and_batch_mode_never_wait_for_the_user() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh()
            .args(args(&home, server.port, &["-n", "cat; echo done"])),
        b"this must not be read\n",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, b"done\n");
}

/// A TCP relay that can stop relaying (both ways) while keeping both connections open: a server
/// that stops answering without closing.
struct FreezingRelay {
    port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FreezingRelay {
    fn start(target: u16) -> Self {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = std::sync::Arc::new(AtomicBool::new(false));
        let f = frozen.clone();
        std::thread::spawn(move || {
            let Ok((client, _)) = listener.accept() else {
                return;
            };
            let server = std::net::TcpStream::connect(("127.0.0.1", target)).unwrap();
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                let f = f.clone();
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        if !f.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { port, frozen }
    }
}

#[test]
fn unanswered_keepalives_end_the_session_with_openssh_words() {
    use std::io::{BufRead, Read};
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let relay = FreezingRelay::start(server.port);
    let alias = format!("HostKeyAlias=[127.0.0.1]:{}", server.port);
    let mut child = home
        .oxssh()
        .args(args(
            &home,
            relay.port,
            &[
                "-o",
                &alias,
                "-o",
                "ServerAliveInterval=1",
                "-o",
                "ServerAliveCountMax=2",
                "echo started; sleep 20",
            ],
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "started\n");
    // The server goes silent; the connection stays open.
    relay
        .frozen
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the client never gave up");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(255));
    let err: String = err
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("debug1: "))
        .collect();
    assert_eq!(err, "Timeout, server 127.0.0.1 not responding.\r\n");
    // Two unanswered keepalives a second apart, then the third interval ends it.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_private_key_others_can_read_is_refused_as_openssh_refuses_it() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let key = home.ssh("id_ed25519");
    set_mode(&key, 0o644);
    let argv = args(
        &home,
        server.port,
        &[
            "-o",
            &format!("UserKnownHostsFile={}", home.ssh("known_hosts").display()),
            "-o",
            "BatchMode=yes",
            "-i",
            &key.to_string_lossy(),
            "true",
        ],
    );
    let ours = run(home.oxssh().args(&argv), b"", LIMIT);
    assert_eq!(ours.code(), 255);
    let k = key.display();
    assert_eq!(
        ours.stderr_clean(),
        format!(
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
             @         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\r\n\
             @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
             Permissions 0644 for '{k}' are too open.\r\n\
             It is required that your private key files are NOT accessible by others.\r\n\
             This private key will be ignored.\r\n\
             Load key \"{k}\": bad permissions\r\n\
             {u}@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).\r\n",
            u = home.user
        )
    );
    if oxssh_test::peers::which("ssh").is_some() {
        let mut theirs = Command::new("ssh");
        theirs.args(&argv).env_remove("SSH_AUTH_SOCK");
        let theirs = run(&mut theirs, b"", LIMIT);
        assert_eq!(ours.stderr_clean(), theirs.stderr_clean());
        assert_eq!(theirs.code(), 255);
    }
}

#[test]
fn a_known_key_of_another_type_is_preferred_over_the_default_order() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    // Only the RSA host key is known: the client must ask for it rather than meet an unknown
    // ed25519 key (sshconnect.c order_hostkeyalgs).
    let rsa: Vec<String> = host_key_lines(&server)
        .into_iter()
        .filter(|l| l.starts_with("ssh-rsa "))
        .collect();
    let mut words = rsa[0].split_whitespace();
    let (t, k) = (words.next().unwrap(), words.next().unwrap());
    std::fs::write(
        home.ssh("known_hosts"),
        format!("[127.0.0.1]:{} {t} {k}\n", server.port),
    )
    .unwrap();
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-v", "-o", "BatchMode=yes", "echo", "ok"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("kex: host key algorithm: rsa-sha2-512"),
        "{}",
        out.stderr
    );
}

#[test]
fn add_keys_to_agent_hands_the_loaded_key_to_the_agent() {
    let Some(server) = sshd("") else { return };
    let Some(agent) = Agent::start() else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().env("SSH_AUTH_SOCK", &agent.socket).args(args(
            &home,
            server.port,
            &["-o", "AddKeysToAgent=yes", "true"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let listed = Command::new("ssh-add")
        .arg("-L")
        .env("SSH_AUTH_SOCK", &agent.socket)
        .output()
        .unwrap();
    let ours = std::fs::read_to_string(home.ssh("id_ed25519.pub")).unwrap();
    let blob = ours.split_whitespace().nth(1).unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains(blob),
        "the agent holds: {}",
        String::from_utf8_lossy(&listed.stdout)
    );
}

#[test]
fn local_command_runs_here_with_its_tokens() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let marker = home.path().join("local-command-ran");
    let local = format!("LocalCommand=echo %h %p %r > {}", marker.display());
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-o", "PermitLocalCommand=yes", "-o", &local, "true"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        format!("127.0.0.1 {} {}\n", server.port, home.user)
    );
}

/// Runs ours and (when installed) OpenSSH's client with the same arguments; returns our output
/// after checking the two agree on stderr (without sshd's debug lines) and status.
fn same_as_openssh(home: &Home, argv: &[String]) -> Output {
    let ours = run(home.oxssh().args(argv), b"", LIMIT);
    if oxssh_test::peers::which("ssh").is_some() {
        let mut theirs = Command::new("ssh");
        theirs
            .args(argv)
            .env_remove("SSH_AUTH_SOCK")
            .env("HOME", home.path());
        let theirs = run(&mut theirs, b"", LIMIT);
        assert_eq!(ours.stderr_clean(), theirs.stderr_clean(), "{argv:?}");
        assert_eq!(ours.code(), theirs.code(), "{argv:?}");
    }
    ours
}

fn known_hosts_args(home: &Home, port: u16, extra: &[&str]) -> Vec<String> {
    let mut rest = vec![
        "-o".to_owned(),
        format!("UserKnownHostsFile={}", home.ssh("known_hosts").display()),
        "-o".to_owned(),
        "GlobalKnownHostsFile=/dev/null".to_owned(),
        "-i".to_owned(),
        home.ssh("id_ed25519").to_string_lossy().into_owned(),
    ];
    rest.extend(extra.iter().map(|s| (*s).to_owned()));
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    args(home, port, &rest)
}

#[test]
fn strict_checking_and_revoked_keys_are_refused_in_openssh_words() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    std::fs::write(home.ssh("known_hosts"), "").unwrap();
    let out = same_as_openssh(
        &home,
        &known_hosts_args(
            &home,
            server.port,
            &["-o", "StrictHostKeyChecking=yes", "true"],
        ),
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr_clean(),
        format!(
            "No ED25519 host key is known for [127.0.0.1]:{} and you have requested strict checking.\r\n\
             Host key verification failed.\r\n",
            server.port
        )
    );
    let ed = host_key_lines(&server)
        .into_iter()
        .find(|l| l.starts_with("ssh-ed25519"))
        .unwrap();
    let mut w = ed.split_whitespace();
    let (t, k) = (w.next().unwrap(), w.next().unwrap());
    std::fs::write(home.ssh("known_hosts"), format!("@revoked * {t} {k}\n")).unwrap();
    let out = same_as_openssh(
        &home,
        &known_hosts_args(
            &home,
            server.port,
            &["-o", "HostKeyAlgorithms=ssh-ed25519", "true"],
        ),
    );
    assert_eq!(out.code(), 255);
    assert!(
        out.stderr_clean()
            .contains("@       WARNING: REVOKED HOST KEY DETECTED!               @\r\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failed_negotiation_quotes_their_offer_as_openssh_does() {
    let Some(server) = sshd("Ciphers aes256-gcm@openssh.com\n") else {
        return;
    };
    let home = client_for(&server);
    let argv = args(&home, server.port, &["-c", "aes128-ctr", "true"]);
    let ours = run(home.oxssh().args(&argv), b"", LIMIT);
    let theirs = run(Command::new("ssh").args(&argv), b"", LIMIT);
    assert_eq!(ours.code(), 255);
    assert_eq!(theirs.code(), 255);
    assert_eq!(
        ours.stderr_clean(),
        format!(
            "Unable to negotiate with 127.0.0.1 port {}: no matching cipher found. Their offer: aes256-gcm@openssh.com\r\n",
            server.port
        )
    );
    assert_eq!(ours.stderr_clean(), theirs.stderr_clean());
}

#[test]
fn dash_c_compresses_against_sshd_across_rekeys() {
    let Some(server) = sshd("Compression yes\n") else {
        return;
    };
    let home = client_for(&server);
    let data = oxssh_test::data::half_compressible(6 * 1024 * 1024);
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-C", "-v", "-o", "RekeyLimit=256K", "cat"],
        )),
        &data,
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout == data, "the echoed bytes differ");
    assert!(
        out.stderr.contains("compression: zlib@openssh.com"),
        "{}",
        out.stderr
    );
}

#[test]
fn verbose_names_both_versions_and_what_was_negotiated() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let out = run(
        home.oxssh().args(args(
            &home,
            server.port,
            &["-v", "-c", "aes128-gcm@openssh.com", "true"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    for line in [
        "debug1: Local version string SSH-2.0-oxssh_",
        "debug1: Remote protocol version 2.0, remote software version OpenSSH_",
        "debug1: kex: client->server cipher: aes128-gcm@openssh.com MAC: <implicit> compression: none",
        "debug1: Entering interactive session.",
        "debug1: Exit status 0",
    ] {
        assert!(out.stderr.contains(line), "no {line:?} in {}", out.stderr);
    }
}
