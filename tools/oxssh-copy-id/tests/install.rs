//! oxssh-copy-id against real servers, OpenSSH's sshd and oxsshd: a key installed with a password
//! (typed by sshpass at the client's prompt) then logs in; agent keys are filtered by trying each,
//! and installed through a key that already works; a second run installs nothing; `-s` installs
//! over SFTP, also where the server allows nothing else.

mod common;

use common::*;

fn which_server(name: &str) -> Option<Server> {
    match name {
        "sshd" => Server::openssh(""),
        _ => Server::ours(""),
    }
}

fn password_install(server_name: &str) {
    if !root_or_skip("password_install") || !oxssh_test::peers::require("sshpass") {
        return;
    }
    if sibling("oxssh").is_none() {
        return;
    }
    let Some(server) = which_server(server_name) else {
        return;
    };
    let user = test_user();
    let home = Home::new();
    let (key, line) = home.keygen("id_ed25519", "ed25519");
    let port = server.port();
    let destination = format!("{}@127.0.0.1", user.name);
    let mut args: Vec<String> = vec!["-i".into(), key.display().to_string()];
    args.extend(client_options(port));
    args.push(destination.clone());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let out = home.copy_id(Some(&user.password), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{server_name}: {}\n{}",
        stderr(&out),
        server.log()
    );
    assert_eq!(
        stderr(&out),
        format!(
            "{OURS}: INFO: Source of key(s) to be installed: \"{0}.pub\"\n\
             {OURS}: INFO: attempting to log in with the new key(s), to filter out any that are already installed\n\
             {OURS}: INFO: 1 key(s) remain to be installed -- if you are prompted now it is to install the new keys\n{1}",
            key.display(),
            host_key_warning(port)
        )
    );
    assert_eq!(stdout(&out), closing_words(1, port, &user.name));
    assert_eq!(user.authorized_keys(), format!("{line}\n"));
    assert_modes(&user);
    let login = home.key_login(&key, port, &user.name);
    assert_eq!(stdout(&login), "key-login-ok\n", "{}", stderr(&login));

    // Again: the key already works, so nothing is added (and no password is needed).
    let again = home.copy_id(None, &args);
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr(&again).ends_with(&format!(
        "\n{OURS}: WARNING: All keys were skipped because they already exist on the remote system.\n\
         \t\t(if you think this is a mistake, you may want to use -f option)\n\n"
    )));
    assert_eq!(user.authorized_keys(), format!("{line}\n"));

    // -f installs without asking which keys work, and -n only says what it would do.
    let dry = home.copy_id(None, &[&["-n", "-f"][..], &args].concat());
    assert_eq!(
        stdout(&dry),
        format!(
            "=-=-=-=-=-=-=-=\nWould have added the following key(s):\n\n{line}\n=-=-=-=-=-=-=-=\n"
        )
    );
    assert_eq!(user.authorized_keys(), format!("{line}\n"));
}

#[test]
fn installs_with_a_password_on_openssh_sshd() {
    password_install("sshd");
}

#[test]
fn installs_with_a_password_on_oxsshd() {
    password_install("oxsshd");
}

/// An agent holding two keys, one already authorized: only the other is installed, through a
/// login with the first (no password).
fn agent_install(server_name: &str) {
    if !root_or_skip("agent_install") || !oxssh_test::peers::require("ssh-agent") {
        return;
    }
    let (Some(_), Some(agent_program)) = (sibling("oxssh"), sibling("oxssh-agent")) else {
        return;
    };
    let Some(server) = which_server(server_name) else {
        return;
    };
    let user = test_user();
    let home = Home::new();
    let (old_key, old_line) = home.keygen("old", "ecdsa");
    let (new_key, new_line) = home.keygen("new", "rsa");
    user.authorize(&old_line);
    // Our agent, holding both keys; the key files are then removed, so only the agent has them.
    let socket = home.path().join("agent.sock");
    let agent = KillOnDrop(
        std::process::Command::new(agent_program)
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !socket.exists() {
        assert!(std::time::Instant::now() < deadline, "agent socket");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for key in [&old_key, &new_key] {
        let out = run(std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &socket));
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::remove_file(key).unwrap();
        std::fs::remove_file(key.with_extension("pub")).unwrap();
    }
    let port = server.port();
    let mut cmd = std::process::Command::new(OURS);
    cmd.args(client_options(port))
        .arg(format!("{}@127.0.0.1", user.name))
        .env("HOME", home.path())
        .env("SSH_AUTH_SOCK", &socket)
        .env_remove("DISPLAY");
    let out = run(&mut cmd);
    drop(agent);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{server_name}: {}\n{}",
        stderr(&out),
        server.log()
    );
    // Agent keys: no "Source of key(s)" line, as with the script.
    assert_eq!(
        stderr(&out),
        format!(
            "{OURS}: INFO: attempting to log in with the new key(s), to filter out any that are already installed\n\
             {OURS}: INFO: 1 key(s) remain to be installed -- if you are prompted now it is to install the new keys\n{}",
            host_key_warning(port)
        )
    );
    assert_eq!(stdout(&out), closing_words(1, port, &user.name));
    assert_eq!(user.authorized_keys(), format!("{old_line}\n{new_line}\n"));
    assert_modes(&user);
}

#[test]
fn installs_agent_keys_on_openssh_sshd() {
    agent_install("sshd");
}

#[test]
fn installs_agent_keys_on_oxsshd() {
    agent_install("oxsshd");
}

#[test]
fn installs_over_sftp_even_where_only_sftp_is_allowed() {
    if !root_or_skip("sftp install") || !oxssh_test::peers::require("sshpass") {
        return;
    }
    if sibling("oxssh").is_none() {
        return;
    }
    let user = test_user();
    let Some(server) = Server::openssh(&format!(
        "Match User {}\n  ForceCommand internal-sftp\n",
        user.name
    )) else {
        return;
    };
    let home = Home::new();
    let (key, line) = home.keygen("id_ed25519", "ed25519");
    // The file exists already and lacks its final newline.
    user.authorize(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhLsGu6d6hKOyB4mMsx1qU1Ql6jY0MdAaUdwGtDZDgI old",
    );
    let ak = user.home.join(".ssh/authorized_keys");
    let old = user.authorized_keys();
    std::fs::write(&ak, old.trim_end()).unwrap();
    let port = server.port();
    let mut args: Vec<String> = vec!["-s".into(), "-i".into(), key.display().to_string()];
    args.extend(client_options(port));
    args.push(format!("{}@127.0.0.1", user.name));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = home.copy_id(Some(&user.password), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&out),
        server.log()
    );
    assert!(stdout(&out).contains("Now try logging into the machine, with:   \"sftp -p "));
    assert_eq!(user.authorized_keys(), format!("{old}{line}\n"));
    assert_modes(&user);
    // The key now logs in, and that login only gets SFTP: counted as installed.
    let again = home.copy_id(None, &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("All keys were skipped"),
        "{}",
        stderr(&again)
    );
}
