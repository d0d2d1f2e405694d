//! sshd_config values with a syntax of their own (servconf.c
//! `process_server_config_line_depth`).

use super::{
    Args, Ctx, LineError, none_alone_list, parse_bind_mask, parse_ipqos, parse_rekey_limit,
    parse_setenv,
};
use crate::env::Environment;
use crate::forward::{self, clean_host, hpdelim};
use crate::keywords::{Kind, Special};
use crate::lexer::command_rest;
use crate::matching;
use crate::store::{ListenAddress, Value};
use crate::tokens::{self, is_absolute};
use crate::values::{self, a2port};

/// The authentication method names auth2.c knows (with GSSAPI, as Debian builds it).
const AUTH_METHODS: &[&str] = &[
    "none",
    "publickey",
    "hostbased",
    "password",
    "keyboard-interactive",
    "gssapi-with-mic",
];
/// Bits of `PubkeyAuthOptions`.
pub(crate) const TOUCH_REQUIRED: i64 = 1;
/// Bits of `PubkeyAuthOptions`.
pub(crate) const VERIFY_REQUIRED: i64 = 2;

/// servconf.c `derelativise_path`: `none` stays, `~` is expanded, a relative path is made
/// absolute against the working directory.
pub(crate) fn derelativise(path: &str, env: &dyn Environment) -> Result<String, String> {
    if path.eq_ignore_ascii_case("none") {
        return Ok("none".to_owned());
    }
    let expanded = tokens::expand_tilde(path, env).map_err(|e| e.to_string())?;
    if is_absolute(&expanded) {
        return Ok(expanded);
    }
    let cwd = env.current_dir().to_string_lossy();
    Ok(format!("{}/{expanded}", cwd.trim_end_matches('/')))
}

pub(super) fn parse_plain(
    ctx: &Ctx<'_>,
    kind: Kind,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    match kind {
        Kind::Path => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing file name."))?;
            let p = derelativise(&arg, ctx.env).map_err(|m| LineError::Fatal(vec![m]))?;
            Ok(Some(Value::Text(p)))
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

/// sscanf("%d:%d[:%d]")-like: integers separated by colons, as many as parse; trailing junk after
/// the last one is ignored, as sscanf does.
fn scan_ints(s: &str, max: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = s;
    while out.len() < max {
        let t = rest.trim_start();
        let (sign, t2) = match t.as_bytes().first() {
            Some(b'-') => (-1, t.get(1..).unwrap_or("")),
            Some(b'+') => (1, t.get(1..).unwrap_or("")),
            _ => (1, t),
        };
        let end = t2.find(|c: char| !c.is_ascii_digit()).unwrap_or(t2.len());
        let Some(v) = t2.get(..end).and_then(|d| d.parse::<i64>().ok()) else {
            break;
        };
        out.push(sign * v.min(i64::from(i32::MAX)));
        match t2.get(end..).and_then(|r| r.strip_prefix(':')) {
            Some(r) => rest = r,
            None => break,
        }
    }
    out
}

/// auth2.c `auth2_methods_valid` (without the "enabled" check): the diagnostic line OpenSSH logs
/// for the first unknown method.
fn auth_methods_invalid(list: &str) -> Option<String> {
    if list.is_empty() {
        return Some("empty authentication method list".to_owned());
    }
    for method in list.split(',') {
        let name = method.split(':').next().unwrap_or("");
        if !AUTH_METHODS.contains(&name) {
            return Some(format!("Unknown authentication method \"{name}\" in list"));
        }
    }
    None
}

/// misc.c `parse_timeout` for ChannelTimeout: `type=interval`.
fn valid_channel_timeout(s: &str) -> bool {
    match s.split_once('=') {
        Some((ty, t)) => !ty.is_empty() && values::parse_time(t).is_some(),
        None => false,
    }
}

pub(super) fn parse_special(
    ctx: &Ctx<'_>,
    s: Special,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    let kw = ctx.keyword;
    let missing = || ctx.fatal(format!("{kw} missing argument."));
    let path = |p: &str| derelativise(p, ctx.env).map_err(|m| LineError::Fatal(vec![m]));
    match s {
        Special::ServerPort => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing port number."))?;
            match a2port(&arg, ctx.env) {
                Some(p) if p > 0 => Ok(Some(Value::List(vec![p.to_string()]))),
                _ => Err(ctx.fatal("Badly formatted port number.")),
            }
        }
        Special::ListenAddress => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing address"))?;
            let bare_v6 = !arg.contains('[') && arg.matches(':').count() >= 2;
            let (host, port) = if bare_v6 {
                (arg.clone(), None)
            } else {
                let (h, _, p) = hpdelim(&arg).ok_or_else(|| ctx.fatal("bad address:port usage"))?;
                let port = match p {
                    None => None,
                    Some(p) => Some(
                        a2port(p, ctx.env)
                            .filter(|p| *p > 0)
                            .ok_or_else(|| ctx.fatal("bad port number"))?,
                    ),
                };
                (clean_host(h).to_owned(), port)
            };
            if let Some(word) = args.next() {
                if word != "rdomain" || args.next().is_none() {
                    return Err(ctx.fatal("bad ListenAddress syntax"));
                }
                // Linux has no routing domains (servconf.c `valid_rdomain`).
                return Err(ctx.fatal("bad routing domain"));
            }
            Ok(Some(Value::Listen(vec![ListenAddress {
                host,
                port,
                rdomain: None,
            }])))
        }
        Special::HostKey => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing file name."))?;
            Ok(Some(Value::List(vec![path(&arg)?])))
        }
        Special::HostKeyAgent => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing socket name."))?;
            let v = if arg == "SSH_AUTH_SOCK" {
                arg
            } else {
                path(&arg)?
            };
            Ok(Some(Value::Text(v)))
        }
        Special::AuthorizedKeysFile => {
            let mut out = Vec::new();
            for a in args.rest() {
                if a.is_empty() {
                    return Err(ctx.counted(format!("keyword {kw} empty argument")));
                }
                out.push(
                    tokens::expand_tilde(&a, ctx.env)
                        .map_err(|e| LineError::Fatal(vec![e.to_string()]))?,
                );
            }
            Ok(Some(Value::List(out)))
        }
        Special::AuthorizedPrincipalsFile => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            let v = tokens::expand_tilde(&arg, ctx.env)
                .map_err(|e| LineError::Fatal(vec![e.to_string()]))?;
            Ok(Some(Value::Text(v)))
        }
        Special::Users => {
            let all = args.rest();
            for a in &all {
                if a.is_empty() || !matching::valid_user_pattern(a) {
                    return Err(ctx.fatal(format!("invalid {kw} pattern: \"{a}\"")));
                }
            }
            Ok(Some(Value::List(all)))
        }
        Special::Groups => {
            let all = args.rest();
            if all.iter().any(String::is_empty) {
                return Err(ctx.fatal(format!("empty {kw} pattern")));
            }
            Ok(Some(Value::List(all)))
        }
        Special::AcceptEnv => {
            let all = args.rest();
            if all.iter().any(|a| a.is_empty() || a.contains('=')) {
                return Err(ctx.fatal("Invalid environment name."));
            }
            Ok(Some(Value::List(all)))
        }
        Special::SetEnv => parse_setenv(ctx, args),
        Special::Subsystem => {
            let name = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            let command = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("Missing subsystem command."))?;
            let mut line = command;
            for a in args.rest() {
                line.push(' ');
                line.push_str(&a);
            }
            Ok(Some(Value::Pairs(vec![(name, line)])))
        }
        Special::MaxStartups => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            let invalid = || ctx.fatal(format!("Invalid {kw} spec."));
            match scan_ints(&arg, 3).as_slice() {
                [b, r, f] => {
                    if b > f || *r > 100 || *r < 1 {
                        return Err(invalid());
                    }
                    Ok(Some(Value::Triple(*b, *r, *f)))
                }
                // One number: begin and full both; the rate is left as it was.
                [b] => Ok(Some(Value::Triple(*b, -1, *b))),
                _ => Err(invalid()),
            }
        }
        Special::PerSourceMaxStartups => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            if arg == "none" {
                return Ok(Some(Value::Int(i64::from(i32::MAX))));
            }
            let v = values::atoi_err(&arg)
                .map_err(|e| ctx.fatal(format!("{kw} integer value {e}.")))?;
            Ok(Some(Value::Int(v)))
        }
        Special::PerSourceNetBlockSize => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            let invalid = || ctx.fatal(format!("Invalid {kw} spec."));
            match scan_ints(&arg, 2).as_slice() {
                [v4, v6] if (0..=32).contains(v4) && (0..=128).contains(v6) => {
                    Ok(Some(Value::Pair(*v4, *v6)))
                }
                [v4] if (0..=32).contains(v4) => Ok(Some(Value::Pair(*v4, 0))),
                _ => Err(invalid()),
            }
        }
        Special::PermitTunnel => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            match ["no", "point-to-point", "ethernet", "yes"]
                .iter()
                .find(|w| **w == arg)
            {
                Some(w) => Ok(Some(Value::Word(w))),
                None => Err(ctx.fatal(format!("bad {kw} argument {arg}"))),
            }
        }
        Special::PermitUserEnvironment => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            Ok(Some(match arg.as_str() {
                "yes" => Value::Word("yes"),
                "no" => Value::Word("no"),
                _ => Value::Text(arg),
            }))
        }
        Special::PubkeyAuthOptions => {
            let mut bits = 0;
            for a in args.rest() {
                if a.eq_ignore_ascii_case("none") {
                    continue;
                } else if a.eq_ignore_ascii_case("touch-required") {
                    bits |= TOUCH_REQUIRED;
                } else if a.eq_ignore_ascii_case("verify-required") {
                    bits |= VERIFY_REQUIRED;
                } else {
                    return Err(ctx.counted(format!("unsupported {kw} option {a}")));
                }
            }
            Ok(Some(Value::Int(bits)))
        }
        Special::ForceCommand => {
            args.consume_all();
            Ok(Some(Value::Text(
                ctx.rest
                    .trim_start_matches([' ', '\t', '\r', '\n'])
                    .to_owned(),
            )))
        }
        Special::AbsoluteCommand => {
            args.consume_all();
            let cmd = ctx.rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if !cmd.starts_with('/') && !cmd.eq_ignore_ascii_case("none") {
                return Err(ctx.fatal(format!("{kw} must be an absolute path")));
            }
            Ok(Some(Value::Text(cmd.to_owned())))
        }
        Special::VersionAddendum => {
            args.consume_all();
            let text = ctx.rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if text.contains('\r') {
                return Err(ctx.fatal(format!("Invalid {kw} argument")));
            }
            // servconf.c means to cut a comment here, but searches the keyword only (strdelim has
            // already ended it), so a '#' and what follows stay part of the value.
            Ok(Some(Value::Text(if text.eq_ignore_ascii_case("none") {
                String::new()
            } else {
                text.to_owned()
            })))
        }
        Special::AuthenticationMethods => {
            let all = args.rest();
            if all.is_empty() {
                return Err(ctx.fatal(format!("no {kw} specified")));
            }
            let mut seen_any = false;
            for a in &all {
                if a == "any" {
                    if all.len() > 1 {
                        return Err(ctx.fatal(format!("\"any\" must appear alone in {kw}")));
                    }
                    seen_any = true;
                } else if seen_any {
                    return Err(ctx.fatal(format!("\"any\" must appear alone in {kw}")));
                } else if let Some(detail) = auth_methods_invalid(a) {
                    return Err(LineError::Fatal(vec![
                        detail,
                        ctx.at(format!("invalid {kw} method list.")),
                    ]));
                }
            }
            Ok(Some(Value::List(all)))
        }
        Special::ChannelTimeout => {
            let all = args.rest();
            let n = all.len();
            let mut out = Vec::new();
            for (i, a) in all.iter().enumerate() {
                if a.eq_ignore_ascii_case("none") {
                    if i > 0 || i + 1 < n {
                        return Err(ctx.counted(format!(
                            "keyword {kw} \"none\" argument must appear alone."
                        )));
                    }
                } else if !valid_channel_timeout(a) {
                    return Err(ctx.fatal(format!("invalid channel timeout {a}")));
                } else {
                    out.push(a.clone());
                }
            }
            Ok(Some(Value::List(out)))
        }
        Special::UnusedConnectionTimeout => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.fatal("missing time value."))?;
            if arg.eq_ignore_ascii_case("none") {
                return Ok(Some(Value::Int(0)));
            }
            match values::parse_time(&arg) {
                Some(t) => Ok(Some(Value::Int(i64::try_from(t).unwrap_or(i64::MAX)))),
                None => Err(ctx.fatal("invalid time value.")),
            }
        }
        Special::SecurityKeyProvider => {
            let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            let v = if arg.eq_ignore_ascii_case("internal") {
                arg
            } else {
                path(&arg)?
            };
            Ok(Some(Value::Text(v)))
        }
        Special::RDomain => Err(ctx.fatal("setting RDomain not supported on this platform.")),
        Special::PermitOpen | Special::PermitListen => {
            let Some(first) = args.next().filter(|a| !a.is_empty()) else {
                return Err(missing());
            };
            if first == "any" || first == "none" {
                return Ok(Some(Value::List(vec![first])));
            }
            let mut out = Vec::new();
            for entry in std::iter::once(first).chain(args.rest()) {
                if entry.is_empty() {
                    break;
                }
                // PermitListen takes a bare port as "*:port".
                let entry = if s == Special::PermitListen && !entry.contains(':') {
                    format!("*:{entry}")
                } else {
                    entry
                };
                match forward::check_permit(&entry, ctx.env) {
                    Ok(()) => out.push(entry),
                    Err(true) => return Err(ctx.fatal(format!("{kw} missing host"))),
                    Err(false) => return Err(ctx.fatal(format!("{kw} bad port number"))),
                }
            }
            Ok(Some(Value::List(out)))
        }
        Special::NoneAloneList => none_alone_list(ctx, args).map(|l| Some(Value::List(l))),
        Special::RekeyLimit => parse_rekey_limit(ctx, args),
        Special::IpQos => parse_ipqos(ctx, args),
        Special::BindMask => parse_bind_mask(ctx, args),
        // Client-only syntaxes never reach the server table.
        _ => {
            args.consume_all();
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FixedEnvironment;

    #[test]
    fn derelativise_like_sshd() {
        let mut env = FixedEnvironment::new("root", "/root");
        env.cwd = "/etc/ssh".into();
        assert_eq!(derelativise("k", &env).unwrap(), "/etc/ssh/k");
        assert_eq!(derelativise("/abs", &env).unwrap(), "/abs");
        assert_eq!(derelativise("~/k", &env).unwrap(), "/root/k");
        assert_eq!(derelativise("NONE", &env).unwrap(), "none");
    }

    #[test]
    fn sscanf_style_numbers() {
        assert_eq!(scan_ints("10:30:100", 3), vec![10, 30, 100]);
        assert_eq!(scan_ints("10:30", 3), vec![10, 30]);
        assert_eq!(scan_ints("7abc", 3), vec![7]);
        assert_eq!(scan_ints("x", 3), Vec::<i64>::new());
        assert!(auth_methods_invalid("publickey,password").is_none());
        assert!(auth_methods_invalid("keyboard-interactive:pam").is_none());
        assert!(auth_methods_invalid("pubkey").is_some());
        assert!(valid_channel_timeout("session:*=5m"));
        assert!(!valid_channel_timeout("bogus"));
    }
}
