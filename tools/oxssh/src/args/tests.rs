use super::*;

use oxssh_config::FixedEnvironment;

fn env() -> FixedEnvironment {
    FixedEnvironment::new("me", "/home/me")
}

fn known() -> KnownNames {
    crate::config::known_names()
}

fn parse_ok(argv: &[&str]) -> Args {
    match parse(argv.iter().map(OsString::from).collect(), &env(), &known()) {
        Parsed::Run(a) => *a,
        other => panic!("{argv:?} did not parse: {other:?}"),
    }
}

fn parse_exit(argv: &[&str]) -> (Vec<String>, i32) {
    match parse(argv.iter().map(OsString::from).collect(), &env(), &known()) {
        Parsed::Exit { lines, status } => (lines, status),
        other => panic!("{argv:?} should have stopped: {other:?}"),
    }
}

#[test]
fn getopt_forms_attached_values_clusters_and_options_after_the_host() {
    let a = parse_ok(&[
        "-p22",
        "-vvv",
        "-oUser=bob",
        "-o",
        "Port=2222",
        "host",
        "-t",
        "ls",
        "-la",
        "/tmp",
    ]);
    assert_eq!(a.host, "host");
    assert_eq!(a.verbosity, 3);
    assert_eq!(a.tty, TtyFlag::Yes);
    assert_eq!(a.command.as_deref(), Some(&b"ls -la /tmp"[..]));
    // Flags first, then the first-wins lines in command-line order.
    assert_eq!(
        a.options,
        [
            "RequestTTY=yes",
            "LogLevel=DEBUG3",
            "Port=22",
            "User=bob",
            "Port=2222"
        ]
    );
}

#[test]
fn the_command_is_raw_after_its_first_word() {
    let a = parse_ok(&["host", "echo", "-p", "--", "a b"]);
    assert_eq!(a.command.as_deref(), Some(&b"echo -p -- a b"[..]));
    let a = parse_ok(&["--", "host", "-x"]);
    assert_eq!(a.command.as_deref(), Some(&b"-x"[..]));
}

#[test]
fn user_at_host_and_ssh_uris_become_user_and_port() {
    let a = parse_ok(&["alice@example.org"]);
    assert_eq!(a.host, "example.org");
    assert_eq!(a.options, ["User=alice"]);
    let a = parse_ok(&["ssh://bob@example.org:2200"]);
    assert_eq!(a.host, "example.org");
    assert_eq!(a.options, ["User=bob", "Port=2200"]);
    // -l before the destination wins, as in OpenSSH (first value wins).
    let a = parse_ok(&["-l", "carol", "dave@h"]);
    assert_eq!(a.options, ["User=carol", "User=dave"]);
}

#[test]
fn tt_forces_and_last_assigning_flag_wins() {
    assert_eq!(parse_ok(&["-tt", "h"]).tty, TtyFlag::Force);
    assert_eq!(parse_ok(&["-t", "-T", "h"]).tty, TtyFlag::No);
    let a = parse_ok(&["-4", "-6", "h"]);
    assert_eq!(a.options, ["AddressFamily=inet6"]);
    let a = parse_ok(&["-q", "h"]);
    assert_eq!(a.options, ["LogLevel=QUIET"]);
}

#[test]
fn bad_values_stop_with_openssh_words_and_255() {
    assert_eq!(
        parse_exit(&["-p", "abc", "h"]),
        (vec!["Bad port 'abc'".to_owned()], 255)
    );
    assert_eq!(parse_exit(&["-p", "0", "h"]).0, ["Bad port '0'"]);
    assert_eq!(
        parse_exit(&["-e", "xx", "h"]).0,
        ["Bad escape character 'xx'."]
    );
    assert_eq!(
        parse_exit(&["-c", "foo", "h"]).0,
        ["Unknown cipher type 'foo'"]
    );
    assert_eq!(
        parse_exit(&["-m", "foo", "h"]).0,
        ["Unknown mac type 'foo'"]
    );
    assert_eq!(
        parse_exit(&["-W", "bad", "h"]).0,
        ["Bad stdio forwarding specification 'bad'"]
    );
    assert_eq!(
        parse_exit(&["-J", "a", "-J", "b", "h"]).0,
        [format!("{}\r", messages::SINGLE_J)]
    );
}

#[test]
fn unknown_options_and_missing_destinations_print_usage() {
    let (lines, status) = parse_exit(&["-Z", "h"]);
    assert_eq!(status, 255);
    assert_eq!(lines[0], "unknown option -- Z\r");
    assert!(lines[1].starts_with("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy]"));
    let (lines, _) = parse_exit(&["-p"]);
    assert_eq!(lines[0], "option requires an argument -- p\r");
    let (lines, status) = parse_exit(&[]);
    assert_eq!(status, 255);
    assert!(lines[0].starts_with("usage: "));
    let (lines, _) = parse_exit(&["-s", "h"]);
    assert_eq!(lines[0], "You must specify a subsystem to invoke.");
}

#[test]
fn version_and_queries() {
    let (lines, status) = parse_exit(&["-V"]);
    assert_eq!(status, 0);
    assert!(lines[0].starts_with("OxSSH_"));
    match parse(vec!["-Q".into(), "cipher".into()], &env(), &known()) {
        Parsed::Query(text) => assert!(text.lines().any(|l| l == "aes256-gcm@openssh.com")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn jump_and_stdio_forward_set_what_openssh_sets() {
    let a = parse_ok(&["-J", "u@j1:2222,j2", "h"]);
    assert_eq!(a.options, ["ProxyJump=u@j1:2222,j2", "ProxyCommand=none"]);
    let a = parse_ok(&["-W", "target:80", "jump"]);
    assert_eq!(
        a.stdio_forward,
        Some(StdioForward {
            host: "target".into(),
            port: 80
        })
    );
    assert!(a.options.contains(&"SessionType=none".to_owned()));
    assert!(a.options.contains(&"RequestTTY=no".to_owned()));
}

#[test]
fn values_with_spaces_are_quoted_for_the_config_parser() {
    assert_eq!(quote("plain"), "plain");
    assert_eq!(quote("with space"), "\"with space\"");
    assert_eq!(quote("a#b"), "\"a#b\"");
}
