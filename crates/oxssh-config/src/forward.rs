//! Forwarding specifications (`LocalForward`, `RemoteForward`, `DynamicForward`; readconf.c
//! `parse_forward`), jump hosts (`ProxyJump`; readconf.c `parse_jump`, misc.c
//! `parse_user_host_port`, `parse_uri`) and the `host:port` splitting they share (misc.c `hpdelim2`,
//! `cleanhostname`).

use crate::env::Environment;
use crate::tokens;
use crate::values::a2port;

/// One port forwarding. Mirrors OpenSSH's `struct Forward`: a side is either a TCP endpoint
/// (optional host, port) or a Unix-domain socket path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The address to listen on (`None`: the default, loopback unless GatewayPorts).
    pub listen_host: Option<String>,
    /// The port to listen on (0 lets the server choose, remote forwards only). Meaningless when
    /// `listen_path` is set.
    pub listen_port: u16,
    /// A Unix-domain socket to listen on instead of a TCP port.
    pub listen_path: Option<String>,
    /// The host to connect to; `socks` for dynamic (SOCKS) forwarding.
    pub connect_host: Option<String>,
    /// The port to connect to (0 for dynamic forwarding). Meaningless when `connect_path` is set.
    pub connect_port: u16,
    /// A Unix-domain socket to connect to instead of a TCP port.
    pub connect_path: Option<String>,
}

impl Forward {
    /// Whether this is dynamic (SOCKS) forwarding.
    pub fn is_dynamic(&self) -> bool {
        self.connect_host.as_deref() == Some("socks") && self.connect_path.is_none()
    }

    /// The `-G` rendering of the listening side (readconf.c `dump_cfg_forwards`).
    pub(crate) fn dump_listen(&self) -> String {
        match (&self.listen_path, &self.listen_host) {
            (Some(p), _) => p.clone(),
            (None, None) => self.listen_port.to_string(),
            (None, Some(h)) => format!("[{h}]:{}", self.listen_port),
        }
    }

    /// The `-G` rendering of the connecting side.
    pub(crate) fn dump_connect(&self) -> String {
        match (&self.connect_path, &self.connect_host) {
            (Some(p), _) => p.clone(),
            (None, None) => self.connect_port.to_string(),
            (None, Some(h)) => format!("[{h}]:{}", self.connect_port),
        }
    }
}

/// OpenSSH NI_MAXHOST: longer host names are refused.
const NI_MAXHOST: usize = 1025;
/// sizeof(sun_path) on Linux: longer socket paths are refused.
const PATH_MAX_SUN: usize = 108;

struct Field {
    text: String,
    is_path: bool,
}

/// readconf.c `parse_fwd_field`: one colon-separated field; `[...]` is literal, `\` escapes, and a
/// `/` anywhere marks a path. `Ok(None)` at the end of the spec; `Err` for a malformed field (which
/// OpenSSH then reports as trailing garbage).
fn next_field(s: &mut Option<String>) -> Result<Option<Field>, ()> {
    let Some(cur) = s.take() else {
        return Ok(None);
    };
    if cur.is_empty() {
        return Ok(None);
    }
    if let Some(inner) = cur.strip_prefix('[') {
        let close = inner.find(']').ok_or(())?;
        let body = inner.get(..close).ok_or(())?;
        let after = inner.get(close + 1..).ok_or(())?;
        let rest = match after.as_bytes().first() {
            None => String::new(),
            Some(b':') => after.get(1..).ok_or(())?.to_owned(),
            Some(_) => return Err(()),
        };
        *s = Some(rest);
        return Ok(Some(Field {
            is_path: body.contains('/'),
            text: body.to_owned(),
        }));
    }
    let mut out = String::new();
    let mut is_path = false;
    let mut chars = cur.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, n)) => out.push(n),
                None => return Err(()),
            },
            '/' => {
                is_path = true;
                out.push(c);
            }
            ':' => {
                *s = Some(cur.get(i + 1..).unwrap_or("").to_owned());
                return Ok(Some(Field { text: out, is_path }));
            }
            _ => out.push(c),
        }
    }
    *s = Some(String::new());
    Ok(Some(Field { text: out, is_path }))
}

/// readconf.c `parse_forward`: `[listen_host:]port|path:host:port|path` (or `[listen_host:]port`
/// for dynamic forwarding). `${VAR}` references are expanded first. `None` means a bad spec.
pub fn parse_forward(
    spec: &str,
    dynamic: bool,
    remote: bool,
    env: &dyn Environment,
) -> Option<Forward> {
    let expanded = tokens::expand_env(spec, env).ok()?;
    let mut rest = Some(expanded.trim_start().to_owned());
    let mut fields = Vec::new();
    while fields.len() < 4 {
        match next_field(&mut rest).ok()? {
            Some(f) => fields.push(f),
            None => break,
        }
    }
    if rest.as_deref().is_some_and(|r| !r.is_empty()) {
        return None;
    }
    let port = |f: &Field| a2port(&f.text, env).map(i32::from).unwrap_or(-1);
    let (mut lh, lp, mut lpath, mut ch, mut cp, mut cpath);
    (lh, lpath, ch, cp, cpath) = (None, None, None, 0i32, None);
    match fields.as_slice() {
        [a] => {
            if a.is_path {
                lpath = Some(a.text.clone());
                lp = 0;
            } else {
                lp = port(a);
            }
            ch = Some("socks".to_owned());
        }
        [a, b] => {
            if a.is_path && b.is_path {
                lpath = Some(a.text.clone());
                lp = 0;
                cpath = Some(b.text.clone());
            } else if b.is_path {
                lp = port(a);
                cpath = Some(b.text.clone());
            } else {
                lh = Some(a.text.clone());
                lp = port(b);
                ch = Some("socks".to_owned());
            }
        }
        [a, b, c] => {
            if a.is_path {
                lpath = Some(a.text.clone());
                lp = 0;
                ch = Some(b.text.clone());
                cp = port(c);
            } else if c.is_path {
                lh = Some(a.text.clone());
                lp = port(b);
                cpath = Some(c.text.clone());
            } else {
                lp = port(a);
                ch = Some(b.text.clone());
                cp = port(c);
            }
        }
        [a, b, c, d] => {
            lh = Some(a.text.clone());
            lp = port(b);
            ch = Some(c.text.clone());
            cp = port(d);
        }
        _ => return None,
    }
    let n = fields.len();
    if dynamic {
        if !(n == 1 || n == 2) {
            return None;
        }
    } else {
        if !(n == 3 || n == 4) && cpath.is_none() && lpath.is_none() {
            return None;
        }
        if cp <= 0 && cpath.is_none() {
            return None;
        }
    }
    if (lp < 0 && lpath.is_none()) || (!remote && lp == 0 && lpath.is_none()) {
        return None;
    }
    let too_long = |h: &Option<String>, max: usize| h.as_ref().is_some_and(|s| s.len() >= max);
    if too_long(&ch, NI_MAXHOST)
        || too_long(&lh, NI_MAXHOST)
        || too_long(&cpath, PATH_MAX_SUN)
        || too_long(&lpath, PATH_MAX_SUN)
    {
        return None;
    }
    Some(Forward {
        listen_host: lh,
        listen_port: u16::try_from(lp.max(0)).unwrap_or(0),
        listen_path: lpath,
        connect_host: ch,
        connect_port: u16::try_from(cp.max(0)).unwrap_or(0),
        connect_path: cpath,
    })
}

/// misc.c `hpdelim2`: splits the first `host` (possibly `[bracketed]`) off `host:rest` or
/// `host/rest`. Returns the host part, the delimiter found, and what follows it.
pub(crate) fn hpdelim(s: &str) -> Option<(&str, Option<char>, Option<&str>)> {
    let end = if s.starts_with('[') {
        s.find(']')? + 1
    } else {
        s.find([':', '/']).unwrap_or(s.len())
    };
    let host = s.get(..end)?;
    match s.as_bytes().get(end) {
        None => Some((host, None, None)),
        Some(b':') => Some((host, Some(':'), s.get(end + 1..))),
        Some(b'/') => Some((host, Some('/'), s.get(end + 1..))),
        Some(_) => None,
    }
}

/// misc.c `cleanhostname`: drops the brackets around `[host]`.
pub(crate) fn clean_host(h: &str) -> &str {
    match h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        Some(inner) => inner,
        None => h,
    }
}

/// One `ProxyJump` hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpHost {
    /// `user@` part.
    pub user: Option<String>,
    /// The host.
    pub host: String,
    /// `:port` part.
    pub port: Option<u16>,
}

impl JumpHost {
    /// The `-G` form: user@, brackets around numeric addresses, :port.
    pub(crate) fn dump(&self) -> String {
        let numeric =
            self.host.contains(':') || self.host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        if numeric {
            s.push('[');
        }
        s.push_str(&self.host);
        if numeric {
            s.push(']');
        }
        if let Some(p) = self.port {
            s.push(':');
            s.push_str(&p.to_string());
        }
        s
    }
}

fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(hex, 16).ok()?;
            if v == 0 {
                return None;
            }
            out.push(v);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// misc.c `parse_user_host_port` / `parse_uri("ssh", ...)`: `[user@]host[:port]` or
/// `ssh://[user@]host[:port]`.
pub fn parse_jump_host(s: &str, env: &dyn Environment) -> Option<JumpHost> {
    if let Some(uri) = s.strip_prefix("ssh://") {
        let (user, hostpart) = match uri.find('@') {
            Some(i) => {
                let u = uri.get(..i)?;
                let u = u.split(';').next().unwrap_or("");
                if u.is_empty() {
                    return None;
                }
                (Some(url_decode(u)?), uri.get(i + 1..)?)
            }
            None => (None, uri),
        };
        let (host, delim, rest) = hpdelim(hostpart)?;
        let host = clean_host(host);
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:%".contains(&b))
        {
            return None;
        }
        let mut port = None;
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            let mut tail = Some(rest);
            if delim == Some(':') {
                let (p, after) = match rest.split_once('/') {
                    Some((p, a)) => (p, Some(a)),
                    None => (rest, None),
                };
                port = Some(a2port(p, env).filter(|p| *p > 0)?);
                tail = after;
            }
            // A path is not allowed in a jump host (readconf.c `parse_ssh_uri`).
            if tail.is_some_and(|t| !t.is_empty()) {
                return None;
            }
        }
        return Some(JumpHost {
            user,
            host: host.to_owned(),
            port,
        });
    }
    let (user, rest) = match s.rfind('@') {
        Some(i) => {
            let u = s.get(..i)?;
            if u.is_empty() {
                return None;
            }
            (Some(u.to_owned()), s.get(i + 1..)?)
        }
        None => (None, s),
    };
    let (host, _, tail) = hpdelim(rest)?;
    if host.is_empty() {
        return None;
    }
    let port = match tail.filter(|t| !t.is_empty()) {
        Some(t) => Some(a2port(t, env).filter(|p| *p > 0)?),
        None => None,
    };
    Some(JumpHost {
        user,
        host: clean_host(host).to_owned(),
        port,
    })
}

/// Parses a whole `ProxyJump` value (readconf.c `parse_jump`): a comma-separated list of hops, or
/// `none`. `Ok(None)` is "none". Comments and trailing whitespace are dropped first.
pub(crate) fn parse_jump(value: &str, env: &dyn Environment) -> Result<Option<Vec<JumpHost>>, ()> {
    let value = value.split('#').next().unwrap_or("").trim_end();
    if value.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let mut hops = Vec::new();
    for part in value.split(',') {
        hops.push(parse_jump_host(part, env).ok_or(())?);
    }
    Ok(Some(hops))
}

/// Checks one `PermitOpen`/`PermitListen`/`PermitRemoteOpen` entry (`host:port`, port may be `*`).
/// Returns `Err(true)` when the host is missing, `Err(false)` for a bad port.
pub(crate) fn check_permit(entry: &str, env: &dyn Environment) -> Result<(), bool> {
    let Some((_, _, port)) = hpdelim(entry) else {
        return Err(true);
    };
    match port {
        Some("*") => Ok(()),
        Some(p) if a2port(p, env).is_some_and(|p| p > 0) => Ok(()),
        _ => Err(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FixedEnvironment;

    fn env() -> FixedEnvironment {
        FixedEnvironment::new("u", "/home/u")
    }

    #[test]
    fn local_forward_forms() {
        let e = env();
        let f = parse_forward("8080:localhost:80", false, false, &e).unwrap();
        assert_eq!(
            (f.listen_port, f.connect_host.as_deref(), f.connect_port),
            (8080, Some("localhost"), 80)
        );
        let f = parse_forward("[::1]:9090:/tmp/sock", false, false, &e).unwrap();
        assert_eq!(
            (f.listen_host.as_deref(), f.connect_path.as_deref()),
            (Some("::1"), Some("/tmp/sock"))
        );
        assert_eq!(f.dump_listen(), "[::1]:9090");
        assert!(parse_forward("80", false, false, &e).is_none());
        assert!(parse_forward("0:h:80", false, false, &e).is_none());
        assert!(parse_forward("1:h:0", false, false, &e).is_none());
        assert!(parse_forward("a:b:c:d:e", false, false, &e).is_none());
    }

    #[test]
    fn dynamic_and_remote_forms() {
        let e = env();
        let f = parse_forward("1080", true, false, &e).unwrap();
        assert!(f.is_dynamic());
        assert_eq!(f.dump_connect(), "[socks]:0");
        let f = parse_forward("0:h:22", false, true, &e).unwrap();
        assert_eq!(f.listen_port, 0);
        assert!(parse_forward("1080:x:1", true, false, &e).is_none());
    }

    #[test]
    fn jump_hosts() {
        let e = env();
        let hops = parse_jump("alice@jump1:2200,bob@[2001:db8::1]:22", &e)
            .unwrap()
            .unwrap();
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[1].dump(), "bob@[2001:db8::1]:22");
        assert_eq!(parse_jump("none", &e), Ok(None));
        let h = parse_jump_host("ssh://me@host:2222", &e).unwrap();
        assert_eq!(
            (h.user.as_deref(), h.host.as_str(), h.port),
            (Some("me"), "host", Some(2222))
        );
        assert!(parse_jump_host("@host", &e).is_none());
        assert!(parse_jump_host("host:0", &e).is_none());
        assert!(parse_jump_host("ssh://host/path", &e).is_none());
    }

    #[test]
    fn permit_entries() {
        let e = env();
        assert_eq!(check_permit("host:22", &e), Ok(()));
        assert_eq!(check_permit("[::1]:*", &e), Ok(()));
        assert_eq!(check_permit("host", &e), Err(false));
        assert_eq!(check_permit("[::1", &e), Err(true));
    }
}
