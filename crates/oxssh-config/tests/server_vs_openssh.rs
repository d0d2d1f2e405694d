//! `sshd -T` from our library against the installed OpenSSH, globally and with `-C` for Match.

mod common;

use std::path::Path;
use std::process::Command;

use oxssh_config::server::{ConnectionInfo, ServerConfig, ServerRequest};

struct Fixture {
    dir: tempfile::TempDir,
    key: String,
}

fn fixture() -> Option<Fixture> {
    if !common::have_sshd() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("hostkey");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: ssh-keygen could not make a host key for sshd -T");
        return None;
    }
    Some(Fixture {
        key: key.to_string_lossy().into_owned(),
        dir,
    })
}

fn sshd_t(
    f: &Fixture,
    config: &Path,
    spec: Option<&str>,
    options: &[&str],
) -> (String, String, i32) {
    let mut cmd = Command::new("/usr/sbin/sshd");
    cmd.current_dir(f.dir.path())
        .arg("-T")
        .arg("-f")
        .arg(config)
        .arg("-h")
        .arg(&f.key);
    for o in options {
        cmd.arg("-o").arg(o);
    }
    if let Some(s) = spec {
        cmd.arg("-C").arg(s);
    }
    common::run(&mut cmd).unwrap()
}

fn compare_with(config: &str, spec: Option<&str>, options: &[&str], extra_files: &[(&str, &str)]) {
    let Some(f) = fixture() else { return };
    let path = f.dir.path().join("sshd_config");
    let text = config.replace("@DIR@", &f.dir.path().to_string_lossy());
    std::fs::write(&path, &text).unwrap();
    for (name, body) in extra_files {
        std::fs::write(
            f.dir.path().join(name),
            body.replace("@DIR@", &f.dir.path().to_string_lossy()),
        )
        .unwrap();
    }
    let (theirs, their_err, code) = sshd_t(&f, &path, spec, options);
    let empty = f.dir.path().join("empty_config");
    std::fs::write(&empty, "").unwrap();
    let (defaults, _, _) = sshd_t(&f, &empty, None, &[]);
    let defaults: Vec<(String, String)> = defaults
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let algorithms = common::openssh_algorithms(Some(&defaults));
    let mut env = common::ExecEnv(common::real_env());
    env.0.cwd = f.dir.path().to_path_buf();
    let opts: Vec<String> = options.iter().map(|s| (*s).to_owned()).collect();
    let keys = vec![f.key.clone()];
    let mut req = ServerRequest::new(&path, &algorithms);
    req.options = &opts;
    req.host_keys = &keys;
    req.config_dir = f.dir.path().to_path_buf();
    let result = ServerConfig::load(&req, &mut env).and_then(|c| {
        let ci = spec.map(|s| ConnectionInfo::from_test_spec(s, &env).unwrap());
        c.test_mode(ci.as_ref(), &mut env)
    });
    // sshd logs host keys and certificates it cannot load; that is not configuration.
    let their_err: Vec<&str> = their_err
        .lines()
        .filter(|l| {
            !l.starts_with("Unable to load host key")
                && !l.starts_with("Could not load host certificate")
        })
        .collect();
    if code != 0 {
        let err = result.expect_err(&format!(
            "sshd failed ({their_err:?}) but we accepted:\n{text}"
        ));
        assert_eq!(err.messages(), their_err, "error lines differ for:\n{text}");
        return;
    }
    let ours =
        result.unwrap_or_else(|e| panic!("we failed: {:?}\nsshd accepted:\n{text}", e.messages()));
    let dump = ours.dump();
    if theirs != dump {
        let a: Vec<&str> = theirs.lines().collect();
        let b: Vec<&str> = dump.lines().collect();
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
        if msg.is_empty() {
            msg = format!("order differs:\n{dump}");
        }
        panic!("sshd -T differs for:\n{text}\nspec {spec:?}\n(- sshd, + ours)\n{msg}");
    }
    let warnings: Vec<String> = ours.warnings().iter().map(|d| d.message.clone()).collect();
    assert_eq!(warnings, their_err, "warnings differ for:\n{text}");
}

fn compare(config: &str, spec: Option<&str>) {
    compare_with(config, spec, &[], &[]);
}

#[test]
fn empty_config_matches_sshd_t() {
    compare("", None);
}

#[test]
fn many_keywords_match_sshd_t() {
    compare(include_str!("data/server_many.conf"), None);
}

#[test]
fn match_blocks_apply_for_a_connection() {
    let conf = include_str!("data/server_match.conf");
    compare(conf, None);
    for spec in [
        "user=alice,host=h.example.com,addr=10.1.2.3",
        "user=bob,host=h.example.com,addr=192.168.1.9",
        "user=carol,host=x.other.org,addr=2001:db8::7,laddr=10.0.0.1,lport=2222",
        "user=root,host=localhost,addr=127.0.0.1,lport=22",
        "addr=10.9.9.9",
    ] {
        compare(conf, Some(spec));
    }
}

#[test]
fn bad_keyword_and_bad_values_fail_like_sshd() {
    for conf in [
        "Foo bar\n",
        "Port abc\n",
        "Ciphers +nope\n",
        "PermitRootLogin maybe\n",
        "MaxStartups 10:30\n",
        "LoginGraceTime 5x\n",
        "AllowTcpForwarding sideways\n",
        "KexAlgorithms baz\n",
        "MACs x\n",
        "HostKeyAlgorithms x\n",
        "MaxAuthTries x\n",
        "Subsystem sftp\n",
        "Match Foo bar\n",
        "Match User\n",
        "PermitOpen foo\n",
        "AuthenticationMethods pubkey,bogus\n",
        "Match Address 1.2.3.4/33\n",
        "Port 22 23\n",
        "Match User x\nPort 22\n",
        "Subsystem a /x\nSubsystem a /y\n",
        "Foo\nBar baz\nPasswordAuthentication yes yes\n",
        "PasswordAuthentication \"yes\n",
        "Match all user x\n",
        "ChannelTimeout bogus\n",
        "Ciphers ,\n",
        "RDomain 1\n",
        "ListenAddress 1.2.3.4 rdomain x\n",
        "AuthorizedKeysCommand relative/cmd\n",
        "PubkeyAuthOptions bogus\n",
        "AllowUsers a@1.2.3.4/40\n",
    ] {
        compare(conf, None);
    }
}

#[test]
fn deprecated_and_unsupported_keywords_warn_like_sshd() {
    compare(
        "RSAAuthentication yes\nProtocol 2\nKerberosGetAFSToken yes\nUseLogin no\n",
        None,
    );
}

#[test]
fn includes_and_command_line_options_match_sshd_t() {
    let main = "Include @DIR@/inc*.conf\nPort 2022\nMatch User alice\n  Include @DIR@/match.conf\n";
    let files = [
        ("inc1.conf", "PasswordAuthentication no\nPort 2021\n"),
        (
            "inc2.conf",
            "MaxAuthTries 3\nMatch User bob\n  MaxSessions 3\n",
        ),
        (
            "match.conf",
            "Banner /etc/issue\nMatch User carol\n  MaxSessions 4\n",
        ),
    ];
    compare_with(main, None, &[], &files);
    compare_with(main, Some("user=alice"), &[], &files);
    compare_with(main, Some("user=bob"), &[], &files);
    compare_with(
        main,
        Some("user=carol"),
        &["PasswordAuthentication=yes", "Port 7777"],
        &files,
    );
    compare_with(main, None, &["Match User x"], &files);
    compare_with(main, None, &["Bogus yes"], &files);
}

#[test]
fn global_keywords_after_match_all_and_defaults_quirks() {
    compare(
        "Match User x\n  X11Forwarding yes\nMatch all\nPort 2200\nLogLevel VERBOSE\nMatch User y\n  LogLevel DEBUG\n",
        None,
    );
    compare(
        "AddressFamily inet\nPort 1\nPort 2\nListenAddress ::1\nListenAddress 127.0.0.1:3\nStreamLocalBindMask 0\n",
        None,
    );
    compare(
        "AddressFamily inet6\nUnusedConnectionTimeout none\nPerSourceNetBlockSize 24\nMaxStartups 7\nPerSourceMaxStartups none\n",
        None,
    );
    compare(
        "ChannelTimeout none\nAuthenticationMethods any\nVersionAddendum none\nBanner none\nPidFile none\n",
        None,
    );
    compare(
        "RekeyLimit 1G 1h\nMatch User u\n  RekeyLimit 2G\n",
        Some("user=u"),
    );
    compare("MaxStartups 5:50:20\nMaxStartups 7\n", None);
}

#[test]
fn group_matches_use_the_callers_group_database() {
    compare(
        "Match Group root\n  MaxSessions 2\nMatch Group !root,*\n  MaxSessions 3\n",
        Some("user=root"),
    );
    compare(
        "Match Group root\n  MaxSessions 2\n",
        Some("user=no-such-user-here"),
    );
}

#[test]
fn installed_sshd_config_matches_sshd_t() {
    let path = Path::new("/etc/ssh/sshd_config");
    if !path.exists() {
        eprintln!("SKIPPED: no /etc/ssh/sshd_config to compare");
        return;
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    compare(&text, None);
    compare(
        &text,
        Some("user=root,host=h.example,addr=192.0.2.1,lport=22"),
    );
}
