//! An interactive login shell in a real terminal: OpenSSH's `ssh -tt` runs in a pty (rexpect), the
//! remote side is a `-bash` login shell on a pty of its own, and resizing the local terminal reaches
//! the remote `stty size` through window-change.

mod common;

use std::process::Command;

use common::*;
use oxssh_sys::pty::WindowSize;

/// Asks the remote shell for its size until it reports `rows cols` (the window-change races the
/// command, so a bounded number of tries).
fn wait_for_size(p: &mut rexpect::session::PtySession, rows: u32, cols: u32) {
    let want = format!("SIZE{rows}x{cols}");
    for _ in 0..50 {
        p.send_line("echo SIZE$(stty size | tr ' ' x)").unwrap();
        let (_, got) = p.exp_regex(r"SIZE\d+x\d+").unwrap();
        if got == want {
            return;
        }
    }
    panic!("the remote terminal never reported {rows} {cols}");
}

#[test]
fn a_login_shell_in_a_terminal_follows_window_resizes() {
    if skip_unless_root("a_login_shell_in_a_terminal_follows_window_resizes") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM yes\n");

    let mut cmd = Command::new("ssh");
    cmd.args(server.ssh_options())
        .args([
            "-tt",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
        ])
        .arg(&key.path)
        .arg(format!("{}@127.0.0.1", user.name));
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    p.send_line("echo READY$((40+2)) $0 $SSH_TTY").unwrap();
    let (_, line) = p.exp_regex(r"READY42 \S+ /dev/pts/\d+").unwrap();
    assert!(line.contains(" -bash "), "not a login shell: {line}");

    let terminal = p.process().get_file_handle().unwrap();
    for (rows, cols) in [(40, 100), (51, 132)] {
        oxssh_sys::pty::set_window_size(
            &terminal,
            WindowSize {
                cols,
                rows,
                xpixel: 0,
                ypixel: 0,
            },
        )
        .unwrap();
        wait_for_size(&mut p, rows, cols);
    }

    p.send_line("exit 3").unwrap();
    p.exp_eof().unwrap();
    let status = p.process_mut().wait().unwrap();
    assert!(format!("{status:?}").ends_with(", 3)"), "{status:?}");
    assert!(server.wait_log("Starting session: shell on pts/"));
}

#[test]
fn a_command_with_a_forced_tty_sees_a_terminal_and_its_output_arrives_in_full() {
    if skip_unless_root("a_command_with_a_forced_tty_sees_a_terminal") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    let out = run_quick(
        ssh_with_key(server.port, &key.path, &user.name)
            .arg("-tt")
            .arg("tty; echo $TERM; seq 1 20000 | tail -1; exit 5"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("/dev/pts/"), "{text}");
    // `lines` drops the CR the terminal put before each LF.
    assert_eq!(lines.last(), Some(&"20000"), "{text}");
}
