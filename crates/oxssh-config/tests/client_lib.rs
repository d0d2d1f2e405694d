//! Client resolution behaviour that does not need the installed OpenSSH: relative includes,
//! callbacks, typed options, token expansion.

use std::path::{Path, PathBuf};

use oxssh_config::client::{
    ClientRequest, CommandLineForward, ConfigFiles, ControlPersist, ForwardAgent, RequestTty,
    StrictHostKeyChecking, resolve,
};
use oxssh_config::forward::parse_forward;
use oxssh_config::{ErrorKind, FixedEnvironment};

fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, FixedEnvironment) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
    }
    let mut env = FixedEnvironment::new("me", dir.path().join("home"));
    env.hostname = "ws.lan".into();
    (dir, env)
}

fn req<'a>(
    host: &'a str,
    dir: &Path,
    algorithms: &'a oxssh_config::Algorithms,
) -> ClientRequest<'a> {
    let mut r = ClientRequest::new(host, &dir.join("home"), algorithms);
    r.files = ConfigFiles::Default {
        user: dir.join("home/.ssh/config"),
        system: dir.join("etc/ssh_config"),
    };
    r.system_dir = dir.join("etc");
    r
}

#[test]
fn relative_includes_resolve_against_dot_ssh_and_the_system_dir() {
    let (dir, mut env) = setup(&[
        ("home/.ssh/config", "Include conf.d/*.conf\n"),
        ("home/.ssh/conf.d/a.conf", "User from-user-include\n"),
        ("etc/ssh_config", "Include sys.d/*\nPort 1\n"),
        ("etc/sys.d/x", "Port 2222\nCompression yes\n"),
    ]);
    let a = oxssh_config::fuzzing::algorithms();
    let c = resolve(&req("h.example", dir.path(), &a), &mut env).unwrap();
    let o = c.options();
    assert_eq!(o.user, "from-user-include");
    assert_eq!(o.port, 2222);
    assert!(o.compression);
}

#[test]
fn tilde_includes_are_refused_in_system_files() {
    let (dir, mut env) = setup(&[("etc/ssh_config", "Include ~/x.conf\n")]);
    let a = oxssh_config::fuzzing::algorithms();
    let err = resolve(&req("h", dir.path(), &a), &mut env).unwrap_err();
    let f = dir.path().join("etc/ssh_config");
    assert_eq!(
        err.messages(),
        [
            format!("{} line 1: bad include path ~/x.conf.", f.display()),
            format!("{}: terminating, 1 bad configuration options", f.display())
        ]
    );
    assert_eq!(err.kind(), &ErrorKind::BadOptions { count: 1 });
}

#[test]
fn missing_explicit_file_is_fatal_but_missing_default_files_are_not() {
    let (dir, mut env) = setup(&[]);
    let a = oxssh_config::fuzzing::algorithms();
    assert!(resolve(&req("h", dir.path(), &a), &mut env).is_ok());
    let mut r = req("h", dir.path(), &a);
    r.files = ConfigFiles::Explicit(PathBuf::from("/nonexistent/cfg"));
    let err = resolve(&r, &mut env).unwrap_err();
    assert_eq!(
        err.messages(),
        ["Can't open user config file /nonexistent/cfg: No such file or directory"]
    );
    r.files = ConfigFiles::Explicit(PathBuf::from("none"));
    assert!(resolve(&r, &mut env).is_ok());
}

#[test]
fn match_exec_runs_through_the_callback_with_tokens_and_short_circuits() {
    let (dir, mut env) = setup(&[(
        "home/.ssh/config",
        "Match user nobody exec \"never-run\"\n  Port 1\nMatch exec \"check %h %p %r %n %u %L %l\"\n  Port 2\n",
    )]);
    env.exec_results.insert(
        "check real.example 22 me Alias.Example me ws ws.lan".into(),
        true,
    );
    let c = vec!["HostName real.example".to_owned()];
    let a = oxssh_config::fuzzing::algorithms();
    let mut r = req("Alias.Example", dir.path(), &a);
    r.options = &c;
    let conf = resolve(&r, &mut env).unwrap();
    assert_eq!(conf.options().port, 2);
    assert_eq!(
        env.executed,
        ["check real.example 22 me Alias.Example me ws ws.lan"]
    );
}

#[test]
fn match_final_triggers_a_second_pass_with_the_final_host_name() {
    let (dir, mut env) = setup(&[(
        "home/.ssh/config",
        "Host short\n  HostName long.example.org\nHost long.example.org\n  User second-pass\nMatch final host long.*\n  Port 2200\n",
    )]);
    let a = oxssh_config::fuzzing::algorithms();
    let c = resolve(&req("short", dir.path(), &a), &mut env).unwrap();
    assert_eq!(c.options().user, "second-pass");
    assert_eq!(c.options().port, 2200);
    assert_eq!(c.options().hostname, "long.example.org");
    assert_eq!(c.options().host_arg, "short");
}

#[test]
fn typed_options_carry_defaults_and_configured_values() {
    let (dir, mut env) = setup(&[(
        "home/.ssh/config",
        "StrictHostKeyChecking accept-new\nRequestTTY force\nControlPersist 10m\nForwardAgent yes\nConnectTimeout 5\nSetEnv A=1 B=two=2\nLocalForward 8080 localhost:80\n",
    )]);
    let a = oxssh_config::fuzzing::algorithms();
    let f = parse_forward("9090:db:5432", false, false, &env).unwrap();
    let fwds = [CommandLineForward::Local(f.clone())];
    let mut r = req("h.example", dir.path(), &a);
    r.forwards = &fwds;
    let c = resolve(&r, &mut env).unwrap();
    let o = c.options();
    assert_eq!(o.strict_host_key_checking, StrictHostKeyChecking::AcceptNew);
    assert_eq!(o.request_tty, RequestTty::Force);
    assert_eq!(
        o.control_persist,
        ControlPersist::For(std::time::Duration::from_secs(600))
    );
    assert_eq!(o.forward_agent, ForwardAgent::Yes);
    assert_eq!(o.connect_timeout, Some(std::time::Duration::from_secs(5)));
    assert_eq!(
        o.set_env,
        [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "two=2".to_owned())
        ]
    );
    assert_eq!(o.local_forwards.len(), 2);
    assert_eq!(o.local_forwards[0], f);
    assert_eq!(o.user, "me");
    assert_eq!(o.port, 22);
    assert_eq!(o.escape_char, Some(b'~'));
    assert_eq!(o.ciphers, ["chacha20-poly1305@openssh.com", "aes128-ctr"]);
    let home = dir.path().join("home").display().to_string();
    assert_eq!(
        o.user_known_hosts_files,
        [
            format!("{home}/.ssh/known_hosts"),
            format!("{home}/.ssh/known_hosts2")
        ]
    );
    assert_eq!(
        o.identity_files.first().map(String::as_str),
        Some("~/.ssh/id_rsa")
    );
    assert_eq!(
        o.expand("IdentityFile", "~/.ssh/id_%h_%r", &env).unwrap(),
        format!("{home}/.ssh/id_h.example_me")
    );
    assert_eq!(
        o.expand("ProxyCommand", "nc %h %p", &env).unwrap(),
        "nc h.example 22"
    );
    assert!(o.expand("ProxyCommand", "nc %d", &env).is_err());
    assert_eq!(c.values("SetEnv"), ["A=1", "B=two=2"]);
    assert_eq!(c.values("canonicalizemaxdots"), ["1"]);
}

#[test]
fn stdio_forwarding_changes_two_defaults() {
    let (dir, mut env) = setup(&[("home/.ssh/config", "LocalForward 1 h:2\n")]);
    let a = oxssh_config::fuzzing::algorithms();
    let mut r = req("h", dir.path(), &a);
    r.stdio_forward = true;
    let c = resolve(&r, &mut env).unwrap();
    assert!(c.options().exit_on_forward_failure);
    assert!(c.options().clear_all_forwardings);
    assert!(c.options().local_forwards.is_empty());
}

#[test]
fn user_config_writable_by_others_is_refused() {
    let (dir, mut env) = setup(&[("home/.ssh/config", "Port 2\n")]);
    use std::os::unix::fs::PermissionsExt;
    let p = dir.path().join("home/.ssh/config");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o662)).unwrap();
    env.uid = nix_uid();
    let a = oxssh_config::fuzzing::algorithms();
    let err = resolve(&req("h", dir.path(), &a), &mut env).unwrap_err();
    assert_eq!(
        err.messages(),
        [format!("Bad owner or permissions on {}", p.display())]
    );
}

fn nix_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

#[test]
fn unsupported_options_warn_without_failing() {
    let (dir, mut env) = setup(&[("home/.ssh/config", "RSAAuthentication yes\nCipher des\n")]);
    let a = oxssh_config::fuzzing::algorithms();
    let c = resolve(&req("h", dir.path(), &a), &mut env).unwrap();
    let f = dir.path().join("home/.ssh/config");
    let w: Vec<String> = c.warnings().iter().map(|d| d.message.clone()).collect();
    assert_eq!(
        w,
        [format!(
            "{} line 1: Unsupported option \"rsaauthentication\"",
            f.display()
        )]
    );
}
