//! The machine as oxssh-config sees it, answered from the real system through oxssh-sys.
//!
//! These calls go through NSS and may block (LDAP, sssd); at start-up that is fine, and per
//! connection (`Match` with a user) the caller runs them on a blocking thread.

use std::path::{Path, PathBuf};

use oxssh_config::Environment;

/// [`Environment`] over the running system.
#[derive(Debug, Clone)]
pub struct SystemEnvironment {
    user: String,
    uid: u32,
    home: PathBuf,
    hostname: String,
    cwd: PathBuf,
}

impl SystemEnvironment {
    /// Reads the current user, host name and working directory once.
    pub fn new() -> Self {
        let current = oxssh_sys::user::current_user().ok().flatten();
        let uid = oxssh_sys::Uid::current().as_raw();
        Self {
            user: current
                .as_ref()
                .map_or_else(|| uid.to_string(), |u| u.name.clone()),
            uid,
            home: current
                .as_ref()
                .map_or_else(|| PathBuf::from("/"), |u| u.home.clone()),
            hostname: oxssh_sys::fs_checks::hostname().unwrap_or_else(|_| "localhost".into()),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }
}

impl Default for SystemEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl Environment for SystemEnvironment {
    fn local_user(&self) -> &str {
        &self.user
    }
    fn local_uid(&self) -> u32 {
        self.uid
    }
    fn home_dir(&self) -> &Path {
        &self.home
    }
    fn home_of(&self, user: &str) -> Option<PathBuf> {
        oxssh_sys::user::lookup_user(user)
            .ok()
            .flatten()
            .map(|u| u.home)
    }
    fn local_hostname(&self) -> &str {
        &self.hostname
    }
    fn current_dir(&self) -> &Path {
        &self.cwd
    }
    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn service_port(&self, name: &str) -> Option<u16> {
        service_port(name)
    }
    fn match_exec(&mut self, _command: &str) -> Result<bool, String> {
        // sshd_config has no `Match exec`; the parser never asks.
        Err("Match exec is not supported in sshd_config".to_owned())
    }
    fn user_groups(&mut self, user: &str) -> Option<Vec<String>> {
        let u = oxssh_sys::user::lookup_user(user).ok().flatten()?;
        oxssh_sys::user::group_names(&u).ok()
    }
}

/// getservbyname over /etc/services, TCP entries only.
fn service_port(name: &str) -> Option<u16> {
    let text = std::fs::read_to_string("/etc/services").ok()?;
    text.lines().find_map(|line| {
        let line = line.split('#').next()?;
        let mut words = line.split_whitespace();
        let service = words.next()?;
        let (port, proto) = words.next()?.split_once('/')?;
        let aliases: Vec<&str> = words.collect();
        (proto == "tcp" && (service == name || aliases.contains(&name)))
            .then(|| port.parse().ok())
            .flatten()
    })
}
