//! The account the clients log in as: a temporary system user whose shell is `/bin/sh`, created for
//! the run and removed after it.
//!
//! Logging in as root would run root's shell start-up files for every command (bash sources
//! `~/.bashrc` even for `bash -c` when started by an SSH daemon), and on a developer's machine those
//! can take longer than the SSH implementations themselves: on the machine this suite was written on,
//! `pyenv init` there made every login 250 ms slower for both servers, hiding the difference between
//! them. A fresh user with a plain shell measures the daemons and clients, not a profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// A temporary user; deleted on drop.
#[derive(Debug)]
pub struct BenchUser {
    /// The login name.
    pub name: String,
    /// Its home directory (inside the fixture).
    pub home: PathBuf,
    created: bool,
}

/// Runs a user-database tool. Other programs (tests creating their own users) may hold
/// /etc/passwd's lock for a moment, and these tools give up at once when they find it locked, so a
/// locked file is retried for a few seconds.
fn run(program: &str, args: &[&str]) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::new(format!("cannot run {program}: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("lock") && Instant::now() < deadline {
            // Waiting for another process to release a lock file: there is nothing to poll.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        return Err(Error::new(format!(
            "{program} {}: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
}

impl BenchUser {
    /// Creates the user with its home at `home` (which it then owns).
    pub fn create(home: &Path) -> Result<BenchUser, Error> {
        let name = format!("oxbench{}", std::process::id() % 100_000);
        // A run killed before it could clean up left this name behind only if it had our pid.
        let _ = run("userdel", &[&name]);
        std::fs::create_dir_all(home)
            .map_err(|e| Error::new(format!("{}: {e}", home.display())))?;
        let home_str = home.to_string_lossy().into_owned();
        // Password "*": no password can match it, but unlike useradd's default "!" it does not mark
        // the account locked, which sshd (without PAM) would refuse even for a key.
        run(
            "useradd",
            &[
                "--system",
                "--no-create-home",
                "--home-dir",
                &home_str,
                "--shell",
                "/bin/sh",
                "--user-group",
                "--password",
                "*",
                &name,
            ],
        )?;
        let user = BenchUser {
            name,
            home: home.to_path_buf(),
            created: true,
        };
        run("chown", &[&format!("{0}:{0}", user.name), &home_str])?;
        Ok(user)
    }

    /// root, when no user could be created.
    pub fn root() -> BenchUser {
        BenchUser {
            name: "root".into(),
            home: PathBuf::from("/root"),
            created: false,
        }
    }
}

impl Drop for BenchUser {
    fn drop(&mut self) {
        if self.created {
            let _ = run("userdel", &[&self.name]);
        }
    }
}
