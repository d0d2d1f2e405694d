//! The values read for each keyword, indexed by the keyword's position in its table, and the rules
//! that combine repeated lines ([`Multi`]).

use crate::forward::{Forward, JumpHost};
use crate::keywords::{Keyword, Multi, lookup};

/// A parsed value. Which variant a keyword produces is fixed by its [`crate::keywords::Kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A flag.
    Flag(bool),
    /// A canonical multi-state word.
    Word(&'static str),
    /// A number (also times in seconds and octal masks).
    Int(i64),
    /// Text kept as written (after keyword-specific normalisation).
    Text(String),
    /// A list of words.
    List(Vec<String>),
    /// Port forwardings.
    Forwards(Vec<Forward>),
    /// `ProxyJump` hops (`None` is `ProxyJump none`) and the value as written.
    Jump(Option<Vec<JumpHost>>, String),
    /// Two numbers (RekeyLimit bytes and seconds, IPQoS, TunnelDevice, PerSourceNetBlockSize...).
    Pair(i64, i64),
    /// Three numbers (MaxStartups).
    Triple(i64, i64, i64),
    /// A word and a number (AddKeysToAgent mode and lifetime, ControlPersist).
    WordInt(&'static str, i64),
    /// Pairs of words (CanonicalizePermittedCNAMEs rules, Subsystem name and command line).
    Pairs(Vec<(String, String)>),
    /// Listen addresses with optional port and routing domain.
    Listen(Vec<ListenAddress>),
}

/// One `ListenAddress`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddress {
    /// The address (brackets removed).
    pub host: String,
    /// The port, or `None` to listen on every `Port`.
    pub port: Option<u16>,
    /// The routing domain.
    pub rdomain: Option<String>,
}

/// Values read so far, one slot per keyword of a table.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    table: &'static [Keyword],
    slots: Vec<Option<Value>>,
}

impl Settings {
    pub fn new(table: &'static [Keyword]) -> Self {
        Self {
            table,
            slots: vec![None; table.len()],
        }
    }

    pub fn table(&self) -> &'static [Keyword] {
        self.table
    }

    /// The value stored for a keyword, by canonical name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        #[cfg(test)]
        record_lookup(self.table, name);
        let (i, _) = lookup(self.table, name)?;
        self.slots.get(i)?.as_ref()
    }

    pub fn get_index(&self, i: usize) -> Option<&Value> {
        self.slots.get(i)?.as_ref()
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces a value unconditionally (resolution steps: defaults, expansions).
    pub fn put(&mut self, name: &str, v: Option<Value>) {
        if let Some((i, _)) = lookup(self.table, name)
            && let Some(slot) = self.slots.get_mut(i)
        {
            *slot = v;
        }
    }

    pub fn put_index(&mut self, i: usize, v: Option<Value>) {
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = v;
        }
    }

    /// Stores a value read from an active line, following the keyword's [`Multi`] rule.
    pub fn apply(&mut self, i: usize, v: Value) {
        let Some(kw) = self.table.get(i) else { return };
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        // Numbers set to -1 are parts the line left unset: RekeyLimit without an interval,
        // MaxStartups with a single number. OpenSSH keeps them in separate fields, each with the
        // keyword's rule, so they merge part by part.
        let merge = |old: i64, new: i64, first: bool| match (first, old, new) {
            (_, _, -1) => old,
            (true, -1, n) => n,
            (true, o, _) => o,
            (false, _, n) => n,
        };
        let empty = slot.is_none();
        match (kw.multi, slot.as_mut(), v) {
            (Multi::First, Some(Value::Pair(a, b)), Value::Pair(c, d)) => {
                *b = merge(*b, d, true);
                *a = merge(*a, c, true);
            }
            (Multi::Last, Some(Value::Triple(a, b, c)), Value::Triple(x, y, z)) => {
                *a = merge(*a, x, false);
                *b = merge(*b, y, false);
                *c = merge(*c, z, false);
            }
            (Multi::First | Multi::FirstLine, _, v) => {
                if empty {
                    *slot = Some(v);
                }
            }
            (Multi::Last, _, v) => *slot = Some(v),
            (Multi::Append, _, v) => Self::append(slot, v),
        }
    }

    fn append(slot: &mut Option<Value>, v: Value) {
        match (slot.as_mut(), v) {
            (Some(Value::List(old)), Value::List(new)) => old.extend(new),
            (Some(Value::Forwards(old)), Value::Forwards(new)) => {
                for f in new {
                    // readconf.c add_local_forward/add_remote_forward skip duplicates.
                    if !old.contains(&f) {
                        old.push(f);
                    }
                }
            }
            (Some(Value::Listen(old)), Value::Listen(new)) => old.extend(new),
            (Some(Value::Pairs(old)), Value::Pairs(new)) => old.extend(new),
            (_, v) => *slot = Some(v),
        }
    }

    /// Copies every value `other` has set for keywords `copy` accepts (the sshd Match overlay).
    pub fn overlay(&mut self, other: &Settings, copy: impl Fn(&Keyword) -> bool) {
        for (i, kw) in self.table.iter().enumerate() {
            if copy(kw)
                && let Some(v) = other.slots.get(i).and_then(Clone::clone)
                && let Some(slot) = self.slots.get_mut(i)
            {
                // servconf.c copies each field on its own: parts the Match block left unset
                // (-1, e.g. a RekeyLimit without interval) keep the global value.
                let keep = |old: i64, new: i64| if new == -1 { old } else { new };
                *slot = Some(match (slot.take(), v) {
                    (Some(Value::Pair(a, b)), Value::Pair(c, d)) => {
                        Value::Pair(keep(a, c), keep(b, d))
                    }
                    (Some(Value::Triple(a, b, c)), Value::Triple(x, y, z)) => {
                        Value::Triple(keep(a, x), keep(b, y), keep(c, z))
                    }
                    (_, v) => v,
                });
            }
        }
    }
}

#[cfg(test)]
thread_local! {
    static UNKNOWN_LOOKUPS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers names that are not in the table, so a test can prove the typed views only ask for
/// keywords that exist.
#[cfg(test)]
fn record_lookup(table: &[Keyword], name: &str) {
    if lookup(table, name).is_none() {
        UNKNOWN_LOOKUPS.with(|u| u.borrow_mut().push(name.to_owned()));
    }
}

/// Names looked up on this thread that no table entry has.
#[cfg(test)]
pub(crate) fn unknown_lookups() -> Vec<String> {
    UNKNOWN_LOOKUPS.with(|u| u.borrow().clone())
}
