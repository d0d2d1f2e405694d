//! A signal at a hidden passphrase prompt: the program ends as the signal says, and the terminal
//! has its echo back (readpassphrase(3)'s promise, which a Ctrl-C at a prompt relies on).
//!
//! The test runs itself again as the prompting child, in a new session whose controlling terminal
//! is a pty (`setsid -c`), so `/dev/tty` is that pty and the test's own terminal is never touched.

use std::io::Read;
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use oxssh_sys::terminal::{PassphraseOptions, read_passphrase};
use rustix::termios::{LocalModes, tcgetattr};

const CHILD: &str = "OXSSH_SYS_PROMPT_CHILD";

fn echo_on(fd: impl AsFd) -> bool {
    tcgetattr(fd)
        .unwrap()
        .local_modes
        .contains(LocalModes::ECHO)
}

#[test]
fn a_signal_at_a_hidden_prompt_gives_the_terminal_its_echo_back() {
    if std::env::var_os(CHILD).is_some() {
        // The child: ask, and report an answer should one ever come.
        let answer = read_passphrase("Secret: ", PassphraseOptions::default());
        println!("answered: {}", answer.is_some());
        return;
    }
    if Command::new("setsid").arg("--version").output().is_err() {
        eprintln!("SKIPPED: setsid (util-linux) is not installed");
        return;
    }
    let pty = oxssh_sys::pty::open_pty().unwrap();
    let slave = || Stdio::from(pty.slave.try_clone().unwrap());
    let mut child = Command::new("setsid")
        .arg("-c")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_signal_at_a_hidden_prompt_gives_the_terminal_its_echo_back",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .stdin(slave())
        .stdout(slave())
        .stderr(slave())
        .spawn()
        .unwrap();
    let (tx, shown) = mpsc::channel();
    let mut master = std::fs::File::from(pty.master.try_clone().unwrap());
    std::thread::spawn(move || {
        let mut b = [0u8; 1];
        while master.read(&mut b).is_ok_and(|n| n == 1) && tx.send(b[0]).is_ok() {}
    });
    let mut seen = Vec::new();
    while !seen.ends_with(b"Secret: ") {
        match shown.recv_timeout(Duration::from_secs(20)) {
            Ok(b) => seen.push(b),
            Err(_) => {
                let _ = child.kill();
                panic!("no prompt; saw {:?}", String::from_utf8_lossy(&seen));
            }
        }
    }
    assert!(!echo_on(&pty.slave), "echo is off while the prompt reads");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child outlived its SIGINT");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(2), "ended by the signal: {status:?}");
    assert!(echo_on(&pty.slave), "echo is back on");
}
