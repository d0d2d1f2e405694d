//! The client against a server scripted in the test with oxssh-tokio, for what real servers do
//! only in unusual setups: keyboard-interactive prompts, an authentication banner, a command killed
//! by a signal, and a DISCONNECT during authentication.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use oxssh_proto::msg::connection::ChannelRequest;
use oxssh_proto::{AuthMethod, Event, InfoPrompt, ServerConnection};
use oxssh_tokio::Stream;
use tokio::io::AsyncWriteExt;

const LIMIT: Duration = Duration::from_secs(30);

/// Keyboard-interactive prompts (text, echo) and the answers that are accepted.
type Prompts = (Vec<(&'static str, bool)>, Vec<&'static str>);

#[derive(Clone, Default)]
struct Script {
    /// Ask these prompts with keyboard-interactive and accept these answers.
    kbdint: Option<Prompts>,
    banner: Option<&'static str>,
    /// End the command with this signal instead of an exit status.
    exit_signal: Option<&'static str>,
    /// Disconnect at the first authentication request.
    disconnect: Option<(u32, &'static str)>,
}

/// Serves one connection on a free port in a background runtime; returns the port.
fn serve(script: Script) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let Ok(Ok((socket, _))) = tokio::time::timeout(LIMIT, listener.accept()).await else {
                return;
            };
            let config = oxssh_test::server_config().build().unwrap();
            let mut driven =
                oxssh_tokio::spawn(ServerConnection::new(config, Instant::now()), socket);
            let h = driven.handle.clone();
            if let Some(b) = script.banner {
                h.banner(b);
            }
            let deadline = tokio::time::Instant::now() + LIMIT;
            while let Ok(Some(event)) =
                tokio::time::timeout_at(deadline, driven.events.recv()).await
            {
                match event {
                    Event::AuthRequest { method, .. } => {
                        if let Some((reason, text)) = script.disconnect {
                            h.disconnect(reason, text);
                            continue;
                        }
                        match (&method, &script.kbdint) {
                            (AuthMethod::KeyboardInteractive { .. }, Some((prompts, _))) => {
                                let prompts = prompts
                                    .iter()
                                    .map(|(p, echo)| InfoPrompt {
                                        prompt: (*p).to_owned(),
                                        echo: *echo,
                                    })
                                    .collect();
                                h.ask_info("", "Answer these, please.", prompts);
                            }
                            _ => h.reject_auth(Some(vec!["keyboard-interactive".into()]), false),
                        }
                    }
                    Event::AuthInfoResponse { responses, .. } => {
                        let want = &script.kbdint.as_ref().unwrap().1;
                        let ok = responses.len() == want.len()
                            && responses
                                .iter()
                                .zip(want)
                                .all(|(r, w)| r.as_slice() == w.as_bytes());
                        if ok {
                            h.accept_auth();
                        } else {
                            h.reject_auth(Some(vec!["keyboard-interactive".into()]), false);
                        }
                    }
                    Event::ChannelOpenRequest { channel, .. } => {
                        let channel = h.accept_channel(channel).await.unwrap();
                        let script = script.clone();
                        tokio::spawn(async move {
                            while let Some((request, want_reply)) = channel.next_request().await {
                                let is_exec = matches!(request, ChannelRequest::Exec { .. });
                                if want_reply {
                                    channel.reply(
                                        is_exec || matches!(request, ChannelRequest::PtyReq { .. }),
                                    );
                                }
                                if !is_exec {
                                    continue;
                                }
                                let mut out = channel.writer(Stream::Data);
                                out.write_all(b"scripted output\n").await.unwrap();
                                out.flush().await.unwrap();
                                let end = match script.exit_signal {
                                    Some(name) => ChannelRequest::ExitSignal {
                                        name: name.to_owned(),
                                        core_dumped: false,
                                        message: String::new(),
                                    },
                                    None => ChannelRequest::ExitStatus { code: 0 },
                                };
                                channel.request(end, false).await;
                                channel.eof();
                                channel.close();
                                return;
                            }
                        });
                    }
                    _ => {}
                }
            }
        });
    });
    port
}

/// Client arguments; `LogLevel=ERROR` unless `info` (which shows instructions and banners).
fn client_args(port: u16, info: bool, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if !info {
        v.extend(["-o".to_owned(), "LogLevel=ERROR".to_owned()]);
    }
    v.extend(["-p".to_owned(), port.to_string(), "me@127.0.0.1".to_owned()]);
    v.extend(rest.iter().map(|s| (*s).to_owned()));
    v
}

#[test]
fn keyboard_interactive_prompts_show_user_and_host_and_echo_as_asked() {
    let port = serve(Script {
        kbdint: Some((
            vec![("Name: ", true), ("Secret: ", false)],
            vec!["bob", "hunter2"],
        )),
        ..Script::default()
    });
    let home = Home::new();
    let mut c = Command::new(bin());
    // Instructions are logged at INFO.
    c.args(client_args(port, true, &["run-it"]))
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK");
    let mut p = rexpect::session::spawn_command(c, Some(20_000)).unwrap();
    let before = p.exp_string("(me@127.0.0.1) Name: ").unwrap();
    assert!(before.contains("Answer these, please.\r\r\n"), "{before:?}");
    p.send_line("bob").unwrap();
    p.exp_string("(me@127.0.0.1) Secret: ").unwrap();
    p.send_line("hunter2").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.ends_with("scripted output\r\n"), "{rest:?}");
    match p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_banner_is_shown_on_stderr_unless_quiet() {
    let banner = "Authorized use only.\nSecond line\x1b[2J.\n";
    let port = serve(Script {
        banner: Some(banner),
        ..Script::default()
    });
    let home = Home::new();
    let out = run(
        home.oxssh()
            .args(client_args(port, true, &["-o", "BatchMode=yes", "x"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    // Control characters from the server are made harmless.
    assert!(
        out.stderr
            .contains("Authorized use only.\nSecond line\\033[2J.\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("me@127.0.0.1: Permission denied (keyboard-interactive).\r\n")
    );
    let port = serve(Script {
        banner: Some(banner),
        ..Script::default()
    });
    let out = run(
        home.oxssh().args(client_args(
            port,
            false,
            &["-q", "-o", "BatchMode=yes", "x"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_remote_signal_gives_255() {
    let port = serve(Script {
        kbdint: Some((vec![], vec![])),
        exit_signal: Some("KILL"),
        ..Script::default()
    });
    let home = Home::new();
    let out = run(
        home.oxssh().args(client_args(port, false, &["cmd"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.stdout, b"scripted output\n");
    assert_eq!(out.code(), 255, "{}", out.stderr);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_disconnect_during_authentication_is_reported_with_its_reason() {
    let port = serve(Script {
        disconnect: Some((2, "Too many authentication failures")),
        ..Script::default()
    });
    let home = Home::new();
    let out = run(
        home.oxssh().args(client_args(port, false, &["cmd"])),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 255);
    assert_eq!(
        out.stderr,
        format!(
            "Received disconnect from 127.0.0.1 port {port}:2: Too many authentication failures\r\n\
             Disconnected from 127.0.0.1 port {port}\r\n"
        )
    );
}
