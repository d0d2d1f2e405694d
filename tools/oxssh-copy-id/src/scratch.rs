//! The private scratch directory of the filtering logins, `~/.ssh/ssh-copy-id.XXXXXXXXXX` (mode
//! 0700) as in the script, removed with everything in it when dropped.

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// How many random names to try.
const ATTEMPTS: usize = 100;

/// A directory that is removed on drop.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// A new directory under `home/.ssh`, or under the temporary directory when there is no
    /// `~/.ssh` yet.
    pub fn new(home: &Path) -> io::Result<Self> {
        let ssh = home.join(".ssh");
        let parent = if ssh.is_dir() {
            ssh
        } else {
            std::env::temp_dir()
        };
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..ATTEMPTS {
            let mut random = [0u8; 10];
            aws_lc_rs::rand::fill(&mut random).map_err(|_| io::Error::other("random"))?;
            let name: String = random
                .iter()
                .map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()]))
                .collect();
            let path = parent.join(format!("ssh-copy-id.{name}"));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
