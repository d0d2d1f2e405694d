//! The system log, with OpenSSH's `SyslogFacility` and `LogLevel` names (log.c), for the
//! daemon's tracing layer. Goes through libc's `openlog`/`syslog` (in `ffi.rs`; nix's safe
//! wrapper has no `LOG_AUTHPRIV`), so journald or any syslog daemon picks messages up.
//!
//! Messages are escaped as OpenSSH's `do_log` does before `syslog(3)` (`strnvis` with
//! `VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL`): a user name or banner chosen by a client cannot
//! forge extra log lines for log scrapers such as fail2ban.

use std::ffi::{CStr, CString, c_int};
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use crate::{Error, Result};

/// A syslog facility, by OpenSSH's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyslogFacility {
    /// `DAEMON`
    Daemon,
    /// `USER`
    User,
    /// `AUTH`, sshd's default.
    Auth,
    /// `AUTHPRIV`
    AuthPriv,
    /// `LOCAL0` … `LOCAL7`; the number is 0 to 7.
    Local(u8),
}

impl SyslogFacility {
    /// The `LOG_*` facility value; `Local` numbers above 7 mean `LOCAL7`.
    pub fn raw(self) -> c_int {
        match self {
            Self::Daemon => libc::LOG_DAEMON,
            Self::User => libc::LOG_USER,
            Self::Auth => libc::LOG_AUTH,
            Self::AuthPriv => libc::LOG_AUTHPRIV,
            Self::Local(0) => libc::LOG_LOCAL0,
            Self::Local(1) => libc::LOG_LOCAL1,
            Self::Local(2) => libc::LOG_LOCAL2,
            Self::Local(3) => libc::LOG_LOCAL3,
            Self::Local(4) => libc::LOG_LOCAL4,
            Self::Local(5) => libc::LOG_LOCAL5,
            Self::Local(6) => libc::LOG_LOCAL6,
            Self::Local(_) => libc::LOG_LOCAL7,
        }
    }
}

/// A name that is not one of OpenSSH's facility or level names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported log name {0:?}")]
pub struct UnknownLogName(pub String);

impl FromStr for SyslogFacility {
    type Err = UnknownLogName;

    /// Case-insensitive, as OpenSSH's `log_facility_number` compares.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        let facility = match upper.as_str() {
            "DAEMON" => Self::Daemon,
            "USER" => Self::User,
            "AUTH" => Self::Auth,
            "AUTHPRIV" => Self::AuthPriv,
            _ => match upper.strip_prefix("LOCAL").map(str::as_bytes) {
                Some(&[d @ b'0'..=b'7']) => Self::Local(d - b'0'),
                _ => return Err(UnknownLogName(s.to_owned())),
            },
        };
        Ok(facility)
    }
}

/// OpenSSH's `LogLevel`, from quietest to most verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `QUIET`: nothing is logged.
    Quiet,
    /// `FATAL`
    Fatal,
    /// `ERROR`
    Error,
    /// `INFO`, the default.
    Info,
    /// `VERBOSE`
    Verbose,
    /// `DEBUG1`, also spelled `DEBUG`.
    Debug1,
    /// `DEBUG2`
    Debug2,
    /// `DEBUG3`
    Debug3,
}

impl FromStr for LogLevel {
    type Err = UnknownLogName;

    /// Case-insensitive, as OpenSSH's `log_level_number` compares.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "QUIET" => Self::Quiet,
            "FATAL" => Self::Fatal,
            "ERROR" => Self::Error,
            "INFO" => Self::Info,
            "VERBOSE" => Self::Verbose,
            "DEBUG" | "DEBUG1" => Self::Debug1,
            "DEBUG2" => Self::Debug2,
            "DEBUG3" => Self::Debug3,
            _ => return Err(UnknownLogName(s.to_owned())),
        })
    }
}

impl LogLevel {
    /// The syslog severity (`LOG_CRIT` …) OpenSSH's `do_log` uses for a message of this level;
    /// `None` for `Quiet`, which is never logged.
    pub fn severity(self) -> Option<c_int> {
        match self {
            Self::Quiet => None,
            Self::Fatal => Some(libc::LOG_CRIT),
            Self::Error => Some(libc::LOG_ERR),
            Self::Info | Self::Verbose => Some(libc::LOG_INFO),
            Self::Debug1 | Self::Debug2 | Self::Debug3 => Some(libc::LOG_DEBUG),
        }
    }
}

/// Idents handed to `openlog`, kept for the life of the process: glibc stores the pointer,
/// not the string. Re-opening with a name seen before reuses it, so nothing grows without bound.
static IDENTS: Mutex<Vec<&'static CStr>> = Mutex::new(Vec::new());

/// Opens the system log as sshd does: `openlog(ident, LOG_PID, facility)`. A NUL byte in
/// `ident` is an error.
pub fn openlog(ident: &str, facility: SyslogFacility) -> Result<()> {
    let cident = CString::new(ident).map_err(|_| Error::NulByte("syslog ident"))?;
    let ident = {
        let mut idents = IDENTS.lock().unwrap_or_else(PoisonError::into_inner);
        match idents.iter().find(|i| **i == cident.as_c_str()) {
            Some(i) => *i,
            None => {
                let leaked: &'static CStr = Box::leak(cident.into_boxed_c_str());
                idents.push(leaked);
                leaked
            }
        }
    };
    crate::ffi::openlog(ident, facility.raw());
    Ok(())
}

/// Closes the connection to the system log (`closelog`).
pub fn closelog() {
    crate::ffi::closelog();
}

/// Logs `message` at `level` (nothing for `Quiet`), escaped as OpenSSH escapes it. Without a
/// prior [`openlog`], glibc uses the program name and `LOG_USER`.
pub fn syslog(level: LogLevel, message: &str) {
    let Some(severity) = level.severity() else {
        return;
    };
    // vis_escape turns NUL into "\\000", so the CString cannot fail; stay total anyway.
    if let Ok(text) = CString::new(vis_escape(message)) {
        // A priority without facility bits gets the one given to openlog (syslog(3)).
        crate::ffi::syslog(severity, &text);
    }
}

/// `strnvis(VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL)`: printable ASCII and space stay,
/// backslash doubles, the common controls get C escapes, and every other byte (UTF-8
/// included, as in OpenSSH's logs) becomes a three-digit octal escape.
pub fn vis_escape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for &b in message.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(b)),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            0x00 => out.push_str("\\000"),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_names_follow_openssh() {
        assert_eq!("AUTH".parse(), Ok(SyslogFacility::Auth));
        assert_eq!("authpriv".parse(), Ok(SyslogFacility::AuthPriv));
        assert_eq!("Daemon".parse(), Ok(SyslogFacility::Daemon));
        assert_eq!("USER".parse(), Ok(SyslogFacility::User));
        assert_eq!("LOCAL0".parse(), Ok(SyslogFacility::Local(0)));
        assert_eq!("local7".parse(), Ok(SyslogFacility::Local(7)));
        for bad in ["LOCAL8", "LOCAL", "LOCAL01", "KERN", ""] {
            assert!(bad.parse::<SyslogFacility>().is_err(), "{bad}");
        }
        assert_eq!(SyslogFacility::Local(3).raw(), libc::LOG_LOCAL3);
        assert_eq!(SyslogFacility::AuthPriv.raw(), libc::LOG_AUTHPRIV);
    }

    #[test]
    fn levels_map_to_openssh_priorities() {
        assert_eq!("DEBUG".parse(), Ok(LogLevel::Debug1));
        assert_eq!("debug3".parse(), Ok(LogLevel::Debug3));
        assert_eq!(
            "VERBOSE".parse::<LogLevel>().map(LogLevel::severity),
            Ok(Some(libc::LOG_INFO))
        );
        assert_eq!(LogLevel::Fatal.severity(), Some(libc::LOG_CRIT));
        assert_eq!(LogLevel::Error.severity(), Some(libc::LOG_ERR));
        assert_eq!(LogLevel::Debug2.severity(), Some(libc::LOG_DEBUG));
        assert_eq!(LogLevel::Quiet.severity(), None);
        assert!(LogLevel::Info < LogLevel::Verbose && LogLevel::Verbose < LogLevel::Debug1);
        assert!("NOISY".parse::<LogLevel>().is_err());
    }

    #[test]
    fn log_lines_cannot_be_forged() {
        assert_eq!(
            vis_escape("Invalid user x\nAccepted password for root"),
            "Invalid user x\\nAccepted password for root"
        );
        assert_eq!(vis_escape("a\\b\t\u{1b}[0m"), "a\\\\b\\t\\033[0m");
        assert_eq!(vis_escape("é"), "\\303\\251");
        assert_eq!(vis_escape("plain text"), "plain text");
    }

    #[test]
    fn openlog_and_syslog_do_not_fail_without_a_log_daemon() {
        // This machine has no /dev/log (DEPENDENCIES.md §7); glibc then drops messages quietly,
        // so only the calls themselves can be checked here.
        openlog("oxssh-test", SyslogFacility::Auth).expect("openlog");
        openlog("oxssh-test", SyslogFacility::Local(2)).expect("reopen with the same ident");
        syslog(
            LogLevel::Info,
            "oxssh-sys syslog test\nsecond line\0 with a NUL %s%n",
        );
        syslog(LogLevel::Quiet, "never");
        assert!(openlog("bad\0ident", SyslogFacility::Auth).is_err());
        closelog();
    }
}
