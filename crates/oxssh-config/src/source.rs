//! Reading configuration files: a cache (each file is read once even when the configuration is
//! processed twice), `Include` globbing with OpenSSH's rules (POSIX glob(3): sorted results,
//! wildcards never match a leading dot), and the ownership check ssh applies to user files
//! (readconf.c SSHCONF_CHECKPERM).

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// OpenSSH's READCONF_MAX_DEPTH / SERVCONF_MAX_DEPTH: includes nest at most this deep.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 16;

/// Files are read whole; refuse absurd sizes so a hostile Include of a huge file cannot exhaust
/// memory (OpenSSH has no limit, but no real configuration comes near this).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The outcome of opening a file.
#[derive(Debug, Clone)]
pub(crate) enum Loaded {
    /// Its text. `Arc` rather than `Rc` so a loaded configuration can be shared between threads
    /// (the daemon keeps it for `Match` evaluation on every connection task).
    Text(Arc<str>),
    /// It does not exist.
    Missing,
    /// It exists but cannot be read (the error text as strerror would give it).
    Error(String),
}

/// Reads and caches files by path.
#[derive(Debug, Clone)]
pub(crate) struct FileCache {
    files: HashMap<PathBuf, Loaded>,
    /// Whether files not put in the cache may be read from disk (false for fuzzing: only the
    /// text handed in exists).
    disk: bool,
}

/// strerror-style text for an I/O error.
pub(crate) fn strerror(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".to_owned(),
        io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "Is a directory".to_owned(),
        _ => {
            let s = e.to_string();
            // std appends " (os error N)"; OpenSSH prints the bare strerror text.
            match s.find(" (os error") {
                Some(i) => s.get(..i).unwrap_or(&s).to_owned(),
                None => s,
            }
        }
    }
}

impl FileCache {
    /// A cache that reads from disk, or only from text put in it.
    pub fn new(disk: bool) -> Self {
        Self {
            files: HashMap::new(),
            disk,
        }
    }

    /// Reads a file (once).
    pub fn load(&mut self, path: &Path) -> Loaded {
        if let Some(l) = self.files.get(path) {
            return l.clone();
        }
        if !self.disk {
            return Loaded::Missing;
        }
        let loaded = match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Loaded::Missing,
            Err(e) => Loaded::Error(strerror(&e)),
            Ok(m) if m.is_dir() => Loaded::Error("Is a directory".to_owned()),
            Ok(m) if m.len() > MAX_FILE_BYTES => Loaded::Error("File too large".to_owned()),
            Ok(_) => match std::fs::read(path) {
                Ok(bytes) => Loaded::Text(Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Loaded::Missing,
                Err(e) => Loaded::Error(strerror(&e)),
            },
        };
        self.files.insert(path.to_path_buf(), loaded.clone());
        loaded
    }

    /// Puts text in the cache under a name, so configuration can be read from memory
    /// (tests, fuzzing, `-o` style sources).
    pub fn insert(&mut self, path: &Path, text: &str) {
        self.files
            .insert(path.to_path_buf(), Loaded::Text(Arc::from(text)));
    }

    /// Whether files come from disk (so ownership checks apply).
    pub fn uses_disk(&self) -> bool {
        self.disk
    }

    /// glob(3) over the disk, or over the in-memory files when the disk is off.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        if self.disk {
            return glob(pattern);
        }
        let mut out: Vec<String> = self
            .files
            .keys()
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| fnmatch(pattern.as_bytes(), p.as_bytes()))
            .collect();
        out.sort();
        out
    }
}

/// readconf.c's permission check on user configuration: the file must belong to root or to the
/// user and must not be writable by group or others. `true` if acceptable.
pub(crate) fn permissions_ok(path: &Path, uid: u32) -> bool {
    match std::fs::metadata(path) {
        Ok(m) => (m.uid() == 0 || m.uid() == uid) && m.mode() & 0o022 == 0,
        // A file that vanished is reported by the caller when it fails to open.
        Err(_) => true,
    }
}

/// fnmatch(3) of one path component, with `*`, `?` and `[...]` (ranges, `!`/`^` negation); a
/// leading `.` must be matched explicitly.
fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                star = Some((p, n));
                continue;
            }
            Some(&pc) if n < name.len() => {
                let c = name.get(n).copied().unwrap_or(0);
                let step = match pc {
                    b'?' => Some(1),
                    b'[' => match_bracket(pattern.get(p..).unwrap_or(&[]), c),
                    b'\\' if pattern.get(p + 1).is_some() => {
                        (pattern.get(p + 1) == Some(&c)).then_some(2)
                    }
                    _ => (pc == c).then_some(1),
                };
                if let Some(used) = step {
                    p += used;
                    n += 1;
                    continue;
                }
            }
            None if n == name.len() => return true,
            _ => {}
        }
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp;
                n = sn + 1;
            }
            _ => return false,
        }
    }
}

/// Matches `c` against a bracket expression at the start of `pat`; returns how many pattern
/// bytes it spans if it matches.
fn match_bracket(pat: &[u8], c: u8) -> Option<usize> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *pat.get(i)?;
        if b == b']' && !first {
            break;
        }
        first = false;
        if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|e| *e != b']') {
            let e = *pat.get(i + 2)?;
            if b <= c && c <= e {
                matched = true;
            }
            i += 3;
        } else {
            if b == c {
                matched = true;
            }
            i += 1;
        }
    }
    (matched != negate).then_some(i + 1)
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// glob(3) without GLOB_NOCHECK: the sorted list of existing paths matching `pattern`; empty for
/// GLOB_NOMATCH.
pub(crate) fn glob(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let mut candidates: Vec<String> = vec![if absolute {
        "/".to_owned()
    } else {
        String::new()
    }];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for base in &candidates {
            let join = |name: &str| -> String {
                if base.is_empty() {
                    name.to_owned()
                } else if base.ends_with('/') {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if !has_magic(part) {
                let p = join(part);
                if last || Path::new(&p).is_dir() {
                    next.push(p);
                }
                continue;
            }
            let dir = if base.is_empty() { "." } else { base.as_str() };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                if fnmatch(part.as_bytes(), name.as_bytes()) {
                    let p = join(&name);
                    if last || Path::new(&p).is_dir() {
                        next.push(p);
                    }
                }
            }
        }
        candidates = next;
    }
    // Without magic characters glob still reports only paths that exist.
    candidates.retain(|c| !c.is_empty() && std::fs::symlink_metadata(c).is_ok());
    candidates.sort();
    candidates.dedup();
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaded_configurations_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<crate::server::ServerConfig>();
        send_sync::<crate::server::Resolved>();
    }

    #[test]
    fn fnmatch_rules() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".hidden.conf"));
        assert!(fnmatch(b".*", b".hidden"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"a?c", b"abc"));
    }

    #[test]
    fn glob_sorts_and_skips_missing() {
        let d = tempfile::tempdir().unwrap();
        for n in ["b.conf", "a.conf", ".x.conf", "c.txt"] {
            std::fs::write(d.path().join(n), "").unwrap();
        }
        let base = d.path().to_string_lossy();
        let got = glob(&format!("{base}/*.conf"));
        assert_eq!(
            got,
            vec![format!("{base}/a.conf"), format!("{base}/b.conf")]
        );
        assert!(glob(&format!("{base}/nope")).is_empty());
        assert_eq!(
            glob(&format!("{base}/c.txt")),
            vec![format!("{base}/c.txt")]
        );
    }
}
