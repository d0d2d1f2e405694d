//! Running a program to completion with a deadline: its standard input fed from memory (or
//! /dev/null), its standard output and error collected by reader threads so a chatty program cannot
//! block on a full pipe, and the program killed (and the test failed) if it outlives the deadline.

use std::io::{Read, Write};

use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How often a running child is looked at while its deadline has not passed.
const POLL: Duration = Duration::from_millis(10);

/// Waits for `child` to exit, for at most `limit`. On timeout the child is killed and reaped, and
/// `None` is returned.
pub fn wait_with_deadline(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// Reads everything from `source` on a thread of its own.
fn collect(mut source: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = source.read_to_end(&mut bytes);
        bytes
    })
}

/// Runs `cmd` with `stdin` as its standard input (`None`: /dev/null; `Some`: a pipe that is fed
/// these bytes, then closed), collecting standard output and error. Panics, naming the command and
/// showing its standard error, if it has not exited within `limit`.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, limit: Duration) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} starts: {e}"));
    // A writer thread, so a program that answers before reading all its input cannot deadlock us.
    let writer = stdin.map(|bytes| {
        let mut input = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        })
    });
    let stdout = collect(child.stdout.take().expect("piped stdout"));
    let stderr = collect(child.stderr.take().expect("piped stderr"));
    let Some(status) = wait_with_deadline(&mut child, limit) else {
        let text = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        panic!("{cmd:?} did not finish within {limit:?}; stderr: {text}");
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// Like [`run`] with standard input from /dev/null, for a program that may leave a background
/// copy holding its standard output and error (`ssh -f`): they go to files, read once the program
/// itself has exited, so the background copy cannot keep the test waiting for end of file.
pub fn run_detaching(cmd: &mut Command, limit: Duration) -> Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} starts: {e}"));
    let Some(status) = wait_with_deadline(&mut child, limit) else {
        panic!("{cmd:?} did not finish within {limit:?}");
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).expect("stdout file"),
        stderr: std::fs::read(&err_path).expect("stderr file"),
    }
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Polls `check` until it holds, for at most `limit`; panics naming `what` if it never does.
pub fn wait_until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}
