//! Whole-file rewrites that `ssh-keygen` performs: removing a host (`-R`) and hashing every name
//! (`-H`). Both keep comments, blank lines and malformed lines byte for byte, as hostfile.c does, and
//! end every line with a newline.

use super::{HostField, Line, lines, parse_line};
use crate::KeyError;

/// The result of a rewrite: the new text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The new file contents.
    pub text: String,
    /// The lines removed (for [`remove_host`]) or hashed (for [`hash_file`]), 1-based, in order.
    pub changed_lines: Vec<usize>,
    /// Malformed lines, kept as they were. `ssh-keygen -H` refuses to replace a file that has any.
    pub invalid_lines: Vec<usize>,
}

/// Removes every unmarked line for `name` (hostfile.c `host_delete`, `ssh-keygen -R`). `name` is
/// matched as given, like `ssh-keygen -R name`: use `[host]:port` for other ports. `@cert-authority`
/// and `@revoked` lines stay.
pub fn remove_host(text: &str, name: &str) -> Rewrite {
    let mut out = Rewrite {
        text: String::with_capacity(text.len()),
        changed_lines: Vec::new(),
        invalid_lines: Vec::new(),
    };
    for (number, line) in lines(text) {
        match parse_line(line, number) {
            Line::Entry { entry, .. } if entry.marker.is_none() && entry.matches(name) => {
                out.changed_lines.push(number);
                continue;
            }
            Line::Invalid => out.invalid_lines.push(number),
            _ => {}
        }
        out.text.push_str(line);
        out.text.push('\n');
    }
    out
}

/// Hashes every plain host name (hostfile.c via ssh-keygen.c `known_hosts_hash`, `ssh-keygen -H`):
/// each comma-separated name gets its own line with a fresh salt, followed by the line's key and
/// comment as written. Lines already hashed, lines with wildcards or negation, and marked lines are
/// kept unchanged.
pub fn hash_file(text: &str) -> Result<Rewrite, KeyError> {
    let mut out = Rewrite {
        text: String::with_capacity(text.len() * 2),
        changed_lines: Vec::new(),
        invalid_lines: Vec::new(),
    };
    for (number, line) in lines(text) {
        match parse_line(line, number) {
            Line::Entry { entry, key_start } => {
                if let HostField::Patterns(hosts) = &entry.hosts
                    && entry.marker.is_none()
                    && !hosts.contains(['*', '?', '!'])
                {
                    let raw_key = line.get(key_start..).unwrap_or_default();
                    // strsep stops at the first empty name, as ssh-keygen does.
                    for name in hosts.split(',').take_while(|n| !n.is_empty()) {
                        out.text
                            .push_str(&super::hash_host_name(&name.to_ascii_lowercase())?);
                        out.text.push(' ');
                        out.text.push_str(raw_key);
                        out.text.push('\n');
                    }
                    out.changed_lines.push(number);
                    continue;
                }
            }
            Line::Invalid => out.invalid_lines.push(number),
            Line::Comment => {}
        }
        out.text.push_str(line);
        out.text.push('\n');
    }
    Ok(out)
}
