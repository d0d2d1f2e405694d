//! Users and groups: passwd and group lookups through NSS (so LDAP, sssd and systemd-homed
//! users work as they do for OpenSSH), supplementary groups, and shadow entries with the account
//! state OpenSSH's auth.c and auth-shadow.c derive from them.

use std::ffi::CString;
use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use crate::{Error, Gid, Result, Uid};

/// A passwd entry.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: Uid,
    /// Primary group id.
    pub gid: Gid,
    /// Home directory.
    pub home: PathBuf,
    /// Login shell; empty means `/bin/sh` to OpenSSH.
    pub shell: PathBuf,
    /// The GECOS (comment) field.
    pub gecos: String,
    /// The passwd password field: usually `x`, meaning "see the shadow file".
    pub password: Zeroizing<String>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password field can hold a real hash on systems without shadow; keep it out of logs.
        f.debug_struct("User")
            .field("name", &self.name)
            .field("uid", &self.uid)
            .field("gid", &self.gid)
            .field("home", &self.home)
            .field("shell", &self.shell)
            .field("gecos", &self.gecos)
            .finish_non_exhaustive()
    }
}

impl From<nix::unistd::User> for User {
    fn from(u: nix::unistd::User) -> Self {
        Self {
            name: u.name,
            uid: u.uid,
            gid: u.gid,
            home: u.dir,
            shell: u.shell,
            gecos: u.gecos.to_string_lossy().into_owned(),
            password: Zeroizing::new(u.passwd.to_string_lossy().into_owned()),
        }
    }
}

/// Looks a user up by name (`getpwnam_r`). A name no account can have (empty, or containing a
/// NUL byte, as a hostile client may send) is simply not found.
pub fn lookup_user(name: &str) -> Result<Option<User>> {
    if name.is_empty() || name.contains('\0') {
        return Ok(None);
    }
    nix::unistd::User::from_name(name)
        .map(|u| u.map(User::from))
        .map_err(|e| Error::os("getpwnam", e))
}

/// Looks a user up by uid (`getpwuid_r`).
pub fn lookup_uid(uid: Uid) -> Result<Option<User>> {
    nix::unistd::User::from_uid(uid)
        .map(|u| u.map(User::from))
        .map_err(|e| Error::os("getpwuid", e))
}

/// The passwd entry of the real uid; `None` when it has none (the client then reports "No user
/// exists for uid N", as OpenSSH's ssh.c does).
pub fn current_user() -> Result<Option<User>> {
    lookup_uid(nix::unistd::getuid())
}

/// Whether the effective uid is 0.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// All groups of a user, primary group included (`getgrouplist`). Computed in the parent before
/// spawning because `initgroups` allocates and so cannot run between fork and exec.
pub fn supplementary_groups(name: &str, gid: Gid) -> Result<Vec<Gid>> {
    let cname = CString::new(name).map_err(|_| Error::NulByte("user name"))?;
    nix::unistd::getgrouplist(&cname, gid).map_err(|e| Error::os("getgrouplist", e))
}

/// A group entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: Gid,
    /// Members listed in the group entry itself (not those having it as primary group).
    pub members: Vec<String>,
}

impl From<nix::unistd::Group> for Group {
    fn from(g: nix::unistd::Group) -> Self {
        Self {
            name: g.name,
            gid: g.gid,
            members: g.mem,
        }
    }
}

/// Looks a group up by name (`getgrnam_r`).
pub fn lookup_group(name: &str) -> Result<Option<Group>> {
    if name.is_empty() || name.contains('\0') {
        return Ok(None);
    }
    nix::unistd::Group::from_name(name)
        .map(|g| g.map(Group::from))
        .map_err(|e| Error::os("getgrnam", e))
}

/// Looks a group up by gid (`getgrgid_r`).
pub fn lookup_gid(gid: Gid) -> Result<Option<Group>> {
    nix::unistd::Group::from_gid(gid)
        .map(|g| g.map(Group::from))
        .map_err(|e| Error::os("getgrgid", e))
}

/// The names of all groups of `user`, for AllowGroups, DenyGroups and `Match Group`. Like
/// OpenSSH's groupaccess.c `ga_init`, this is getgrouplist then getgrgid for each; a gid with no
/// group entry is left out.
pub fn group_names(user: &User) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for gid in supplementary_groups(&user.name, user.gid)? {
        if let Some(g) = lookup_gid(gid)? {
            names.push(g.name);
        }
    }
    Ok(names)
}

/// Whether `user` belongs to the group named `group` (primary or supplementary).
pub fn user_in_group(user: &User, group: &str) -> Result<bool> {
    Ok(group_names(user)?.iter().any(|n| n == group))
}

/// A shadow entry (`getspnam_r`). Day counts are days since 1970-01-01; `None` is an empty
/// field.
#[derive(Clone, PartialEq, Eq)]
pub struct ShadowEntry {
    /// Login name.
    pub name: String,
    /// The crypt(3) hash, or a lock marker (`!…`, `*`, `*LK*`).
    pub hash: Zeroizing<String>,
    /// Day of the last password change; `Some(0)` means the user must change it at next login.
    pub last_change: Option<i64>,
    /// Minimum days between changes.
    pub min_days: Option<i64>,
    /// Maximum days a password is valid.
    pub max_days: Option<i64>,
    /// Days of warning before the password expires.
    pub warn_days: Option<i64>,
    /// Days after expiry during which the password is still accepted (for a change).
    pub inactive_days: Option<i64>,
    /// Day the account expires.
    pub expire: Option<i64>,
}

impl fmt::Debug for ShadowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShadowEntry")
            .field("name", &self.name)
            .field("hash", &"<redacted>")
            .field("last_change", &self.last_change)
            .field("max_days", &self.max_days)
            .field("expire", &self.expire)
            .finish_non_exhaustive()
    }
}

/// What a shadow entry says about logging in, as OpenSSH decides it when `UsePAM no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountState {
    /// The hash starts with `!` (passwd -l, useradd) or is `*LK*` (Solaris-style). OpenSSH's
    /// auth.c `allowed_user` then refuses every method, public keys included. A bare `*`
    /// only disables passwords and is **not** locked.
    pub locked: bool,
    /// Today is past the account expiry day (auth-shadow.c `auth_shadow_acctexpired`).
    pub account_expired: bool,
    /// The password is past its maximum age, or a change was forced (auth-shadow.c
    /// `auth_shadow_pwexpired`); the user may log in only to change it.
    pub password_expired: bool,
    /// Root forced a change (`last_change == 0`); also counted in `password_expired`.
    pub change_forced: bool,
}

impl ShadowEntry {
    /// Whether the hash marks the account as locked (see [`AccountState::locked`]).
    pub fn is_locked(&self) -> bool {
        self.hash.starts_with('!') || self.hash.as_str() == "*LK*"
    }

    /// The account state on day `today` (days since the epoch).
    pub fn state_on(&self, today: i64) -> AccountState {
        let account_expired = self.expire.is_some_and(|e| today > e);
        let change_forced = self.last_change == Some(0);
        // shadow(5): an empty last-change field disables aging, so only a known change day
        // can age out. OpenSSH reads that field as -1 and would count it as long expired.
        let aged = match (self.last_change, self.max_days) {
            (Some(changed), Some(max)) => today > changed.saturating_add(max),
            _ => false,
        };
        AccountState {
            locked: self.is_locked(),
            account_expired,
            password_expired: change_forced || aged,
            change_forced,
        }
    }

    /// The account state now.
    pub fn state(&self) -> AccountState {
        self.state_on(days_since_epoch(SystemTime::now()))
    }
}

/// Whole days since 1970-01-01 UTC, the unit of shadow(5); times before the epoch count as 0.
pub fn days_since_epoch(t: SystemTime) -> i64 {
    const DAY: u64 = 24 * 60 * 60;
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs / DAY).unwrap_or(i64::MAX)
}

/// Looks up the shadow entry of `name`. Reading the shadow database needs root (or group
/// `shadow`); otherwise this fails with the OS error. Goes through `getspnam_r`, so a shadow
/// source other than /etc/shadow configured in nsswitch.conf is honoured.
pub fn lookup_shadow(name: &str) -> Result<Option<ShadowEntry>> {
    let Ok(cname) = CString::new(name) else {
        return Ok(None);
    };
    if name.is_empty() {
        return Ok(None);
    }
    let raw = crate::ffi::getspnam(&cname).map_err(|e| Error::os("getspnam", e))?;
    let field = |v: i64| (v >= 0).then_some(v);
    Ok(raw.map(|r| ShadowEntry {
        name: name.to_owned(),
        hash: Zeroizing::new(String::from_utf8_lossy(&r.hash).into_owned()),
        last_change: field(r.last_change),
        min_days: field(r.min),
        max_days: field(r.max),
        warn_days: field(r.warn),
        inactive_days: field(r.inactive),
        expire: field(r.expire),
    }))
}

/// The hash to check a password against, as OpenSSH's `shadow_pw` picks it: the shadow entry's
/// when there is one, else the passwd field.
pub fn password_hash(user: &User) -> Result<Zeroizing<String>> {
    match lookup_shadow(&user.name)? {
        Some(sp) => Ok(sp.hash),
        None => Ok(user.password.clone()),
    }
}

#[cfg(test)]
mod tests;
