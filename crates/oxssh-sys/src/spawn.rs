//! Starting a user's process for the daemon, waiting for it, and signalling it (RFC 4254 §6.5,
//! §6.9, §6.10).
//!
//! The daemon is a multi-threaded tokio process, so between `fork` and `exec` the child may only
//! do async-signal-safe work: no allocation, no locks, no NSS. Everything that needs those (the
//! group list, which `initgroups` would compute, NUL-terminated paths, messages) is prepared in
//! the parent; the child then runs `child_setup`, which only makes system calls, in this order
//! (OpenSSH's session.c `do_child` and uidswap.c `permanently_set_uid`):
//!
//! 1. `setsid`, so the child leads a new session and signals to its group reach its children;
//! 2. with a pty: `TIOCSCTTY` on the slave (already on fds 0, 1, 2), making it the controlling
//!    terminal;
//! 3. when changing user: `setgroups`, `setresgid`, `setresuid`, then a check that neither the
//!    old gid (unless the target is root) nor the old uid can be regained; if either can, the
//!    child exits before `exec` and [`spawn`] fails with
//!    [`Error::PrivilegeDropNotPermanent`];
//! 4. `chdir` to the working directory **as the user** (a home on root-squashed NFS is only
//!    reachable so); on failure OpenSSH's "Could not chdir to home directory" goes to the
//!    child's stderr and the child starts in `/`.
//!
//! std's `Command` adds the rest: the stdio `dup2`s, an empty signal mask and `SIGPIPE` back to
//! its default, `execve` with exactly the environment given. Every descriptor oxssh opens is
//! close-on-exec, so the child inherits nothing else.

use std::ffi::{CString, OsString};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rustix::process::WaitOptions;

use crate::pty::PtyPair;
use crate::user::User;
use crate::{Error, Gid, Pid, Result, Uid};

/// The errno the child reports when a privilege drop could be undone. It cannot come from the
/// calls made there, so the parent can tell this case apart.
const ERRNO_DROP_NOT_PERMANENT: i32 = libc::ENOTRECOVERABLE;

/// Whom the child runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User id.
    pub uid: Uid,
    /// Primary group id.
    pub gid: Gid,
    /// All groups, primary included, to pass to `setgroups`.
    pub groups: Vec<Gid>,
}

impl Credentials {
    /// The credentials of `user`, with the group list from `getgrouplist` (what `initgroups`
    /// would set, computed here because `initgroups` may not run in the child).
    pub fn for_user(user: &User) -> Result<Self> {
        Ok(Self {
            uid: user.uid,
            gid: user.gid,
            groups: crate::user::supplementary_groups(&user.name, user.gid)?,
        })
    }
}

/// How the child's stdin, stdout and stderr are connected.
#[derive(Debug)]
pub enum SpawnStdio {
    /// All three on the pty slave, which also becomes the controlling terminal. The parent
    /// keeps the master and closes its copy of the slave, so reading the master fails with
    /// `EIO` once every process has closed the slave.
    Pty(PtyPair),
    /// Three pipes: stdin, stdout and stderr (`exec` without a pty).
    Pipes,
}

/// Everything needed to start a user's process.
#[derive(Debug)]
pub struct SpawnRequest {
    /// The program to execute, normally the user's shell.
    pub program: PathBuf,
    /// The full argument vector, argv\[0\] included; it may differ from `program` (`-bash` for
    /// a login shell). When empty, argv\[0\] is `program`.
    pub argv: Vec<OsString>,
    /// The complete environment; nothing of the daemon's leaks in. The caller builds it (HOME
    /// USER LOGNAME SHELL PATH MAIL SSH_CONNECTION SSH_CLIENT SSH_TTY TERM …).
    pub env: Vec<(OsString, OsString)>,
    /// The working directory, normally the home directory; `/` is used when it cannot be
    /// entered.
    pub cwd: PathBuf,
    /// Change to this user in the child. Needs root unless it is already the current user, in
    /// which case nothing changes.
    pub credentials: Option<Credentials>,
    /// Where stdio goes.
    pub stdio: SpawnStdio,
}

/// The parent's ends of the child's stdio.
#[derive(Debug)]
pub enum ChildIo {
    /// The pty master.
    Pty {
        /// Read for the child's output, write for its input.
        master: OwnedFd,
        /// The slave's path, for `SSH_TTY`, utmp and releasing the tty afterwards.
        slave_name: PathBuf,
    },
    /// The pipe ends.
    Pipes {
        /// Write end of the child's stdin.
        stdin: OwnedFd,
        /// Read end of the child's stdout.
        stdout: OwnedFd,
        /// Read end of the child's stderr (`SSH_MSG_CHANNEL_EXTENDED_DATA`).
        stderr: OwnedFd,
    },
}

/// A started child. Nothing waits for it automatically: call [`wait`] or [`try_wait`] (after
/// `SIGCHLD`) to reap it.
#[derive(Debug)]
pub struct SpawnedChild {
    /// Its process id, also its session and process-group id.
    pub pid: Pid,
    /// The parent's ends of its stdio.
    pub io: ChildIo,
}

/// What the child needs between fork and exec, prepared by the parent.
pub(crate) struct ChildPlan {
    ctty: Option<OwnedFd>,
    ids: Option<IdChange>,
    cwd: CString,
    chdir_failed: Vec<u8>,
}

struct IdChange {
    uid: Uid,
    gid: Gid,
    groups: Vec<Gid>,
    old_uid: Uid,
    old_gid: Gid,
}

/// Starts the process described by `req`.
pub fn spawn(req: SpawnRequest) -> Result<SpawnedChild> {
    let ids = match req.credentials {
        None => None,
        Some(c) if crate::user::is_root() => Some(IdChange {
            uid: c.uid,
            gid: c.gid,
            groups: c.groups,
            old_uid: nix::unistd::getuid(),
            old_gid: nix::unistd::getgid(),
        }),
        Some(c) if c.uid == nix::unistd::getuid() && c.uid == nix::unistd::geteuid() => None,
        Some(c) => {
            return Err(Error::NotPrivileged {
                target: c.uid.as_raw(),
            });
        }
    };
    let cwd = CString::new(req.cwd.as_os_str().as_bytes())
        .map_err(|_| Error::NulByte("working directory"))?;
    let mut chdir_failed = b"Could not chdir to home directory ".to_vec();
    chdir_failed.extend_from_slice(req.cwd.as_os_str().as_bytes());
    chdir_failed.extend_from_slice(b": ");

    let mut cmd = Command::new(&req.program);
    if let Some((argv0, rest)) = req.argv.split_first() {
        cmd.arg0(argv0).args(rest);
    }
    cmd.env_clear().envs(req.env);

    let (ctty, pty_master) = match req.stdio {
        SpawnStdio::Pty(pair) => {
            let dup = |fd: &OwnedFd| fd.try_clone().map_err(|e| Error::os("dup pty slave", e));
            cmd.stdin(Stdio::from(dup(&pair.slave)?))
                .stdout(Stdio::from(dup(&pair.slave)?))
                .stderr(Stdio::from(dup(&pair.slave)?));
            (Some(pair.slave), Some((pair.master, pair.slave_name)))
        }
        SpawnStdio::Pipes => {
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            (None, None)
        }
    };
    crate::ffi::set_child_setup(
        &mut cmd,
        ChildPlan {
            ctty,
            ids,
            cwd,
            chdir_failed,
        },
    );

    let spawned = cmd.spawn();
    // Dropping the command closes the parent's copies of the pty slave.
    drop(cmd);
    let mut child = spawned.map_err(|e| match e.raw_os_error() {
        Some(ERRNO_DROP_NOT_PERMANENT) => Error::PrivilegeDropNotPermanent,
        _ => Error::os("spawn", e),
    })?;
    let raw_pid =
        i32::try_from(child.id()).map_err(|_| Error::os("spawn", io::ErrorKind::InvalidData))?;
    let pid = Pid::from_raw(raw_pid);
    let io = match pty_master {
        Some((master, slave_name)) => ChildIo::Pty { master, slave_name },
        None => {
            let missing = || Error::os("spawn", io::ErrorKind::BrokenPipe);
            ChildIo::Pipes {
                stdin: child.stdin.take().ok_or_else(missing)?.into(),
                stdout: child.stdout.take().ok_or_else(missing)?.into(),
                stderr: child.stderr.take().ok_or_else(missing)?.into(),
            }
        }
    };
    // `std::process::Child` neither waits nor kills on drop; the pid is reaped through `wait`.
    drop(child);
    Ok(SpawnedChild { pid, io })
}

/// The child's side; see the module documentation. Runs between fork and exec, so it must stay
/// async-signal-safe: system calls only, on data prepared by the parent.
pub(crate) fn child_setup(plan: &ChildPlan) -> io::Result<()> {
    rustix::process::setsid()?;
    if let Some(tty) = &plan.ctty {
        rustix::process::ioctl_tiocsctty(tty)?;
    }
    if let Some(ids) = &plan.ids {
        change_ids(ids)?;
    }
    if let Err(e) = rustix::process::chdir(plan.cwd.as_c_str()) {
        let stderr = rustix::stdio::stderr();
        let _ = rustix::io::write(stderr, &plan.chdir_failed);
        let _ = rustix::io::write(
            stderr,
            nix::errno::Errno::from_raw(e.raw_os_error())
                .desc()
                .as_bytes(),
        );
        let _ = rustix::io::write(stderr, b"\n");
        rustix::process::chdir(c"/")?;
    }
    Ok(())
}

/// OpenSSH's `permanently_set_uid` after `setgroups`: set all three ids, then prove the old ones
/// are gone for good.
fn change_ids(ids: &IdChange) -> io::Result<()> {
    use nix::unistd::{
        getegid, geteuid, getgid, getuid, setegid, seteuid, setgid, setresgid, setresuid, setuid,
    };
    let not_permanent = || io::Error::from_raw_os_error(ERRNO_DROP_NOT_PERMANENT);
    nix::unistd::setgroups(&ids.groups)?;
    setresgid(ids.gid, ids.gid, ids.gid)?;
    setresuid(ids.uid, ids.uid, ids.uid)?;
    if ids.old_gid != ids.gid
        && !ids.uid.is_root()
        && (setgid(ids.old_gid).is_ok() || setegid(ids.old_gid).is_ok())
    {
        return Err(not_permanent());
    }
    if getgid() != ids.gid || getegid() != ids.gid {
        return Err(not_permanent());
    }
    if ids.old_uid != ids.uid && (setuid(ids.old_uid).is_ok() || seteuid(ids.old_uid).is_ok()) {
        return Err(not_permanent());
    }
    if getuid() != ids.uid || geteuid() != ids.uid {
        return Err(not_permanent());
    }
    Ok(())
}

/// How a child ended, in the terms of RFC 4254 §6.10 `exit-status` / `exit-signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// It exited with this code.
    Exited(i32),
    /// A signal killed it.
    Signaled {
        /// The SSH name without "SIG" (`"TERM"`), or `"SIG@openssh.com"` for a signal RFC 4254
        /// has no name for, as OpenSSH's session.c `sig2name` answers.
        signal: &'static str,
        /// The signal number.
        number: i32,
        /// Whether it dumped core.
        core_dumped: bool,
    },
}

impl ExitStatus {
    fn from_wait(status: rustix::process::WaitStatus) -> Option<Self> {
        if let Some(code) = status.exit_status() {
            return Some(Self::Exited(code));
        }
        let number = status.terminating_signal()?;
        Some(Self::Signaled {
            signal: signal_name(number),
            number,
            // WCOREDUMP on Linux.
            core_dumped: status.as_raw() & 0x80 != 0,
        })
    }
}

/// The signals RFC 4254 §6.10 names, with Linux's numbers.
const SIGNALS: &[(&str, i32)] = &[
    ("ABRT", libc::SIGABRT),
    ("ALRM", libc::SIGALRM),
    ("FPE", libc::SIGFPE),
    ("HUP", libc::SIGHUP),
    ("ILL", libc::SIGILL),
    ("INT", libc::SIGINT),
    ("KILL", libc::SIGKILL),
    ("PIPE", libc::SIGPIPE),
    ("QUIT", libc::SIGQUIT),
    ("SEGV", libc::SIGSEGV),
    ("TERM", libc::SIGTERM),
    ("USR1", libc::SIGUSR1),
    ("USR2", libc::SIGUSR2),
];

/// The SSH name of signal `number` (`"TERM"`), or `"SIG@openssh.com"` for others.
pub fn signal_name(number: i32) -> &'static str {
    SIGNALS
        .iter()
        .find(|&&(_, n)| n == number)
        .map_or("SIG@openssh.com", |&(name, _)| name)
}

/// The signal number of an SSH signal name (`"TERM"`, without "SIG"); `None` for any other.
pub fn signal_number(name: &str) -> Option<i32> {
    SIGNALS
        .iter()
        .find(|&&(n, _)| n == name)
        .map(|&(_, num)| num)
}

/// Sends the signal named `name` (RFC 4254 §6.9 `signal` request) to the process `pid`.
pub fn kill(pid: Pid, name: &str) -> Result<()> {
    let number = signal_number(name).ok_or_else(|| Error::UnknownSignal(name.to_owned()))?;
    let signal = nix::sys::signal::Signal::try_from(number).map_err(|e| Error::os("kill", e))?;
    nix::sys::signal::kill(pid, signal).map_err(|e| Error::os("kill", e))
}

/// Waits for the child `pid` to end and reaps it. Blocks; retried on `EINTR`.
pub fn wait(pid: Pid) -> Result<ExitStatus> {
    loop {
        if let Some(status) = wait_once(pid, WaitOptions::empty())? {
            return Ok(status);
        }
    }
}

/// Reaps the child `pid` if it has ended; `None` while it runs.
pub fn try_wait(pid: Pid) -> Result<Option<ExitStatus>> {
    wait_once(pid, WaitOptions::NOHANG)
}

fn wait_once(pid: Pid, options: WaitOptions) -> Result<Option<ExitStatus>> {
    let rpid = rustix::process::Pid::from_raw(pid.as_raw())
        .ok_or_else(|| Error::os("waitpid", io::ErrorKind::InvalidInput))?;
    loop {
        match rustix::process::waitpid(Some(rpid), options) {
            Ok(Some((_, status))) => return Ok(ExitStatus::from_wait(status)),
            Ok(None) => return Ok(None),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::os("waitpid", e)),
        }
    }
}

#[cfg(test)]
mod tests;
