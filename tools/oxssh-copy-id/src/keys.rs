//! Which keys to install, chosen as the script chooses: `-i FILE` (its `.pub`, and the private key
//! beside it unless `-f`), else every key the agent holds (`ssh-add -L`), else the newest
//! `~/.ssh/id*.pub` that is not a certificate.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::messages;

/// The key file chosen with `-i` or by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdFile {
    /// The public key file whose lines are installed.
    pub public: String,
    /// The private key the filtering login uses (`None` with `-f`, which does not filter).
    pub private: Option<String>,
}

/// What to print and the exit status when a key file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// For standard output.
    pub stdout: String,
}

/// `dirname`.
fn dirname(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(at) => trimmed[..at].trim_end_matches('/').to_owned(),
        None => ".".to_owned(),
    }
}

/// `basename path .pub`.
fn basename_without_pub(path: &str) -> String {
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    match base.strip_suffix(".pub") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => base.to_owned(),
    }
}

/// The script's `use_id_file`: the public file (`FILE.pub` unless FILE ends in `.pub`) and, unless
/// forced, the private key next to it; both must be readable.
pub fn use_id_file(program: &str, given: &str, forced: bool) -> Result<IdFile, Refusal> {
    if given.is_empty() {
        return Err(Refusal {
            stdout: format!("{program}: ERROR: no ID file found\n"),
        });
    }
    let public = if given.ends_with(".pub") {
        given.to_owned()
    } else {
        format!("{given}.pub")
    };
    let private =
        (!forced).then(|| format!("{}/{}", dirname(&public), basename_without_pub(&public)));
    for (path, is_private) in
        std::iter::once((&public, false)).chain(private.iter().map(|p| (p, true)))
    {
        if let Err(e) = std::fs::File::open(path) {
            let hint = is_private.then_some(public.as_str());
            return Err(Refusal {
                stdout: messages::cannot_open_id(program, path, &messages::open_error(&e), hint),
            });
        }
    }
    Ok(IdFile { public, private })
}

/// The key lines of a public key file, as `cat FILE | while read -r ID` sees them (blank lines
/// dropped).
pub fn lines_of(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// `ls -t ~/.ssh/id*.pub | grep -v -- '-cert.pub$' | head -n 1`: the newest public key file.
pub fn default_public_file(home: &Path) -> Option<String> {
    let dir = home.join(".ssh");
    let mut found: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("id") || !name.ends_with(".pub") || name.ends_with("-cert.pub") {
                return None;
            }
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some((modified, dir.join(name)))
        })
        .collect();
    // Newest first; ls -t breaks ties by name.
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found
        .into_iter()
        .next()
        .map(|(_, p)| p.display().to_string())
}

/// `ssh-add -L`: the agent's keys as public key lines, if `SSH_AUTH_SOCK` names an agent that
/// holds at least one.
pub fn agent_keys() -> Option<Vec<String>> {
    let mut agent = oxssh_tokio::agent::BlockingAgent::connect_env().ok()?;
    let lines: Vec<String> = agent
        .identities()
        .ok()?
        .into_iter()
        .filter_map(|id| {
            let key = id.public_key().ok()?;
            Some(format!("{} {}", key.to_openssh_line(""), id.comment))
        })
        .collect();
    (!lines.is_empty()).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_dirname_and_basename_make_them() {
        assert_eq!(dirname("k.pub"), ".");
        assert_eq!(dirname("/a/b/k.pub"), "/a/b");
        assert_eq!(dirname("/k.pub"), "/");
        assert_eq!(basename_without_pub("/a/id_rsa.pub"), "id_rsa");
        assert_eq!(basename_without_pub(".pub"), ".pub");
    }

    #[test]
    fn id_files_must_be_readable() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::write(dir.path().join("only.pub"), "ssh-ed25519 AAAA x\n").unwrap();
        let e = use_id_file("/p", &format!("{d}/only.pub"), false).unwrap_err();
        assert_eq!(
            e.stdout,
            format!(
                "\n/p: ERROR: failed to open ID file '{d}/only': No such file\n\
                 \t(to install the contents of '{d}/only.pub' anyway, look at the -f option)\n"
            )
        );
        let forced = use_id_file("/p", &format!("{d}/only"), true).unwrap();
        assert_eq!(forced.public, format!("{d}/only.pub"));
        assert_eq!(forced.private, None);
        let e = use_id_file("/p", &format!("{d}/none"), true).unwrap_err();
        assert_eq!(
            e.stdout,
            format!("\n/p: ERROR: failed to open ID file '{d}/none.pub': No such file\n")
        );
        assert_eq!(
            use_id_file("/p", "", false).unwrap_err().stdout,
            "/p: ERROR: no ID file found\n"
        );
    }

    #[test]
    fn the_newest_public_key_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir(&ssh).unwrap();
        assert_eq!(default_public_file(dir.path()), None);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
        for (name, time) in [
            ("id_rsa.pub", old),
            ("id_ed25519.pub", SystemTime::now()),
            (
                "id_ecdsa-cert.pub",
                SystemTime::now() + std::time::Duration::from_secs(50),
            ),
            (
                "other.pub",
                SystemTime::now() + std::time::Duration::from_secs(50),
            ),
        ] {
            let f = std::fs::File::create(ssh.join(name)).unwrap();
            f.set_modified(time).unwrap();
        }
        assert_eq!(
            default_public_file(dir.path()),
            Some(ssh.join("id_ed25519.pub").display().to_string())
        );
    }
}
