//! The options before a key in authorized_keys (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), parsed the way
//! OpenSSH's auth-options.c `sshauthopt_parse` does: options are comma-separated, flags match
//! case-insensitively (most also as `no-flag`), valued options take a double-quoted value in which `\"`
//! stands for a quote, and anything unknown rejects the whole line.

/// A `tunnel=` device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelDevice {
    /// `tunnel="any"`.
    Any,
    /// A device number.
    Number(u32),
}

/// A civil date and time as written in `expiry-time=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Year, month (1–12), day (1–31), hour, minute, second.
    pub civil: (i64, u32, u32, u32, u32, u32),
    /// `true` for a trailing `Z` or `UTC`; otherwise the time is local to the server.
    pub utc: bool,
}

impl Expiry {
    /// The instant in Unix seconds. `local_utc_offset` (seconds east of UTC) applies only to a local
    /// time; sshd passes the offset of its time zone. Days past the end of a month roll over into the
    /// next, as `mktime` does.
    pub fn unix_time(&self, local_utc_offset: i64) -> i64 {
        let (y, m, d, hh, mm, ss) = self.civil;
        let days = days_from_civil(y, m) + i64::from(d) - 1;
        let seconds = days * 86_400 + i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss);
        if self.utc {
            seconds
        } else {
            seconds - local_utc_offset
        }
    }
}

/// Days from 1970-01-01 to the first of `month` in `year` (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32) -> i64 {
    let m = i64::from(month);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally followed by `Z` or `UTC` (misc.c
/// `parse_absolute_time`).
pub fn parse_expiry(text: &str) -> Option<Expiry> {
    let (digits, utc) = if text.len() > 1 && text.ends_with(['Z', 'z']) {
        (text.get(..text.len() - 1)?, true)
    } else if text.len() > 3 && text.get(text.len() - 3..)?.eq_ignore_ascii_case("UTC") {
        (text.get(..text.len() - 3)?, true)
    } else {
        (text, false)
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field =
        |at: usize, len: usize| digits.get(at..at + len).and_then(|s| s.parse::<u32>().ok());
    let year = i64::from(field(0, 4)?);
    let month = field(4, 2)?;
    let day = field(6, 2)?;
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        12 => (field(8, 2)?, field(10, 2)?, 0),
        _ => (field(8, 2)?, field(10, 2)?, field(12, 2)?),
    };
    // strptime's ranges for %m %d %H %M %S.
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let expiry = Expiry {
        civil: (year, month, day, hour, minute, second),
        utc,
    };
    // OpenSSH refuses times before the epoch, and a zero time (it means "no expiry" internally).
    (expiry.unix_time(0) > 0).then_some(expiry)
}

/// The options of one authorized_keys line, with OpenSSH's defaults for a line without options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOptions {
    /// `restrict` was given (it turns off every permission; later flags may turn some back on).
    pub restricted: bool,
    /// `cert-authority`: the key is a CA for user certificates, not a key to log in with.
    pub cert_authority: bool,
    /// Port forwarding allowed (`port-forwarding` / `no-port-forwarding`).
    pub port_forwarding: bool,
    /// Agent forwarding allowed.
    pub agent_forwarding: bool,
    /// X11 forwarding allowed.
    pub x11_forwarding: bool,
    /// A pty may be allocated.
    pub pty: bool,
    /// `~/.ssh/rc` may run.
    pub user_rc: bool,
    /// `no-touch-required`: FIDO keys need no user presence.
    pub no_touch_required: bool,
    /// `verify-required`: FIDO keys need user verification (PIN).
    pub verify_required: bool,
    /// `command=`: the forced command.
    pub command: Option<String>,
    /// `principals=`: allowed certificate principals (only with `cert-authority`).
    pub principals: Option<String>,
    /// `from=`: the pattern list the client's host name or address must match.
    pub from: Option<String>,
    /// `expiry-time=`: the earliest of the given times.
    pub expiry: Option<Expiry>,
    /// `environment=` strings (`NAME=value`), in order.
    pub environment: Vec<String>,
    /// `permitopen=` destinations (`host:port`, port may be `*`).
    pub permit_open: Vec<String>,
    /// `permitlisten=` addresses (`[host:]port`; a bare port is stored as `*:port`).
    pub permit_listen: Vec<String>,
    /// `tunnel=`.
    pub tunnel: Option<TunnelDevice>,
}

impl Default for KeyOptions {
    fn default() -> Self {
        Self {
            restricted: false,
            cert_authority: false,
            port_forwarding: true,
            agent_forwarding: true,
            x11_forwarding: true,
            pty: true,
            user_rc: true,
            no_touch_required: false,
            verify_required: false,
            command: None,
            principals: None,
            from: None,
            expiry: None,
            environment: Vec::new(),
            permit_open: Vec::new(),
            permit_listen: Vec::new(),
            tunnel: None,
        }
    }
}

/// Why an option string was refused; the texts are OpenSSH's.
pub type OptionError = &'static str;

/// A cursor over the option text.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    /// opt_flag: matches `name` (or `no-name` when `negatable`) case-insensitively; `Some(true)` for the
    /// plain form, `Some(false)` for the negated one.
    fn flag(&mut self, name: &str, negatable: bool) -> Option<bool> {
        let (text, positive) = match self.rest.get(..3) {
            Some(p) if negatable && p.eq_ignore_ascii_case("no-") => {
                (self.rest.get(3..).unwrap_or_default(), false)
            }
            _ => (self.rest, true),
        };
        let head = text.get(..name.len())?;
        if !head.eq_ignore_ascii_case(name) {
            return None;
        }
        self.rest = text.get(name.len()..).unwrap_or_default();
        Some(positive)
    }

    /// opt_match: `name=` case-insensitively.
    fn valued(&mut self, name: &str) -> bool {
        let matched = self
            .rest
            .get(..name.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
            && self
                .rest
                .get(name.len()..)
                .is_some_and(|r| r.starts_with('='));
        if matched {
            self.rest = self.rest.get(name.len() + 1..).unwrap_or_default();
        }
        matched
    }

    /// opt_dequote: a double-quoted value where `\"` is a literal quote.
    fn quoted(&mut self) -> Result<String, OptionError> {
        let body = self.rest.strip_prefix('"').ok_or("missing start quote")?;
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = body.get(i + 1..).unwrap_or_default();
                    return Ok(value);
                }
                '\\' if body.get(i + 1..).is_some_and(|r| r.starts_with('"')) => {
                    chars.next();
                    value.push('"');
                }
                _ => value.push(c),
            }
        }
        Err("missing end quote")
    }
}

/// Parses the option text at the start of `text` and returns the options and the text after them (the
/// whitespace before the key, the key and the comment).
pub fn parse_options(text: &str) -> Result<(KeyOptions, &str), OptionError> {
    let mut o = KeyOptions::default();
    let mut c = Cursor { rest: text };
    while !c.rest.is_empty() && !c.rest.starts_with([' ', '\t']) {
        if c.flag("restrict", false).is_some() {
            o.restricted = true;
            o.port_forwarding = false;
            o.agent_forwarding = false;
            o.x11_forwarding = false;
            o.pty = false;
            o.user_rc = false;
        } else if c.flag("cert-authority", false).is_some() {
            o.cert_authority = true;
        } else if let Some(v) = c.flag("port-forwarding", true) {
            o.port_forwarding = v;
        } else if let Some(v) = c.flag("agent-forwarding", true) {
            o.agent_forwarding = v;
        } else if let Some(v) = c.flag("x11-forwarding", true) {
            o.x11_forwarding = v;
        } else if let Some(v) = c.flag("touch-required", true) {
            o.no_touch_required = !v;
        } else if c.flag("verify-required", false).is_some() {
            o.verify_required = true;
        } else if let Some(v) = c.flag("pty", true) {
            o.pty = v;
        } else if let Some(v) = c.flag("user-rc", true) {
            o.user_rc = v;
        } else if c.valued("command") {
            if o.command.is_some() {
                return Err("multiple \"command\" clauses");
            }
            o.command = Some(c.quoted()?);
        } else if c.valued("principals") {
            if o.principals.is_some() {
                return Err("multiple \"principals\" clauses");
            }
            o.principals = Some(c.quoted()?);
        } else if c.valued("from") {
            if o.from.is_some() {
                return Err("multiple \"from\" clauses");
            }
            o.from = Some(c.quoted()?);
        } else if c.valued("expiry-time") {
            let expiry = parse_expiry(&c.quoted()?).ok_or("invalid expires time")?;
            // The earliest of several expiry times wins.
            if o.expiry
                .is_none_or(|e| expiry.unix_time(0) < e.unix_time(0))
            {
                o.expiry = Some(expiry);
            }
        } else if c.valued("environment") {
            let value = c.quoted()?;
            let (name, _) = value.split_once('=').ok_or("invalid environment string")?;
            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err("invalid environment string");
            }
            o.environment.push(value);
        } else if c.valued("permitopen") {
            o.permit_open.push(parse_permit(&c.quoted()?, false)?);
        } else if c.valued("permitlisten") {
            o.permit_listen.push(parse_permit(&c.quoted()?, true)?);
        } else if c.valued("tunnel") {
            o.tunnel = Some(parse_tunnel(&c.quoted()?).ok_or("invalid tun device")?);
        }
        // After an option (or nothing, for an empty one) comes a comma or the end of the options.
        if c.rest.is_empty() || c.rest.starts_with([' ', '\t']) {
            break;
        }
        c.rest = c.rest.strip_prefix(',').ok_or("unknown key option")?;
        if c.rest.is_empty() {
            return Err("unexpected end-of-options");
        }
    }
    Ok((o, c.rest))
}

/// auth-options.c `handle_permit`: `host:port` (`[v6]:port`, or `/` as the separator) with a port of
/// 1–65535 or `*`; for permitlisten a bare port means any host.
fn parse_permit(value: &str, allow_bare_port: bool) -> Result<String, OptionError> {
    let value = if allow_bare_port && !value.contains(':') {
        format!("*:{value}")
    } else {
        value.to_string()
    };
    // misc.c hpdelim2: a bracketed host runs to `]`; otherwise to the first `:` or `/`.
    let (host, port) = if value.starts_with('[') {
        let close = value.find(']').ok_or("invalid permission hostname")?;
        let host = value.get(..=close).unwrap_or_default();
        let after = value.get(close + 1..).unwrap_or_default();
        match after.chars().next() {
            Some(':' | '/') => (host, after.get(1..)),
            None => (host, None),
            Some(_) => return Err("invalid permission hostname"),
        }
    } else {
        match value.find([':', '/']) {
            Some(at) => (value.get(..at).unwrap_or_default(), value.get(at + 1..)),
            None => (value.as_str(), None),
        }
    };
    // NI_MAXHOST is 1025 including the terminator.
    if host.len() >= 1025 {
        return Err("invalid permission hostname");
    }
    let port = port.ok_or("invalid permission port")?;
    if port != "*" && !port.parse::<u16>().is_ok_and(|p| p > 0) {
        return Err("invalid permission port");
    }
    Ok(value)
}

/// misc.c `a2tun`: `any` or a number up to `SSH_TUNID_MAX`.
fn parse_tunnel(value: &str) -> Option<TunnelDevice> {
    const SSH_TUNID_MAX: u32 = 0x7fff_fffd;
    if value.eq_ignore_ascii_case("any") {
        return Some(TunnelDevice::Any);
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= SSH_TUNID_MAX)
        .map(TunnelDevice::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_keep_spaces_commas_and_escaped_quotes() {
        let (o, rest) = parse_options(
            r#"command="echo \"a, b\" c\\d",no-pty,environment="A=b c"	ssh-ed25519 AAAA"#,
        )
        .unwrap();
        assert_eq!(o.command.as_deref(), Some(r#"echo "a, b" c\\d"#));
        assert!(!o.pty && o.port_forwarding);
        assert_eq!(o.environment, ["A=b c"]);
        assert_eq!(rest, "\tssh-ed25519 AAAA");
    }

    #[test]
    fn restrict_then_flags_reenable() {
        let (o, _) = parse_options("restrict,pty,Port-Forwarding").unwrap();
        assert!(o.restricted && o.pty && o.port_forwarding);
        assert!(!o.agent_forwarding && !o.x11_forwarding && !o.user_rc);
        let (o, _) = parse_options("pty,restrict").unwrap();
        assert!(!o.pty);
        let (o, _) = parse_options(
            "no-X11-forwarding,no-user-rc,no-agent-forwarding,no-touch-required,verify-required",
        )
        .unwrap();
        assert!(
            !o.x11_forwarding
                && !o.user_rc
                && !o.agent_forwarding
                && o.no_touch_required
                && o.verify_required
        );
    }

    #[test]
    fn refusals_use_openssh_reasons() {
        assert_eq!(parse_options("bogus").unwrap_err(), "unknown key option");
        assert_eq!(parse_options("no-ptyx").unwrap_err(), "unknown key option");
        assert_eq!(
            parse_options("pty,").unwrap_err(),
            "unexpected end-of-options"
        );
        assert_eq!(
            parse_options("command=\"x").unwrap_err(),
            "missing end quote"
        );
        assert_eq!(
            parse_options("command=x").unwrap_err(),
            "missing start quote"
        );
        assert_eq!(
            parse_options("command=\"a\",command=\"b\"").unwrap_err(),
            "multiple \"command\" clauses"
        );
        assert_eq!(
            parse_options("environment=\"A-B=c\"").unwrap_err(),
            "invalid environment string"
        );
        assert_eq!(
            parse_options("environment=\"novalue\"").unwrap_err(),
            "invalid environment string"
        );
        assert_eq!(
            parse_options("permitopen=\"host\"").unwrap_err(),
            "invalid permission port"
        );
        assert_eq!(
            parse_options("permitopen=\"host:0\"").unwrap_err(),
            "invalid permission port"
        );
        assert_eq!(
            parse_options("tunnel=\"x\"").unwrap_err(),
            "invalid tun device"
        );
        assert_eq!(
            parse_options("expiry-time=\"2020\"").unwrap_err(),
            "invalid expires time"
        );
        // An empty option between commas is accepted, as OpenSSH does.
        assert!(parse_options("pty,,pty").is_ok());
    }

    #[test]
    fn permits_and_tunnels() {
        let (o, _) = parse_options(
            r#"permitopen="h:22",permitopen="[::1]:*",permitlisten="8080",permitopen="l/99""#,
        )
        .unwrap();
        assert_eq!(o.permit_open, ["h:22", "[::1]:*", "l/99"]);
        assert_eq!(o.permit_listen, ["*:8080"]);
        // A bare permitlisten value is a port; "l/99" becomes "*:l/99", whose port is invalid.
        assert!(parse_options(r#"permitlisten="l/99""#).is_err());
        assert_eq!(
            parse_options("tunnel=\"ANY\"").unwrap().0.tunnel,
            Some(TunnelDevice::Any)
        );
        assert_eq!(
            parse_options("tunnel=\"5\"").unwrap().0.tunnel,
            Some(TunnelDevice::Number(5))
        );
    }

    #[test]
    fn expiry_times() {
        let e = parse_expiry("20300102").unwrap();
        assert_eq!(e.unix_time(0), 1_893_542_400);
        assert_eq!(
            parse_expiry("203001020304Z").unwrap().unix_time(3600),
            1_893_553_440
        );
        assert_eq!(
            parse_expiry("20300102030405utc").unwrap().unix_time(0),
            1_893_553_445
        );
        // Local time: an offset east of UTC makes the instant earlier.
        assert_eq!(e.unix_time(3600), 1_893_542_400 - 3600);
        // Feb 30 rolls into March, as mktime does.
        assert_eq!(
            parse_expiry("20240230Z").unwrap().unix_time(0),
            parse_expiry("20240301Z").unwrap().unix_time(0)
        );
        for bad in [
            "2030010",
            "20301302",
            "20300100",
            "203001022400",
            "1969123123Z",
            "2030010x",
            "Z",
        ] {
            assert!(parse_expiry(bad).is_none(), "{bad}");
        }
        let (o, _) = parse_options(r#"expiry-time="20310101",expiry-time="20300101""#).unwrap();
        assert_eq!(o.expiry.unwrap().civil.0, 2030);
    }
}
