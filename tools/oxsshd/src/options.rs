//! From the command line and sshd_config (through oxssh-config) to the settings the daemon runs
//! with: which file, which mode (root, or a single ordinary user with the embedded defaults), the
//! global options, the host keys, and the protocol core's `ServerConfig`.
//!
//! # The single-user default
//!
//! An ordinary user who runs `oxsshd -D -e` without `-f` gets a server for themself alone: port
//! 2222 (unprivileged, so no root is needed), host keys generated on first start in
//! `$XDG_STATE_HOME/oxssh` (or `~/.local/state/oxssh`), their own `~/.ssh/authorized_keys`, and
//! password authentication through PAM when the system has an `sshd` PAM service (pam_unix checks an
//! ordinary user's own password through its setgid helper), else public keys only. The defaults
//! are passed to oxssh-config as `-o` lines after the user's own, so `-o` and `-p` still override
//! them (the first value of a keyword wins, as in sshd_config). Root without `-f` reads
//! /etc/ssh/sshd_config and listens on port 22, as sshd does; on a machine without that file root
//! gets the same built-in defaults on port 22, with host keys in root's state directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxssh_config::server::{ConnectionInfo, Resolved, ServerConfig as FileConfig, ServerOptions};
use oxssh_config::{AlgorithmList, Algorithms, Environment};
use oxssh_keys::PrivateKey;
use oxssh_proto::names;
use oxssh_sys::user::User;

use crate::cli::Flags;
use crate::sysenv::SystemEnvironment;

/// The port of the single-user default: unprivileged, and the customary alternative to 22.
pub const SINGLE_USER_PORT: u16 = 2222;

/// sshd's default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/ssh/sshd_config";

/// Where Debian keeps OpenSSH's SFTP server, which our `sftp` subsystem runs by default.
pub const SFTP_SERVER: &str = "/usr/lib/openssh/sftp-server";

/// Whom the daemon serves.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Running as root: every user, processes started with their credentials.
    Root,
    /// Running as an ordinary user: only that user, and no privilege changes.
    SingleUser(Arc<User>),
}

/// Why the daemon cannot start; each message is one line in sshd's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartError {
    /// The lines to print, in order.
    pub messages: Vec<String>,
    /// The exit status (sshd: 1 for a missing file or bad flags, 255 for `fatal()`).
    pub status: u8,
}

impl StartError {
    /// A one-line fatal error (status 255).
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            messages: vec![message.into()],
            status: 255,
        }
    }
}

impl From<oxssh_config::ConfigError> for StartError {
    fn from(e: oxssh_config::ConfigError) -> Self {
        Self {
            messages: e.messages().to_vec(),
            status: 255,
        }
    }
}

/// The algorithms oxssh implements, with the daemon's defaults, for oxssh-config's `+ - ^` lists.
pub fn algorithms() -> Algorithms {
    let v = |it: &mut dyn Iterator<Item = &'static str>| it.collect::<Vec<&str>>();
    let keys: Vec<&str> = oxssh_keys::SignatureAlgorithm::ALL
        .iter()
        .map(|a| a.name())
        .collect();
    Algorithms {
        ciphers: AlgorithmList::new(
            &v(&mut names::supported_cipher_names()),
            names::defaults::CIPHERS,
        ),
        macs: AlgorithmList::new(
            &v(&mut names::supported_mac_names()),
            names::defaults::SERVER_MACS,
        ),
        kex: AlgorithmList::new(
            &v(&mut names::supported_kex_names()),
            names::defaults::SERVER_KEX,
        ),
        host_key: AlgorithmList::new(&keys, names::defaults::SERVER_HOST_KEY),
        pubkey_accepted: AlgorithmList::new(&keys, names::defaults::PUBKEY_ACCEPTED),
        hostbased_accepted: AlgorithmList::new(&keys, names::defaults::PUBKEY_ACCEPTED),
        ca_signature: AlgorithmList::new(&keys, names::defaults::PUBKEY_ACCEPTED),
        gssapi_kex: AlgorithmList::default(),
    }
}

/// Whether PAM has a service for us (`/etc/pam.d/sshd`, or the vendor directory).
pub fn pam_service_exists() -> bool {
    ["/etc/pam.d/sshd", "/usr/lib/pam.d/sshd"]
        .iter()
        .any(|p| Path::new(p).exists())
}

/// The single-user state directory: `$XDG_STATE_HOME/oxssh`, else `~/.local/state/oxssh`.
pub fn state_dir(home: &Path) -> PathBuf {
    match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("oxssh"),
        None => home.join(".local/state/oxssh"),
    }
}

/// The configuration as read at start-up (or after SIGHUP).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed file, kept for `Match` evaluation per connection.
    pub file: Arc<FileConfig>,
    /// The global options (no Match applied).
    pub options: ServerOptions,
    /// Root or single-user.
    pub mode: Mode,
    /// True when the built-in defaults are in use (no `-f`, and not root or no
    /// /etc/ssh/sshd_config).
    pub embedded: bool,
    /// Where generated host keys live with the built-in defaults.
    pub state_dir: Option<PathBuf>,
    /// Whether password and keyboard-interactive go through PAM.
    pub use_pam: bool,
}

/// Reads the configuration the flags name (or the embedded defaults).
pub fn load(flags: &Flags) -> Result<Loaded, StartError> {
    let root = oxssh_sys::user::is_root();
    let mut env = SystemEnvironment::new();
    let mode = if root {
        Mode::Root
    } else {
        let me = oxssh_sys::user::current_user()
            .ok()
            .flatten()
            .ok_or_else(|| {
                StartError::fatal(format!(
                    "No user exists for uid {}",
                    oxssh_sys::Uid::current()
                ))
            })?;
        Mode::SingleUser(Arc::new(me))
    };
    // The built-in defaults: for an ordinary user without -f, and for root without -f on a
    // machine that has no /etc/ssh/sshd_config (a fresh one), so `oxsshd -D -e` always works.
    let embedded = flags.config_file.is_none() && (!root || !Path::new(DEFAULT_CONFIG).exists());
    let mut options: Vec<String> = Vec::new();
    if let Some(af) = flags.address_family {
        options.push(format!("AddressFamily {af}"));
    }
    if let Some(g) = &flags.grace_time {
        options.push(format!("LoginGraceTime {g}"));
    }
    options.extend(flags.options.iter().cloned());
    let mut host_keys = flags.host_keys.clone();
    let mut state = None;
    let pam = pam_service_exists();
    let (config_file, ports) = if embedded {
        let home = match &mode {
            Mode::SingleUser(me) => me.home.clone(),
            Mode::Root => PathBuf::from(env.home_dir()),
        };
        let dir = state_dir(&home);
        if host_keys.is_empty() {
            for name in crate::hostkeys::GENERATED {
                host_keys.push(dir.join(name).to_string_lossy().into_owned());
            }
        }
        state = Some(dir);
        options.extend(embedded_options(pam));
        let ports = match (&mode, flags.ports.is_empty()) {
            (_, false) => flags.ports.clone(),
            (Mode::SingleUser(_), true) => vec![SINGLE_USER_PORT],
            (Mode::Root, true) => vec![22],
        };
        (PathBuf::from("/dev/null"), ports)
    } else {
        let file = flags
            .config_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        if std::fs::metadata(&file).is_err() {
            return Err(StartError {
                messages: vec![format!("{}: No such file or directory", file.display())],
                status: 1,
            });
        }
        (file, flags.ports.clone())
    };
    let algorithms = algorithms();
    let mut request = oxssh_config::server::ServerRequest::new(&config_file, &algorithms);
    request.options = &options;
    request.ports = &ports;
    request.host_keys = &host_keys;
    let file = FileConfig::load(&request, &mut env)?;
    let global = file.global().options().clone();
    for w in file.global().warnings() {
        crate::log::info(&w.message);
    }
    let use_pam = global.use_pam && pam;
    Ok(Loaded {
        file: Arc::new(file),
        options: global,
        mode,
        embedded,
        state_dir: state,
        use_pam,
    })
}

/// The built-in defaults, as `-o` lines.
fn embedded_options(pam: bool) -> Vec<String> {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut o = vec![
        "PidFile none".to_owned(),
        format!("UsePAM {}", yes_no(pam)),
        format!("PasswordAuthentication {}", yes_no(pam)),
        format!("KbdInteractiveAuthentication {}", yes_no(pam)),
        "PrintMotd no".to_owned(),
    ];
    if Path::new(SFTP_SERVER).exists() {
        o.push(format!("Subsystem sftp {SFTP_SERVER}"));
    }
    o
}

/// The `sshd -T [-C spec]` output.
pub fn dump(loaded: &Loaded, spec: Option<&str>) -> Result<String, StartError> {
    let mut env = SystemEnvironment::new();
    let conn = match spec {
        Some(s) => Some(ConnectionInfo::from_test_spec(s, &env).map_err(StartError::fatal)?),
        None => None,
    };
    Ok(loaded.file.test_mode(conn.as_ref(), &mut env)?.dump())
}

/// The options for one connection once the user is known: the global options with matching
/// `Match` blocks applied. Blocks (NSS for `Match Group`); call on a blocking thread.
pub fn for_connection(
    file: &FileConfig,
    user: &str,
    address: &str,
    local_address: &str,
    local_port: u16,
) -> Result<Resolved, String> {
    let mut env = SystemEnvironment::new();
    let conn = ConnectionInfo {
        user: Some(user.to_owned()),
        host: Some(address.to_owned()),
        address: Some(address.to_owned()),
        local_address: Some(local_address.to_owned()),
        local_port: Some(local_port),
        rdomain: None,
        test: false,
    };
    file.for_connection(&conn, &mut env)
        .map_err(|e| e.messages().join("; "))
}

/// The method names announced in USERAUTH_FAILURE, in OpenSSH's order.
pub fn auth_methods(o: &ServerOptions) -> Vec<String> {
    let mut m = Vec::new();
    if o.pubkey_authentication {
        m.push("publickey".to_owned());
    }
    if o.password_authentication {
        m.push("password".to_owned());
    }
    if o.kbd_interactive_authentication {
        m.push("keyboard-interactive".to_owned());
    }
    m
}

/// The protocol core's configuration from the global options and the loaded host keys.
pub fn core_config(
    o: &ServerOptions,
    host_keys: Vec<Arc<PrivateKey>>,
) -> Result<Arc<oxssh_proto::ServerConfig>, StartError> {
    let mut c = oxssh_proto::ServerConfig::new(host_keys);
    c.common.algorithms.kex = o.kex_algorithms.clone();
    c.common.algorithms.host_key = o.host_key_algorithms.clone();
    c.common.algorithms.ciphers = o.ciphers.clone();
    c.common.algorithms.macs = o.macs.clone();
    // sshd's Compression yes (delayed): offered after none, used when the client prefers it.
    c.common.algorithms.compression = if o.compression {
        vec![
            names::COMPRESSION_NONE.to_owned(),
            names::COMPRESSION_ZLIB_OPENSSH.to_owned(),
        ]
    } else {
        vec![names::COMPRESSION_NONE.to_owned()]
    };
    c.common.rekey_bytes = o.rekey_limit.bytes;
    c.common.rekey_time = o.rekey_limit.interval;
    c.login_grace_time = (!o.login_grace_time.is_zero()).then_some(o.login_grace_time);
    c.max_auth_tries = o.max_auth_tries.max(1);
    c.auth_methods = auth_methods(o);
    c.pubkey_algorithms = o
        .pubkey_accepted_algorithms
        .iter()
        .filter(|n| names::host_key_algorithm(n).is_some())
        .cloned()
        .collect();
    if c.pubkey_algorithms.is_empty() {
        c.pubkey_algorithms = names::defaults::PUBKEY_ACCEPTED
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    }
    c.build()
        .map_err(|e| StartError::fatal(format!("sshd: no usable host key or algorithm: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_lists_only_name_what_the_core_implements() {
        let a = algorithms();
        for n in &a.kex.default {
            assert!(a.kex.supported.contains(n), "{n}");
        }
        assert!(a.macs.default.iter().all(|m| m.contains("etm")));
        assert!(!a.host_key.default.iter().any(|k| k.contains("nistp")));
    }

    #[test]
    fn embedded_defaults_follow_pam_availability() {
        let with = embedded_options(true);
        assert!(with.contains(&"PasswordAuthentication yes".to_owned()));
        let without = embedded_options(false);
        assert!(without.contains(&"PasswordAuthentication no".to_owned()));
        assert!(without.contains(&"UsePAM no".to_owned()));
    }
}
