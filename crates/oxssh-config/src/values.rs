//! Value syntaxes shared by both formats: numbers, times, byte counts, ports, log levels, IP QoS
//! names, escape characters, forwarding specs and jump hosts. Each parser follows the OpenSSH
//! routine named in its doc comment, including what it accepts at the edges.

use crate::env::Environment;

/// OpenSSH `strtol`-like prefix parse: optional whitespace, sign, then digits in `radix`.
/// Returns the value and the rest of the string; `None` if there are no digits.
fn strtol(s: &str, radix: u32) -> Option<(i128, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let end = t.find(|c: char| !c.is_digit(radix)).unwrap_or(t.len());
    if end == 0 {
        return None;
    }
    let digits = t.get(..end)?;
    // Saturate instead of overflowing: every caller range-checks the result.
    let mut v: i128 = 0;
    for c in digits.chars() {
        v = v
            .saturating_mul(i128::from(radix))
            .saturating_add(i128::from(c.to_digit(radix)?));
        v = v.min(i128::from(i64::MAX) + 1);
    }
    Some((if neg { -v } else { v }, t.get(end..).unwrap_or("")))
}

/// OpenSSH `strtonum(s, min, max)`: the whole string must be a decimal number in range. The error
/// is the word strtonum reports ("invalid", "too small", "too large").
pub(crate) fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, &'static str> {
    match strtol(s, 10) {
        Some((v, "")) if v < i128::from(min) => Err("too small"),
        Some((v, "")) if v > i128::from(max) => Err("too large"),
        Some((v, "")) => i64::try_from(v).map_err(|_| "invalid"),
        _ => Err("invalid"),
    }
}

/// OpenSSH `atoi_err`: a non-negative `int`, or the reason it is not one.
pub(crate) fn atoi_err(s: &str) -> Result<i64, &'static str> {
    if s.is_empty() {
        return Err("missing");
    }
    strtonum(s, 0, i64::from(i32::MAX))
}

/// OpenSSH `a2port`: a number 0..=65535 or a service name; `None` if neither.
pub(crate) fn a2port(s: &str, env: &dyn Environment) -> Option<u16> {
    match strtonum(s, 0, 65535) {
        Ok(p) => u16::try_from(p).ok(),
        Err(_) => env.service_port(s),
    }
}

/// OpenSSH `convtime`: `90`, `1m30s`, `1h`, `2d`, `1w` (units case-insensitive) to seconds, capped
/// at `INT_MAX` like OpenSSH; `None` if malformed.
pub fn parse_time(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let max = i128::from(i32::MAX);
    let mut total: i128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (secs, after) = strtol(rest, 10)?;
        if secs < 0 {
            return None;
        }
        let mut chars = after.chars();
        let multiplier: i128 = match chars.next() {
            None => 1,
            Some('s' | 'S') => 1,
            Some('m' | 'M') => 60,
            Some('h' | 'H') => 3600,
            Some('d' | 'D') => 86400,
            Some('w' | 'W') => 604_800,
            Some(_) => return None,
        };
        if secs > max / multiplier {
            return None;
        }
        total += secs * multiplier;
        if total > max {
            return None;
        }
        rest = chars.as_str();
    }
    u64::try_from(total).ok()
}

/// Why `scan_scaled` refused a byte count; displayed as the strerror text OpenSSH prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScaledError {
    /// EINVAL.
    Invalid,
    /// ERANGE.
    Range,
}

impl ScaledError {
    pub(crate) fn strerror(self) -> &'static str {
        match self {
            Self::Invalid => "Invalid argument",
            Self::Range => "Numerical result out of range",
        }
    }
}

/// OpenSSH `scan_scaled` (from OpenBSD's libutil): a byte count with an optional B/K/M/G/T/P/E
/// suffix (powers of 1024) and, with a suffix, an optional fraction (`1.5G`).
pub(crate) fn scan_scaled(s: &str) -> Result<i64, ScaledError> {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let int_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let int_part = t.get(..int_end).unwrap_or("");
    let mut rest = t.get(int_end..).unwrap_or("");
    let mut frac_part = "";
    if let Some(r) = rest.strip_prefix('.') {
        let fe = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        frac_part = r.get(..fe).unwrap_or("");
        rest = r.get(fe..).unwrap_or("");
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(ScaledError::Invalid);
    }
    let shift = match rest {
        "" => None,
        u if u.len() == 1 => match u.as_bytes().first().map(u8::to_ascii_uppercase) {
            Some(b'B') => Some(0),
            Some(b'K') => Some(10),
            Some(b'M') => Some(20),
            Some(b'G') => Some(30),
            Some(b'T') => Some(40),
            Some(b'P') => Some(50),
            Some(b'E') => Some(60),
            _ => return Err(ScaledError::Invalid),
        },
        _ => return Err(ScaledError::Invalid),
    };
    // A fraction without a unit is meaningless to scan_scaled.
    if shift.is_none() && !frac_part.is_empty() {
        return Err(ScaledError::Invalid);
    }
    let whole: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse::<i128>().map_err(|_| ScaledError::Range)?
    };
    let shift = shift.unwrap_or(0);
    let mut value = whole.checked_shl(shift).ok_or(ScaledError::Range)?;
    if value > i128::from(i64::MAX) || (shift > 0 && whole > i128::from(i64::MAX) >> shift) {
        return Err(ScaledError::Range);
    }
    if !frac_part.is_empty() && shift > 0 {
        // Fraction digits scaled by the unit, truncated as scan_scaled does.
        let digits = frac_part.get(..frac_part.len().min(18)).unwrap_or("");
        let frac: i128 = digits.parse().map_err(|_| ScaledError::Invalid)?;
        let scale = 10i128.pow(u32::try_from(digits.len()).unwrap_or(18));
        value += (frac << shift) / scale;
    }
    let value = if neg { -value } else { value };
    i64::try_from(value).map_err(|_| ScaledError::Range)
}

/// Log verbosity (OpenSSH `LogLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// QUIET.
    Quiet,
    /// FATAL.
    Fatal,
    /// ERROR.
    Error,
    /// INFO.
    Info,
    /// VERBOSE.
    Verbose,
    /// DEBUG1 (also spelled DEBUG).
    Debug1,
    /// DEBUG2.
    Debug2,
    /// DEBUG3.
    Debug3,
}

/// log.c `log_levels[]`; the first name for a level is the one printed.
const LOG_LEVELS: &[(&str, LogLevel)] = &[
    ("QUIET", LogLevel::Quiet),
    ("FATAL", LogLevel::Fatal),
    ("ERROR", LogLevel::Error),
    ("INFO", LogLevel::Info),
    ("VERBOSE", LogLevel::Verbose),
    ("DEBUG", LogLevel::Debug1),
    ("DEBUG1", LogLevel::Debug1),
    ("DEBUG2", LogLevel::Debug2),
    ("DEBUG3", LogLevel::Debug3),
];

impl LogLevel {
    /// Parses a level name, case-insensitively (log.c `log_level_number`).
    pub fn from_name(s: &str) -> Option<Self> {
        LOG_LEVELS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, l)| *l)
    }
    /// The name OpenSSH prints (`DEBUG` for DEBUG1).
    pub fn name(self) -> &'static str {
        LOG_LEVELS
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("UNKNOWN", |(n, _)| *n)
    }
}

/// Syslog facility names (log.c `log_facilities[]`).
pub const SYSLOG_FACILITIES: &[&str] = &[
    "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4",
    "LOCAL5", "LOCAL6", "LOCAL7",
];

/// Parses a syslog facility name case-insensitively, returning its canonical spelling.
pub(crate) fn facility(s: &str) -> Option<&'static str> {
    SYSLOG_FACILITIES
        .iter()
        .find(|f| f.eq_ignore_ascii_case(s))
        .copied()
}

/// Digest names accepted by `FingerprintHash` (digest-openssl.c `digests[]`).
const DIGESTS: &[&str] = &["MD5", "SHA1", "SHA256", "SHA384", "SHA512"];

/// Parses a digest name case-insensitively, returning its canonical spelling.
pub(crate) fn digest(s: &str) -> Option<&'static str> {
    DIGESTS.iter().find(|d| d.eq_ignore_ascii_case(s)).copied()
}

/// misc.c `ipqos[]`: DSCP and legacy ToS names with their byte values; the first name for a value is
/// the one printed.
const IPQOS: &[(&str, u32)] = &[
    ("none", i32::MAX as u32),
    ("af11", 0x28),
    ("af12", 0x30),
    ("af13", 0x38),
    ("af21", 0x48),
    ("af22", 0x50),
    ("af23", 0x58),
    ("af31", 0x68),
    ("af32", 0x70),
    ("af33", 0x78),
    ("af41", 0x88),
    ("af42", 0x90),
    ("af43", 0x98),
    ("cs0", 0x00),
    ("cs1", 0x20),
    ("cs2", 0x40),
    ("cs3", 0x60),
    ("cs4", 0x80),
    ("cs5", 0xa0),
    ("cs6", 0xc0),
    ("cs7", 0xe0),
    ("ef", 0xb8),
    ("le", 0x04),
    ("lowdelay", 0x10),
    ("throughput", 0x08),
    ("reliability", 0x04),
];

/// OpenSSH `parse_ipqos`: a name from the table or a number 0..=255 (C base prefixes allowed).
pub fn parse_ipqos(s: &str) -> Option<u32> {
    if let Some((_, v)) = IPQOS.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        return Some(*v);
    }
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, h)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, s.get(1..).unwrap_or(""))
    } else {
        (10, s)
    };
    match strtol(digits, radix) {
        Some((v, "")) if (0..=255).contains(&v) && !s.is_empty() => u32::try_from(v).ok(),
        _ => None,
    }
}

/// OpenSSH `iptos2str`.
pub fn ipqos_name(v: u32) -> String {
    match IPQOS.iter().find(|(_, x)| *x == v) {
        Some((n, _)) => (*n).to_owned(),
        None => format!("0x{v:02x}"),
    }
}

/// Parses an `EscapeChar` value: `none`, a single character, or `^X` for a control character
/// (readconf.c `oEscapeChar`). `Ok(None)` is "none".
pub(crate) fn parse_escape_char(s: &str) -> Result<Option<u8>, ()> {
    let b = s.as_bytes();
    match b {
        _ if s == "none" => Ok(None),
        [c] => Ok(Some(*c)),
        [b'^', c] if (64..128).contains(c) => Ok(Some(c & 31)),
        _ => Err(()),
    }
}

/// OpenBSD `vis(VIS_WHITE)` of one byte, as `ssh -G` prints the escape character.
pub(crate) fn vis_char(c: u8) -> String {
    match c {
        b'\\' => "\\\\".to_owned(),
        b' ' => "\\040".to_owned(),
        b'\t' => "\\011".to_owned(),
        b'\n' => "\\012".to_owned(),
        b'\r' => "\\015".to_owned(),
        0x7f => "\\^?".to_owned(),
        0..=0x1f => format!("\\^{}", char::from(c + 64)),
        0x80..=0xff => {
            let low = c & 0x7f;
            match low {
                0x7f => "\\M-^?".to_owned(),
                0..=0x1f => format!("\\M^{}", char::from(low + 64)),
                b' ' => "\\M-\\040".to_owned(),
                _ => format!("\\M-{}", char::from(low)),
            }
        }
        _ => char::from(c).to_string(),
    }
}
