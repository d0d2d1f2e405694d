//! The narrow interface to everything that needs privilege (ARCHITECTURE §9), after OpenSSH's
//! monitor.c: every operation states the phase in which it may be asked, and a connection's
//! [`Access`] refuses it in any other.
//!
//! | operation | phase |
//! |---|---|
//! | [`Access::lookup`] a user (once per connection) | before authentication |
//! | [`Access::check_password`] (PAM or shadow + crypt) | before authentication |
//! | [`Access::start_pam_kbdint`] (PAM conversation) | before authentication |
//! | [`Access::read_user_file`] (authorized_keys as the user, with StrictModes) | before authentication |
//! | [`Access::authenticated`] (the decision; once) | the end of authentication |
//! | [`Access::open_pty`], [`Access::spawn`] (as the authenticated user only) | after authentication |
//!
//! Host keys sign inside the protocol core, which holds them from start-up.
//!
//! Unknown users go through the same path with a stand-in record (OpenSSH's `fakepw`): the same
//! PAM or crypt work is done against a hash that nothing matches, so neither the answers nor their
//! timing say which users exist. Every blocking call (NSS, PAM, crypt, fork) runs on tokio's
//! blocking pool so one connection never delays another. The interface is what a separate
//! privileged process would serve, so it can become one without touching protocol code.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use oxssh_config::server::ServerOptions;
use oxssh_sys::pam::{AccountStatus, PamTransaction, PasswordConversation};
use oxssh_sys::spawn::{Credentials, SpawnRequest, SpawnStdio, SpawnedChild};
use oxssh_sys::user::User;
use zeroize::Zeroizing;

use crate::log;
use crate::options::Mode;

/// The PAM service name, as sshd's.
pub const PAM_SERVICE: &str = "sshd";

/// The most we read of one authorized_keys file: far above any real one, and a bound on what a
/// user's file (or a FIFO they put there) can make the daemon hold.
const MAX_USER_FILE: u64 = 4 * 1024 * 1024;

/// A password no account has (OpenSSH's auth-pam.c `fake_password` idea): PAM and crypt do their
/// full work on it and fail, so invalid users cost what valid ones do.
const WRONG_PASSWORD: &[u8] = b"\x08\n\r\x7fINCORRECT";

/// What was asked in the wrong phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("privileged operation {0} refused in this phase")]
pub struct WrongPhase(pub &'static str);

/// Process-wide privileged state (shared by all connections).
#[derive(Debug)]
pub struct Privileged {
    mode: Mode,
    /// A real hash of a random password, with the system's default method, for stand-in users.
    fake_hash: Zeroizing<String>,
}

impl Privileged {
    /// Prepares the stand-in hash (one crypt call) for `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            fake_hash: fake_hash(),
        }
    }

    /// Whom the daemon serves.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // aws-lc's RNG does not fail in practice; a zero salt would still only cost uniqueness.
    let _ = aws_lc_rs::rand::fill(&mut b);
    b
}

/// A yescrypt hash (Debian 12's default method, so the cost matches real accounts), or sha512-crypt
/// where libxcrypt lacks yescrypt.
fn fake_hash() -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let salt: String = random_bytes::<22>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    let password = random_bytes::<16>();
    for setting in [format!("$y$j9T${salt}"), format!("$6${}", &salt[..16])] {
        if let Some(h) = oxssh_sys::password::crypt(&password, &setting) {
            return Zeroizing::new(String::from_utf8_lossy(&h).into_owned());
        }
    }
    Zeroizing::new("*".to_owned())
}

/// A user as authentication sees it: real, or a stand-in for a name that may not log in here.
#[derive(Debug, Clone)]
pub struct Account {
    /// The passwd entry (a stand-in when `!valid`).
    pub user: Arc<User>,
    /// Whether the name is an account this server serves.
    pub valid: bool,
    /// Why the account may not log in (locked, expired, shell, AllowUsers...), already logged.
    pub refused: bool,
    /// Shadow says the password must be changed (only with UsePAM no).
    pub password_expired: bool,
}

impl Account {
    /// Whether a successful method may log this account in.
    pub fn may_login(&self) -> bool {
        self.valid && !self.refused
    }
}

/// The result of a password check.
#[derive(Debug)]
pub enum PasswordVerdict {
    /// Correct, and the account may log in.
    Accepted,
    /// Wrong, or the account may not log in.
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    PreAuth,
    PostAuth,
}

/// One connection's access to privileged operations, with its phase.
#[derive(Debug)]
pub struct Access {
    shared: Arc<Privileged>,
    phase: Mutex<Phase>,
    account: Mutex<Option<Account>>,
    /// The PAM transaction that authenticated the user, kept for the session (setcred, session).
    pam: Arc<Mutex<Option<PamTransaction>>>,
}

/// Where the client is, for PAM_RHOST and Allow/DenyUsers host patterns.
#[derive(Debug, Clone)]
pub struct Remote {
    /// Its address.
    pub address: String,
}

impl Access {
    /// A new connection's access: pre-authentication phase.
    pub fn new(shared: Arc<Privileged>) -> Self {
        Self {
            shared,
            phase: Mutex::new(Phase::PreAuth),
            account: Mutex::new(None),
            pam: Arc::new(Mutex::new(None)),
        }
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn require(&self, phase: Phase, op: &'static str) -> Result<(), WrongPhase> {
        if self.phase() == phase {
            Ok(())
        } else {
            Err(WrongPhase(op))
        }
    }

    /// Before authentication: looks up `name` and decides whether it may log in at all (auth.c
    /// `allowed_user`), logging OpenSSH's lines. Unknown names get a stand-in.
    pub async fn lookup(
        &self,
        name: &str,
        options: &ServerOptions,
        remote: &Remote,
        use_pam: bool,
    ) -> Result<Account, WrongPhase> {
        self.require(Phase::PreAuth, "lookup")?;
        let mode = self.shared.mode.clone();
        let name = name.to_owned();
        let options = options.clone();
        let address = remote.address.clone();
        let account = tokio::task::spawn_blocking(move || {
            lookup_blocking(&mode, &name, &options, &address, use_pam)
        })
        .await
        .unwrap_or_else(|_| stand_in("NOUSER"));
        *self.account.lock().unwrap_or_else(|p| p.into_inner()) = Some(account.clone());
        Ok(account)
    }

    /// Before authentication: checks a password with PAM (`use_pam`) or shadow and crypt. For a
    /// stand-in, a refused account or `force_fail` (PermitRootLogin, PermitEmptyPasswords) the same
    /// work is done with a password that cannot match.
    pub async fn check_password(
        &self,
        account: &Account,
        password: Zeroizing<Vec<u8>>,
        use_pam: bool,
        force_fail: bool,
        permit_empty: bool,
        remote: &Remote,
    ) -> Result<PasswordVerdict, WrongPhase> {
        self.require(Phase::PreAuth, "check password")?;
        let fail = force_fail || !account.may_login();
        let password = if fail {
            Zeroizing::new(WRONG_PASSWORD.to_vec())
        } else {
            password
        };
        let account = account.clone();
        let rhost = remote.address.clone();
        let pam_slot = self.pam.clone();
        let fake = self.shared.fake_hash.clone();
        let verdict = tokio::task::spawn_blocking(move || {
            if use_pam {
                match pam_password(&account.user.name, &password, &rhost, permit_empty) {
                    Ok(tx) if !fail => {
                        *pam_slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
                        PasswordVerdict::Accepted
                    }
                    _ => PasswordVerdict::Rejected,
                }
            } else {
                let hash = if account.valid {
                    oxssh_sys::user::password_hash(&account.user).unwrap_or_else(|_| fake.clone())
                } else {
                    fake
                };
                let ok = oxssh_sys::password::verify_password(&password, &hash);
                if ok && !fail && !account.password_expired {
                    PasswordVerdict::Accepted
                } else {
                    if ok && account.password_expired {
                        log::password_expired(&account.user.name);
                    }
                    PasswordVerdict::Rejected
                }
            }
        })
        .await
        .unwrap_or(PasswordVerdict::Rejected);
        Ok(verdict)
    }

    /// Before authentication: starts a PAM conversation for keyboard-interactive. The transaction
    /// runs on a blocking thread; prompts come out of the returned channel and answers go in.
    pub fn start_pam_kbdint(
        &self,
        account: &Account,
        force_fail: bool,
        permit_empty: bool,
        remote: &Remote,
    ) -> Result<crate::auth::kbdint::PamConversation, WrongPhase> {
        self.require(Phase::PreAuth, "keyboard-interactive")?;
        Ok(crate::auth::kbdint::PamConversation::start(
            account.user.name.clone(),
            remote.address.clone(),
            force_fail || !account.may_login(),
            permit_empty,
            self.pam.clone(),
        ))
    }

    /// Before authentication: reads a file of the user's (authorized_keys) as the user would, after
    /// the StrictModes checks. `Ok(None)` when it does not exist or cannot be read; `Err` carries the
    /// StrictModes refusal to log.
    pub async fn read_user_file(
        &self,
        account: &Account,
        path: PathBuf,
        strict_modes: bool,
    ) -> Result<Result<Option<String>, String>, WrongPhase> {
        self.require(Phase::PreAuth, "read user file")?;
        if !account.valid {
            return Ok(Ok(None));
        }
        let user = account.user.clone();
        let as_user = matches!(self.shared.mode, Mode::Root) && !user.uid.is_root();
        let result = tokio::task::spawn_blocking(move || {
            if std::fs::metadata(&path).is_err() {
                return Ok(None);
            }
            if strict_modes {
                oxssh_sys::fs_checks::check_secure_path(&path, Some(&user.home), user.uid)
                    .map_err(|e| e.to_string())?;
            }
            let bytes = if as_user {
                read_as_user(&user, &path)
            } else {
                read_bounded(&path)
            };
            Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
        })
        .await
        .unwrap_or(Ok(None));
        Ok(result)
    }

    /// Before authentication: with UsePAM, the account check OpenSSH runs after every method
    /// (`do_pam_account`), for logins PAM did not authenticate (keys). It starts the transaction the
    /// session will use. False when PAM refuses the account.
    pub async fn pam_account(
        &self,
        account: &Account,
        remote: &Remote,
    ) -> Result<bool, WrongPhase> {
        self.require(Phase::PreAuth, "pam account")?;
        if self.has_pam() {
            return Ok(true);
        }
        let name = account.user.name.clone();
        let rhost = remote.address.clone();
        let slot = self.pam.clone();
        let ok = tokio::task::spawn_blocking(move || {
            // Nothing to ask the user here: notices are dropped, prompts abort.
            let conv = |messages: &[oxssh_sys::pam::Message]| {
                if messages.iter().any(|m| m.style.is_prompt()) {
                    return Err(oxssh_sys::pam::ConversationAborted);
                }
                Ok(messages.iter().map(|_| None).collect())
            };
            let mut tx = match PamTransaction::start(PAM_SERVICE, &name, conv) {
                Ok(tx) => tx,
                Err(e) => {
                    log::pam_error(e);
                    return false;
                }
            };
            let _ = tx.set_rhost(&rhost);
            match tx.acct_mgmt(false) {
                Ok(AccountStatus::Valid) => {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
                    true
                }
                Ok(AccountStatus::NewAuthtokRequired) => {
                    log::password_expired(&name);
                    false
                }
                Err(e) => {
                    log::pam_error(e);
                    false
                }
            }
        })
        .await
        .unwrap_or(false);
        Ok(ok)
    }

    /// The authentication decision: from now on only post-authentication operations, for this
    /// account only. Can be given once.
    pub fn authenticated(&self, account: &Account) -> Result<(), WrongPhase> {
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        if *phase != Phase::PreAuth || !account.may_login() {
            return Err(WrongPhase("authenticated"));
        }
        *phase = Phase::PostAuth;
        *self.account.lock().unwrap_or_else(|p| p.into_inner()) = Some(account.clone());
        Ok(())
    }

    /// The authenticated account.
    pub fn account(&self) -> Option<Account> {
        if self.phase() != Phase::PostAuth {
            return None;
        }
        self.account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// After authentication: establishes PAM credentials and opens the PAM session (root only; an
    /// ordinary user cannot), returning PAM's environment for the user's processes.
    pub async fn open_pam_session(&self, tty: Option<String>) -> Vec<(String, String)> {
        if self.require(Phase::PostAuth, "pam session").is_err() {
            return Vec::new();
        }
        let root = matches!(self.shared.mode, Mode::Root);
        let slot = self.pam.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            let Some(tx) = guard.as_mut() else {
                return Vec::new();
            };
            if root {
                if let Some(tty) = tty {
                    let _ = tx.set_tty(&tty);
                }
                if let Err(e) = tx.setcred(oxssh_sys::pam::CredAction::Establish) {
                    log::pam_error(e);
                }
                if let Err(e) = tx.open_session() {
                    log::pam_error(e);
                }
            }
            tx.env_list()
        })
        .await
        .unwrap_or_default()
    }

    /// Whether a PAM transaction authenticated this connection.
    pub fn has_pam(&self) -> bool {
        self.pam.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// After authentication: a pty for the user's session, owned by the user when we are root.
    pub fn open_pty(&self) -> Result<oxssh_sys::pty::PtyPair, String> {
        self.require(Phase::PostAuth, "open pty")
            .map_err(|e| e.to_string())?;
        let pair = oxssh_sys::pty::open_pty().map_err(|e| e.to_string())?;
        if let (Mode::Root, Some(account)) = (&self.shared.mode, self.account()) {
            oxssh_sys::pty::set_tty_owner(&pair.slave_name, account.user.uid, account.user.gid)
                .map_err(|e| e.to_string())?;
        }
        Ok(pair)
    }

    /// After authentication: starts the user's process as the authenticated user (credentials are
    /// filled in here; the caller cannot choose them). Blocks briefly (fork); call from a blocking
    /// thread or accept the short stall.
    pub fn spawn(&self, mut request: SpawnRequest) -> Result<SpawnedChild, String> {
        self.require(Phase::PostAuth, "spawn")
            .map_err(|e| e.to_string())?;
        let account = self
            .account()
            .ok_or_else(|| "no authenticated user".to_owned())?;
        request.credentials = match self.shared.mode {
            Mode::Root => Some(Credentials::for_user(&account.user).map_err(|e| e.to_string())?),
            Mode::SingleUser(_) => None,
        };
        oxssh_sys::spawn::spawn(request).map_err(|e| e.to_string())
    }

    /// Ends PAM (closing the session and deleting credentials); blocks, so it runs on the pool.
    pub async fn finish(&self) {
        let slot = self.pam.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let tx = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(tx) = tx {
                tx.end();
            }
        })
        .await;
    }
}

/// OpenSSH's `fakepw`: a record that exists for no one.
fn stand_in(name: &str) -> Account {
    Account {
        user: Arc::new(User {
            name: name.to_owned(),
            uid: oxssh_sys::Uid::from_raw(u32::MAX - 1),
            gid: oxssh_sys::Gid::from_raw(u32::MAX - 1),
            home: PathBuf::from("/nonexist"),
            shell: PathBuf::from("/nonexist"),
            gecos: "NOUSER".to_owned(),
            password: Zeroizing::new("*".to_owned()),
        }),
        valid: false,
        refused: true,
        password_expired: false,
    }
}

fn lookup_blocking(
    mode: &Mode,
    name: &str,
    options: &ServerOptions,
    address: &str,
    use_pam: bool,
) -> Account {
    let user = match mode {
        Mode::SingleUser(me) if me.name == name => Some((**me).clone()),
        Mode::SingleUser(_) => None,
        Mode::Root => oxssh_sys::user::lookup_user(name).ok().flatten(),
    };
    let Some(user) = user else {
        return stand_in(name);
    };
    let mut account = Account {
        user: Arc::new(user),
        valid: true,
        refused: false,
        password_expired: false,
    };
    account.refused = !allowed_user(&mut account, options, address, use_pam, mode);
    account
}

/// auth.c `allowed_user`: account state (without PAM, which checks it itself), the login shell,
/// then AllowUsers/DenyUsers/AllowGroups/DenyGroups. Logs why when it says no.
fn allowed_user(
    account: &mut Account,
    options: &ServerOptions,
    address: &str,
    use_pam: bool,
    mode: &Mode,
) -> bool {
    let user = account.user.clone();
    if !use_pam
        && matches!(mode, Mode::Root)
        && let Ok(Some(shadow)) = oxssh_sys::user::lookup_shadow(&user.name)
    {
        let state = shadow.state();
        if state.account_expired {
            log::account_expired(&user.name);
            return false;
        }
        if state.locked {
            log::account_locked(&user.name);
            return false;
        }
        account.password_expired = state.password_expired;
    }
    let shell = if user.shell.as_os_str().is_empty() {
        PathBuf::from("/bin/sh")
    } else {
        user.shell.clone()
    };
    match std::fs::metadata(&shell) {
        Err(_) => {
            log::shell_missing(&user.name, &shell.display().to_string());
            return false;
        }
        Ok(m) => {
            use std::os::unix::fs::PermissionsExt;
            if !m.is_file() || m.permissions().mode() & 0o111 == 0 {
                log::shell_not_executable(&user.name, &shell.display().to_string());
                return false;
            }
        }
    }
    let groups = if options.allow_groups.is_empty() && options.deny_groups.is_empty() {
        Vec::new()
    } else {
        oxssh_sys::user::group_names(&user).unwrap_or_default()
    };
    if let Err(why) = options.check_user_access(&user.name, &groups, address, address) {
        log::user_not_allowed(&user.name, address, why);
        return false;
    }
    true
}

fn pam_password(
    user: &str,
    password: &[u8],
    rhost: &str,
    permit_empty: bool,
) -> Result<PamTransaction, ()> {
    let (conv, _notices) = PasswordConversation::new(password);
    let mut tx = PamTransaction::start(PAM_SERVICE, user, conv).map_err(log::pam_error)?;
    let _ = tx.set_rhost(rhost);
    tx.authenticate(!permit_empty).map_err(|_| ())?;
    match tx.acct_mgmt(!permit_empty) {
        Ok(AccountStatus::Valid) => Ok(tx),
        Ok(AccountStatus::NewAuthtokRequired) => {
            log::password_expired(user);
            Err(())
        }
        Err(e) => {
            if !e.is_auth_failure() {
                log::pam_error(e);
            }
            Err(())
        }
    }
}

fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut out = Vec::new();
    f.take(MAX_USER_FILE).read_to_end(&mut out).ok()?;
    Some(out)
}

/// Reads a file in a child that runs as the user, so the daemon never reads through a link the
/// user could not follow themself (OpenSSH uses `temporarily_use_uid`, which would change the ids
/// of every thread here).
fn read_as_user(user: &User, path: &Path) -> Option<Vec<u8>> {
    let credentials = Credentials::for_user(user).ok()?;
    let child = oxssh_sys::spawn::spawn(SpawnRequest {
        program: PathBuf::from("/bin/cat"),
        argv: vec!["cat".into(), "--".into(), path.as_os_str().to_owned()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        cwd: PathBuf::from("/"),
        credentials: Some(credentials),
        stdio: SpawnStdio::Pipes,
    })
    .ok()?;
    let oxssh_sys::spawn::ChildIo::Pipes { stdin, stdout, .. } = child.io else {
        return None;
    };
    drop(stdin);
    let mut out = Vec::new();
    let read = std::fs::File::from(stdout)
        .take(MAX_USER_FILE)
        .read_to_end(&mut out);
    // Past the bound the child may still be writing; it gets SIGPIPE once we close our end.
    let status = oxssh_sys::spawn::wait(child.pid).ok()?;
    match (read, status) {
        (Ok(_), oxssh_sys::spawn::ExitStatus::Exited(0)) => Some(out),
        _ => None,
    }
}
