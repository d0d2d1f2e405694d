//! Shared test support: a temporary directory to work in, and running our binary and OpenSSH's
//! ssh-keygen side by side on the same inputs.
//!
//! Every command runs in a new session (`setsid -w`), so it has no controlling terminal and can
//! never stop to ask a developer's terminal for a passphrase; HOME points at the sandbox.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Our binary.
pub const OURS: &str = env!("CARGO_BIN_EXE_oxssh-keygen");
/// OpenSSH's.
pub const OPENSSH: &str = "ssh-keygen";
/// How long one run may take (RSA generation is the slowest).
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// Whether OpenSSH's ssh-keygen is installed. Without it the comparison tests are skipped loudly,
/// and fail under `CI=true`, where it must be present.
pub fn have_openssh() -> bool {
    let ok = Command::new(OPENSSH)
        .arg("-?")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-keygen (OpenSSH) is required under CI"
        );
        eprintln!("SKIPPED: OpenSSH's ssh-keygen is not installed");
    }
    ok
}

/// A temporary working directory.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        std::fs::write(self.path(name), contents).expect("write fixture");
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub fn read_string(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("utf-8")
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    pub fn mode(&self, name: &str) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(self.path(name))
            .expect("stat")
            .permissions()
            .mode()
            & 0o7777
    }

    pub fn chmod(&self, name: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.path(name), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }

    pub fn copy(&self, from: &str, to: &str) {
        std::fs::copy(self.path(from), self.path(to)).expect("copy");
    }

    /// Names of the files in the sandbox, sorted.
    pub fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `program args…` in the sandbox with no terminal and empty standard input.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        self.run_with_input(program, args, b"")
    }

    /// Runs with `input` on standard input.
    pub fn run_with_input(&self, program: &str, args: &[&str], input: &[u8]) -> Output {
        let out = oxssh_test::process::run(
            Command::new("setsid")
                .arg("-w")
                .arg(program)
                .args(args)
                .current_dir(self.dir())
                .env("HOME", self.dir())
                .env_remove("DISPLAY")
                .env_remove("SSH_ASKPASS"),
            Some(input),
            TIMEOUT,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{program} {args:?} panicked: {stderr}"
        );
        out
    }

    pub fn ours(&self, args: &[&str]) -> Output {
        self.run(OURS, args)
    }

    pub fn openssh(&self, args: &[&str]) -> Output {
        self.run(OPENSSH, args)
    }

    /// Runs ours, asserting success, and returns standard output.
    pub fn ours_ok(&self, args: &[&str]) -> String {
        let out = self.ours(args);
        assert!(
            out.status.success(),
            "oxssh-keygen {args:?} failed: {}",
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs OpenSSH's, asserting success, and returns standard output.
    pub fn openssh_ok(&self, args: &[&str]) -> String {
        let out = self.openssh(args);
        assert!(
            out.status.success(),
            "ssh-keygen {args:?} failed: {}",
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs both on the same arguments in this sandbox and asserts the same standard output,
    /// standard error and exit status.
    pub fn assert_same(&self, args: &[&str]) -> Output {
        let ours = self.ours(args);
        let theirs = self.openssh(args);
        assert_same_output(args, &ours, &theirs);
        ours
    }
}

/// Asserts two runs printed the same and exited the same.
pub fn assert_same_output(args: &[&str], ours: &Output, theirs: &Output) {
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout),
        "stdout differs for {args:?}\nours:   {}\ntheirs: {}",
        show(ours),
        show(theirs)
    );
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&theirs.stderr),
        "stderr differs for {args:?}"
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "status differs for {args:?}"
    );
}

/// A run's status and output, for failure messages.
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}, stdout {:?}, stderr {:?}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text of standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The text of standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
