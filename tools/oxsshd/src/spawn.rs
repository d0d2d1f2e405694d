//! What the user's process is started with (OpenSSH session.c `do_setup_env` and `do_child`): a
//! clean environment, the login shell as `-bash` for a shell, `shell -c command` for a command or
//! subsystem, forced commands with `SSH_ORIGINAL_COMMAND`, in the home directory.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use oxssh_sys::spawn::{SpawnRequest, SpawnStdio};
use oxssh_sys::user::User;

use crate::log::Peer;

/// PATH for ordinary users and for root, as Debian's sshd sets them.
const USER_PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/games";
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the client asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A login shell.
    Shell,
    /// A command line.
    Exec(Vec<u8>),
    /// A subsystem, by name, with its configured command line.
    Subsystem {
        /// The subsystem name (`sftp`).
        name: String,
        /// Its command line from the `Subsystem` line.
        command: String,
    },
}

/// A forced command and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forced {
    /// `ForceCommand` in sshd_config.
    Config(String),
    /// `command=` on the authorized_keys line.
    Key(String),
}

/// The inputs to the environment besides the user.
#[derive(Debug, Clone, Default)]
pub struct EnvParts {
    /// The client's `TERM` (pty sessions).
    pub term: Option<String>,
    /// The pty slave path (`SSH_TTY`).
    pub tty: Option<PathBuf>,
    /// `environment=` values from the key, when PermitUserEnvironment allows them.
    pub key_env: Vec<String>,
    /// Variables the client sent that AcceptEnv admitted.
    pub client_env: Vec<(String, String)>,
    /// PAM's environment (pam_env and friends).
    pub pam_env: Vec<(String, String)>,
    /// `SetEnv` from sshd_config.
    pub set_env: Vec<(String, String)>,
    /// `SSH_AUTH_SOCK` when agent forwarding is on.
    pub auth_sock: Option<PathBuf>,
}

/// The program, argv, environment and working directory for a session.
pub struct Plan {
    /// What the session log line calls it.
    pub kind: String,
    /// The request for oxssh-sys (credentials are filled in by the privileged module).
    pub request: SpawnRequest,
}

fn set(env: &mut Vec<(OsString, OsString)>, name: &str, value: impl Into<OsString>) {
    let value = value.into();
    match env.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => env.push((name.into(), value)),
    }
}

/// The user's shell (`/bin/sh` when the passwd field is empty).
pub fn shell_of(user: &User) -> PathBuf {
    if user.shell.as_os_str().is_empty() {
        PathBuf::from("/bin/sh")
    } else {
        user.shell.clone()
    }
}

/// Builds the start of a session: `request` (or the forced command) run through the user's shell.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    user: &User,
    peer: &Peer,
    local: &Peer,
    request: &Request,
    forced: Option<&Forced>,
    parts: EnvParts,
    stdio: SpawnStdio,
) -> Plan {
    let shell = shell_of(user);
    let shell0 = shell
        .file_name()
        .map_or_else(|| OsString::from("sh"), |n| n.to_owned());
    let original = match request {
        Request::Exec(c) => Some(c.clone()),
        Request::Subsystem { name, .. } => Some(name.clone().into_bytes()),
        Request::Shell => None,
    };
    let (command, kind): (Option<Vec<u8>>, String) = match (forced, request) {
        (Some(Forced::Config(c)), _) => (
            Some(c.clone().into_bytes()),
            format!("forced-command (config) '{c}'"),
        ),
        (Some(Forced::Key(c)), _) => (
            Some(c.clone().into_bytes()),
            format!("forced-command (key-option) '{c}'"),
        ),
        (None, Request::Shell) => (None, "shell".to_owned()),
        (None, Request::Exec(c)) => (Some(c.clone()), "command".to_owned()),
        (None, Request::Subsystem { name, command }) => (
            Some(command.clone().into_bytes()),
            format!("subsystem '{name}'"),
        ),
    };

    let mut env: Vec<(OsString, OsString)> = Vec::new();
    set(&mut env, "USER", user.name.clone());
    set(&mut env, "LOGNAME", user.name.clone());
    set(&mut env, "HOME", user.home.clone());
    set(
        &mut env,
        "PATH",
        if user.uid.is_root() {
            ROOT_PATH
        } else {
            USER_PATH
        },
    );
    set(&mut env, "MAIL", format!("/var/mail/{}", user.name));
    set(&mut env, "SHELL", shell.clone());
    if let Some(tz) = std::env::var_os("TZ") {
        set(&mut env, "TZ", tz);
    }
    if let Some(term) = &parts.term {
        set(&mut env, "TERM", term.clone());
    }
    for kv in &parts.key_env {
        if let Some((n, v)) = kv.split_once('=') {
            set(&mut env, n, v);
        }
    }
    for (n, v) in &parts.client_env {
        set(&mut env, n, v.clone());
    }
    set(
        &mut env,
        "SSH_CLIENT",
        format!("{} {} {}", peer.ip, peer.port, local.port),
    );
    set(
        &mut env,
        "SSH_CONNECTION",
        format!("{} {} {} {}", peer.ip, peer.port, local.ip, local.port),
    );
    if let Some(tty) = &parts.tty {
        set(&mut env, "SSH_TTY", tty.clone());
    }
    if let Some(sock) = &parts.auth_sock {
        set(&mut env, "SSH_AUTH_SOCK", sock.clone());
    }
    for (n, v) in &parts.pam_env {
        // PAM must not redirect the agent socket (OpenSSH's denylist).
        if n != "SSH_AUTH_SOCK" {
            set(&mut env, n, v.clone());
        }
    }
    for (n, v) in &parts.set_env {
        set(&mut env, n, v.clone());
    }
    if forced.is_some()
        && let Some(orig) = original
    {
        set(&mut env, "SSH_ORIGINAL_COMMAND", OsString::from_vec(orig));
    }

    let argv = match &command {
        None => {
            let mut login = OsString::from("-");
            login.push(&shell0);
            vec![login]
        }
        Some(c) => vec![shell0, "-c".into(), OsString::from_vec(c.clone())],
    };
    Plan {
        kind,
        request: SpawnRequest {
            program: shell,
            argv,
            env,
            cwd: user.home.clone(),
            credentials: None,
            stdio,
        },
    }
}

/// Whether `~/.hushlogin` silences the motd (session.c `check_quietlogin`).
pub fn hushed(home: &Path) -> bool {
    home.join(".hushlogin").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            name: "alice".into(),
            uid: oxssh_sys::Uid::from_raw(1000),
            gid: oxssh_sys::Gid::from_raw(1000),
            home: "/home/alice".into(),
            shell: "/bin/bash".into(),
            gecos: String::new(),
            password: zeroize::Zeroizing::new("x".into()),
        }
    }

    fn env_of(p: &Plan, name: &str) -> Option<OsString> {
        p.request
            .env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn shells_are_login_shells_and_commands_go_through_the_shell() {
        let peer = Peer::new("192.0.2.1".parse().unwrap(), 5555);
        let local = Peer::new("192.0.2.2".parse().unwrap(), 22);
        let p = plan(
            &user(),
            &peer,
            &local,
            &Request::Shell,
            None,
            EnvParts::default(),
            SpawnStdio::Pipes,
        );
        assert_eq!(p.request.argv, vec![OsString::from("-bash")]);
        assert_eq!(
            env_of(&p, "SSH_CONNECTION").unwrap(),
            "192.0.2.1 5555 192.0.2.2 22"
        );
        assert_eq!(env_of(&p, "SSH_CLIENT").unwrap(), "192.0.2.1 5555 22");
        assert_eq!(env_of(&p, "PATH").unwrap(), USER_PATH);
        let p = plan(
            &user(),
            &peer,
            &local,
            &Request::Exec(b"echo hi".to_vec()),
            Some(&Forced::Key("date".into())),
            EnvParts::default(),
            SpawnStdio::Pipes,
        );
        assert_eq!(p.request.argv, vec!["bash", "-c", "date"]);
        assert_eq!(env_of(&p, "SSH_ORIGINAL_COMMAND").unwrap(), "echo hi");
        assert_eq!(p.kind, "forced-command (key-option) 'date'");
    }
}
