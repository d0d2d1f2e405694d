//! PAM transactions with a Rust conversation, for `UsePAM yes`: password and
//! keyboard-interactive authentication, account checks, credentials and sessions, as OpenSSH's
//! auth-pam.c uses them.
//!
//! **Every call blocks**, often for seconds: modules read files, ask the network, and
//! Linux-PAM sleeps after a failed attempt (pam_faildelay, about 2 s on Debian). A conversation
//! may block too, waiting for the client's answers. Run a transaction on a blocking thread
//! (`tokio::task::spawn_blocking` or a thread of its own) and talk to the conversation through
//! channels. A [`PamTransaction`] is `Send` but not `Sync`: one thread at a time.
//!
//! Typical order in the daemon (OpenSSH's auth-pam.c): [`PamTransaction::start`] with service
//! `sshd`, [`set_rhost`](PamTransaction::set_rhost), [`authenticate`](PamTransaction::authenticate),
//! [`acct_mgmt`](PamTransaction::acct_mgmt) (and a password change when it reports
//! [`AccountStatus::NewAuthtokRequired`]), then after authentication
//! [`set_tty`](PamTransaction::set_tty), [`setcred`](PamTransaction::setcred) with
//! [`CredAction::Establish`], [`open_session`](PamTransaction::open_session),
//! [`env_list`](PamTransaction::env_list) for the child, and finally
//! [`end`](PamTransaction::end), which closes the session and deletes the credentials.
//! Credentials and sessions need root.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

use crate::ffi::{PamHandle, PamOp};

/// How a PAM module wants a message shown (`msg_style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStyle {
    /// Ask for input without echo (passwords). `PAM_PROMPT_ECHO_OFF`.
    PromptEchoOff,
    /// Ask for input with echo. `PAM_PROMPT_ECHO_ON`.
    PromptEchoOn,
    /// Show an error. `PAM_ERROR_MSG`.
    ErrorMsg,
    /// Show information. `PAM_TEXT_INFO`.
    TextInfo,
    /// A style this wrapper does not know (Linux-PAM's binary prompts, for instance).
    Other(i32),
}

impl MessageStyle {
    /// Whether the module expects an answer to this message.
    pub fn is_prompt(self) -> bool {
        matches!(self, Self::PromptEchoOff | Self::PromptEchoOn)
    }
}

/// One message of a conversation round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How to show it.
    pub style: MessageStyle,
    /// Its text (invalid UTF-8 replaced), e.g. `"Password: "`.
    pub text: String,
}

/// An answer to one message; wiped when dropped.
pub type Response = Zeroizing<Vec<u8>>;

/// Returned by a conversation to abort the PAM call (PAM sees `PAM_CONV_ERR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("PAM conversation aborted")]
pub struct ConversationAborted;

/// The application's side of a PAM conversation (`struct pam_conv`).
///
/// Called with each round of messages; must return exactly one entry per message, `None` where
/// no answer is given. Answers are copied into `malloc`ed strings that PAM frees, as the PAM ABI
/// requires; the copies returned here are wiped after the copy. A panic inside is caught and
/// becomes `PAM_CONV_ERR`.
pub trait Conversation: Send {
    /// Answers one round of messages.
    fn converse(
        &mut self,
        messages: &[Message],
    ) -> Result<Vec<Option<Response>>, ConversationAborted>;
}

impl<F> Conversation for F
where
    F: FnMut(&[Message]) -> Result<Vec<Option<Response>>, ConversationAborted> + Send,
{
    fn converse(
        &mut self,
        messages: &[Message],
    ) -> Result<Vec<Option<Response>>, ConversationAborted> {
        self(messages)
    }
}

/// The conversation for `PasswordAuthentication` over PAM, behaving like OpenSSH's
/// `sshpam_passwd_conv`: every echo-off prompt gets the password, error and info messages get an
/// empty answer and are kept for the user (OpenSSH's `loginmsg`), and an echo-on prompt aborts,
/// since a password request has nothing else to say.
#[derive(Debug)]
pub struct PasswordConversation {
    password: Zeroizing<Vec<u8>>,
    notices: Arc<Mutex<Vec<String>>>,
}

impl PasswordConversation {
    /// A conversation that answers with `password`, and a handle to read the notices later.
    pub fn new(password: &[u8]) -> (Self, PamNotices) {
        let notices = Arc::new(Mutex::new(Vec::new()));
        let conv = Self {
            password: Zeroizing::new(password.to_vec()),
            notices: Arc::clone(&notices),
        };
        (conv, PamNotices(notices))
    }
}

impl Conversation for PasswordConversation {
    fn converse(
        &mut self,
        messages: &[Message],
    ) -> Result<Vec<Option<Response>>, ConversationAborted> {
        let mut answers = Vec::with_capacity(messages.len());
        for m in messages {
            match m.style {
                MessageStyle::PromptEchoOff => answers.push(Some(self.password.clone())),
                MessageStyle::ErrorMsg | MessageStyle::TextInfo => {
                    if !m.text.is_empty() {
                        let mut n = self.notices.lock().unwrap_or_else(PoisonError::into_inner);
                        n.push(m.text.clone());
                    }
                    answers.push(Some(Zeroizing::new(Vec::new())));
                }
                MessageStyle::PromptEchoOn | MessageStyle::Other(_) => {
                    return Err(ConversationAborted);
                }
            }
        }
        Ok(answers)
    }
}

/// The error and info texts a [`PasswordConversation`] received, to show after login.
#[derive(Debug, Clone)]
pub struct PamNotices(Arc<Mutex<Vec<String>>>);

impl PamNotices {
    /// The texts so far, oldest first.
    pub fn messages(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A failed PAM call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {message}")]
pub struct PamError {
    /// The PAM function, e.g. `"pam_authenticate"`.
    pub operation: &'static str,
    /// The PAM return code.
    pub code: i32,
    /// `pam_strerror`'s text for the code, e.g. `"Authentication failure"`.
    pub message: String,
}

impl PamError {
    fn new(operation: &'static str, code: i32) -> Self {
        Self {
            operation,
            code,
            message: crate::ffi::pam_strerror(code),
        }
    }

    /// Wrong password or similar (`PAM_AUTH_ERR`).
    pub fn is_auth_failure(&self) -> bool {
        self.code == libpam_sys::PAM_AUTH_ERR
    }

    /// The user is not known to the modules (`PAM_USER_UNKNOWN`).
    pub fn is_user_unknown(&self) -> bool {
        self.code == libpam_sys::PAM_USER_UNKNOWN
    }

    /// The account has expired (`PAM_ACCT_EXPIRED`).
    pub fn is_account_expired(&self) -> bool {
        self.code == libpam_sys::PAM_ACCT_EXPIRED
    }

    /// Our conversation aborted or answered wrongly (`PAM_CONV_ERR`).
    pub fn is_conversation_error(&self) -> bool {
        self.code == libpam_sys::PAM_CONV_ERR
    }
}

/// What `pam_acct_mgmt` said about a valid account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Login may proceed.
    Valid,
    /// The password has expired and must be changed before login (`PAM_NEW_AUTHTOK_REQD`);
    /// OpenSSH then runs `pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)` through the conversation.
    NewAuthtokRequired,
}

/// What `pam_setcred` should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredAction {
    /// `PAM_ESTABLISH_CRED`, before the session starts.
    Establish,
    /// `PAM_DELETE_CRED`, after it ends.
    Delete,
    /// `PAM_REINITIALIZE_CRED`.
    Reinitialize,
    /// `PAM_REFRESH_CRED`.
    Refresh,
}

/// A PAM transaction (`pam_start` … `pam_end`).
///
/// Dropping it does what [`end`](Self::end) does and ignores errors.
#[derive(Debug)]
pub struct PamTransaction {
    handle: PamHandle,
    session_open: bool,
    cred_established: bool,
}

impl PamTransaction {
    /// Starts a transaction for `service` (a file in /etc/pam.d, `"sshd"` for the daemon) and
    /// `user`. The conversation stays with the transaction until it ends.
    pub fn start(
        service: &str,
        user: &str,
        conversation: impl Conversation + 'static,
    ) -> Result<Self, PamError> {
        Self::start_inner(service, user, None, Box::new(conversation))
    }

    /// Like [`start`](Self::start), but the service's stack is read from `confdir` instead of
    /// /etc/pam.d (Linux-PAM ≥ 1.4, `pam_start_confdir`), so tests can run a stack of their own
    /// without touching the system's.
    pub fn start_with_confdir(
        service: &str,
        user: &str,
        confdir: &Path,
        conversation: impl Conversation + 'static,
    ) -> Result<Self, PamError> {
        let dir = CString::new(confdir.as_os_str().as_bytes())
            .map_err(|_| bad_arg("pam_start_confdir"))?;
        Self::start_inner(service, user, Some(&dir), Box::new(conversation))
    }

    fn start_inner(
        service: &str,
        user: &str,
        confdir: Option<&CStr>,
        conversation: Box<dyn Conversation>,
    ) -> Result<Self, PamError> {
        let service = CString::new(service).map_err(|_| bad_arg("pam_start"))?;
        let user = CString::new(user).map_err(|_| bad_arg("pam_start"))?;
        let handle = PamHandle::start(&service, &user, confdir, conversation)
            .map_err(|code| PamError::new("pam_start", code))?;
        Ok(Self {
            handle,
            session_open: false,
            cred_established: false,
        })
    }

    fn set_item(
        &mut self,
        item: i32,
        value: &str,
        operation: &'static str,
    ) -> Result<(), PamError> {
        let value = CString::new(value).map_err(|_| bad_arg(operation))?;
        check(operation, self.handle.set_item(item, &value))
    }

    /// Sets `PAM_RHOST`, the client's address or name (for pam_access, pam_faillock, logs).
    pub fn set_rhost(&mut self, rhost: &str) -> Result<(), PamError> {
        self.set_item(libpam_sys::PAM_RHOST, rhost, "pam_set_item(PAM_RHOST)")
    }

    /// Sets `PAM_TTY`: the pty path (`/dev/pts/3`), or `"ssh"` when there is none, as OpenSSH
    /// does so that pam_securetty and friends see something.
    pub fn set_tty(&mut self, tty: &str) -> Result<(), PamError> {
        self.set_item(libpam_sys::PAM_TTY, tty, "pam_set_item(PAM_TTY)")
    }

    /// Sets `PAM_RUSER`, the remote user name.
    pub fn set_ruser(&mut self, ruser: &str) -> Result<(), PamError> {
        self.set_item(libpam_sys::PAM_RUSER, ruser, "pam_set_item(PAM_RUSER)")
    }

    /// Runs the auth stack (`pam_authenticate`). `disallow_null_authtok` is OpenSSH's
    /// `!PermitEmptyPasswords`.
    pub fn authenticate(&mut self, disallow_null_authtok: bool) -> Result<(), PamError> {
        let flags = null_flag(disallow_null_authtok);
        check(
            "pam_authenticate",
            self.handle.run(PamOp::Authenticate, flags),
        )
    }

    /// Runs the account stack (`pam_acct_mgmt`); an expired password is reported as
    /// [`AccountStatus::NewAuthtokRequired`], not as an error.
    pub fn acct_mgmt(&mut self, disallow_null_authtok: bool) -> Result<AccountStatus, PamError> {
        let flags = null_flag(disallow_null_authtok);
        match self.handle.run(PamOp::AcctMgmt, flags) {
            libpam_sys::PAM_SUCCESS => Ok(AccountStatus::Valid),
            libpam_sys::PAM_NEW_AUTHTOK_REQD => Ok(AccountStatus::NewAuthtokRequired),
            code => Err(PamError::new("pam_acct_mgmt", code)),
        }
    }

    /// Changes an expired password through the conversation
    /// (`pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)`).
    pub fn change_expired_authtok(&mut self) -> Result<(), PamError> {
        let flags = libpam_sys::PAM_CHANGE_EXPIRED_AUTHTOK;
        check("pam_chauthtok", self.handle.run(PamOp::Chauthtok, flags))
    }

    /// `pam_setcred`.
    pub fn setcred(&mut self, action: CredAction) -> Result<(), PamError> {
        let flags = match action {
            CredAction::Establish => libpam_sys::PAM_ESTABLISH_CRED,
            CredAction::Delete => libpam_sys::PAM_DELETE_CRED,
            CredAction::Reinitialize => libpam_sys::PAM_REINITIALIZE_CRED,
            CredAction::Refresh => libpam_sys::PAM_REFRESH_CRED,
        };
        check("pam_setcred", self.handle.run(PamOp::Setcred, flags))?;
        match action {
            CredAction::Establish => self.cred_established = true,
            CredAction::Delete => self.cred_established = false,
            CredAction::Reinitialize | CredAction::Refresh => {}
        }
        Ok(())
    }

    /// `pam_open_session`.
    pub fn open_session(&mut self) -> Result<(), PamError> {
        check("pam_open_session", self.handle.run(PamOp::OpenSession, 0))?;
        self.session_open = true;
        Ok(())
    }

    /// `pam_close_session`.
    pub fn close_session(&mut self) -> Result<(), PamError> {
        self.session_open = false;
        check("pam_close_session", self.handle.run(PamOp::CloseSession, 0))
    }

    /// The environment the modules set (`pam_getenvlist`), as `(name, value)` pairs to add to
    /// the child's environment. Entries without `=` are skipped.
    pub fn env_list(&self) -> Vec<(String, String)> {
        self.handle
            .getenvlist()
            .into_iter()
            .filter_map(|entry| {
                let entry = String::from_utf8_lossy(&entry).into_owned();
                let (name, value) = entry.split_once('=')?;
                Some((name.to_owned(), value.to_owned()))
            })
            .collect()
    }

    /// The user name the modules settled on (`PAM_USER`), which may differ from the one given
    /// to [`start`](Self::start).
    pub fn user(&self) -> Option<String> {
        self.handle
            .user()
            .map(|u| String::from_utf8_lossy(&u).into_owned())
    }

    /// Ends the transaction as OpenSSH's `sshpam_cleanup` does: the conversation is cut off so
    /// no module can prompt any more, an open session is closed and established credentials are
    /// deleted (both silently, errors ignored), then `pam_end`.
    pub fn end(self) {
        drop(self);
    }
}

impl Drop for PamTransaction {
    fn drop(&mut self) {
        self.handle.disable_conversation();
        if self.session_open {
            let _ = self.handle.run(PamOp::CloseSession, libpam_sys::PAM_SILENT);
        }
        if self.cred_established {
            let _ = self.handle.run(PamOp::Setcred, libpam_sys::PAM_DELETE_CRED);
        }
        // PamHandle's own drop calls pam_end with the last status.
    }
}

/// A string PAM cannot take (it contains a NUL byte), reported as PAM would report a bad
/// argument.
fn bad_arg(operation: &'static str) -> PamError {
    PamError::new(operation, libpam_sys::PAM_BUF_ERR)
}

fn null_flag(disallow_null_authtok: bool) -> i32 {
    if disallow_null_authtok {
        libpam_sys::PAM_DISALLOW_NULL_AUTHTOK
    } else {
        0
    }
}

fn check(operation: &'static str, code: i32) -> Result<(), PamError> {
    if code == libpam_sys::PAM_SUCCESS {
        Ok(())
    } else {
        Err(PamError::new(operation, code))
    }
}

#[cfg(test)]
mod tests;
