//! Reading sshd_config: the global pass and the per-connection `Match` pass
//! (servconf.c `parse_server_config_depth`, `process_server_config_line_depth`, `match_cfg_line`).
//!
//! sshd reads its configuration twice. At startup every line is checked and global lines are
//! applied; `Match` lines evaluate without connection data, so Match blocks only have their syntax
//! checked. Once a connection's user is known the text is processed again into a fresh set of
//! options, this time skipping global-only lines and applying the blocks whose `Match` holds; what
//! they set then overrides the global values ([`Settings::overlay`]).

use super::ConnectionInfo;
use crate::algorithms::Algorithms;
use crate::env::Environment;
use crate::error::{ErrorKind, Report, Severity};
use crate::keywords::{Kind, Scope, Special, server_keywords};
use crate::lexer::{LineStart, argv_split, split_line, strdelim};
use crate::matching::{
    AddrMatch, ListMatch, addr_match_list, match_group_list, match_hostname, match_pattern_list,
};
use crate::parse::{Args, Ctx, LineError, Side, parse_value};
use crate::source::{FileCache, Loaded, MAX_INCLUDE_DEPTH};
use crate::store::{Settings, Value};
use crate::values::a2port;

/// Reading stopped; the reason is the last diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stop(pub ErrorKind);

/// servconf.c SSHCFG_NEVERMATCH / SSHCFG_MATCH_ONLY.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    pub never_match: bool,
    pub match_only: bool,
}

enum Outcome {
    Ok,
    Bad,
}

/// State while reading server configuration.
pub(crate) struct Reader<'a> {
    pub env: &'a mut dyn Environment,
    pub algorithms: &'a Algorithms,
    pub settings: Settings,
    pub report: Report,
    pub cache: &'a mut FileCache,
    /// Where relative includes are looked for (OpenSSH SSHDIR).
    pub config_dir: String,
    /// The connection being matched (`None` in the global pass).
    pub conn: Option<&'a ConnectionInfo>,
    /// Ports came from the command line: `Port` lines are ignored.
    pub ports_from_cmdline: bool,
}

impl Reader<'_> {
    fn fatal(&mut self, msgs: Vec<String>) -> Stop {
        let last = msgs.len().saturating_sub(1);
        for (i, m) in msgs.into_iter().enumerate() {
            self.report.push(
                if i == last {
                    Severity::Fatal
                } else {
                    Severity::Error
                },
                m,
            );
        }
        Stop(ErrorKind::Fatal)
    }

    fn bad(&mut self, msgs: Vec<String>) -> Outcome {
        for m in msgs {
            self.report.push(Severity::Error, m);
        }
        Outcome::Bad
    }

    /// servconf.c `parse_server_config_depth` over a text already loaded.
    pub fn read_text(
        &mut self,
        name: &str,
        text: &str,
        flags: &mut Flags,
        active: &mut bool,
        depth: usize,
    ) -> Result<(), Stop> {
        if depth > MAX_INCLUDE_DEPTH {
            return Err(self.fatal(vec!["Too many recursive configuration includes".to_owned()]));
        }
        let mut bad = 0usize;
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.split('\0').next().unwrap_or("");
            if let Outcome::Bad =
                self.process_line(line, name, i + 1, Some(&mut *active), flags, depth)?
            {
                bad += 1;
            }
        }
        if bad > 0 {
            self.report.push(
                Severity::Fatal,
                format!("{name}: terminating, {bad} bad configuration options"),
            );
            return Err(Stop(ErrorKind::BadOptions { count: bad }));
        }
        Ok(())
    }

    /// A `-o` option (sshd `process_server_config_line` with no file).
    pub fn command_line(&mut self, line: &str) -> Result<bool, Stop> {
        let mut flags = Flags::default();
        match self.process_line(line, "command-line", 0, None, &mut flags, 0)? {
            Outcome::Ok => Ok(true),
            Outcome::Bad => Ok(false),
        }
    }

    fn process_line(
        &mut self,
        line: &str,
        file: &str,
        linenum: usize,
        active: Option<&mut bool>,
        flags: &mut Flags,
        depth: usize,
    ) -> Result<Outcome, Stop> {
        let cmdline = active.is_none();
        let mut always = true;
        let active: &mut bool = match active {
            Some(a) => a,
            None => &mut always,
        };
        let l = match split_line(line) {
            LineStart::Empty => return Ok(Outcome::Ok),
            LineStart::NoArgument(k) => {
                return Ok(self.bad(vec![format!(
                    "{file} line {linenum}: no argument after keyword \"{k}\""
                )]));
            }
            LineStart::Directive(l) => l,
        };
        let keyword = l.keyword.clone();
        let found = crate::keywords::lookup(server_keywords(), &keyword);
        let parsed = argv_split(l.rest);
        let Some((index, kw)) = found else {
            let mut msgs = vec![format!(
                "{file}: line {linenum}: Bad configuration option: {keyword}"
            )];
            if parsed.is_err() {
                msgs.push(format!("{file} line {linenum}: invalid quotes"));
            }
            return Ok(self.bad(msgs));
        };
        let Ok(argv) = parsed else {
            return Ok(self.bad(vec![format!("{file} line {linenum}: invalid quotes")]));
        };
        let mut args = Args::new(argv);
        if !*active && kw.scope == Scope::Global {
            if self.conn.is_none() {
                return Err(self.fatal(vec![format!(
                    "{file} line {linenum}: Directive '{keyword}' is not allowed within a Match block"
                )]));
            }
            // Already applied in the global pass.
            return Ok(Outcome::Ok);
        }
        match kw.kind {
            Kind::Match => {
                if cmdline {
                    return Err(self.fatal(vec![
                        "Match directive not supported as a command-line option".to_owned(),
                    ]));
                }
                let conn = if flags.never_match { None } else { self.conn };
                match self.match_line(l.rest, linenum, conn)? {
                    None => {
                        return Err(
                            self.fatal(vec![format!("{file} line {linenum}: Bad Match condition")])
                        );
                    }
                    Some((result, consumed)) => {
                        *active = !flags.never_match && result;
                        flags.match_only = false;
                        if consumed {
                            args.consume_all();
                        }
                    }
                }
            }
            Kind::Include => {
                if cmdline {
                    return Err(self.fatal(vec![
                        "Include directive not supported as a command-line option".to_owned(),
                    ]));
                }
                return self.include(&mut args, &keyword, file, linenum, active, flags, depth);
            }
            Kind::Ignored => {
                self.report.push(
                    Severity::Debug,
                    format!("{file} line {linenum}: Deprecated option {keyword}"),
                );
                args.consume_all();
            }
            Kind::Deprecated | Kind::Unsupported => {
                let what = if kw.kind == Kind::Unsupported {
                    "Unsupported"
                } else {
                    "Deprecated"
                };
                self.report.push(
                    Severity::Warning,
                    format!("{file} line {linenum}: {what} option {keyword}"),
                );
                args.consume_all();
            }
            Kind::Special(Special::ServerPort) if self.ports_from_cmdline => args.consume_all(),
            _ => {
                let ctx = Ctx {
                    side: Side::Server,
                    file,
                    line: linenum,
                    keyword: &keyword,
                    env: &*self.env,
                    algorithms: self.algorithms,
                    rest: l.rest,
                };
                match parse_value(&ctx, kw, &mut args) {
                    Ok(Some(v)) if *active => self.apply(index, kw.kind, v, file, linenum)?,
                    Ok(_) => {}
                    Err(LineError::Bad(m)) => return Ok(self.bad(m)),
                    Err(LineError::Fatal(m)) => return Err(self.fatal(m)),
                }
            }
        }
        if args.remaining() > 0 {
            return Ok(self.bad(vec![format!(
                "{file} line {linenum}: keyword {keyword} extra arguments at end of line"
            )]));
        }
        Ok(Outcome::Ok)
    }

    fn apply(
        &mut self,
        index: usize,
        kind: Kind,
        v: Value,
        file: &str,
        linenum: usize,
    ) -> Result<(), Stop> {
        match (kind, &v) {
            (Kind::Special(Special::Subsystem), Value::Pairs(p)) => {
                if let (Some(Value::Pairs(old)), Some((name, _))) =
                    (self.settings.get_index(index), p.first())
                    && old.iter().any(|(n, _)| n == name)
                {
                    let name = name.clone();
                    return Err(self.fatal(vec![format!(
                        "{file} line {linenum}: Subsystem '{name}' already defined."
                    )]));
                }
            }
            (Kind::Special(Special::ServerPort), _) => {
                if let Some(Value::List(ports)) = self.settings.get_index(index)
                    && ports.len() >= 256
                {
                    return Err(self.fatal(vec![format!("{file} line {linenum}: too many ports.")]));
                }
            }
            _ => {}
        }
        self.settings.apply(index, v);
        Ok(())
    }

    /// servconf.c `match_cfg_line`: `Ok(None)` for a bad condition (already reported).
    fn match_line(
        &mut self,
        rest: &str,
        linenum: usize,
        ci: Option<&ConnectionInfo>,
    ) -> Result<Option<(bool, bool)>, Stop> {
        let mut cp = Some(rest);
        let mut result = true;
        let mut attributes = 0;
        let missing_fatal = |me: &mut Self, criteria: &str, attrib: &str| {
            me.fatal(vec![format!(
                "'Match {criteria}' in configuration but '{attrib}' not in connection test specification."
            )])
        };
        while let Some(attrib) = strdelim(&mut cp) {
            if attrib.is_empty() {
                break;
            }
            if attrib.starts_with('#') {
                cp = None;
                break;
            }
            attributes += 1;
            if attrib.eq_ignore_ascii_case("all") {
                let arg = strdelim(&mut cp);
                if attributes > 1
                    || arg
                        .as_deref()
                        .is_some_and(|a| !a.is_empty() && !a.starts_with('#'))
                {
                    self.report.push(
                        Severity::Error,
                        "'all' cannot be combined with other Match attributes".to_owned(),
                    );
                    return Ok(None);
                }
                if arg.as_deref().is_some_and(|a| a.starts_with('#')) {
                    cp = None;
                }
                return Ok(Some((true, cp.is_none_or(str::is_empty))));
            }
            let Some(arg) = strdelim(&mut cp).filter(|a| !a.is_empty() && !a.starts_with('#'))
            else {
                self.report.push(
                    Severity::Error,
                    format!("Missing Match criteria for {attrib}"),
                );
                return Ok(None);
            };
            let test = ci.is_some_and(|c| c.test);
            match attrib.to_ascii_lowercase().as_str() {
                "user" | "group" => {
                    let Some(c) = ci.filter(|c| !(c.test && c.user.is_none())) else {
                        result = false;
                        continue;
                    };
                    let Some(user) = c.user.clone() else {
                        let crit = if attrib.eq_ignore_ascii_case("user") {
                            "User"
                        } else {
                            "Group"
                        };
                        return Err(missing_fatal(self, crit, "user"));
                    };
                    let ok = if attrib.eq_ignore_ascii_case("user") {
                        match_pattern_list(&user, &arg, false) == ListMatch::Match
                    } else {
                        self.env
                            .user_groups(&user)
                            .is_some_and(|g| !g.is_empty() && match_group_list(&g, &arg))
                    };
                    if !ok {
                        result = false;
                    }
                }
                "host" => {
                    let Some(c) = ci.filter(|c| !(c.test && c.host.is_none())) else {
                        result = false;
                        continue;
                    };
                    let Some(host) = c.host.as_deref() else {
                        return Err(missing_fatal(self, "Host", "host"));
                    };
                    if match_hostname(host, &arg) != ListMatch::Match {
                        result = false;
                    }
                }
                "address" | "localaddress" => {
                    let local = attrib.eq_ignore_ascii_case("localaddress");
                    let field = ci.and_then(|c| {
                        if local {
                            c.local_address.as_deref()
                        } else {
                            c.address.as_deref()
                        }
                    });
                    if ci.is_none() || (test && field.is_none()) {
                        if addr_match_list(None, &arg) == AddrMatch::Invalid {
                            let which = if local { "localaddress" } else { "address" };
                            return Err(self.fatal(vec![format!(
                                "Invalid Match {which} argument '{arg}' at line {linenum}"
                            )]));
                        }
                        result = false;
                        continue;
                    }
                    let Some(addr) = field else {
                        let (crit, at) = if local {
                            ("LocalAddress", "laddr")
                        } else {
                            ("Address", "addr")
                        };
                        return Err(missing_fatal(self, crit, at));
                    };
                    match addr_match_list(Some(addr), &arg) {
                        AddrMatch::Match => {}
                        AddrMatch::NoMatch | AddrMatch::Negated => result = false,
                        AddrMatch::Invalid => return Ok(None),
                    }
                }
                "localport" => {
                    let Some(port) = a2port(&arg, &*self.env) else {
                        self.report.push(
                            Severity::Error,
                            format!("Invalid LocalPort '{arg}' on Match line"),
                        );
                        return Ok(None);
                    };
                    // sshd's test spec leaves an absent lport at 0, not -1, so it is an error
                    // rather than a non-match (servconf.c match_cfg_line).
                    let Some(c) = ci else {
                        result = false;
                        continue;
                    };
                    let Some(lport) = c.local_port else {
                        return Err(missing_fatal(self, "LocalPort", "lport"));
                    };
                    if port != lport {
                        result = false;
                    }
                }
                "rdomain" => {
                    let Some(c) = ci.filter(|c| !(c.test && c.rdomain.is_none())) else {
                        result = false;
                        continue;
                    };
                    let Some(rd) = c.rdomain.as_deref() else {
                        return Err(missing_fatal(self, "RDomain", "rdomain"));
                    };
                    if match_pattern_list(rd, &arg, false) != ListMatch::Match {
                        result = false;
                    }
                }
                _ => {
                    self.report.push(
                        Severity::Error,
                        format!("Unsupported Match attribute {attrib}"),
                    );
                    return Ok(None);
                }
            }
        }
        if attributes == 0 {
            self.report.push(
                Severity::Error,
                "One or more attributes required for Match".to_owned(),
            );
            return Ok(None);
        }
        Ok(Some((result, cp.is_none_or(str::is_empty))))
    }

    /// servconf.c `sInclude`.
    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        args: &mut Args,
        keyword: &str,
        file: &str,
        linenum: usize,
        active: &mut bool,
        flags: &mut Flags,
        depth: usize,
    ) -> Result<Outcome, Stop> {
        let mut count = 0;
        while let Some(arg) = args.next() {
            if arg.is_empty() {
                return Ok(self.bad(vec![format!(
                    "{file} line {linenum}: keyword {keyword} empty argument"
                )]));
            }
            count += 1;
            let pattern = if !arg.starts_with('/') && !arg.starts_with('~') {
                format!("{}/{arg}", self.config_dir)
            } else {
                arg.clone()
            };
            let oactive = *active;
            for path in self.cache.glob(&pattern) {
                let text = match self.cache.load(std::path::Path::new(&path)) {
                    Loaded::Text(t) => t,
                    Loaded::Missing => {
                        return Err(self.fatal(vec![format!("{path}: No such file or directory")]));
                    }
                    Loaded::Error(e) => return Err(self.fatal(vec![format!("{path}: {e}")])),
                };
                let mut sub = if flags.match_only {
                    Flags {
                        never_match: false,
                        match_only: true,
                    }
                } else {
                    Flags {
                        never_match: !oactive,
                        match_only: false,
                    }
                };
                self.read_text(&path, &text, &mut sub, active, depth + 1)?;
                *active = oactive;
            }
        }
        if count == 0 {
            return Err(self.fatal(vec![format!(
                "{file} line {linenum}: {keyword} missing filename argument"
            )]));
        }
        Ok(Outcome::Ok)
    }
}
