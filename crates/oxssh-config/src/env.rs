//! What configuration needs to know about the machine, supplied by the caller.
//!
//! The library reads the configuration files it is told to read and nothing else: it runs no
//! command, resolves no name and looks up no user itself. Everything OpenSSH gets from the system
//! while reading configuration (getpwuid, gethostname, getenv, getservbyname, `Match exec`, group
//! membership for `Match Group`) comes through this trait, so tools supply the real answers and
//! tests supply fixed ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The machine as configuration sees it.
pub trait Environment {
    /// The name of the user running the program (`%u`, `Match localuser`, the default `User`).
    fn local_user(&self) -> &str;
    /// That user's numeric id (`%i`).
    fn local_uid(&self) -> u32;
    /// That user's home directory (`~`, `%d`).
    fn home_dir(&self) -> &Path;
    /// The home directory of another user, for `~user/` paths; `None` if there is no such user.
    fn home_of(&self, user: &str) -> Option<PathBuf>;
    /// The local host name as gethostname(2) returns it (`%l`, `%L`, `%C`).
    fn local_hostname(&self) -> &str;
    /// The working directory, against which sshd makes relative paths absolute (servconf.c
    /// `derelativise_path`).
    fn current_dir(&self) -> &Path;
    /// An environment variable, for `${VAR}` in paths that allow it.
    fn env_var(&self, name: &str) -> Option<String>;
    /// A TCP service name from the services database (OpenSSH `a2port` falls back to
    /// getservbyname); `None` if unknown.
    fn service_port(&self, name: &str) -> Option<u16>;
    /// Runs a `Match exec` command through the user's shell and reports whether it exited with
    /// status 0. `Err` carries why it could not be run at all (OpenSSH then stops).
    fn match_exec(&mut self, command: &str) -> Result<bool, String>;
    /// The names of the groups a user belongs to (primary and supplementary), for sshd's
    /// `Match Group`; `None` if the user does not exist.
    fn user_groups(&mut self, user: &str) -> Option<Vec<String>>;
}

/// An [`Environment`] whose answers are fixed in advance: for tests, fuzzing and tools that already
/// know everything up front.
#[derive(Debug, Clone)]
pub struct FixedEnvironment {
    /// See [`Environment::local_user`].
    pub user: String,
    /// See [`Environment::local_uid`].
    pub uid: u32,
    /// See [`Environment::home_dir`].
    pub home: PathBuf,
    /// Other users' home directories, for `~user/`.
    pub homes: HashMap<String, PathBuf>,
    /// See [`Environment::local_hostname`].
    pub hostname: String,
    /// See [`Environment::current_dir`].
    pub cwd: PathBuf,
    /// Environment variables.
    pub vars: HashMap<String, String>,
    /// Service names and their ports (`ssh` is 22 by default).
    pub services: HashMap<String, u16>,
    /// The exit status (true = 0) each `Match exec` command gives; unknown commands fail.
    pub exec_results: HashMap<String, bool>,
    /// Every `Match exec` command that was run, in order.
    pub executed: Vec<String>,
    /// Group membership per user.
    pub groups: HashMap<String, Vec<String>>,
}

impl FixedEnvironment {
    /// A plain environment: user `user` (uid 1000) with home `/home/user`, host `localhost`,
    /// working directory `/`.
    pub fn new(user: &str, home: impl Into<PathBuf>) -> Self {
        let mut services = HashMap::new();
        services.insert("ssh".to_owned(), 22);
        Self {
            user: user.to_owned(),
            uid: 1000,
            home: home.into(),
            homes: HashMap::new(),
            hostname: "localhost".to_owned(),
            cwd: PathBuf::from("/"),
            vars: HashMap::new(),
            services,
            exec_results: HashMap::new(),
            executed: Vec::new(),
            groups: HashMap::new(),
        }
    }
}

impl Environment for FixedEnvironment {
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
        if user == self.user {
            return Some(self.home.clone());
        }
        self.homes.get(user).cloned()
    }
    fn local_hostname(&self) -> &str {
        &self.hostname
    }
    fn current_dir(&self) -> &Path {
        &self.cwd
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn service_port(&self, name: &str) -> Option<u16> {
        self.services.get(name).copied()
    }
    fn match_exec(&mut self, command: &str) -> Result<bool, String> {
        self.executed.push(command.to_owned());
        Ok(self.exec_results.get(command).copied().unwrap_or(false))
    }
    fn user_groups(&mut self, user: &str) -> Option<Vec<String>> {
        if user == self.user && !self.groups.contains_key(user) {
            return Some(Vec::new());
        }
        self.groups.get(user).cloned()
    }
}
