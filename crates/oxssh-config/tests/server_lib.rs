//! Server behaviour that does not need the installed OpenSSH: typed options, access checks,
//! authorized_keys paths, connection info.

use oxssh_config::FixedEnvironment;
use oxssh_config::server::{
    AccessDenied, AllowForwarding, ConnectionInfo, PermitRootLogin, ServerConfig, ServerRequest,
};

fn load(text: &str) -> (tempfile::TempDir, ServerConfig, FixedEnvironment) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sshd_config");
    std::fs::write(&p, text).unwrap();
    let mut env = FixedEnvironment::new("root", "/root");
    env.cwd = dir.path().to_path_buf();
    let a = oxssh_config::fuzzing::algorithms();
    let c = ServerConfig::load(&ServerRequest::new(&p, &a), &mut env).unwrap();
    (dir, c, env)
}

fn conn(user: &str, addr: &str) -> ConnectionInfo {
    ConnectionInfo {
        user: Some(user.into()),
        host: Some("client.example".into()),
        address: Some(addr.into()),
        local_address: Some("10.0.0.1".into()),
        local_port: Some(22),
        rdomain: None,
        test: false,
    }
}

#[test]
fn typed_options_and_match_overlay() {
    let (_d, c, mut env) = load(
        "PermitRootLogin no\nAllowTcpForwarding local\nSubsystem sftp internal-sftp\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n  ForceCommand /bin/true\n",
    );
    let g = c.global().options();
    assert_eq!(g.permit_root_login, PermitRootLogin::No);
    assert_eq!(g.allow_tcp_forwarding, AllowForwarding::Local);
    assert_eq!(g.ports, [22]);
    assert_eq!(
        g.listen_addresses,
        [("::".to_owned(), 22), ("0.0.0.0".to_owned(), 22)]
    );
    assert_eq!(g.subsystems[0].command, "internal-sftp");
    let m = c.for_connection(&conn("u", "10.2.3.4"), &mut env).unwrap();
    assert_eq!(m.options().permit_root_login, PermitRootLogin::Yes);
    assert_eq!(m.options().force_command.as_deref(), Some("/bin/true"));
    let n = c.for_connection(&conn("u", "192.0.2.1"), &mut env).unwrap();
    assert_eq!(n.options().permit_root_login, PermitRootLogin::No);
}

#[test]
fn missing_connection_fields_are_fatal_outside_test_mode() {
    let (_d, c, mut env) = load("Match Host x\n  MaxSessions 1\n");
    let mut ci = conn("u", "10.0.0.1");
    ci.host = None;
    let err = c.for_connection(&ci, &mut env).unwrap_err();
    assert_eq!(
        err.messages(),
        ["'Match Host' in configuration but 'host' not in connection test specification."]
    );
    ci.test = true;
    assert!(c.for_connection(&ci, &mut env).is_ok());
}

#[test]
fn match_group_uses_the_environment() {
    let (_d, c, mut env) = load("Match Group adm*\n  MaxSessions 1\n");
    env.groups
        .insert("alice".into(), vec!["users".into(), "admins".into()]);
    assert_eq!(
        c.for_connection(&conn("alice", "10.0.0.1"), &mut env)
            .unwrap()
            .options()
            .max_sessions,
        1
    );
    assert_eq!(
        c.for_connection(&conn("bob", "10.0.0.1"), &mut env)
            .unwrap()
            .options()
            .max_sessions,
        10
    );
}

#[test]
fn access_checks_follow_allowed_user() {
    let (_d, c, _env) = load(
        "AllowUsers alice bob@10.0.0.0/8\nDenyUsers mallory\nAllowGroups staff\nDenyGroups banned\n",
    );
    let o = c.global().options();
    let g = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        o.check_user_access("alice", &g(&["staff"]), "h", "192.0.2.1"),
        Ok(())
    );
    assert_eq!(
        o.check_user_access("bob", &g(&["staff"]), "h", "192.0.2.1"),
        Err(AccessDenied::NotInAllowUsers)
    );
    assert_eq!(
        o.check_user_access("bob", &g(&["staff"]), "h", "10.1.1.1"),
        Ok(())
    );
    assert_eq!(
        o.check_user_access("mallory", &g(&["staff"]), "h", "10.1.1.1"),
        Err(AccessDenied::DenyUsers)
    );
    assert_eq!(
        o.check_user_access("alice", &g(&["staff", "banned"]), "h", "1.1.1.1"),
        Err(AccessDenied::DenyGroups)
    );
    assert_eq!(
        o.check_user_access("alice", &g(&["other"]), "h", "1.1.1.1"),
        Err(AccessDenied::NotInAllowGroups)
    );
    assert_eq!(
        o.check_user_access("alice", &[], "h", "1.1.1.1"),
        Err(AccessDenied::NoGroups)
    );
    assert_eq!(AccessDenied::DenyUsers.to_string(), "listed in DenyUsers");
}

#[test]
fn authorized_keys_paths_expand_tokens_and_anchor_at_home() {
    let (_d, c, _env) =
        load("AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u-%U %%h none\n");
    let files = c
        .global()
        .options()
        .authorized_keys_files_for("alice", 1001, "/home/alice")
        .unwrap();
    assert_eq!(
        files,
        [
            "/home/alice/.ssh/authorized_keys",
            "/etc/ssh/keys/alice-1001",
            "/home/alice/%h"
        ]
    );
}

#[test]
fn test_spec_parsing_matches_sshd() {
    let env = FixedEnvironment::new("root", "/root");
    let ci = ConnectionInfo::from_test_spec(
        "user=a,host=b,addr=1.2.3.4,laddr=5.6.7.8,lport=22,rdomain=r",
        &env,
    )
    .unwrap();
    assert_eq!(ci.local_port, Some(22));
    assert!(ci.test);
    assert_eq!(
        ConnectionInfo::from_test_spec("bogus=1", &env).unwrap_err(),
        "Invalid test mode specification bogus=1"
    );
    assert_eq!(
        ConnectionInfo::from_test_spec("lport=x", &env).unwrap_err(),
        "Invalid port 'x' in test mode specification lport=x"
    );
}

#[test]
fn command_line_ports_replace_config_ports() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sshd_config");
    std::fs::write(&p, "Port 2200\nListenAddress 127.0.0.1\n").unwrap();
    let mut env = FixedEnvironment::new("root", "/root");
    let a = oxssh_config::fuzzing::algorithms();
    let mut r = ServerRequest::new(&p, &a);
    r.ports = &[7000, 7001];
    let c = ServerConfig::load(&r, &mut env).unwrap();
    assert_eq!(c.global().options().ports, [7000, 7001]);
    assert_eq!(
        c.global().options().listen_addresses,
        [
            ("127.0.0.1".to_owned(), 7000),
            ("127.0.0.1".to_owned(), 7001)
        ]
    );
}
