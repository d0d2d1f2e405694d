//! Typed values shared by [`crate::client::ClientOptions`] and [`crate::server::ServerOptions`], and
//! the helpers that read them out of the keyword store.

use std::time::Duration;

use crate::store::{Settings, Value};

/// `AddressFamily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFamily {
    /// IPv4 or IPv6.
    Any,
    /// IPv4 only.
    Inet,
    /// IPv6 only.
    Inet6,
}

/// `RekeyLimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RekeyLimit {
    /// Bytes after which to re-key; `None` means the cipher's default.
    pub bytes: Option<u64>,
    /// Time after which to re-key; `None` means never by time.
    pub interval: Option<Duration>,
}

/// `IPQoS`: the ToS/DSCP byte for interactive and for bulk traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpQos {
    /// For interactive sessions.
    pub interactive: u32,
    /// For non-interactive sessions.
    pub bulk: u32,
}

/// Typed reads from a resolved store. Every keyword is filled by then (defaults applied), so
/// the fallbacks only matter for keywords without a default.
pub(crate) struct View<'a>(pub &'a Settings);

impl View<'_> {
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Value::Flag(true)))
    }
    pub fn word(&self, name: &str) -> &'static str {
        match self.0.get(name) {
            Some(Value::Word(w)) => w,
            _ => "",
        }
    }
    pub fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        }
    }
    pub fn u32(&self, name: &str) -> u32 {
        u32::try_from(self.int(name).max(0)).unwrap_or(u32::MAX)
    }
    pub fn secs(&self, name: &str) -> Duration {
        Duration::from_secs(u64::try_from(self.int(name).max(0)).unwrap_or(0))
    }
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        }
    }
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::List(l)) => l.clone(),
            Some(Value::Text(t)) => t.split(',').map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }
    /// A comma-separated list stored as text (algorithm lists).
    pub fn names(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Text(t)) if t.is_empty() => Vec::new(),
            Some(Value::Text(t)) => t.split(',').map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }
    pub fn address_family(&self) -> AddressFamily {
        match self.word("addressfamily") {
            "inet" => AddressFamily::Inet,
            "inet6" => AddressFamily::Inet6,
            _ => AddressFamily::Any,
        }
    }
    pub fn rekey_limit(&self) -> RekeyLimit {
        match self.0.get("rekeylimit") {
            Some(Value::Pair(b, i)) => RekeyLimit {
                bytes: u64::try_from(*b).ok().filter(|b| *b > 0),
                interval: u64::try_from(*i)
                    .ok()
                    .filter(|i| *i > 0)
                    .map(Duration::from_secs),
            },
            _ => RekeyLimit {
                bytes: None,
                interval: None,
            },
        }
    }
    pub fn ipqos(&self) -> IpQos {
        match self.0.get("ipqos") {
            Some(Value::Pair(a, b)) => IpQos {
                interactive: u32::try_from(*a).unwrap_or(0),
                bulk: u32::try_from(*b).unwrap_or(0),
            },
            _ => IpQos {
                interactive: 0,
                bulk: 0,
            },
        }
    }
    pub fn log_level(&self) -> crate::values::LogLevel {
        crate::values::LogLevel::from_name(self.word("loglevel"))
            .unwrap_or(crate::values::LogLevel::Info)
    }
}
