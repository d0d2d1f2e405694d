//! SIGHUP re-reads the configuration for new connections while a session in progress carries on;
//! SIGTERM stops listening at once and lets open sessions finish before the daemon exits.

mod common;

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// Starts a session that runs `command` in the background and waits until the daemon started it.
fn session_in_progress(
    s: &KeyedServer,
    command: &str,
) -> std::thread::JoinHandle<std::process::Output> {
    let mut cmd = s.ssh();
    cmd.arg(command);
    let t = std::thread::spawn(move || run_quick(&mut cmd));
    assert!(s.server.wait_log("Starting session: command"));
    t
}

#[test]
fn sighup_rereads_the_configuration_for_new_connections() {
    let s = KeyedServer::start("");
    let old = session_in_progress(&s, "sleep 1; echo old-session-done");

    let banner = s.server.dir.path().join("banner");
    std::fs::write(&banner, "Welcome after reload\n").unwrap();
    let mut text = std::fs::read_to_string(&s.server.config).unwrap();
    text.push_str(&format!("Banner {}\n", banner.display()));
    std::fs::write(&s.server.config, text).unwrap();
    s.server.signal("HUP");
    assert!(s.server.wait_log("Received SIGHUP; restarting."));

    // ssh shows banners only at LogLevel INFO, so this client is set up by hand.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut cmd = Command::new("ssh");
        cmd.args(["-o", "LogLevel=INFO"])
            .args(ssh_options(s.server.port))
            .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i"])
            .arg(&s.key.path)
            .arg(format!("{}@127.0.0.1", s.user))
            .arg("echo new");
        let out = run_quick(&mut cmd);
        assert_output(&out, 0, "new\n", &s.server);
        // The signal is handled asynchronously: the first connection may still see the old
        // configuration, so try again (bounded) until the new one is in force.
        if String::from_utf8_lossy(&out.stderr).contains("Welcome after reload") {
            break;
        }
        assert!(Instant::now() < deadline, "the banner never appeared");
    }
    let out = old.join().unwrap();
    assert_output(&out, 0, "old-session-done\n", &s.server);
}

#[test]
fn sigterm_stops_listening_and_lets_sessions_finish() {
    let mut s = KeyedServer::start("");
    let running = session_in_progress(&s, "sleep 1; echo finished");
    s.server.signal("TERM");
    assert!(s.server.wait_log("Received signal 15; terminating."));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", s.server.port)).is_ok() {
        assert!(Instant::now() < deadline, "still listening after SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = running.join().unwrap();
    assert_output(&out, 0, "finished\n", &s.server);
    let status = s.server.wait_exit(Duration::from_secs(20));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}
