//! Talking to the host through the client (oxssh), as the script does through ssh: which server it
//! is, which keys already log in, and the one login that appends the rest to authorized_keys.
//!
//! Every run is `oxssh -a -x` (no agent or X11 forwarding to a host that is being set up) with the
//! user's `-o`, `-p` and `-F` options and destination. The filtering logins allow public-key
//! authentication only, with exactly the key under test, so a password prompt never appears
//! there; the install login may ask for a password, which is what the user expects.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// Finds the client: `oxssh` next to this program (an installed suite keeps its tools together),
/// else on `PATH`.
pub fn find_client() -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(crate::messages::CLIENT)))
        .filter(|p| p.is_file());
    beside.unwrap_or_else(|| PathBuf::from(crate::messages::CLIENT))
}

/// The client and the user's arguments for it.
#[derive(Debug, Clone)]
pub struct Client {
    program: PathBuf,
    args: Vec<String>,
}

/// The exit status of a login and everything it printed.
#[derive(Debug)]
pub struct Login {
    /// The client's exit status.
    pub status: ExitStatus,
    /// Its standard output and error together.
    pub output: String,
}

impl Client {
    /// `program` with the user's options and destination `args`.
    pub fn new(program: PathBuf, args: Vec<String>) -> Self {
        Self { program, args }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(["-a", "-x"]);
        cmd
    }

    /// Runs the client with `extra` before the user's arguments and `after` behind them, stdin
    /// from /dev/null, and collects its output.
    fn login(&self, extra: &[&str], after: &[&str]) -> std::io::Result<Login> {
        let out = self
            .command()
            .args(extra)
            .args(&self.args)
            .args(after)
            .stdin(Stdio::null())
            .output()?;
        let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(Login {
            status: out.status,
            output,
        })
    }

    /// The server's software version, from the client's debug line "remote software version X"
    /// after a login that offers no authentication method (the script's `REMOTE_VERSION`).
    pub fn remote_version(&self) -> std::io::Result<Option<String>> {
        let login = self.login(
            &[
                "-v",
                "-o",
                "PreferredAuthentications=,",
                "-o",
                "ControlPath=none",
            ],
            &[],
        )?;
        Ok(login.output.lines().find_map(|l| {
            l.split_once("remote software version ")
                .map(|(_, v)| v.trim_end_matches('\r').to_owned())
        }))
    }

    /// One filtering login with `identity` only, running `exit`.
    pub fn try_key(&self, identity: &Path) -> std::io::Result<Login> {
        let identity = identity.display().to_string();
        self.login(
            &[
                "-i",
                &identity,
                "-o",
                "ControlPath=none",
                "-o",
                "LogLevel=INFO",
                "-o",
                "PreferredAuthentications=publickey",
                "-o",
                "IdentitiesOnly=yes",
            ],
            &["exit"],
        )
    }

    /// The install login: runs `command` with `keys` (one per line) on its standard input; the
    /// client's own prompts (host key, password) use the terminal. True if it succeeded.
    pub fn run_with_keys(&self, command: &str, keys: &[String]) -> std::io::Result<bool> {
        let mut child = self
            .command()
            .args(&self.args)
            .arg(command)
            .stdin(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            let mut text = keys.join("\n");
            text.push('\n');
            // The remote side may exit early (a full disk); its status says so.
            let _ = stdin.write_all(text.as_bytes());
        }
        Ok(child.wait()?.success())
    }

    /// The subsystem login for `-s`: the client with `-s … sftp`, its standard input and output
    /// piped for the SFTP protocol; standard error stays on the terminal.
    pub fn sftp(&self) -> std::io::Result<std::process::Child> {
        self.command()
            .arg("-s")
            .args(&self.args)
            .arg("sftp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
    }
}

/// The script's `installkeys_sh`: a one-line POSIX sh program, run through `exec sh -c` so quirky
/// login shells (csh, fish) do not matter, that creates the directory (0700 by umask), makes sure
/// the file ends in a newline, appends standard input (0600 by umask), and restores SELinux labels
/// where `restorecon` exists.
pub fn install_command(auth_key_file: &str) -> String {
    let dir = match auth_key_file.rfind('/') {
        Some(at) => &auth_key_file[..at],
        None => ".",
    };
    format!(
        "exec sh -c 'cd; umask 077; mkdir -p \"{dir}\" && {{ [ -z `tail -1c {file} 2>/dev/null` ] || echo >> \"{file}\" || exit 1; }} && cat >> \"{file}\" || exit 1; if type restorecon >/dev/null 2>&1; then restorecon -F \"{dir}\" \"{file}\"; fi '",
        file = auth_key_file
    )
}

/// Where the keys go: Dropbear reads /etc/dropbear/authorized_keys, everyone else
/// ~/.ssh/authorized_keys.
pub fn authorized_keys_for(remote_version: Option<&str>) -> &'static str {
    match remote_version {
        Some(v) if v.starts_with("dropbear") => "/etc/dropbear/authorized_keys",
        _ => ".ssh/authorized_keys",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_install_command_is_the_scripts() {
        // Byte for byte what Debian's ssh-copy-id (OpenSSH 9.2) sends.
        assert_eq!(
            install_command(".ssh/authorized_keys"),
            "exec sh -c 'cd; umask 077; mkdir -p \".ssh\" && { [ -z `tail -1c .ssh/authorized_keys 2>/dev/null` ] || echo >> \".ssh/authorized_keys\" || exit 1; } && cat >> \".ssh/authorized_keys\" || exit 1; if type restorecon >/dev/null 2>&1; then restorecon -F \".ssh\" \".ssh/authorized_keys\"; fi '"
        );
        assert!(
            install_command("/etc/dropbear/authorized_keys").contains("mkdir -p \"/etc/dropbear\"")
        );
        assert_eq!(
            authorized_keys_for(Some("dropbear_2022.83")),
            "/etc/dropbear/authorized_keys"
        );
        assert_eq!(
            authorized_keys_for(Some("OpenSSH_9.2p1 Debian-2")),
            ".ssh/authorized_keys"
        );
        assert_eq!(authorized_keys_for(None), ".ssh/authorized_keys");
    }

    #[test]
    fn the_install_command_does_what_it_says() {
        // Run it locally with HOME pointing at a fresh directory: ~/.ssh 0700, the file 0600, a
        // missing final newline repaired, keys appended.
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let run = |input: &str| {
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(install_command(".ssh/authorized_keys"))
                .env("HOME", home.path())
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success());
        };
        run("key one\n");
        let ssh = home.path().join(".ssh");
        let file = ssh.join("authorized_keys");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ssh), 0o700);
        assert_eq!(mode(&file), 0o600);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(b"no newline").unwrap();
        run("key two\n");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "key one\nno newline\nkey two\n"
        );
    }
}
