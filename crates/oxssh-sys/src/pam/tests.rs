use super::*;
use std::path::PathBuf;

type Log = Arc<Mutex<Vec<Message>>>;

/// A conversation that records every message and answers prompts with `answer`.
fn recording(answer: &'static [u8]) -> (impl Conversation + 'static, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let conv = move |msgs: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(msgs);
        Ok(msgs
            .iter()
            .map(|m| m.style.is_prompt().then(|| Zeroizing::new(answer.to_vec())))
            .collect())
    };
    (conv, log)
}

fn prompts(log: &Log) -> Vec<Message> {
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|m| m.style.is_prompt())
        .cloned()
        .collect()
}

/// A private PAM stack in a temporary directory (read through `pam_start_confdir`):
/// - auth: pam_echo sends an info message, pam_exec checks the password is "sesame";
/// - account: pam_debug reports an expired password;
/// - session: pam_env sets OXSSH_PAM_TEST=from-pam-env.
struct Stack {
    dir: tempfile::TempDir,
}

impl Stack {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().display().to_string();
        std::fs::write(
            dir.path().join("environment"),
            "OXSSH_PAM_TEST=from-pam-env\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("pam_env.conf"), "").expect("write");
        // pam_exec hands the password to stdin followed by a NUL; `tr` drops it.
        let check = dir.path().join("check");
        std::fs::write(&check, "#!/bin/sh\n[ \"$(tr -d '\\000')\" = sesame ]\n").expect("write");
        std::fs::set_permissions(&check, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let stack = format!(
            "auth required pam_echo.so hello from pam\n\
             auth required pam_exec.so expose_authtok quiet {d}/check\n\
             auth optional pam_permit.so\n\
             account required pam_debug.so acct=new_authtok_reqd\n\
             password required pam_permit.so\n\
             session required pam_env.so conffile={d}/pam_env.conf envfile={d}/environment\n\
             session required pam_permit.so\n"
        );
        std::fs::write(dir.path().join("oxssh-test"), stack).expect("write");
        Self { dir }
    }

    fn start(&self, conv: impl Conversation + 'static) -> PamTransaction {
        PamTransaction::start_with_confdir("oxssh-test", "nobody", self.dir.path(), conv)
            .expect("pam_start")
    }
}

#[test]
fn private_stack_accepts_the_right_password_and_shows_info() {
    let stack = Stack::new();
    let (conv, notices) = PasswordConversation::new(b"sesame");
    let mut pam = stack.start(conv);
    pam.set_rhost("192.0.2.1").expect("rhost");
    pam.set_ruser("remote").expect("ruser");
    pam.authenticate(true).expect("right password");
    assert_eq!(notices.messages(), vec!["hello from pam".to_string()]);
    assert_eq!(pam.user().as_deref(), Some("nobody"));
    pam.end();
}

#[test]
fn private_stack_rejects_a_wrong_password() {
    let stack = Stack::new();
    let (conv, log) = recording(b"open sesame");
    let mut pam = stack.start(conv);
    let err = pam.authenticate(false).expect_err("wrong password");
    assert_ne!(err.code, libpam_sys::PAM_SUCCESS);
    assert!(err.to_string().starts_with("pam_authenticate: "), "{err}");
    let p = prompts(&log);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].style, MessageStyle::PromptEchoOff);
}

#[test]
fn expired_password_is_reported_distinctly() {
    let stack = Stack::new();
    let (conv, _) = PasswordConversation::new(b"sesame");
    let mut pam = stack.start(conv);
    pam.authenticate(true).expect("auth");
    assert_eq!(
        pam.acct_mgmt(true).expect("acct_mgmt"),
        AccountStatus::NewAuthtokRequired
    );
    pam.change_expired_authtok()
        .expect("pam_permit changes anything");
}

#[test]
fn aborting_conversation_fails_authentication_cleanly() {
    let stack = Stack::new();
    let abort = |_: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
        Err(ConversationAborted)
    };
    let mut pam = stack.start(abort);
    assert!(pam.authenticate(false).is_err());
}

#[test]
fn session_exports_module_environment() {
    let stack = Stack::new();
    let (conv, _) = PasswordConversation::new(b"sesame");
    let mut pam = stack.start(conv);
    pam.set_tty("ssh").expect("tty");
    pam.authenticate(true).expect("auth");
    pam.setcred(CredAction::Establish).expect("setcred");
    pam.open_session().expect("open_session");
    let env = pam.env_list();
    assert!(
        env.contains(&("OXSSH_PAM_TEST".into(), "from-pam-env".into())),
        "{env:?}"
    );
    pam.close_session().expect("close_session");
    pam.setcred(CredAction::Delete).expect("delete cred");
    // Dropping after an open session closes it; nothing to observe but the absence of a crash.
    let (conv, _) = PasswordConversation::new(b"sesame");
    let mut again = stack.start(conv);
    again.open_session().expect("open_session");
    drop(again);
}

#[test]
fn missing_service_file_fails_at_first_use_not_with_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conv, _) = recording(b"x");
    // Linux-PAM falls back to "other" (absent here) and fails each call.
    match PamTransaction::start_with_confdir("no-such-service", "nobody", dir.path(), conv) {
        Ok(mut pam) => assert!(pam.authenticate(false).is_err()),
        Err(e) => assert_ne!(e.code, libpam_sys::PAM_SUCCESS),
    }
}

#[test]
fn nul_bytes_in_arguments_are_refused() {
    let (conv, _) = recording(b"x");
    assert!(PamTransaction::start("sshd", "ro\0ot", conv).is_err());
    let stack = Stack::new();
    let (conv, _) = recording(b"x");
    let mut pam = stack.start(conv);
    assert!(pam.set_rhost("a\0b").is_err());
}

#[test]
fn echo_on_prompt_aborts_the_password_conversation() {
    let (mut conv, _) = PasswordConversation::new(b"pw");
    let msgs = [Message {
        style: MessageStyle::PromptEchoOn,
        text: "login: ".into(),
    }];
    assert_eq!(conv.converse(&msgs), Err(ConversationAborted));
    let msgs = [
        Message {
            style: MessageStyle::PromptEchoOff,
            text: "Password: ".into(),
        },
        Message {
            style: MessageStyle::ErrorMsg,
            text: String::new(),
        },
    ];
    let answers = conv.converse(&msgs).expect("answers");
    assert_eq!(answers[0].as_deref().map(Vec::as_slice), Some(&b"pw"[..]));
    assert_eq!(answers[1].as_deref().map(Vec::as_slice), Some(&b""[..]));
}

/// The system's own `sshd` stack (pam_unix), as DEPENDENCIES.md §7 observed it. Slow: the
/// failure delay is about 2 s per attempt.
#[test]
fn system_sshd_stack_refuses_a_wrong_password_after_a_password_prompt() {
    if !crate::user::is_root() {
        println!(
            "SKIP system_sshd_stack_refuses_a_wrong_password_after_a_password_prompt: needs root"
        );
        return;
    }
    if !PathBuf::from("/etc/pam.d/sshd").exists() {
        println!(
            "SKIP system_sshd_stack_refuses_a_wrong_password_after_a_password_prompt: no /etc/pam.d/sshd"
        );
        return;
    }
    let (conv, log) = recording(b"definitely-not-the-root-password-oxssh");
    let mut pam = PamTransaction::start("sshd", "root", conv).expect("pam_start");
    pam.set_rhost("127.0.0.1").expect("rhost");
    let err = pam.authenticate(true).expect_err("wrong password");
    assert!(err.is_auth_failure(), "{err:?}");
    assert_eq!(err.to_string(), "pam_authenticate: Authentication failure");
    let p = prompts(&log);
    assert_eq!(
        p,
        vec![Message {
            style: MessageStyle::PromptEchoOff,
            text: "Password: ".into()
        }]
    );
}

#[test]
fn system_login_stack_refuses_an_unknown_user() {
    if !crate::user::is_root() {
        println!("SKIP system_login_stack_refuses_an_unknown_user: needs root");
        return;
    }
    let (conv, log) = recording(b"whatever");
    let mut pam = PamTransaction::start("login", "no-such-user-oxssh", conv).expect("pam_start");
    let err = pam.authenticate(false).expect_err("unknown user");
    assert!(err.is_auth_failure() || err.is_user_unknown(), "{err:?}");
    // pam_unix still asks, so an unknown user looks like a wrong password from outside.
    assert!(
        prompts(&log).iter().any(|m| m.text == "Password: "),
        "{:?}",
        prompts(&log)
    );
}
