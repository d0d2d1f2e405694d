//! Reading the arguments of one keyword into a [`Value`], with OpenSSH's messages.
//!
//! The two formats share most value syntaxes but word their errors differently and react
//! differently: ssh counts a bad line and carries on to the end of the file (readconf.c `error()`
//! then `goto out`), sshd stops at the first bad value (servconf.c `fatal()`). [`Ctx`] carries the
//! side so each message comes out as the matching OpenSSH would print it.

pub(crate) mod client;
pub(crate) mod server;

use crate::algorithms::{self, Algorithms};
use crate::env::Environment;
use crate::keywords::{Keyword, Kind};
use crate::store::Value;
use crate::values::{self, LogLevel};

/// Which program's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// ssh (readconf.c).
    Client,
    /// sshd (servconf.c).
    Server,
}

/// A line could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineError {
    /// Counted as a bad option; reading continues.
    Bad(Vec<String>),
    /// Reading stops.
    Fatal(Vec<String>),
}

/// Everything a value parser needs to know about where it is.
pub(crate) struct Ctx<'a> {
    pub side: Side,
    pub file: &'a str,
    pub line: usize,
    /// The keyword as OpenSSH names it in messages (lower-cased by ssh, as written for sshd).
    pub keyword: &'a str,
    pub env: &'a dyn Environment,
    pub algorithms: &'a Algorithms,
    /// The raw rest of the line (for keywords that take it whole).
    pub rest: &'a str,
}

impl Ctx<'_> {
    /// "`file` line `n`: `msg`".
    pub fn at(&self, msg: impl AsRef<str>) -> String {
        format!("{} line {}: {}", self.file, self.line, msg.as_ref())
    }

    /// A bad value: counted by ssh, fatal for sshd.
    pub fn bad(&self, msg: impl AsRef<str>) -> LineError {
        let m = vec![self.at(msg)];
        match self.side {
            Side::Client => LineError::Bad(m),
            Side::Server => LineError::Fatal(m),
        }
    }

    /// A bad value with OpenSSH's side-specific wording.
    pub fn bad2(&self, client: impl AsRef<str>, server: impl AsRef<str>) -> LineError {
        match self.side {
            Side::Client => self.bad(client),
            Side::Server => self.bad(server),
        }
    }

    /// An error counted on both sides.
    pub fn counted(&self, msg: impl AsRef<str>) -> LineError {
        LineError::Bad(vec![self.at(msg)])
    }

    /// An error that stops reading on both sides.
    pub fn fatal(&self, msg: impl AsRef<str>) -> LineError {
        LineError::Fatal(vec![self.at(msg)])
    }

    /// The "missing argument" message of the string-valued keywords.
    pub fn missing(&self) -> LineError {
        self.bad2(
            "Missing argument.",
            format!("{} missing argument.", self.keyword),
        )
    }
}

/// The arguments of a line (OpenSSH `argv_next`), with a cursor so the caller can tell whether
/// any were left over ("extra arguments at end of line").
#[derive(Debug)]
pub(crate) struct Args {
    items: Vec<String>,
    pos: usize,
}

impl Args {
    pub fn new(items: Vec<String>) -> Self {
        Self { items, pos: 0 }
    }
    pub fn next(&mut self) -> Option<String> {
        let v = self.items.get(self.pos).cloned();
        if v.is_some() {
            self.pos += 1;
        }
        v
    }
    pub fn peek(&self) -> Option<&str> {
        self.items.get(self.pos).map(String::as_str)
    }
    pub fn remaining(&self) -> usize {
        self.items.len().saturating_sub(self.pos)
    }
    pub fn consume_all(&mut self) {
        self.pos = self.items.len();
    }
    /// Every argument left, consuming them.
    pub fn rest(&mut self) -> Vec<String> {
        let v = self
            .items
            .get(self.pos..)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        self.consume_all();
        v
    }
}

/// Reads one keyword's arguments. `Ok(None)` means the line is valid but sets nothing (for
/// example `ConnectTimeout none`, which leaves the value unset as OpenSSH does).
pub(crate) fn parse_value(
    ctx: &Ctx<'_>,
    kw: &Keyword,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    match kw.kind {
        Kind::Flag => {
            parse_choice(ctx, args, flag_words(ctx.side)).map(|w| Some(Value::Flag(w == "yes")))
        }
        Kind::Choice(words) => parse_choice(ctx, args, words).map(|w| Some(Value::Word(w))),
        Kind::Int => parse_int(ctx, args).map(|v| Some(Value::Int(v))),
        Kind::Time => parse_time(ctx, args),
        Kind::Algorithms(kind) => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            let list = ctx.algorithms.list(kind);
            if let Err(e) = algorithms::validate(kind, &arg, list) {
                let msg = algorithm_message(ctx.side, kind, &arg);
                let mut lines: Vec<String> = e.detail.into_iter().collect();
                lines.push(ctx.at(msg));
                return Err(match ctx.side {
                    Side::Client => LineError::Bad(lines),
                    Side::Server => LineError::Fatal(lines),
                });
            }
            Ok(Some(Value::Text(arg)))
        }
        Kind::LogLevel => {
            let arg = args.next();
            match arg.as_deref().and_then(LogLevel::from_name) {
                Some(l) => Ok(Some(Value::Word(l.name()))),
                None => Err(ctx.bad(format!(
                    "unsupported log level '{}'",
                    arg.as_deref().unwrap_or("<NONE>")
                ))),
            }
        }
        Kind::Facility => {
            let arg = args.next();
            match arg.as_deref().and_then(values::facility) {
                Some(f) => Ok(Some(Value::Word(f))),
                None => Err(ctx.bad(format!(
                    "unsupported log facility '{}'",
                    arg.as_deref().unwrap_or("<NONE>")
                ))),
            }
        }
        Kind::Digest => {
            let arg = args
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ctx.missing())?;
            match values::digest(&arg) {
                Some(d) => Ok(Some(Value::Word(d))),
                None => Err(ctx.bad2(
                    format!("Invalid hash algorithm \"{arg}\"."),
                    format!("Invalid {} algorithm \"{arg}\".", ctx.keyword),
                )),
            }
        }
        Kind::Special(s) => match ctx.side {
            Side::Client => client::parse_special(ctx, s, args),
            Side::Server => server::parse_special(ctx, s, args),
        },
        Kind::Text | Kind::Path | Kind::Port | Kind::Command => match ctx.side {
            Side::Client => client::parse_plain(ctx, kw.kind, args),
            Side::Server => server::parse_plain(ctx, kw.kind, args),
        },
        // Structural and obsolete keywords are handled by the readers.
        Kind::Host
        | Kind::Match
        | Kind::Include
        | Kind::Deprecated
        | Kind::Unsupported
        | Kind::Ignored => {
            args.consume_all();
            Ok(None)
        }
    }
}

const CLIENT_FLAG: &[(&str, &str)] = &[
    ("true", "yes"),
    ("false", "no"),
    ("yes", "yes"),
    ("no", "no"),
];
const SERVER_FLAG: &[(&str, &str)] = &[("yes", "yes"), ("no", "no")];

fn flag_words(side: Side) -> &'static [(&'static str, &'static str)] {
    match side {
        Side::Client => CLIENT_FLAG,
        Side::Server => SERVER_FLAG,
    }
}

/// readconf.c/servconf.c `parse_multistate`.
pub(crate) fn parse_choice(
    ctx: &Ctx<'_>,
    args: &mut Args,
    words: &'static [(&'static str, &'static str)],
) -> Result<&'static str, LineError> {
    let arg = args.next();
    let Some(a) = arg.as_deref().filter(|a| !a.is_empty()) else {
        return Err(match ctx.side {
            // ssh reports the missing argument, then the "(null)" word it failed to match.
            Side::Client => LineError::Bad(vec![
                ctx.at("missing argument."),
                ctx.at(format!(
                    "unsupported option \"{}\".",
                    arg.as_deref().unwrap_or("(null)")
                )),
            ]),
            Side::Server => ctx.fatal("missing argument."),
        });
    };
    match words.iter().find(|(w, _)| w.eq_ignore_ascii_case(a)) {
        Some((_, canonical)) => Ok(canonical),
        None => Err(ctx.bad(format!("unsupported option \"{a}\"."))),
    }
}

fn parse_int(ctx: &Ctx<'_>, args: &mut Args) -> Result<i64, LineError> {
    let arg = args.next().unwrap_or_default();
    values::atoi_err(&arg).map_err(|e| {
        ctx.bad2(
            format!("integer value {e}."),
            format!("{} integer value {e}.", ctx.keyword),
        )
    })
}

/// readconf.c/servconf.c `parse_time`; ssh also takes `none` (leaving the value unset).
pub(crate) fn parse_time(ctx: &Ctx<'_>, args: &mut Args) -> Result<Option<Value>, LineError> {
    let arg = args
        .next()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ctx.bad("missing time value."))?;
    if ctx.side == Side::Client && arg == "none" {
        return Ok(None);
    }
    match values::parse_time(&arg) {
        Some(t) => Ok(Some(Value::Int(i64::try_from(t).unwrap_or(i64::MAX)))),
        None => Err(ctx.bad("invalid time value.")),
    }
}

fn algorithm_message(side: Side, kind: algorithms::AlgorithmKind, arg: &str) -> String {
    use algorithms::AlgorithmKind as A;
    match kind {
        A::Cipher => format!("Bad SSH2 cipher spec '{arg}'."),
        A::Mac if side == Side::Client => format!("Bad SSH2 MAC spec '{arg}'."),
        A::Mac => format!("Bad SSH2 mac spec '{arg}'."),
        A::Kex => format!("Bad SSH2 KexAlgorithms '{arg}'."),
        A::GssapiKex => format!("Bad GSSAPI KexAlgorithms '{arg}'."),
        A::HostKey | A::PubkeyAccepted | A::HostbasedAccepted | A::CaSignature => {
            format!("Bad key types '{arg}'.")
        }
    }
}

/// The "none must appear alone" list check shared by several list keywords.
pub(crate) fn none_alone_list(ctx: &Ctx<'_>, args: &mut Args) -> Result<Vec<String>, LineError> {
    let all = args.rest();
    let n = all.len();
    for (i, a) in all.iter().enumerate() {
        if a.is_empty() {
            return Err(ctx.counted(format!("keyword {} empty argument", ctx.keyword)));
        }
        if a.eq_ignore_ascii_case("none") && (i > 0 || i + 1 < n) {
            return Err(ctx.counted(format!(
                "keyword {} \"none\" argument must appear alone.",
                ctx.keyword
            )));
        }
    }
    Ok(all)
}

/// `RekeyLimit bytes [interval]` (both formats); components left unset are -1.
pub(crate) fn parse_rekey_limit(
    ctx: &Ctx<'_>,
    args: &mut Args,
) -> Result<Option<Value>, LineError> {
    let arg = args
        .next()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ctx.missing())?;
    let bytes = if arg == "default" {
        0
    } else {
        let v = values::scan_scaled(&arg).map_err(|e| {
            ctx.bad2(
                format!("Bad number '{arg}': {}", e.strerror()),
                format!("Bad {} number '{arg}': {}", ctx.keyword, e.strerror()),
            )
        })?;
        if v != 0 && v < 16 {
            return Err(ctx.bad2("RekeyLimit too small", format!("{} too small", ctx.keyword)));
        }
        v
    };
    let mut interval = -1;
    if let Some(next) = args.peek() {
        if next == "none" {
            args.next();
        } else {
            if let Some(Value::Int(t)) = parse_time(ctx, args)? {
                interval = t;
            }
        }
    }
    Ok(Some(Value::Pair(bytes, interval)))
}

/// `IPQoS interactive [bulk]`.
pub(crate) fn parse_ipqos(ctx: &Ctx<'_>, args: &mut Args) -> Result<Option<Value>, LineError> {
    let bad = |a: &str| {
        ctx.bad2(
            format!("Bad IPQoS value: {a}"),
            format!("Bad {} value: {a}", ctx.keyword),
        )
    };
    let first = args.next();
    let Some(a) = first.as_deref() else {
        return Err(ctx.bad2(
            "Bad IPQoS value: (null)",
            format!("{} missing argument.", ctx.keyword),
        ));
    };
    let v1 = values::parse_ipqos(a).ok_or_else(|| bad(a))?;
    let v2 = match args.next() {
        None => v1,
        Some(b) => values::parse_ipqos(&b).ok_or_else(|| bad(&b))?,
    };
    Ok(Some(Value::Pair(i64::from(v1), i64::from(v2))))
}

/// `StreamLocalBindMask`: octal, at most 0777.
pub(crate) fn parse_bind_mask(ctx: &Ctx<'_>, args: &mut Args) -> Result<Option<Value>, LineError> {
    let arg = args.next().filter(|a| !a.is_empty()).ok_or_else(|| {
        ctx.bad2(
            "Missing StreamLocalBindMask argument.",
            format!("{} missing argument.", ctx.keyword),
        )
    })?;
    // strtol(arg, &end, 8) must consume something; trailing junk is ignored, as in OpenSSH.
    let digits: String = arg
        .trim_start()
        .chars()
        .take_while(|c| ('0'..='7').contains(c))
        .collect();
    let v = if digits.is_empty() {
        None
    } else {
        i64::from_str_radix(&digits, 8).ok().filter(|v| *v <= 0o777)
    };
    match v {
        Some(v) => Ok(Some(Value::Int(v))),
        None => Err(ctx.bad2("Bad mask.", format!("Invalid {}.", ctx.keyword))),
    }
}

/// `SetEnv NAME=value...`: the list from one line, later duplicates of a name dropped.
pub(crate) fn parse_setenv(ctx: &Ctx<'_>, args: &mut Args) -> Result<Option<Value>, LineError> {
    let mut out: Vec<String> = Vec::new();
    for a in args.rest() {
        if !a.contains('=') || (ctx.side == Side::Server && a.is_empty()) {
            return Err(ctx.bad2("Invalid SetEnv.", "Invalid environment."));
        }
        let name = a.split('=').next().unwrap_or("");
        if !out.iter().any(|o| o.split('=').next() == Some(name)) {
            out.push(a);
        }
    }
    Ok(Some(Value::List(out)))
}
