//! Writing files so that nothing is ever half-written: the new contents go to a temporary file in
//! the same directory (so the rename stays on one file system) and are renamed over the target
//! only once complete. A temporary file that is not renamed is removed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The letters mkstemp(3) fills its `XXXXXXXXXX` template with.
const TEMPLATE_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A temporary file next to its target, removed on drop unless persisted.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

impl TempFile {
    /// Creates `<target>.XXXXXXXXXX` exclusively, with `mode` (less the umask, as open(2) does).
    pub fn create(target: &Path, mode: u32) -> io::Result<Self> {
        let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
        // mkstemp retries on collisions; ten random letters make a second try almost never needed.
        for _ in 0..16 {
            let mut suffix = [0u8; 10];
            aws_lc_rs::rand::fill(&mut suffix).map_err(|_| io::Error::other("random source"))?;
            let suffix: String = suffix
                .iter()
                .map(|b| char::from(TEMPLATE_CHARS[usize::from(*b) % TEMPLATE_CHARS.len()]))
                .collect();
            let mut name = target.as_os_str().to_os_string();
            name.push(".");
            name.push(&suffix);
            let path = PathBuf::from(name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file: Some(file),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// The temporary file's name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file.
    pub fn file(&self) -> io::Result<&File> {
        self.file
            .as_ref()
            .ok_or_else(|| io::Error::other("temporary file already closed"))
    }

    /// Writes all of `data` and flushes it to the file.
    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let mut file = self.file()?;
        file.write_all(data)?;
        file.flush()
    }

    /// Closes the file and renames it to `target`.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.path, target)?;
        // Renamed: nothing is left to clean up.
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Replaces `target` with `data` atomically. The file is created with `mode` less the umask, like
/// OpenSSH's `open(path, O_CREAT|O_TRUNC, mode)`.
pub fn write_atomic(target: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let mut tmp = TempFile::create(target, mode)?;
    tmp.write_all(data)?;
    tmp.persist(target)
}

/// Appends `suffix` to a path's last component (`id_rsa` → `id_rsa.pub`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("key");
        std::fs::write(&target, b"old").unwrap();
        write_atomic(&target, b"new", 0o600).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_temp_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("known_hosts");
        let tmp = TempFile::create(&target, 0o600).unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("known_hosts.") && name.len() == "known_hosts.".len() + 10);
        drop(tmp);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_directory_is_an_error() {
        let err = write_atomic(Path::new("/nonexistent-dir/key"), b"x", 0o600).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
