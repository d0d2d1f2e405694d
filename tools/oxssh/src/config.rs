//! Configuration for one destination: oxssh-config does the reading and matching; this module
//! supplies the machine (the [`Environment`] over oxssh-sys), the algorithm names the protocol core
//! implements, and turns the result into the core's `ClientConfig`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use oxssh_config::client::{ClientConfig, ClientRequest, CommandLineForward, ConfigFiles};
use oxssh_config::{AlgorithmList, Algorithms, Environment};
use oxssh_keys::SignatureAlgorithm;
use oxssh_proto::names;

use crate::args::KnownNames;
use crate::log;

/// The machine as ssh_config sees it.
#[derive(Debug, Clone)]
pub struct SysEnvironment {
    user: String,
    uid: u32,
    home: PathBuf,
    hostname: String,
    cwd: PathBuf,
}

impl SysEnvironment {
    /// Looks the user and host up. `None` when the running uid has no passwd entry (the caller
    /// prints OpenSSH's "No user exists for uid N").
    ///
    /// `~` is `$HOME` when it is set and absolute, else the passwd home directory. OpenSSH always
    /// uses the passwd entry; honouring `$HOME` lets a user (or a test) point the client at another
    /// set of keys and known_hosts without another account, and changes nothing when `$HOME` is the
    /// passwd home, as it normally is.
    pub fn new() -> Result<Self, u32> {
        let uid = oxssh_sys::Uid::current();
        let user = oxssh_sys::user::lookup_uid(uid)
            .ok()
            .flatten()
            .ok_or(uid.as_raw())?;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_absolute())
            .unwrap_or_else(|| user.home.clone());
        Ok(Self {
            user: user.name,
            uid: uid.as_raw(),
            home,
            hostname: oxssh_sys::fs_checks::hostname().unwrap_or_default(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        })
    }
}

/// The services database, for `Port ssh` and friends (getservbyname over /etc/services).
fn service_port_from(services: &str, name: &str) -> Option<u16> {
    for line in services.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let (Some(service), Some(port_proto)) = (words.next(), words.next()) else {
            continue;
        };
        let Some((port, proto)) = port_proto.split_once('/') else {
            continue;
        };
        if proto != "tcp" {
            continue;
        }
        if service == name || words.any(|alias| alias == name) {
            return port.parse().ok();
        }
    }
    None
}

impl Environment for SysEnvironment {
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
        let services = std::fs::read_to_string("/etc/services").unwrap_or_default();
        service_port_from(&services, name)
    }
    /// readconf.c `execute_in_shell`: `$SHELL -c command` (or /bin/sh), stdin and stdout on
    /// /dev/null, stderr kept so the user sees the command's complaints.
    fn match_exec(&mut self, command: &str) -> Result<bool, String> {
        let shell = std::env::var("SHELL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".to_owned());
        log::debug(&format!("Executing command: '{command}'"));
        let status = Command::new(&shell)
            .arg("-c")
            .arg(command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("Couldn't execute {shell} -c \"{command}\": {e}"))?;
        Ok(status.success())
    }
    fn user_groups(&mut self, user: &str) -> Option<Vec<String>> {
        let u = oxssh_sys::user::lookup_user(user).ok().flatten()?;
        oxssh_sys::user::group_names(&u).ok()
    }
}

fn owned(names: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    names.into_iter().map(str::to_owned).collect()
}

fn list(supported: Vec<String>, default: &[&'static str]) -> AlgorithmList {
    AlgorithmList {
        supported,
        default: owned(default.iter().copied()),
    }
}

/// The algorithms the protocol core implements, with the client defaults, for oxssh-config.
pub fn algorithms() -> Algorithms {
    let sigs: Vec<String> = owned(SignatureAlgorithm::ALL.iter().map(|a| a.name()));
    Algorithms {
        ciphers: list(
            owned(names::supported_cipher_names()),
            names::defaults::CIPHERS,
        ),
        macs: list(
            owned(names::supported_mac_names()),
            names::defaults::CLIENT_MACS,
        ),
        kex: list(
            owned(names::supported_kex_names()),
            names::defaults::CLIENT_KEX,
        ),
        host_key: list(sigs.clone(), names::defaults::CLIENT_HOST_KEY),
        pubkey_accepted: list(sigs.clone(), names::defaults::PUBKEY_ACCEPTED),
        hostbased_accepted: list(sigs.clone(), names::defaults::PUBKEY_ACCEPTED),
        ca_signature: list(sigs, names::defaults::PUBKEY_ACCEPTED),
        gssapi_kex: AlgorithmList::default(),
    }
}

/// The names `-c`, `-m` and `-Q` know.
pub fn known_names() -> KnownNames {
    KnownNames {
        ciphers: owned(names::supported_cipher_names()),
        macs: owned(names::supported_mac_names()),
        kex: owned(names::supported_kex_names()),
        keys: owned(
            [
                oxssh_keys::KeyType::Ed25519,
                oxssh_keys::KeyType::EcdsaP256,
                oxssh_keys::KeyType::EcdsaP384,
                oxssh_keys::KeyType::EcdsaP521,
                oxssh_keys::KeyType::Rsa,
            ]
            .iter()
            .map(|t| t.name()),
        ),
        sigs: owned(SignatureAlgorithm::ALL.iter().map(|a| a.name())),
    }
}

/// What to resolve: the destination and the command-line parts that shape configuration.
pub struct Request<'a> {
    /// The host as given.
    pub host: &'a str,
    /// Configuration lines from the command line.
    pub options: &'a [String],
    /// `-L`/`-R`/`-D`.
    pub forwards: &'a [CommandLineForward],
    /// `-F`.
    pub config_file: Option<&'a str>,
    /// `-W` given.
    pub stdio_forward: bool,
}

/// Reads the configuration files for one destination. Problems are printed in OpenSSH's words
/// before the error is returned.
pub fn resolve(
    req: &Request<'_>,
    env: &mut SysEnvironment,
    algorithms: &Algorithms,
) -> Result<ClientConfig, crate::Exit> {
    let home = env.home_dir().to_path_buf();
    let mut r = ClientRequest::new(req.host, &home, algorithms);
    r.options = req.options;
    r.forwards = req.forwards;
    r.stdio_forward = req.stdio_forward;
    if let Some(f) = req.config_file {
        let path = oxssh_config::tokens::expand_tilde(f, env).unwrap_or_else(|_| f.to_owned());
        r.files = ConfigFiles::Explicit(PathBuf::from(path));
    }
    match oxssh_config::client::resolve(&r, env) {
        Ok(config) => {
            for d in config.diagnostics() {
                match d.severity {
                    oxssh_config::Severity::Debug => log::debug(&d.message),
                    _ => log::error(&d.message),
                }
            }
            Ok(config)
        }
        Err(e) => {
            for m in e.messages() {
                log::fatal(m);
            }
            Err(crate::Exit(255))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_found_by_name_and_alias_for_tcp_only() {
        let db = "# comment\nssh 22/tcp # SSH\nfoo 99/udp\nhttp 80/tcp www  # web\n";
        assert_eq!(service_port_from(db, "ssh"), Some(22));
        assert_eq!(service_port_from(db, "www"), Some(80));
        assert_eq!(service_port_from(db, "foo"), None);
        assert_eq!(service_port_from(db, "nope"), None);
    }

    #[test]
    fn algorithm_lists_name_only_what_the_core_implements() {
        let a = algorithms();
        for d in &a.ciphers.default {
            assert!(a.ciphers.supported.contains(d), "{d}");
        }
        for d in &a.kex.default {
            assert!(a.kex.supported.contains(d), "{d}");
        }
        assert!(a.host_key.supported.iter().any(|s| s == "ssh-ed25519"));
    }
}
