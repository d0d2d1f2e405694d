//! The client in a real terminal (a pty, driven with rexpect) against OpenSSH's sshd: the
//! first-contact prompt and its answers, the refusal of a changed key, passphrase and password
//! prompts, and an interactive shell with a resize and the `~.` escape. Where OpenSSH's own client
//! can run the same scenario, its transcript is the expected one.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use oxssh_keys::{FingerprintHash, PublicKey};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

const TIMEOUT_MS: u64 = 20_000;

/// Spawns `program args` in a pty with HOME pointing at `home`.
fn spawn(program: &str, home: &Home, args: &[String]) -> PtySession {
    let mut c = Command::new(program);
    c.args(args)
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("SSH_ASKPASS")
        .env_remove("DISPLAY")
        .env("TERM", "dumb");
    rexpect::session::spawn_command(c, Some(TIMEOUT_MS)).unwrap()
}

/// The transcript without the debug lines sshd (run with `LogLevel DEBUG1` by oxssh-test) sends
/// through the session's stderr: server noise, not client words.
fn without_server_debug(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("debug1: "))
        .collect()
}

fn exit_code(p: &mut PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("client did not exit normally: {other:?}"),
    }
}

/// `-F config -o UserKnownHostsFile=<home>/.ssh/known_hosts -p port USER@127.0.0.1`: OpenSSH reads
/// known_hosts under the passwd home, so both clients are pointed at the same file explicitly.
fn tofu_args(home: &Home, port: u16, rest: &[&str]) -> Vec<String> {
    let mut v = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-o".to_owned(),
        format!("UserKnownHostsFile={}", home.ssh("known_hosts").display()),
        "-o".to_owned(),
        "GlobalKnownHostsFile=/dev/null".to_owned(),
        "-i".to_owned(),
        home.ssh("id_ed25519").to_string_lossy().into_owned(),
        "-p".to_owned(),
        port.to_string(),
        format!("{}@127.0.0.1", home.user),
    ];
    v.extend(rest.iter().map(|s| (*s).to_owned()));
    v
}

fn ed25519_fingerprint(server: &oxssh_test::peers::OpenSshServer) -> String {
    let line = host_key_lines(server)
        .into_iter()
        .find(|l| l.starts_with("ssh-ed25519"))
        .unwrap();
    PublicKey::parse_openssh_line(&line)
        .unwrap()
        .0
        .fingerprint(FingerprintHash::Sha256)
}

/// Runs the first-contact dialogue with `answers` and returns (transcript, exit code).
fn first_contact(
    program: &str,
    server: &oxssh_test::peers::OpenSshServer,
    answers: &[&str],
) -> (String, i32, String) {
    let home = Home::with_account();
    home.config("");
    server.authorize(&home.keygen("id_ed25519", "ed25519", ""));
    let mut p = spawn(
        program,
        &home,
        &tofu_args(&home, server.port, &["echo", "logged-in"]),
    );
    let mut transcript = String::new();
    for answer in answers {
        let before = p
            .exp_any(vec![
                rexpect::ReadUntil::String("(yes/no/[fingerprint])? ".into()),
                rexpect::ReadUntil::String("or the fingerprint: ".into()),
            ])
            .unwrap();
        transcript.push_str(&before.0);
        transcript.push_str(&before.1);
        transcript.push('<');
        transcript.push_str(answer);
        transcript.push('>');
        p.send_line(answer).unwrap();
    }
    transcript.push_str(&p.exp_eof().unwrap());
    let code = exit_code(&mut p);
    (without_server_debug(&transcript), code, home.known_hosts())
}

#[test]
fn first_contact_prompt_and_yes_match_openssh_and_record_the_key() {
    let Some(server) = sshd("") else { return };
    let port = server.port;
    let fp = ed25519_fingerprint(&server);
    let (ours, code, known) = first_contact(bin(), &server, &["maybe", "yes"]);
    let expected = format!(
        "\rThe authenticity of host '[127.0.0.1]:{port} ([127.0.0.1]:{port})' can't be established.\r\n\
         ED25519 key fingerprint is {fp}.\r\n\
         This key is not known by any other names.\r\n\
         Are you sure you want to continue connecting (yes/no/[fingerprint])? <maybe>\r\n\
         \rPlease type 'yes', 'no' or the fingerprint: <yes>\r\n\
         Warning: Permanently added '[127.0.0.1]:{port}' (ED25519) to the list of known hosts.\r\r\n\
         logged-in\r\n"
    );
    assert_eq!(ours, expected);
    assert_eq!(code, 0);
    assert!(
        known.starts_with(&format!("[127.0.0.1]:{port} ssh-ed25519 ")),
        "{known}"
    );
    if oxssh_test::peers::which("ssh").is_some() {
        let (theirs, code, _) = first_contact("ssh", &server, &["maybe", "yes"]);
        assert_eq!(code, 0);
        assert_eq!(ours, theirs, "OpenSSH's transcript differs");
    }
}

#[test]
fn the_fingerprint_is_an_accepted_answer() {
    let Some(server) = sshd("") else { return };
    let fp = ed25519_fingerprint(&server);
    let (transcript, code, known) = first_contact(bin(), &server, &[&fp]);
    assert_eq!(code, 0, "{transcript}");
    assert!(transcript.ends_with("logged-in\r\n"), "{transcript}");
    assert!(!known.is_empty());
}

#[test]
fn no_refuses_with_host_key_verification_failed() {
    let Some(server) = sshd("") else { return };
    let (ours, code, known) = first_contact(bin(), &server, &["no"]);
    assert_eq!(code, 255);
    assert!(
        ours.ends_with("<no>\r\nHost key verification failed.\r\r\n"),
        "{ours:?}"
    );
    assert_eq!(known, "");
    if oxssh_test::peers::which("ssh").is_some() {
        let (theirs, code, _) = first_contact("ssh", &server, &["no"]);
        assert_eq!(code, 255);
        assert_eq!(ours, theirs);
    }
}

/// Runs a client against a known_hosts file holding a different key for the host.
fn changed_key(program: &str, server: &oxssh_test::peers::OpenSshServer) -> (String, i32) {
    let home = Home::with_account();
    home.config("");
    server.authorize(&home.keygen("id_ed25519", "ed25519", ""));
    let impostor = keygen(&home.path().join("impostor"), "ed25519", "");
    let mut words = impostor.split_whitespace();
    let (t, k) = (words.next().unwrap(), words.next().unwrap());
    std::fs::write(
        home.ssh("known_hosts"),
        format!("# a comment\n[127.0.0.1]:{} {t} {k}\n", server.port),
    )
    .unwrap();
    let mut p = spawn(
        program,
        &home,
        &tofu_args(&home, server.port, &["echo", "logged-in"]),
    );
    let text = p.exp_eof().unwrap();
    let code = exit_code(&mut p);
    (
        text.replace(&home.path().to_string_lossy().into_owned(), "HOME"),
        code,
    )
}

#[test]
fn a_changed_key_is_refused_with_openssh_full_warning() {
    let Some(server) = sshd("") else { return };
    let port = server.port;
    let fp = ed25519_fingerprint(&server);
    let (ours, code) = changed_key(bin(), &server);
    assert_eq!(code, 255);
    let expected = format!(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\r\n\
         @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\r\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\r\n\
         IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\r\n\
         Someone could be eavesdropping on you right now (man-in-the-middle attack)!\r\r\n\
         It is also possible that a host key has just been changed.\r\r\n\
         The fingerprint for the ED25519 key sent by the remote host is\r\n\
         {fp}.\r\r\n\
         Please contact your system administrator.\r\r\n\
         Add correct host key in HOME/.ssh/known_hosts to get rid of this message.\r\r\n\
         Offending ED25519 key in HOME/.ssh/known_hosts:2\r\r\n\
         \x20 remove with:\r\r\n\
         \x20 ssh-keygen -f \"HOME/.ssh/known_hosts\" -R \"[127.0.0.1]:{port}\"\r\r\n\
         Host key for [127.0.0.1]:{port} has changed and you have requested strict checking.\r\r\n\
         Host key verification failed.\r\r\n"
    );
    assert_eq!(ours, expected);
    if oxssh_test::peers::which("ssh").is_some() {
        let (theirs, code) = changed_key("ssh", &server);
        assert_eq!(code, 255);
        assert_eq!(ours, theirs, "OpenSSH's warning differs");
    }
}

#[test]
fn a_passphrase_protected_key_asks_for_its_passphrase() {
    let Some(server) = sshd("") else { return };
    let home = Home::with_account();
    home.config("");
    trust(&home, &server);
    server.authorize(&home.keygen("id_ed25519", "ed25519", "correct horse"));
    let key = home.ssh("id_ed25519").to_string_lossy().into_owned();
    let args = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-o".to_owned(),
        "PasswordAuthentication=no".to_owned(),
        "-o".to_owned(),
        "KbdInteractiveAuthentication=no".to_owned(),
        "-p".to_owned(),
        server.port.to_string(),
        format!("{}@127.0.0.1", home.user),
        "echo".to_owned(),
        "unlocked".to_owned(),
    ];
    let mut p = spawn(bin(), &home, &args);
    let prompt = format!("Enter passphrase for key '{key}': ");
    p.exp_string(&prompt).unwrap();
    p.send_line("wrong").unwrap();
    p.exp_string(&prompt).unwrap();
    p.send_line("correct horse").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.ends_with("unlocked\r\n"), "{rest:?}");
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn password_login_prompts_retries_and_runs_the_command() {
    let Some(server) = sshd("") else { return };
    let Some(user) = temp_user("s3cret pass") else {
        return;
    };
    let home = Home::new();
    home.config("");
    trust(&home, &server);
    let args = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-o".to_owned(),
        "PubkeyAuthentication=no".to_owned(),
        "-p".to_owned(),
        server.port.to_string(),
        format!("{}@127.0.0.1", user.name),
        "id".to_owned(),
        "-un".to_owned(),
    ];
    let mut p = spawn(bin(), &home, &args);
    let prompt = format!("{}@127.0.0.1's password: ", user.name);
    p.exp_string(&prompt).unwrap();
    p.send_line("not it").unwrap();
    let between = p.exp_string(&prompt).unwrap();
    assert!(
        between.contains("Permission denied, please try again.\r"),
        "{between:?}"
    );
    p.send_line("s3cret pass").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.ends_with(&format!("{}\r\n", user.name)), "{rest:?}");
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn every_wrong_password_ends_in_permission_denied() {
    let Some(server) = sshd("") else { return };
    let Some(user) = temp_user("right") else {
        return;
    };
    let home = Home::new();
    home.config("");
    trust(&home, &server);
    let args = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-o".to_owned(),
        "PubkeyAuthentication=no".to_owned(),
        "-o".to_owned(),
        "NumberOfPasswordPrompts=2".to_owned(),
        "-p".to_owned(),
        server.port.to_string(),
        format!("{}@127.0.0.1", user.name),
        "true".to_owned(),
    ];
    let mut p = spawn(bin(), &home, &args);
    let prompt = format!("{}@127.0.0.1's password: ", user.name);
    for _ in 0..2 {
        p.exp_string(&prompt).unwrap();
        p.send_line("wrong").unwrap();
    }
    let rest = p.exp_eof().unwrap();
    assert!(
        rest.ends_with(&format!(
            "{}@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).\r\r\n",
            user.name
        )),
        "{rest:?}"
    );
    assert_eq!(exit_code(&mut p), 255);
}

#[test]
fn interactive_shell_follows_a_resize_and_ends_with_tilde_dot() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let mut p = spawn(bin(), &home, &args(&home, server.port, &[]));
    let master = p.process().get_file_handle().unwrap();
    oxssh_sys::pty::set_window_size(
        &master,
        oxssh_sys::pty::WindowSize {
            cols: 91,
            rows: 33,
            xpixel: 0,
            ypixel: 0,
        },
    )
    .unwrap();
    p.send_line("PS1='READY> '").unwrap();
    p.exp_string("READY> ").unwrap();
    p.send_line("stty size").unwrap();
    p.exp_string("33 91").unwrap();
    p.exp_string("READY> ").unwrap();
    // The kernel signals the client (SIGWINCH); it sends window-change.
    oxssh_sys::pty::set_window_size(
        &master,
        oxssh_sys::pty::WindowSize {
            cols: 132,
            rows: 50,
            xpixel: 0,
            ypixel: 0,
        },
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        p.send_line("stty size").unwrap();
        let seen = p.exp_string("READY> ").unwrap();
        if seen.contains("50 132") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the resize never arrived: {seen:?}"
        );
    }
    // Escapes are recognised right after a newline.
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("READY> ").unwrap();
    p.send("~.").unwrap();
    p.flush().unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        rest.ends_with("Connection to 127.0.0.1 closed.\r\r\n"),
        "{rest:?}"
    );
    assert_eq!(exit_code(&mut p), 255);
}

#[test]
fn the_escape_help_lists_openssh_commands() {
    let Some(server) = sshd("") else { return };
    let home = client_for(&server);
    let mut p = spawn(bin(), &home, &args(&home, server.port, &[]));
    p.send_line("PS1='READY> '").unwrap();
    p.exp_string("READY> ").unwrap();
    p.send("\r~?").unwrap();
    p.flush().unwrap();
    p.exp_string("(Note that escapes are only recognized immediately after newline.)\r\n")
        .unwrap();
    // ~R re-keys; the session goes on over the new keys.
    p.send("~R").unwrap();
    p.flush().unwrap();
    p.send_line("echo after-$((6 * 7))").unwrap();
    p.exp_string("after-42").unwrap();
    p.exp_string("READY> ").unwrap();
    let kexinits = server.log().matches("SSH2_MSG_KEXINIT received").count();
    assert!(kexinits >= 2, "no second key exchange:\n{}", server.log());
    p.send("exit 7\r").unwrap();
    p.flush().unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        rest.ends_with("Connection to 127.0.0.1 closed.\r\r\n"),
        "{rest:?}"
    );
    assert_eq!(exit_code(&mut p), 7);
}
