//! Our agent driven by OpenSSH's own tools: ssh-add adds, lists, tests, removes, locks and times
//! out keys exactly as it does with OpenSSH's ssh-agent (compared side by side), and ssh logs in to
//! OpenSSH's sshd with a key only our agent holds.

mod common;

use std::time::Duration;

use common::*;

/// Runs the same ssh-add commands against OpenSSH's agent and ours; every output and exit status
/// must be the same.
#[test]
fn ssh_add_sees_the_same_agent_as_with_openssh() {
    if !oxssh_test::peers::require("ssh-add") || !oxssh_test::peers::require("ssh-agent") {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let ed = keygen(keys.path(), "id_ed25519", "ed25519", "", "ed key");
    let rsa = keygen(keys.path(), "id_rsa", "rsa", "", "rsa key");
    let ec = keygen(keys.path(), "id_ecdsa", "ecdsa", "", "");
    let ec384 = keys.path().join("id_ecdsa384");
    let out = run(std::process::Command::new("ssh-keygen")
        .args([
            "-q", "-t", "ecdsa", "-b", "384", "-N", "", "-C", "p384", "-f",
        ])
        .arg(&ec384));
    assert!(out.status.success());
    let p = |path: &std::path::Path| path.to_str().unwrap().to_owned();
    let script: Vec<Vec<String>> = vec![
        vec!["-l".into()],
        vec![p(&ed)],
        vec![p(&rsa), p(&ec), p(&ec384)],
        vec!["-l".into()],
        vec!["-l".into(), "-E".into(), "md5".into()],
        vec!["-L".into()],
        vec![
            "-T".into(),
            format!("{}.pub", p(&ed)),
            format!("{}.pub", p(&ec)),
        ],
        vec!["-T".into(), format!("{}.pub", p(&rsa))],
        vec!["-d".into(), p(&ed)],
        vec!["-d".into(), p(&ed)],
        vec!["-T".into(), format!("{}.pub", p(&ed))],
        vec!["-t".into(), "1h".into(), "-c".into(), p(&ed)],
        vec!["-l".into()],
        vec!["-D".into()],
        vec!["-l".into()],
        vec!["-L".into()],
    ];
    let transcript = |agent: &Agent| -> Vec<(String, String, Option<i32>)> {
        script
            .iter()
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let o = agent.ssh_add(&args);
                (stdout(&o), stderr(&o), o.status.code())
            })
            .collect()
    };
    let theirs = transcript(&Agent::openssh(&[]));
    let ours = transcript(&Agent::start(&[]));
    for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
        assert_eq!(t, o, "ssh-add {:?} differs", script[i]);
    }
    // And the transcript says what we think it says.
    assert_eq!(ours[0].0, "The agent has no identities.\n");
    assert!(ours[3].0.contains("ed key (ED25519)") && ours[3].0.contains("rsa key (RSA)"));
    assert_eq!(ours[7].2, Some(0), "RSA keys sign for ssh-add -T");
    assert_eq!(ours[10].2, Some(1), "a removed key no longer signs");
}

#[test]
fn lock_and_unlock_through_ssh_add() {
    if !oxssh_test::peers::require("ssh-add") {
        return;
    }
    let agent = Agent::start(&[]);
    let keys = tempfile::tempdir().unwrap();
    let ed = keygen(keys.path(), "k", "ed25519", "", "locked key");
    let ed = ed.to_str().unwrap();
    assert!(agent.ssh_add(&[ed]).status.success());
    let right = askpass(keys.path(), "right", "lock words", 0);
    let wrong = askpass(keys.path(), "wrong", "other words", 0);

    let lock = agent.ssh_add_askpass(&["-x"], &right);
    assert_eq!(stderr(&lock), "Agent locked.\n");
    let log = std::fs::read_to_string(keys.path().join("right.log")).unwrap();
    assert_eq!(log, ":Enter lock password: \n:Again: \n");
    assert_eq!(
        stdout(&agent.ssh_add(&["-l"])),
        "The agent has no identities.\n"
    );
    let sign = agent.ssh_add(&["-T", &format!("{ed}.pub")]);
    assert_eq!(sign.status.code(), Some(1));

    let bad = agent.ssh_add_askpass(&["-X"], &wrong);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad),
        "Failed to unlock agent: agent refused operation\n"
    );
    let good = agent.ssh_add_askpass(&["-X"], &right);
    assert_eq!(stderr(&good), "Agent unlocked.\n");
    assert!(stdout(&agent.ssh_add(&["-l"])).contains("locked key (ED25519)"));
    assert!(
        agent
            .ssh_add(&["-T", &format!("{ed}.pub")])
            .status
            .success()
    );
}

#[test]
fn lifetimes_expire_keys() {
    if !oxssh_test::peers::require("ssh-add") {
        return;
    }
    // The agent's default lifetime (-t) and a key's own (ssh-add -t).
    let agent = Agent::start(&["-t", "2"]);
    let keys = tempfile::tempdir().unwrap();
    let short = keygen(keys.path(), "short", "ed25519", "", "short");
    let own = keygen(keys.path(), "own", "ecdsa", "", "own");
    let forever = keygen(keys.path(), "forever", "ed25519", "", "forever");
    assert!(agent.ssh_add(&[short.to_str().unwrap()]).status.success());
    let added = agent.ssh_add(&["-t", "1", own.to_str().unwrap()]);
    assert_eq!(
        stderr(&added),
        format!(
            "Identity added: {} (own)\nLifetime set to 1 seconds\n",
            own.display()
        )
    );
    assert!(
        agent
            .ssh_add(&["-t", "1h", forever.to_str().unwrap()])
            .status
            .success()
    );
    let listed = stdout(&agent.ssh_add(&["-l"]));
    assert_eq!(listed.lines().count(), 3, "{listed}");
    wait_until(Duration::from_secs(15), "keys to expire", || {
        let l = stdout(&agent.ssh_add(&["-l"]));
        l.lines().count() == 1 && l.contains("forever")
    });
}

#[test]
fn confirmation_goes_through_askpass() {
    if !oxssh_test::peers::require("ssh-add") {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let yes = askpass(keys.path(), "yes", "yes", 0);
    let no = askpass(keys.path(), "no", "no", 0);
    let ed = keygen(keys.path(), "k", "ed25519", "", "confirm me");
    let pubkey = format!("{}.pub", ed.display());
    for (program, allowed) in [(&yes, true), (&no, false)] {
        let agent = Agent::start_program(
            OURS,
            &[],
            &[
                ("SSH_ASKPASS", program.to_str().unwrap()),
                ("SSH_ASKPASS_REQUIRE", "force"),
            ],
        );
        let added = agent.ssh_add(&["-c", ed.to_str().unwrap()]);
        assert!(stderr(&added).ends_with("The user must confirm each use of the key\n"));
        let sign = agent.ssh_add(&["-T", &pubkey]);
        assert_eq!(sign.status.success(), allowed);
    }
    let log = std::fs::read_to_string(keys.path().join("yes.log")).unwrap();
    assert!(
        log.starts_with("confirm:Allow use of key confirm me?\nKey fingerprint SHA256:"),
        "{log}"
    );
    // No display and no SSH_ASKPASS_REQUIRE: nobody can be asked, so the key is not used.
    let agent = Agent::start(&[]);
    assert!(
        agent
            .ssh_add(&["-c", ed.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(agent.ssh_add(&["-T", &pubkey]).status.code(), Some(1));
}

#[test]
fn ssh_logs_in_to_sshd_with_keys_only_our_agent_holds() {
    if !oxssh_test::peers::require("ssh") {
        return;
    }
    if !oxssh_sys::user::is_root() {
        eprintln!("SKIPPED: sshd needs root for privilege separation");
        return;
    }
    let Some(server) = oxssh_test::peers::OpenSshServer::start("") else {
        return;
    };
    let agent = Agent::start(&[]);
    let keys = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    for (name, key_type) in [("ed", "ed25519"), ("rsa", "rsa"), ("ec", "ecdsa")] {
        let path = keygen(keys.path(), name, key_type, "", name);
        let line = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        // One key at a time in the agent and in authorized_keys.
        std::fs::write(server.dir.path().join("authorized_keys"), &line).unwrap();
        assert!(agent.ssh_add(&["-D"]).status.success());
        assert!(agent.ssh_add(&[path.to_str().unwrap()]).status.success());
        std::fs::remove_file(&path).unwrap();
        let out = run(agent
            .command("ssh")
            .env("HOME", home.path())
            .args(["-F", "/dev/null", "-o", "BatchMode=yes"])
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
            ])
            .arg("-o")
            .arg(format!("IdentityAgent={}", agent.socket.display()))
            .args([
                "-p",
                &server.port.to_string(),
                "root@127.0.0.1",
                "echo",
                "agent-login-ok",
            ]));
        assert_eq!(
            stdout(&out),
            "agent-login-ok\n",
            "{key_type}: {}\n{}",
            stderr(&out),
            server.log()
        );
    }
}
