//! Hardening of the calling process for programs that hold secrets in memory (the agent).

use crate::{Error, Result};

/// Makes this process non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`, OpenSSH's
/// `platform_disable_tracing`): other processes of the same user can no longer attach with ptrace
/// or read `/proc/PID/mem`, and no core file is written. Private keys in an agent's memory would
/// otherwise be one `gdb -p` away for any program the user runs.
pub fn disable_tracing() -> Result<()> {
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| Error::os("prctl(PR_SET_DUMPABLE)", e))
}

/// Sets the core file size limit to zero (`setrlimit(RLIMIT_CORE, 0)`), as ssh-agent does after
/// forking, so a crash cannot leave keys on disk even if the process becomes dumpable again
/// (an exec of a set-id program resets the dumpable flag).
pub fn disable_core_dumps() -> Result<()> {
    let zero = rustix::process::Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    rustix::process::setrlimit(rustix::process::Resource::Core, zero)
        .map_err(|e| Error::os("setrlimit(RLIMIT_CORE)", e))
}

/// Whether this process is dumpable (`prctl(PR_GET_DUMPABLE)`), for tests of the above.
pub fn is_dumpable() -> Result<bool> {
    rustix::process::dumpable_behavior()
        .map(|b| b != rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| Error::os("prctl(PR_GET_DUMPABLE)", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_process_can_be_made_non_dumpable() {
        // The test binary itself must stay dumpable for other tests, so a child does it: this
        // test's own binary re-run with a filter, in a fresh process.
        if std::env::var_os("OXSSH_SYS_DUMPABLE_CHILD").is_some() {
            disable_tracing().unwrap();
            disable_core_dumps().unwrap();
            assert!(!is_dumpable().unwrap());
            let core = rustix::process::getrlimit(rustix::process::Resource::Core);
            assert_eq!(core.current, Some(0));
            return;
        }
        assert!(is_dumpable().unwrap());
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "process::tests::a_child_process_can_be_made_non_dumpable",
            ])
            .env("OXSSH_SYS_DUMPABLE_CHILD", "1")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
}
