//! Deciding user authentication for one connection (auth2.c): the core asks, this module answers
//! accept, reject (with the methods that can continue) or, for keyboard-interactive, prompts.
//!
//! On the first request the user is looked up once (the core refuses a change of user name) and the
//! `Match` blocks are applied for that user. Every rejected attempt is answered no sooner than a
//! per-user minimum time after it arrived (OpenSSH's `ensure_minimum_time_since` with
//! `user_specific_delay`), so fast failures do not reveal which users exist.

pub mod kbdint;
pub mod password;
pub mod publickey;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use oxssh_config::server::{PermitRootLogin, ServerOptions};
use oxssh_keys::authorized_keys::KeyOptions;
use oxssh_proto::{AuthMethod, InfoPrompt};
use zeroize::Zeroizing;

use crate::daemon::Daemon;
use crate::log::{self, Outcome, Peer, Who};
use crate::privileged::{Access, Account, Remote};
use kbdint::{PamConversation, PamEvent};

/// The smallest answer time for a failed attempt: OpenSSH's MIN_FAIL_DELAY_SECONDS.
const MIN_FAIL_DELAY: Duration = Duration::from_millis(5);

/// What to tell the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// USERAUTH_SUCCESS (or PK_OK for a query).
    Accept,
    /// USERAUTH_FAILURE; `methods` overrides the configured list (AuthenticationMethods).
    Reject {
        /// Whether a step of a multi-method login succeeded.
        partial: bool,
        /// The methods that can continue.
        methods: Option<Vec<String>>,
    },
    /// INFO_REQUEST prompts (keyboard-interactive).
    Ask {
        /// The instruction text.
        instruction: String,
        /// The prompts.
        prompts: Vec<InfoPrompt>,
    },
}

enum Kbdint {
    Pam(PamConversation),
    Password,
}

/// Authentication state of one connection.
pub struct AuthContext {
    daemon: Arc<Daemon>,
    access: Arc<Access>,
    peer: Peer,
    local: Peer,
    account: Option<Account>,
    options: Option<Arc<ServerOptions>>,
    key_options: Option<KeyOptions>,
    /// AuthenticationMethods lists still to complete (empty: any single method).
    remaining: Vec<Vec<String>>,
    failures: u32,
    kbdint: Option<Kbdint>,
    started: Instant,
    banner_done: bool,
}

impl AuthContext {
    /// A connection's authentication state.
    pub fn new(daemon: Arc<Daemon>, access: Arc<Access>, peer: Peer, local: Peer) -> Self {
        Self {
            daemon,
            access,
            peer,
            local,
            account: None,
            options: None,
            key_options: None,
            remaining: Vec::new(),
            failures: 0,
            kbdint: None,
            started: Instant::now(),
            banner_done: false,
        }
    }

    /// How log lines name the other end so far.
    pub fn who(&self) -> Who {
        match &self.account {
            None => Who::Unknown,
            Some(a) if !a.valid => Who::Invalid(a.user.name.clone()),
            Some(a) if self.access.account().is_some() => Who::User(a.user.name.clone()),
            Some(a) => Who::Authenticating(a.user.name.clone()),
        }
    }

    /// The options in force for this user (after Match), once known.
    pub fn options(&self) -> Option<Arc<ServerOptions>> {
        self.options.clone()
    }

    /// The options of the authorized_keys line that authenticated the user, if a key did.
    pub fn key_options(&self) -> Option<KeyOptions> {
        self.key_options.clone()
    }

    /// The user name and whether it is valid, once a request arrived.
    pub fn user(&self) -> Option<(String, bool)> {
        self.account
            .as_ref()
            .map(|a| (a.user.name.clone(), a.valid))
    }

    fn remote(&self) -> Remote {
        Remote {
            address: self.peer.ip.clone(),
        }
    }

    /// The banner to send before the first answer (sshd_config `Banner`), once.
    pub fn banner(&mut self) -> Option<String> {
        if std::mem::replace(&mut self.banner_done, true) {
            return None;
        }
        let path = self.daemon.loaded.options.banner.clone()?;
        std::fs::read_to_string(path).ok()
    }

    async fn ensure_account(&mut self, user: &str) -> (Account, Arc<ServerOptions>) {
        if let (Some(a), Some(o)) = (&self.account, &self.options) {
            return (a.clone(), o.clone());
        }
        let file = self.daemon.loaded.file.clone();
        let (name, addr, laddr, lport) = (
            user.to_owned(),
            self.peer.ip.clone(),
            self.local.ip.clone(),
            self.local.port,
        );
        let resolved = tokio::task::spawn_blocking(move || {
            crate::options::for_connection(&file, &name, &addr, &laddr, lport)
        })
        .await;
        let options = match resolved {
            Ok(Ok(r)) => r.options().clone(),
            Ok(Err(e)) => {
                log::error(format_args!("Match configuration for {user}: {e}"));
                self.daemon.loaded.options.clone()
            }
            Err(_) => self.daemon.loaded.options.clone(),
        };
        let options = Arc::new(options);
        let account = self
            .access
            .lookup(user, &options, &self.remote(), self.daemon.loaded.use_pam)
            .await
            .unwrap_or_else(|_| unreachable_account(user));
        if !account.valid {
            log::invalid_user(user, &self.peer);
        }
        self.remaining = options.authentication_methods.clone();
        self.account = Some(account.clone());
        self.options = Some(options.clone());
        (account, options)
    }

    /// Decides on an authentication request from the core.
    pub async fn on_request(&mut self, user: &str, method: AuthMethod) -> Decision {
        self.started = Instant::now();
        self.kbdint = None;
        let (account, options) = self.ensure_account(user).await;
        let use_pam = self.daemon.loaded.use_pam;
        let name = method.name();
        if !self.method_allowed(name, None) {
            return self.fail(name, None, &account, false).await;
        }
        match method {
            AuthMethod::None => self.fail_quietly().await,
            AuthMethod::Password { password, .. } => {
                if !options.password_authentication {
                    return self.fail_quietly().await;
                }
                let ok = password::check(
                    &self.access,
                    &account,
                    &options,
                    use_pam,
                    password,
                    &self.remote(),
                )
                .await;
                self.conclude(ok, "password", None, None, &account).await
            }
            AuthMethod::PublicKeyQuery { key, .. } => {
                let found =
                    publickey::find_key(&self.access, &account, &options, &key, &self.peer.ip)
                        .await;
                match found {
                    Some(_) if account.may_login() => Decision::Accept,
                    _ => {
                        let text = publickey::describe(&key);
                        self.fail("publickey", Some(&text), &account, true).await
                    }
                }
            }
            AuthMethod::PublicKey { key, .. } => {
                let text = publickey::describe(&key);
                let found =
                    publickey::find_key(&self.access, &account, &options, &key, &self.peer.ip)
                        .await;
                let ok = match found {
                    Some(opts) if account.may_login() => {
                        let root_ok = self.root_key_allowed(&account, &options, &opts);
                        if root_ok {
                            self.key_options = Some(opts);
                        }
                        root_ok
                    }
                    _ => false,
                };
                self.conclude(ok, "publickey", None, Some(&text), &account)
                    .await
            }
            AuthMethod::KeyboardInteractive { .. } => {
                if !options.kbd_interactive_authentication {
                    return self.fail_quietly().await;
                }
                if use_pam {
                    let force_fail = !password::root_may_use_password(&account, &options);
                    let Ok(conv) = self.access.start_pam_kbdint(
                        &account,
                        force_fail,
                        options.permit_empty_passwords,
                        &self.remote(),
                    ) else {
                        return self.fail_quietly().await;
                    };
                    self.kbdint = Some(Kbdint::Pam(conv));
                    self.pam_step(&account).await
                } else {
                    self.kbdint = Some(Kbdint::Password);
                    Decision::Ask {
                        instruction: String::new(),
                        prompts: vec![InfoPrompt {
                            prompt: kbdint::PASSWORD_PROMPT.to_owned(),
                            echo: false,
                        }],
                    }
                }
            }
        }
    }

    /// Decides on keyboard-interactive answers.
    pub async fn on_info_response(&mut self, mut responses: Vec<Zeroizing<Vec<u8>>>) -> Decision {
        self.started = Instant::now();
        let Some(account) = self.account.clone() else {
            return self.fail_quietly().await;
        };
        let options = self
            .options
            .clone()
            .unwrap_or_else(|| Arc::new(self.daemon.loaded.options.clone()));
        match self.kbdint.take() {
            Some(Kbdint::Pam(conv)) => {
                conv.answer(responses);
                self.kbdint = Some(Kbdint::Pam(conv));
                self.pam_step(&account).await
            }
            Some(Kbdint::Password) => {
                let password = if responses.len() == 1 {
                    responses.pop().unwrap_or_default()
                } else {
                    Zeroizing::new(Vec::new())
                };
                let ok = password::check(
                    &self.access,
                    &account,
                    &options,
                    false,
                    password,
                    &self.remote(),
                )
                .await;
                self.conclude(ok, "keyboard-interactive", None, None, &account)
                    .await
            }
            None => self.fail_quietly().await,
        }
    }

    async fn pam_step(&mut self, account: &Account) -> Decision {
        let Some(Kbdint::Pam(conv)) = self.kbdint.as_mut() else {
            return self.fail_quietly().await;
        };
        match conv.next().await {
            PamEvent::Prompts {
                instruction,
                prompts,
            } => Decision::Ask {
                instruction,
                prompts,
            },
            PamEvent::Done(ok) => {
                self.kbdint = None;
                self.conclude(ok, "keyboard-interactive", Some("pam"), None, account)
                    .await
            }
        }
    }

    /// auth.c `auth_root_allowed` for a key.
    fn root_key_allowed(
        &self,
        account: &Account,
        options: &ServerOptions,
        key: &KeyOptions,
    ) -> bool {
        if !account.user.uid.is_root() {
            return true;
        }
        let allowed = match options.permit_root_login {
            PermitRootLogin::Yes | PermitRootLogin::ProhibitPassword => true,
            PermitRootLogin::ForcedCommandsOnly => {
                key.command.is_some() || options.force_command.is_some()
            }
            PermitRootLogin::No => false,
        };
        if !allowed {
            log::root_login_refused(&self.peer);
        }
        allowed
    }

    /// AuthenticationMethods: is `method` the next step of some list?
    fn method_allowed(&self, method: &str, submethod: Option<&str>) -> bool {
        self.remaining.is_empty()
            || self.remaining.iter().any(|l| {
                l.first()
                    .is_some_and(|m| method_matches(m, method, submethod))
            })
    }

    async fn conclude(
        &mut self,
        ok: bool,
        method: &str,
        submethod: Option<&str>,
        info: Option<&str>,
        account: &Account,
    ) -> Decision {
        if !ok {
            return self.fail(method, info, account, true).await;
        }
        // AuthenticationMethods: this step advances every list that starts with it.
        let mut partial = false;
        if !self.remaining.is_empty() {
            for list in &mut self.remaining {
                if list
                    .first()
                    .is_some_and(|m| method_matches(m, method, submethod))
                {
                    list.remove(0);
                }
            }
            if !self.remaining.iter().any(Vec::is_empty) {
                partial = true;
            }
        }
        if partial {
            self.log_result(Outcome::Partial, method, submethod, info, account);
            self.wait_minimum().await;
            return Decision::Reject {
                partial: true,
                methods: self.next_methods(),
            };
        }
        // UsePAM: PAM has the last word on the account for every method (expiry, pam_nologin,
        // pam_access), and the session needs its transaction (auth2.c userauth_finish).
        if self.daemon.loaded.use_pam
            && !self
                .access
                .pam_account(account, &self.remote())
                .await
                .unwrap_or(false)
        {
            log::pam_account_denied(&account.user.name);
            return self.fail(method, info, account, true).await;
        }
        if self.access.authenticated(account).is_err() {
            return self.fail(method, info, account, true).await;
        }
        self.log_result(Outcome::Accepted, method, submethod, info, account);
        Decision::Accept
    }

    fn log_result(
        &self,
        outcome: Outcome,
        method: &str,
        submethod: Option<&str>,
        info: Option<&str>,
        account: &Account,
    ) {
        log::auth_result(
            outcome,
            method,
            submethod,
            account.valid,
            &account.user.name,
            &self.peer,
            info,
            self.failures,
            self.daemon.loaded.options.max_auth_tries,
        );
    }

    async fn fail(
        &mut self,
        method: &str,
        info: Option<&str>,
        account: &Account,
        log_it: bool,
    ) -> Decision {
        if log_it {
            let verbose_only = method == "publickey";
            if !verbose_only || log::enabled(log::LogLevel::Verbose) {
                self.log_result(Outcome::Failed, method, None, info, account);
            }
        }
        self.failures += 1;
        self.fail_quietly().await
    }

    async fn fail_quietly(&mut self) -> Decision {
        self.wait_minimum().await;
        Decision::Reject {
            partial: false,
            methods: self.next_methods(),
        }
    }

    fn next_methods(&self) -> Option<Vec<String>> {
        if self.remaining.is_empty() {
            return None;
        }
        let mut v: Vec<String> = Vec::new();
        for m in self.remaining.iter().filter_map(|l| l.first()) {
            let m = m.split(':').next().unwrap_or(m).to_owned();
            if !v.contains(&m) {
                v.push(m);
            }
        }
        Some(v)
    }

    /// OpenSSH's `ensure_minimum_time_since(start, user_specific_delay(user))`.
    async fn wait_minimum(&self) {
        let user = self.account.as_ref().map_or("", |a| a.user.name.as_str());
        let mut delay = user_specific_delay(user);
        let elapsed = self.started.elapsed();
        while delay < elapsed {
            delay *= 2;
        }
        tokio::time::sleep_until((self.started + delay).into()).await;
    }
}

fn unreachable_account(user: &str) -> Account {
    Account {
        user: Arc::new(oxssh_sys::user::User {
            name: user.to_owned(),
            uid: oxssh_sys::Uid::from_raw(u32::MAX - 1),
            gid: oxssh_sys::Gid::from_raw(u32::MAX - 1),
            home: "/nonexist".into(),
            shell: "/nonexist".into(),
            gecos: String::new(),
            password: Zeroizing::new("*".to_owned()),
        }),
        valid: false,
        refused: true,
        password_expired: false,
    }
}

/// `method[:submethod]` from AuthenticationMethods against what succeeded.
fn method_matches(spec: &str, method: &str, submethod: Option<&str>) -> bool {
    match spec.split_once(':') {
        None => spec == method,
        Some((m, s)) => m == method && submethod.is_none_or(|sub| sub == s),
    }
}

/// A delay between 5 and 10 ms that depends only on the user name and a per-process secret, so the
/// same name always answers alike and names cannot be told apart by it (auth2.c
/// `user_specific_delay`).
fn user_specific_delay(user: &str) -> Duration {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    let secret = SECRET.get_or_init(|| {
        let mut s = [0u8; 32];
        let _ = aws_lc_rs::rand::fill(&mut s);
        s
    });
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, user.as_bytes());
    let mut word = [0u8; 4];
    word.copy_from_slice(&tag.as_ref()[..4]);
    let extra_us = u64::from(u32::from_le_bytes(word)) % 5_000;
    MIN_FAIL_DELAY + Duration::from_micros(extra_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_user_delays_are_stable_and_bounded() {
        let a = user_specific_delay("alice");
        assert_eq!(a, user_specific_delay("alice"));
        for u in ["root", "bob", "nosuchuser", ""] {
            let d = user_specific_delay(u);
            assert!(
                d >= MIN_FAIL_DELAY && d < Duration::from_millis(10),
                "{d:?}"
            );
        }
    }

    #[test]
    fn authentication_methods_specs_match_method_and_submethod() {
        assert!(method_matches("publickey", "publickey", None));
        assert!(method_matches(
            "keyboard-interactive:pam",
            "keyboard-interactive",
            Some("pam")
        ));
        assert!(!method_matches("password", "publickey", None));
    }
}
