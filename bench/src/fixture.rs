//! The temporary world every measurement runs in: one directory with a host key, a user key that
//! both servers authorize, the user that logs in, a known_hosts file, a client configuration both
//! clients read.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;
use crate::user::BenchUser;

/// The name clients connect to; `HostKeyAlias` makes known_hosts independent of address and port.
pub const HOST_ALIAS: &str = "oxssh-bench";

/// Paths of the programs under test.
#[derive(Debug, Clone)]
pub struct Programs {
    /// Our client.
    pub oxssh: PathBuf,
    /// Our daemon.
    pub oxsshd: PathBuf,
    /// OpenSSH's client.
    pub ssh: PathBuf,
    /// OpenSSH's daemon.
    pub sshd: PathBuf,
}

impl Programs {
    /// Our binaries next to this one (the same cargo profile directory), OpenSSH's from PATH and
    /// /usr/sbin.
    pub fn locate() -> Programs {
        let here = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        // Test binaries live one level further down, in deps/.
        let ours = |name: &str| {
            let direct = here.join(name);
            if direct.exists() {
                return direct;
            }
            here.parent().map_or(direct, |p| p.join(name))
        };
        Programs {
            oxssh: ours("oxssh"),
            oxsshd: ours("oxsshd"),
            ssh: PathBuf::from("ssh"),
            sshd: PathBuf::from("/usr/sbin/sshd"),
        }
    }
}

/// The temporary directory and the files in it.
pub struct Fixture {
    /// Who logs in (deleted on drop, before the directory).
    pub user: BenchUser,
    /// Why the user is root, when it is.
    pub user_note: Option<String>,
    /// Removed on drop.
    pub dir: tempfile::TempDir,
    /// The server's ed25519 host key (both servers use it).
    pub host_key: PathBuf,
    /// The client's ed25519 key.
    pub user_key: PathBuf,
    /// The client configuration (`-F`).
    pub client_config: PathBuf,
    /// authorized_keys for root, named by both servers' AuthorizedKeysFile.
    pub authorized_keys: PathBuf,
}

fn keygen(path: &Path) -> Result<(), Error> {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "oxssh-bench", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| Error::new(format!("cannot run ssh-keygen: {e}")))?;
    if !status.success() {
        return Err(Error::new(format!(
            "ssh-keygen failed for {}",
            path.display()
        )));
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

impl Fixture {
    /// Generates the keys and writes the files.
    pub fn create() -> Result<Fixture, Error> {
        let dir = tempfile::Builder::new()
            .prefix("oxssh-bench.")
            .tempdir()
            .map_err(|e| Error::new(format!("cannot create a temporary directory: {e}")))?;
        let d = dir.path();
        // The user reads the authorized_keys file from here (OpenSSH reads it with the user's
        // privileges), so the directory must be searchable; the private keys stay 0600.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::new(format!("{}: {e}", d.display())))?;
        let (user, user_note) = match BenchUser::create(&d.join("home")) {
            Ok(u) => (u, None),
            Err(e) => (
                BenchUser::root(),
                Some(format!(
                    "logging in as root ({e}): root's shell start-up files are part of every figure"
                )),
            ),
        };
        let host_key = d.join("host_ed25519");
        let user_key = d.join("id_ed25519");
        keygen(&host_key)?;
        keygen(&user_key)?;
        let authorized_keys = d.join("authorized_keys");
        write(&authorized_keys, &read(&user_key.with_extension("pub"))?)?;
        let host_pub = read(&host_key.with_extension("pub"))?;
        let mut fields = host_pub.split_whitespace();
        let (kind, blob) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        let known_hosts = d.join("known_hosts");
        write(&known_hosts, &format!("{HOST_ALIAS} {kind} {blob}\n"))?;
        let client_config = d.join("ssh_config");
        // The same options for both clients: no agent, no multiplexing, no prompts, no extra work
        // after login that one of them would do and the other not.
        write(
            &client_config,
            &format!(
                "Host {HOST_ALIAS}\n\
                 \x20 HostName 127.0.0.1\n\
                 \x20 HostKeyAlias {HOST_ALIAS}\n\
                 \x20 User {user}\n\
                 \x20 IdentityFile {key}\n\
                 \x20 IdentitiesOnly yes\n\
                 \x20 IdentityAgent none\n\
                 \x20 UserKnownHostsFile {known}\n\
                 \x20 GlobalKnownHostsFile /dev/null\n\
                 \x20 StrictHostKeyChecking yes\n\
                 \x20 UpdateHostKeys no\n\
                 \x20 BatchMode yes\n\
                 \x20 LogLevel ERROR\n\
                 \x20 ControlMaster no\n\
                 \x20 ControlPath none\n\
                 \x20 Compression no\n\
                 \x20 RequestTTY no\n\
                 \x20 ConnectTimeout 10\n",
                key = user_key.display(),
                known = known_hosts.display(),
                user = user.name,
            ),
        )?;
        Ok(Fixture {
            user,
            user_note,
            dir,
            host_key,
            user_key,
            client_config,
            authorized_keys,
        })
    }

    /// The sshd_config both daemons read, for a listener on `address:port`.
    pub fn server_config(&self, name: &str, address: &str, port: u16) -> Result<PathBuf, Error> {
        let d = self.dir.path();
        let path = d.join(format!("{name}_config"));
        // MaxStartups is raised for both so that sixteen clients logging in at once are measured,
        // not dropped; everything else is the default except what a temporary root login needs.
        write(
            &path,
            &format!(
                "Port {port}\n\
                 ListenAddress {address}\n\
                 HostKey {host}\n\
                 PidFile {dir}/{name}.pid\n\
                 AuthorizedKeysFile {keys}\n\
                 PermitRootLogin prohibit-password\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 UsePAM no\n\
                 StrictModes no\n\
                 LogLevel ERROR\n\
                 MaxStartups 200:30:400\n",
                host = self.host_key.display(),
                dir = d.display(),
                keys = self.authorized_keys.display(),
            ),
        )?;
        Ok(path)
    }
}
