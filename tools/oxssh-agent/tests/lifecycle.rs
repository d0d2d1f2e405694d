//! The agent as a process: what it prints for the shell, its socket's place and modes, `-k`,
//! running a command, signals, and how the socket treats strangers, oversized messages and many
//! clients at once.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::*;

/// Parses `SSH_AUTH_SOCK=S; export SSH_AUTH_SOCK;\nSSH_AGENT_PID=P; export SSH_AGENT_PID;\necho
/// Agent pid P;\n` exactly.
fn parse_sh(text: &str) -> (PathBuf, u32) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    let sock = lines[0]
        .strip_prefix("SSH_AUTH_SOCK=")
        .and_then(|l| l.strip_suffix("; export SSH_AUTH_SOCK;\n"))
        .unwrap_or_else(|| panic!("{text:?}"));
    let pid = lines[1]
        .strip_prefix("SSH_AGENT_PID=")
        .and_then(|l| l.strip_suffix("; export SSH_AGENT_PID;\n"))
        .unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(lines[2], format!("echo Agent pid {pid};\n"));
    (PathBuf::from(sock), pid.parse().unwrap())
}

#[test]
fn sh_output_socket_modes_and_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(Command::new(OURS).arg("-s").env("TMPDIR", tmp.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let (socket, pid) = parse_sh(&stdout(&out));
    let _reap = Reap(pid);
    let dir = socket.parent().unwrap().to_owned();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("ssh-") && name.len() == 16, "{name}");
    assert_eq!(dir.parent().unwrap(), tmp.path());
    // agent.<pid of the process that printed>, as OpenSSH names it for the parent.
    assert!(
        socket
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("agent.")
    );
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let meta = std::fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(alive(pid));
    // Keys are in memory: the background agent may not dump core.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
    let listed = run(Command::new("ssh-add")
        .arg("-l")
        .env("SSH_AUTH_SOCK", &socket));
    assert_eq!(stdout(&listed), "The agent has no identities.\n");

    let killed = run(Command::new(OURS)
        .args(["-k", "-s"])
        .env("SSH_AGENT_PID", pid.to_string()));
    assert_eq!(
        stdout(&killed),
        format!("unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\necho Agent pid {pid} killed;\n")
    );
    wait_until(Duration::from_secs(10), "the socket to go", || {
        !socket.exists() && !dir.exists()
    });
    wait_until(Duration::from_secs(10), "the agent to exit", || !alive(pid));
}

#[test]
fn csh_output_follows_the_flag_or_the_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [&["-c"][..], &[][..]] {
        let out = run(Command::new(OURS)
            .args(args)
            .env("TMPDIR", tmp.path())
            .env("SHELL", "/bin/tcsh"));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("setenv SSH_AUTH_SOCK ") && lines[0].ends_with(';'));
        let pid = lines[1]
            .strip_prefix("setenv SSH_AGENT_PID ")
            .and_then(|p| p.strip_suffix(';'))
            .unwrap();
        let _reap = Reap(pid.parse().unwrap());
        assert_eq!(lines[2], format!("echo Agent pid {pid};"));
        let killed = run(Command::new(OURS)
            .arg("-k")
            .env("SHELL", "/bin/tcsh")
            .env("SSH_AGENT_PID", pid));
        assert_eq!(
            stdout(&killed),
            format!(
                "unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\necho Agent pid {pid} killed;\n"
            )
        );
    }
}

#[test]
fn foreground_output_has_no_pid_variable_and_signals_remove_the_socket() {
    for signal in ["TERM", "HUP", "INT"] {
        let agent = Agent::start(&[]);
        let pid = agent.child.id();
        assert_eq!(
            agent.first_lines,
            format!(
                "SSH_AUTH_SOCK={}; export SSH_AUTH_SOCK;\necho Agent pid {pid};\n",
                agent.socket.display()
            )
        );
        let sent = run(Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]));
        assert!(sent.status.success());
        wait_until(Duration::from_secs(10), "the socket to go", || {
            !agent.socket.exists()
        });
    }
}

#[test]
fn a_command_gets_the_agent_and_the_agent_ends_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(Command::new(OURS)
        .args([
            "sh",
            "-c",
            "echo $SSH_AUTH_SOCK $SSH_AGENT_PID; ssh-add -l; exit 3",
        ])
        .env("TMPDIR", tmp.path()));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let mut first = lines.next().unwrap().split(' ');
    let socket = PathBuf::from(first.next().unwrap());
    let pid: u32 = first.next().unwrap().parse().unwrap();
    let _reap = Reap(pid);
    assert_eq!(lines.next(), Some("The agent has no identities."));
    wait_until(Duration::from_secs(10), "the agent to notice", || {
        !socket.exists() && !alive(pid)
    });
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    let missing = run(Command::new(OURS)
        .arg("/nonexistent/program")
        .env("TMPDIR", tmp.path()));
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing),
        "/nonexistent/program: No such file or directory\n"
    );
    wait_until(
        Duration::from_secs(10),
        "the orphaned agent to clean up",
        || std::fs::read_dir(tmp.path()).unwrap().count() == 0,
    );
}

#[test]
fn errors_read_like_openssh() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    std::fs::write(&taken, "").unwrap();
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, String, i32);
    let cases: Vec<Case<'_>> = vec![
        (
            vec!["-a".into(), taken.display().to_string()],
            vec![],
            format!(
                "unix_listener: cannot bind to path {}: Address already in use\r\n",
                taken.display()
            ),
            1,
        ),
        (
            vec!["-k".into()],
            vec![],
            "SSH_AGENT_PID not set, cannot kill agent\n".into(),
            1,
        ),
        (
            vec!["-k".into()],
            vec![("SSH_AGENT_PID", "abc")],
            "SSH_AGENT_PID=\"abc\", which is not a good PID: invalid\n".into(),
            1,
        ),
        (
            vec!["-k".into()],
            vec![("SSH_AGENT_PID", "1")],
            "SSH_AGENT_PID=\"1\", which is not a good PID: too small\n".into(),
            1,
        ),
        (
            vec!["-k".into()],
            vec![("SSH_AGENT_PID", "2147483600")],
            "kill: No such process\n".into(),
            1,
        ),
        (
            vec!["-E".into(), "foo".into()],
            vec![],
            "Invalid hash algorithm \"foo\"\r\n".into(),
            255,
        ),
    ];
    for (args, env, expected, status) in cases {
        let mut cmd = Command::new(OURS);
        cmd.args(&args).env_remove("SSH_AGENT_PID");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        assert_eq!(stderr(&out), expected, "{args:?}");
        assert_eq!(out.status.code(), Some(status), "{args:?}");
    }
    // The usage text is OpenSSH's, word for word.
    let ours = run(Command::new(OURS).arg("-Z"));
    if oxssh_test::peers::require("ssh-agent") {
        let theirs = run(Command::new("ssh-agent").arg("-Z"));
        assert_eq!(stderr(&ours), stderr(&theirs));
        assert_eq!(ours.status.code(), theirs.status.code());
        let ours = run(Command::new(OURS).args(["-t", "1x"]));
        let theirs = run(Command::new("ssh-agent").args(["-t", "1x"]));
        assert_eq!(stderr(&ours), stderr(&theirs));
    }
    // Nothing was left behind by the failed starts.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

fn request(stream: &mut UnixStream, body: &[u8]) -> Vec<u8> {
    stream
        .write_all(&(body.len() as u32).to_be_bytes())
        .unwrap();
    stream.write_all(body).unwrap();
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut answer).unwrap();
    answer
}

#[test]
fn oversized_messages_close_only_their_connection_and_many_clients_are_served() {
    let agent = Agent::start(&[]);
    let connect = || {
        let s = UnixStream::connect(&agent.socket).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s
    };
    // A client stuck half-way through a message holds up nobody.
    let mut stalled = connect();
    stalled.write_all(&[0, 0, 0, 100, 11]).unwrap();

    let mut big = connect();
    big.write_all(&(256 * 1024 + 1u32).to_be_bytes()).unwrap();
    let mut rest = Vec::new();
    assert_eq!(
        big.read_to_end(&mut rest).unwrap(),
        0,
        "closed without an answer"
    );

    let clients: Vec<_> = (0..64)
        .map(|_| {
            let mut s = connect();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    // REQUEST_IDENTITIES → IDENTITIES_ANSWER with zero keys.
                    assert_eq!(request(&mut s, &[11]), vec![12, 0, 0, 0, 0]);
                }
                // An unknown message type: FAILURE, and the connection stays usable.
                assert_eq!(request(&mut s, &[99]), vec![5]);
                assert_eq!(request(&mut s, &[11]), vec![12, 0, 0, 0, 0]);
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    drop(stalled);
}

#[test]
fn other_users_are_refused() {
    if !oxssh_sys::user::is_root() {
        eprintln!("SKIPPED: other_users_are_refused needs root (it connects as nobody)");
        return;
    }
    if !oxssh_test::peers::require("setpriv") {
        return;
    }
    let agent = Agent::start(&[]);
    // Open the way to the socket so only the agent's own check stands.
    for p in [agent.dir.path(), agent.socket.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let out = run(Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "ssh-add",
            "-l",
        ])
        .env("SSH_AUTH_SOCK", &agent.socket));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error fetching identities: communication with agent failed\n"
    );
    // Root (the agent's own user here) is still served.
    assert_eq!(
        stdout(&agent.ssh_add(&["-l"])),
        "The agent has no identities.\n"
    );
}

/// Who owns `/proc/PID/mem`: the process's user if it is dumpable, root if it is not.
fn mem_owner(pid: u32) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/mem")).unwrap().uid()
}

#[test]
fn the_agent_cannot_be_traced_by_its_user() {
    if !oxssh_sys::user::is_root() {
        eprintln!("SKIPPED: the_agent_cannot_be_traced_by_its_user needs root (it runs as nobody)");
        return;
    }
    if !oxssh_test::peers::require("setpriv") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let as_nobody = |program: &str, args: &[&str]| {
        Command::new("setpriv")
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                program,
            ])
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let socket = dir.path().join("s");
    // Killed on every way out of the test, a failed assertion included.
    let agent = KillOnDrop(as_nobody(OURS, &["-D", "-a", socket.to_str().unwrap()]));
    let control = KillOnDrop(as_nobody("sleep", &["30"]));
    wait_until(Duration::from_secs(10), "the agent's socket", || {
        socket.exists()
    });
    let nobody = oxssh_sys::user::lookup_user("nobody")
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    // setpriv execs, so the pids are the programs'; the control is ours once it runs as nobody.
    wait_until(
        Duration::from_secs(10),
        "the control to run as nobody",
        || mem_owner(control.0.id()) == nobody,
    );
    assert_eq!(mem_owner(agent.0.id()), 0, "the agent is not dumpable");
}

/// A child process killed and reaped when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
