//! Key generation speed against OpenSSH's ssh-keygen: each case runs both tools in turn (who goes
//! first alternates), fifteen times, and reports the medians. Ignored by default; run it on a
//! release build:
//!
//! ```text
//! cargo nextest run -p oxssh-keygen --release --run-ignored only --no-capture generation_speed
//! ```
//!
//! It asserts nothing about time (timed assertions make flaky tests); it prints the table.
//! `OXSSH_KEYGEN_BIN=/path/to/oxssh-keygen` measures another build of ours (for example one
//! built with `AWS_LC_SYS_NO_JITTER_ENTROPY=1`).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{OPENSSH, OURS, Sandbox, have_openssh};

const RUNS: usize = 15;

fn time_one(program: &str, args: &[&str], s: &Sandbox) -> Duration {
    let _ = std::fs::remove_file(s.path("k"));
    let _ = std::fs::remove_file(s.path("k.pub"));
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .args(["-q", "-f", "k"])
        .current_dir(s.dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("run");
    let elapsed = start.elapsed();
    assert!(status.success(), "{program} {args:?}");
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "benchmark; run with --release --run-ignored only"]
fn generation_speed_against_openssh() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let ours_bin = std::env::var("OXSSH_KEYGEN_BIN").unwrap_or_else(|_| OURS.to_string());
    let cases: &[(&str, &[&str])] = &[
        ("ed25519", &["-t", "ed25519", "-N", ""]),
        (
            "ed25519 + passphrase",
            &["-t", "ed25519", "-N", "bench phrase"],
        ),
        ("rsa 3072", &["-t", "rsa", "-b", "3072", "-N", ""]),
    ];
    println!("case                   oxssh-keygen   ssh-keygen   ratio (median of {RUNS})");
    for (label, args) in cases {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for i in 0..RUNS {
            if i % 2 == 0 {
                ours.push(time_one(&ours_bin, args, &s));
                theirs.push(time_one(OPENSSH, args, &s));
            } else {
                theirs.push(time_one(OPENSSH, args, &s));
                ours.push(time_one(&ours_bin, args, &s));
            }
        }
        let (o, t) = (median(ours), median(theirs));
        println!(
            "{label:<22} {:>9.1} ms {:>9.1} ms   {:.2}",
            o.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3,
            o.as_secs_f64() / t.as_secs_f64()
        );
    }
}
