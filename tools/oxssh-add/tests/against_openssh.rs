//! oxssh-add side by side with OpenSSH's ssh-add: the same commands, against OpenSSH's agent and
//! against ours, must print the same lines on the same streams, ask the same questions and exit
//! with the same statuses.

mod common;

use std::path::Path;

use common::*;

/// One ssh-add run: arguments, standard input, and askpass answers (forced) if any.
struct Step {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    answers: Option<Vec<&'static str>>,
}

fn step(args: &[&str]) -> Step {
    Step {
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: None,
        answers: None,
    }
}

fn with_answers(args: &[&str], answers: &[&'static str]) -> Step {
    Step {
        answers: Some(answers.to_vec()),
        ..step(args)
    }
}

fn with_stdin(args: &[&str], input: Vec<u8>) -> Step {
    Step {
        stdin: Some(input),
        ..step(args)
    }
}

/// Everything one run showed: stdout, stderr, status, and the askpass prompts.
type Seen = (String, String, Option<i32>, String);

fn transcript(ssh_add: &str, agent: &Agent, steps: &[Step], scratch: &Path) -> Vec<Seen> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut cmd = agent.command(ssh_add);
            cmd.args(&s.args);
            let name = format!("askpass-{i}");
            if let Some(answers) = &s.answers {
                let program = askpass(scratch, &name, answers);
                cmd.env("SSH_ASKPASS", program)
                    .env("SSH_ASKPASS_REQUIRE", "force");
            }
            let o = run_with_input(&mut cmd, s.stdin.as_deref());
            let asked = askpass_log(scratch, &name);
            let _ = std::fs::remove_file(scratch.join(format!("{name}.log")));
            (stdout(&o), stderr(&o), o.status.code(), asked)
        })
        .collect()
}

#[test]
fn the_same_transcript_as_openssh_with_either_agent() {
    if !oxssh_test::peers::require("ssh-add") || !oxssh_test::peers::require("ssh-agent") {
        return;
    }
    let Some(our_agent) = our_agent() else {
        return;
    };
    let keys = tempfile::tempdir().unwrap();
    let k = keys.path();
    let ed = keygen(k, "id_ed25519", &["-t", "ed25519"], "", "ed key");
    let rsa = keygen(k, "id_rsa", &["-t", "rsa", "-b", "3072"], "rsa pass", "");
    let ec = keygen(k, "id_ecdsa", &["-t", "ecdsa", "-b", "384"], "", "ec key");
    let ec521 = keygen(
        k,
        "ec521",
        &["-t", "ecdsa", "-b", "521"],
        "rsa pass",
        "p521",
    );
    let open = k.join("too_open");
    std::fs::copy(&ed, &open).unwrap();
    set_mode(&open, 0o644);
    let s = |p: &Path| p.display().to_string();
    let (ed, rsa, ec, ec521, open) = (s(&ed), s(&rsa), s(&ec), s(&ec521), s(&open));
    let missing = s(&k.join("missing"));
    let ed_private = std::fs::read(&ed).unwrap();
    let rsa_pub = std::fs::read(format!("{rsa}.pub")).unwrap();

    let steps = vec![
        step(&["-l"]),
        step(&["-L"]),
        step(&[&ed]),
        // A wrong passphrase, then the right one; the second key takes the same passphrase
        // without asking.
        with_answers(&[&rsa, &ec521], &["wrong", "rsa pass"]),
        step(&["-t", "1h", "-c", &ec]),
        step(&["-l"]),
        step(&["-l", "-E", "md5"]),
        step(&["-L"]),
        step(&["-T", &format!("{ed}.pub"), &format!("{rsa}.pub")]),
        // The ECDSA key must be confirmed, and nobody can be asked.
        step(&["-T", &format!("{ec}.pub")]),
        step(&["-d", &ed]),
        step(&["-d", &ed]),
        with_stdin(&["-d", "-"], rsa_pub),
        step(&[&open]),
        step(&[&missing]),
        step(&["-d", &missing]),
        with_answers(&["-x"], &["lock words", "lock words"]),
        step(&["-l"]),
        with_answers(&["-X"], &["not them"]),
        with_answers(&["-X"], &["lock words"]),
        with_answers(&["-x"], &["one", "two"]),
        // Giving up on a passphrase: an empty answer.
        with_answers(&[&rsa], &[""]),
        step(&["-D"]),
        with_stdin(&["-"], ed_private),
        step(&["-L"]),
        step(&["-q", "-d", &ed]),
        step(&["-q", "-D"]),
        step(&["-l", "-L"]),
        step(&["-x", "-D"]),
        step(&["-t", "forever", &ed]),
        step(&["-T"]),
        step(&["-Z"]),
    ];
    let scratch = tempfile::tempdir().unwrap();
    let reference = transcript("ssh-add", &Agent::openssh(), &steps, scratch.path());
    let runs = [
        ("oxssh-add with OpenSSH's agent", OURS, Agent::openssh()),
        (
            "ssh-add with oxssh-agent",
            "ssh-add",
            Agent::start(&our_agent),
        ),
        ("oxssh-add with oxssh-agent", OURS, Agent::start(&our_agent)),
    ];
    for (what, program, agent) in &runs {
        let seen = transcript(program, agent, &steps, scratch.path());
        for (i, (want, got)) in reference.iter().zip(&seen).enumerate() {
            assert_eq!(got, want, "{what}: step {i} {:?}", steps[i].args);
        }
    }
    // The reference itself says what it should.
    assert_eq!(reference[0].0, "The agent has no identities.\n");
    assert_eq!(reference[0].2, Some(1));
    assert_eq!(
        reference[3].3,
        format!(":Enter passphrase for {rsa}: \n:Bad passphrase, try again for {rsa}: \n")
    );
    assert_eq!(
        reference[3].1,
        format!("Identity added: {rsa} ({rsa})\nIdentity added: {ec521} (p521)\n")
    );
    assert_eq!(reference[16].1, "Agent locked.\n");
    // Log lines end in \r\n, as OpenSSH's log functions write them.
    assert!(
        reference[13]
            .1
            .contains("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\r\n")
    );
}

#[test]
fn no_agent_means_status_2() {
    let out = run(std::process::Command::new(OURS)
        .arg("-l")
        .env_remove("SSH_AUTH_SOCK"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "Could not open a connection to your authentication agent.\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(std::process::Command::new(OURS)
        .arg("-l")
        .env("SSH_AUTH_SOCK", dir.path().join("nothing")));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "Error connecting to agent: No such file or directory\n"
    );
    // A socket nobody listens on.
    let path = dir.path().join("dead");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let out = run(std::process::Command::new(OURS)
        .arg("-D")
        .env("SSH_AUTH_SOCK", &path));
    assert_eq!(
        stderr(&out),
        "Error connecting to agent: Connection refused\n"
    );
}
