//! `ssh -G` from our library against the installed OpenSSH, for a set of configurations.

mod common;

use std::process::Command;

use oxssh_config::client::{ClientRequest, ConfigFiles, resolve};

/// Keywords whose -G line is allowed to differ, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn compare(config: &str, host: &str, options: &[&str]) {
    if !common::have_ssh() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new("ssh");
    cmd.arg("-G").arg("-F").arg(&path);
    for o in options {
        cmd.arg("-o").arg(o);
    }
    cmd.arg(host);
    let (theirs, their_err, code) = common::run(&mut cmd).unwrap();
    let algorithms = common::openssh_algorithms(None);
    let mut env = common::ExecEnv(common::real_env());
    let opts: Vec<String> = options.iter().map(|s| (*s).to_owned()).collect();
    let home = env.0.home.clone();
    let mut req = ClientRequest::new(host, &home, &algorithms);
    req.files = ConfigFiles::Explicit(path.clone());
    req.options = &opts;
    let ours = resolve(&req, &mut env);
    if code != 0 {
        let err = ours.expect_err(&format!(
            "OpenSSH failed ({their_err}) but we accepted:\n{config}"
        ));
        let their_lines: Vec<&str> = their_err
            .lines()
            .filter(|l| !l.starts_with("Pseudo-terminal"))
            .collect();
        assert_eq!(
            err.messages(),
            their_lines,
            "error lines differ for:\n{config}"
        );
        return;
    }
    let ours = ours
        .unwrap_or_else(|e| panic!("we failed: {:?}\nOpenSSH accepted:\n{config}", e.messages()));
    let ours = ours.dump();
    let skip = |l: &&str| {
        let k = l.split(' ').next().unwrap_or("");
        !KNOWN_DIFFERENCES.iter().any(|(d, _)| *d == k)
    };
    let a: Vec<&str> = theirs.lines().filter(skip).collect();
    let b: Vec<&str> = ours.lines().filter(skip).collect();
    if a != b {
        let mut msg = String::new();
        for l in &a {
            if !b.contains(l) {
                msg.push_str(&format!("- {l}\n"));
            }
        }
        for l in &b {
            if !a.contains(l) {
                msg.push_str(&format!("+ {l}\n"));
            }
        }
        panic!("ssh -G differs for:\n{config}\n(- OpenSSH, + ours)\n{msg}\nfull ours:\n{ours}");
    }
}

#[test]
fn empty_config_matches_ssh_g() {
    compare("", "h.example.com", &[]);
}

#[test]
fn host_block_with_tokens_matches_ssh_g() {
    compare(include_str!("data/client_tokens.conf"), "example.com", &[]);
}

#[test]
fn specials_and_final_pass_match_ssh_g() {
    compare(
        include_str!("data/client_specials.conf"),
        "Target.Example.COM",
        &[],
    );
}

#[test]
fn quirks_of_first_value_wins_match_ssh_g() {
    compare(
        include_str!("data/client_quirks.conf"),
        "q.example.org",
        &[],
    );
}

#[test]
fn bad_lines_are_reported_like_ssh() {
    compare(include_str!("data/client_errors.conf"), "h.example", &[]);
}

#[test]
fn match_and_host_blocks_match_ssh_g() {
    for host in [
        "web1.example.com",
        "secret.example.com",
        "foo.example.com",
        "other.org",
    ] {
        compare(include_str!("data/client_match.conf"), host, &[]);
    }
}

#[test]
fn command_line_options_come_first() {
    compare(
        include_str!("data/client_match.conf"),
        "web1.example.com",
        &["Port=2000", "User carol", "Ciphers=aes128-ctr"],
    );
    compare("", "h.example", &["Host x"]);
    compare("", "h.example", &["Bogus yes"]);
    compare("", "h.example", &["Port 0"]);
}

/// Writes `files` into a fresh directory (replacing @DIR@ with its path) and compares `main`.
fn compare_files(main: &str, files: &[(&str, &str)], host: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    for (name, body) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body.replace("@DIR@", &d)).unwrap();
    }
    compare(&main.replace("@DIR@", &d), host, &[]);
}

#[test]
fn includes_match_ssh_g() {
    let files = [
        (
            "conf.d/10-a.conf",
            "Host h.example\n  Port 2022\nHost *\n  User inc-user\n",
        ),
        (
            "conf.d/20-b.conf",
            "Match host h.example\n  Compression yes\n",
        ),
        ("conf.d/.hidden.conf", "Port 1\n"),
        ("other.conf", "IdentityFile /from/other\n"),
    ];
    let main = "Host h.example\n  Include @DIR@/conf.d/*.conf\n  ServerAliveInterval 5\nHost nomatch\n  Include @DIR@/other.conf\nInclude @DIR@/nothing-here/*.conf @DIR@/other.conf\n";
    compare_files(main, &files, "h.example");
    compare_files(main, &files, "x.example");
}

#[test]
fn include_loops_and_bad_permissions_stop_like_ssh() {
    compare_files(
        "Include @DIR@/loop.conf\n",
        &[("loop.conf", "Include @DIR@/loop.conf\n")],
        "h.example",
    );
    let dir = tempfile::tempdir().unwrap();
    let inc = dir.path().join("open.conf");
    std::fs::write(&inc, "Port 2\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o666)).unwrap();
    compare(&format!("Include {}\n", inc.display()), "h.example", &[]);
}

#[test]
fn connection_hash_and_tokens_match_ssh_g() {
    compare(
        "Host *\n  ControlPath /tmp/cm-%C-%L-%l-%i-%n-%k\n  HostKeyAlias Alias.Example\n  UserKnownHostsFile ~/kh-%k %d/kh2\n  RemoteCommand run %u@%h\n",
        "Some.Host.Example",
        &["User=tokuser", "Port=2200"],
    );
}

#[test]
fn hostname_tokens_and_addresses() {
    compare("HostName %h.internal\n", "MixedCase.example", &[]);
    compare("Host 10.*\n  User net10\n", "10.1.2.3", &[]);
    compare("Host 2001:db8::*\n  User v6\n", "2001:DB8::1", &[]);
}

#[test]
fn installed_user_and_system_files_match_ssh_g() {
    if !common::have_ssh() {
        return;
    }
    let (theirs, _, code) =
        common::run(Command::new("ssh").args(["-G", "installed.example"])).unwrap();
    let algorithms = common::openssh_algorithms(None);
    let mut env = common::ExecEnv(common::real_env());
    let home = env.0.home.clone();
    let req = ClientRequest::new("installed.example", &home, &algorithms);
    let ours = resolve(&req, &mut env);
    assert_eq!(code == 0, ours.is_ok(), "{:?}", ours.as_ref().err());
    if let Ok(c) = ours {
        assert_eq!(c.dump(), theirs);
    }
}
