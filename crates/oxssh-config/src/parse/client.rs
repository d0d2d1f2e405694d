//! ssh_config values with a syntax of their own (readconf.c `process_config_line_depth`).

use super::{
    Args, Ctx, LineError, none_alone_list, parse_bind_mask, parse_ipqos, parse_rekey_limit,
    parse_setenv, parse_time,
};
use crate::forward::{self, parse_forward};
use crate::keywords::client::ADD_KEYS;
use crate::keywords::{Kind, Special};
use crate::lexer::command_rest;
use crate::store::Value;
use crate::tokens;
use crate::values::{self, a2port};

/// OpenSSH's SSH_TUNID_ANY.
pub(crate) const TUNID_ANY: i64 = 0x7fff_ffff;
/// Longest host list per known-hosts keyword (SSH_MAX_HOSTS_FILES).
const MAX_HOSTS_FILES: usize = 32;
/// Longest CanonicalDomains / CanonicalizePermittedCNAMEs list (MAX_CANON_DOMAINS).
const MAX_CANON_DOMAINS: usize = 32;

pub(super) fn parse_plain(
    ctx: &Ctx<'_>,
    kind: Kind,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    match kind {
        Kind::Port => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            match a2port(&arg, ctx.env) {
                Some(p) if p > 0 => Ok(Some(Value::Int(i64::from(p)))),
                _ => Err(ctx.bad(format!("Bad port '{arg}'."))),
            }
        }
        Kind::Command => {
            args.consume_all();
            Ok(Some(Value::Text(command_rest(ctx.rest).to_owned())))
        }
        _ => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            Ok(Some(Value::Text(arg)))
        }
    }
}

/// readconf.c `parse_agent_path`: the value may hold `${VAR}` references, which must be complete,
/// and the legacy `$VAR` form must name a valid variable.
fn check_agent_path(ctx: &Ctx<'_>, arg: &str) -> Result<(), LineError> {
    if let Err(e) = tokens::expand_env(arg, ctx.env)
        && !matches!(e, tokens::TokenError::UnsetVariable(_))
    {
        return Err(ctx.bad(format!("Invalid environment expansion {arg}.")));
    }
    if let Some(name) = arg.strip_prefix('$')
        && !name.starts_with('{')
        && !valid_env_name(name)
    {
        return Err(ctx.bad(format!("Invalid environment name {arg}.")));
    }
    Ok(())
}

/// misc.c `valid_env_name`: letters, digits and underscore, not starting with a digit.
fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// misc.c `a2tun`: `n`, `any`, or `local:remote`.
fn a2tun(s: &str) -> Option<(i64, i64)> {
    fn one(s: &str) -> Option<i64> {
        if s.eq_ignore_ascii_case("any") {
            return Some(TUNID_ANY);
        }
        values::strtonum(s, 0, TUNID_ANY - 2).ok()
    }
    match s.split_once(':') {
        None => Some((one(s)?, TUNID_ANY)),
        Some((l, r)) => Some((one(l)?, one(r)?)),
    }
}

/// misc.c `valid_domain` (for CanonicalDomains): letters, digits, `-` and `.`, no leading or
/// doubled dots, no trailing dot or dash.
fn valid_domain(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    if b.is_empty() {
        return Err("empty domain name".to_owned());
    }
    if !b.first().is_some_and(u8::is_ascii_alphanumeric) {
        return Err(format!(
            "domain name \"{name}\" starts with invalid character"
        ));
    }
    for (i, c) in b.iter().enumerate() {
        if !(c.is_ascii_alphanumeric() || *c == b'.' || *c == b'-') {
            return Err(format!(
                "domain name \"{name}\" contains invalid characters"
            ));
        }
        if *c == b'.' && b.get(i + 1) == Some(&b'.') {
            return Err(format!(
                "domain name \"{name}\" contains consecutive separators"
            ));
        }
    }
    if matches!(b.last(), Some(b'.' | b'-')) {
        return Err(format!(
            "domain name \"{name}\" ends with invalid character"
        ));
    }
    Ok(())
}

pub(super) fn parse_special(
    ctx: &Ctx<'_>,
    s: Special,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    match s {
        Special::ConnectTimeout => parse_time(ctx, args),
        Special::ForwardAgent => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.counted("missing argument."))?;
            if let Some((_, w)) = [
                ("true", true),
                ("false", false),
                ("yes", true),
                ("no", false),
            ]
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&arg))
            {
                return Ok(Some(Value::Flag(*w)));
            }
            // Anything else is the path of an agent socket to forward.
            check_agent_path(ctx, &arg)?;
            Ok(Some(Value::Text(arg)))
        }
        Special::IdentityAgent => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            check_agent_path(ctx, &arg)?;
            Ok(Some(Value::Text(arg)))
        }
        Special::RekeyLimit => parse_rekey_limit(ctx, args),
        Special::LocalForward | Special::RemoteForward | Special::DynamicForward => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            let remote = s == Special::RemoteForward;
            let mut dynamic = s == Special::DynamicForward;
            let mut spec = arg.clone();
            if !dynamic {
                match args.next().filter(|a| !a.is_empty()) {
                    // A one-argument RemoteForward is a remote dynamic (SOCKS) forward.
                    None if remote => dynamic = true,
                    None => return Err(ctx.bad("Missing target argument.")),
                    // OpenSSH joins the two halves in a 256-byte buffer.
                    Some(target) => spec = truncate_bytes(&format!("{arg}:{target}"), 255),
                }
            }
            match parse_forward(&spec, dynamic, remote, ctx.env) {
                Some(f) => Ok(Some(Value::Forwards(vec![f]))),
                None => Err(ctx.bad("Bad forwarding specification.")),
            }
        }
        Special::NoneAloneList => {
            let list = none_alone_list(ctx, args)?;
            if ctx.keyword == "canonicaldomains" {
                for d in &list {
                    if !d.eq_ignore_ascii_case("none")
                        && let Err(e) = valid_domain(d)
                    {
                        return Err(ctx.bad(e));
                    }
                }
                if list.len() > MAX_CANON_DOMAINS {
                    return Err(ctx.bad("too many hostname suffixes."));
                }
            } else if ctx.keyword.ends_with("knownhostsfile") && list.len() > MAX_HOSTS_FILES {
                return Err(ctx.bad(format!("too many {} entries.", ctx.keyword)));
            }
            Ok(Some(Value::List(list)))
        }
        Special::PermitOpen | Special::PermitListen => {
            let name = "permitremoteopen";
            let Some(first) = args.next().filter(|a| !a.is_empty()) else {
                return Err(ctx.fatal(format!("missing {name} specification")));
            };
            if first == "any" || first == "none" {
                return Ok(Some(Value::List(vec![first])));
            }
            let mut out = Vec::new();
            for entry in std::iter::once(first).chain(args.rest()) {
                match forward::check_permit(&entry, ctx.env) {
                    Ok(()) => out.push(entry),
                    Err(true) => return Err(ctx.fatal(format!("missing host in {name}"))),
                    Err(false) => return Err(ctx.fatal(format!("bad port number in {name}"))),
                }
            }
            Ok(Some(Value::List(out)))
        }
        Special::SendEnv => {
            let all = args.rest();
            if all.iter().any(|a| a.is_empty() || a.contains('=')) {
                return Err(ctx.bad("Invalid environment name."));
            }
            Ok(Some(Value::List(all)))
        }
        Special::SetEnv => parse_setenv(ctx, args),
        Special::ControlPersist => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.bad("Missing ControlPersist argument."))?;
            let v = match arg.as_str() {
                "no" | "false" => Value::WordInt("no", 0),
                "yes" | "true" => Value::WordInt("yes", 0),
                t => match values::parse_time(t) {
                    Some(secs) => Value::WordInt("yes", i64::try_from(secs).unwrap_or(i64::MAX)),
                    None => return Err(ctx.bad("Bad ControlPersist argument.")),
                },
            };
            Ok(Some(v))
        }
        Special::TunnelDevice => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            let (l, r) = a2tun(&arg).ok_or_else(|| ctx.bad("Bad tun device."))?;
            Ok(Some(Value::Pair(l, r)))
        }
        Special::EscapeChar => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            match values::parse_escape_char(&arg) {
                Ok(Some(c)) => Ok(Some(Value::Int(i64::from(c)))),
                Ok(None) => Ok(Some(Value::Int(-2))),
                Err(()) => Err(ctx.bad("Bad escape character.")),
            }
        }
        Special::IpQos => parse_ipqos(ctx, args),
        Special::PermittedCnames => {
            let all = args.rest();
            let n = all.len();
            let mut rules = Vec::new();
            for (i, a) in all.iter().enumerate() {
                if a.eq_ignore_ascii_case("none") {
                    if i > 0 || i + 1 < n {
                        return Err(ctx.bad(format!(
                            "keyword {} \"none\" argument must appear alone.",
                            ctx.keyword
                        )));
                    }
                    rules.push((a.clone(), String::new()));
                } else if a == "*" {
                    rules.push(("*".to_owned(), "*".to_owned()));
                } else {
                    let lower = a.to_ascii_lowercase();
                    match lower.split_once(':') {
                        Some((src, dst)) if !dst.is_empty() => {
                            rules.push((src.to_owned(), dst.to_owned()))
                        }
                        _ => return Err(ctx.bad(format!("Invalid permitted CNAME \"{lower}\""))),
                    }
                }
            }
            if rules.len() > MAX_CANON_DOMAINS {
                return Err(ctx.bad("too many permitted CNAMEs."));
            }
            Ok(Some(Value::Pairs(rules)))
        }
        Special::BindMask => parse_bind_mask(ctx, args),
        Special::AddKeysToAgent => {
            let arg = args.next();
            let arg2 = args.next();
            let mode = match arg.as_deref().filter(|a| !a.is_empty()) {
                None => None,
                Some(a) => ADD_KEYS
                    .iter()
                    .find(|(w, _)| w.eq_ignore_ascii_case(a))
                    .map(|(_, c)| *c),
            };
            let invalid_time = || ctx.bad("invalid time value.");
            let unsupported = || ctx.bad("unsupported option");
            let max = i64::from(i32::MAX);
            match (mode, arg2) {
                (Some("confirm"), Some(t)) => {
                    let secs = values::parse_time(&t)
                        .and_then(|s| i64::try_from(s).ok())
                        .filter(|s| *s <= max);
                    Ok(Some(Value::WordInt(
                        "confirm",
                        secs.ok_or_else(invalid_time)?,
                    )))
                }
                (None, None) => {
                    // A bare lifetime means "yes, for that long".
                    let secs = arg
                        .as_deref()
                        .and_then(values::parse_time)
                        .and_then(|s| i64::try_from(s).ok());
                    Ok(Some(Value::WordInt(
                        "true",
                        secs.filter(|s| *s <= max).ok_or_else(unsupported)?,
                    )))
                }
                (Some(m), None) => Ok(Some(Value::WordInt(m, 0))),
                _ => Err(unsupported()),
            }
        }
        Special::ProxyJump => {
            let raw = command_rest(ctx.rest);
            args.consume_all();
            match forward::parse_jump(raw, ctx.env) {
                Ok(hops) => Ok(Some(Value::Jump(hops, raw.to_owned()))),
                Err(()) => Err(ctx.bad(format!("Invalid ProxyJump \"{raw}\""))),
            }
        }
        Special::ProxyCommand => {
            args.consume_all();
            Ok(Some(Value::Text(command_rest(ctx.rest).to_owned())))
        }
        // Server-only syntaxes never reach the client table.
        _ => {
            args.consume_all();
            Ok(None)
        }
    }
}

fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunnel_devices_and_domains() {
        assert_eq!(a2tun("any"), Some((TUNID_ANY, TUNID_ANY)));
        assert_eq!(a2tun("3:any"), Some((3, TUNID_ANY)));
        assert_eq!(a2tun("3:x"), None);
        assert!(valid_domain("a.example.com").is_ok());
        assert!(valid_domain("a..b").is_err());
        assert!(valid_domain("-a").is_err());
        assert!(valid_env_name("SSH_AUTH_SOCK"));
        assert!(!valid_env_name("1X"));
    }
}
