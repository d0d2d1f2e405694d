//! Reading ssh_config files: `Host` and `Match` blocks, `Include`, first-obtained-value-wins
//! (readconf.c `read_config_file_depth`, `process_config_line_depth`, `match_cfg_line`).

use crate::algorithms::Algorithms;
use crate::env::Environment;
use crate::error::{ErrorKind, Report, Severity};
use crate::keywords::{Kind, Special, client_keywords};
use crate::lexer::{LineStart, argv_split, split_line, strdelim};
use crate::matching::{ListMatch, match_hostname, match_pattern, match_pattern_list};
use crate::parse::{Args, Ctx, LineError, Side, parse_value};
use crate::source::{FileCache, Loaded, MAX_INCLUDE_DEPTH, permissions_ok};
use crate::store::{Settings, Value};
use crate::tokens;
use crate::values::a2port;

/// Reading stopped (the reason is the last diagnostic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stop(pub ErrorKind);

/// readconf.h SSHCONF_* flags.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    /// SSHCONF_USERCONF: a user file (relative includes go to ~/.ssh, `~` allowed).
    pub user_conf: bool,
    /// SSHCONF_CHECKPERM: refuse files others can write.
    pub check_perm: bool,
    /// SSHCONF_NEVERMATCH: inside an inactive block; Host/Match never match.
    pub never_match: bool,
    /// SSHCONF_FINAL: the second pass (`Match final`/`canonical` match).
    pub final_pass: bool,
}

/// What opening a file gave.
pub(crate) enum FileResult {
    Read,
    Missing,
    Unreadable(String),
}

enum Outcome {
    Ok,
    Bad,
}

/// State while reading client configuration.
pub(crate) struct Reader<'a> {
    pub env: &'a mut dyn Environment,
    pub algorithms: &'a Algorithms,
    pub settings: Settings,
    pub report: Report,
    pub cache: FileCache,
    /// Where relative includes of system files live (OpenSSH SSHDIR, /etc/ssh).
    pub system_dir: String,
    /// The name `Host` lines match: the command-line host, in the final pass the canonical one.
    pub host: String,
    /// The host as given on the command line.
    pub original_host: String,
    /// Set when a `Match final` was seen.
    pub want_final: bool,
}

impl<'a> Reader<'a> {
    pub fn new(
        env: &'a mut dyn Environment,
        algorithms: &'a Algorithms,
        host: &str,
        disk: bool,
    ) -> Self {
        Reader {
            env,
            algorithms,
            settings: Settings::new(client_keywords()),
            report: Report::default(),
            cache: FileCache::new(disk),
            system_dir: "/etc/ssh".to_owned(),
            host: host.to_owned(),
            original_host: host.to_owned(),
            want_final: false,
        }
    }

    fn fatal(&mut self, msg: String) -> Stop {
        self.report.push(Severity::Fatal, msg);
        Stop(ErrorKind::Fatal)
    }

    /// readconf.c `read_config_file_depth`.
    pub fn read_file(
        &mut self,
        path: &str,
        flags: Flags,
        active: &mut bool,
        depth: usize,
    ) -> Result<FileResult, Stop> {
        if depth > MAX_INCLUDE_DEPTH {
            return Err(self.fatal("Too many recursive configuration includes".to_owned()));
        }
        let text = match self.cache.load(std::path::Path::new(path)) {
            Loaded::Text(t) => t,
            Loaded::Missing => return Ok(FileResult::Missing),
            Loaded::Error(e) => return Ok(FileResult::Unreadable(e)),
        };
        if flags.check_perm
            && self.cache.uses_disk()
            && !permissions_ok(std::path::Path::new(path), self.env.local_uid())
        {
            return Err(self.fatal(format!("Bad owner or permissions on {path}")));
        }
        let mut bad = 0usize;
        for (i, raw) in text.split('\n').enumerate() {
            // C strings end at the first NUL.
            let line = raw.split('\0').next().unwrap_or("");
            if let Outcome::Bad =
                self.process_line(line, path, i + 1, Some(&mut *active), flags, depth)?
            {
                bad += 1;
            }
        }
        if bad > 0 {
            self.report.push(
                Severity::Fatal,
                format!("{path}: terminating, {bad} bad configuration options"),
            );
            return Err(Stop(ErrorKind::BadOptions { count: bad }));
        }
        Ok(FileResult::Read)
    }

    /// Applies one `-o` option (readconf.c `process_config_line` with `activep == NULL`).
    pub fn command_line(&mut self, line: &str) -> Result<bool, Stop> {
        match self.process_line(
            line,
            "command-line",
            0,
            None,
            Flags {
                user_conf: true,
                ..Flags::default()
            },
            0,
        )? {
            Outcome::Ok => Ok(true),
            Outcome::Bad => Ok(false),
        }
    }

    fn bad(&mut self, msgs: Vec<String>) -> Outcome {
        for m in msgs {
            self.report.push(Severity::Error, m);
        }
        Outcome::Bad
    }

    fn process_line(
        &mut self,
        line: &str,
        file: &str,
        linenum: usize,
        active: Option<&mut bool>,
        flags: Flags,
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
                let k = k.to_ascii_lowercase();
                return Ok(self.bad(vec![format!(
                    "{file} line {linenum}: no argument after keyword \"{k}\""
                )]));
            }
            LineStart::Directive(l) => l,
        };
        let keyword = l.keyword.to_ascii_lowercase();
        let table = client_keywords();
        let found = table
            .iter()
            .enumerate()
            .find(|(_, k)| k.name == keyword || k.aliases.contains(&keyword.as_str()));
        let parsed_args = argv_split(l.rest);
        let Some((index, kw)) = found else {
            if let Some(Value::Text(ignore)) = self.settings.get("ignoreunknown")
                && match_pattern_list(&keyword, ignore, true) == ListMatch::Match
            {
                self.report.push(
                    Severity::Debug,
                    format!("{file} line {linenum}: Ignored unknown option \"{keyword}\""),
                );
                return Ok(Outcome::Ok);
            }
            let mut msgs = vec![format!(
                "{file}: line {linenum}: Bad configuration option: {keyword}"
            )];
            if parsed_args.is_err() {
                msgs.push(format!("{file} line {linenum}: invalid quotes"));
            }
            return Ok(self.bad(msgs));
        };
        let Ok(argv) = parsed_args else {
            return Ok(self.bad(vec![format!("{file} line {linenum}: invalid quotes")]));
        };
        let mut args = Args::new(argv);
        match kw.kind {
            Kind::Host => {
                if cmdline {
                    return Ok(self.bad(vec![
                        "Host directive not supported as a command-line option".to_owned(),
                    ]));
                }
                *active = false;
                while let Some(arg) = args.next() {
                    if arg.is_empty() {
                        return Ok(self.bad(vec![format!(
                            "{file} line {linenum}: keyword {keyword} empty argument"
                        )]));
                    }
                    if flags.never_match {
                        args.consume_all();
                        break;
                    }
                    let (negated, pat) = match arg.strip_prefix('!') {
                        Some(p) => (true, p),
                        None => (false, arg.as_str()),
                    };
                    if match_pattern(&self.host, pat) {
                        if negated {
                            *active = false;
                            args.consume_all();
                            break;
                        }
                        *active = true;
                    }
                }
            }
            Kind::Match => {
                if cmdline {
                    return Ok(self.bad(vec![
                        "Host directive not supported as a command-line option".to_owned(),
                    ]));
                }
                match self.match_line(l.rest, file, linenum, flags)? {
                    None => {
                        let msg = format!("{file} line {linenum}: Bad Match condition");
                        self.report.push(Severity::Error, msg);
                        return Ok(Outcome::Bad);
                    }
                    Some((result, consumed)) => {
                        *active = !flags.never_match && result;
                        if consumed {
                            args.consume_all();
                        }
                    }
                }
            }
            Kind::Include => {
                if cmdline {
                    return Ok(self.bad(vec![
                        "Include directive not supported as a command-line option".to_owned(),
                    ]));
                }
                return self.include(&mut args, &keyword, file, linenum, active, flags, depth);
            }
            Kind::Ignored => args.consume_all(),
            Kind::Deprecated => {
                self.report.push(
                    Severity::Debug,
                    format!("{file} line {linenum}: Deprecated option \"{keyword}\""),
                );
                args.consume_all();
            }
            Kind::Unsupported => {
                self.report.push(
                    Severity::Warning,
                    format!("{file} line {linenum}: Unsupported option \"{keyword}\""),
                );
                args.consume_all();
            }
            _ => {
                let ctx = Ctx {
                    side: Side::Client,
                    file,
                    line: linenum,
                    keyword: &keyword,
                    env: &*self.env,
                    algorithms: self.algorithms,
                    rest: l.rest,
                };
                match parse_value(&ctx, kw, &mut args) {
                    Ok(Some(v)) if *active => self.apply(index, kw.kind, v),
                    Ok(_) => {}
                    Err(LineError::Bad(m)) => return Ok(self.bad(m)),
                    Err(LineError::Fatal(m)) => {
                        let last = m.len().saturating_sub(1);
                        for (i, msg) in m.into_iter().enumerate() {
                            self.report.push(
                                if i == last {
                                    Severity::Fatal
                                } else {
                                    Severity::Error
                                },
                                msg,
                            );
                        }
                        return Err(Stop(ErrorKind::Fatal));
                    }
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

    /// Stores a value from an active line, with the rules some keywords add to [`crate::keywords::Multi`].
    fn apply(&mut self, index: usize, kind: Kind, v: Value) {
        match (kind, v) {
            (Kind::Special(Special::SendEnv), Value::List(args)) => {
                let mut list = match self.settings.get_index(index) {
                    Some(Value::List(l)) => l.clone(),
                    _ => Vec::new(),
                };
                for a in args {
                    match a.strip_prefix('-') {
                        // "-pattern" removes matching names sent so far (readconf.c rm_env).
                        Some(pat) => list.retain(|e| !match_pattern(e, pat)),
                        None => list.push(a),
                    }
                }
                self.settings.put_index(index, Some(Value::List(list)));
            }
            (Kind::Special(Special::ProxyJump), v) => {
                // ProxyCommand and ProxyJump share one slot: whichever comes first wins.
                if !self.settings.is_set("proxycommand") {
                    self.settings.apply(index, v);
                }
            }
            (Kind::Special(Special::ProxyCommand), v) => {
                // "ProxyJump none" does not hold off a later ProxyCommand (OpenSSH 9.2 behaviour).
                if !matches!(
                    self.settings.get("proxyjump"),
                    Some(Value::Jump(Some(_), _))
                ) {
                    self.settings.apply(index, v);
                }
            }
            (Kind::Text, Value::Text(t))
                if self
                    .settings
                    .table()
                    .get(index)
                    .is_some_and(|k| k.multi == crate::keywords::Multi::Append) =>
            {
                // IdentityFile and CertificateFile skip duplicates (readconf.c add_identity_file).
                let mut list = match self.settings.get_index(index) {
                    Some(Value::List(l)) => l.clone(),
                    _ => Vec::new(),
                };
                if !list.contains(&t) {
                    list.push(t);
                }
                self.settings.put_index(index, Some(Value::List(list)));
            }
            (_, v) => self.settings.apply(index, v),
        }
    }

    /// readconf.c `match_cfg_line`. `Ok(None)` is a bad condition (already reported); otherwise
    /// the result and whether every argument was used.
    fn match_line(
        &mut self,
        rest: &str,
        file: &str,
        linenum: usize,
        flags: Flags,
    ) -> Result<Option<(bool, bool)>, Stop> {
        let port = match self.settings.get("port") {
            Some(Value::Int(p)) => *p,
            _ => i64::from(a2port("ssh", &*self.env).unwrap_or(22)),
        };
        let local_user = self.env.local_user().to_owned();
        let ruser = match self.settings.get("user") {
            Some(Value::Text(u)) => u.clone(),
            _ => local_user.clone(),
        };
        let host = match self.settings.get("hostname") {
            Some(Value::Text(h)) if flags.final_pass => h.clone(),
            Some(Value::Text(h)) => match tokens::expand(h, &[('h', &self.host)], None) {
                Ok(x) => x,
                Err(e) => {
                    self.report.push(Severity::Error, e.to_string());
                    return Err(self.fatal("percent_expand: failed".to_owned()));
                }
            },
            _ => self.host.clone(),
        };
        let mut cp = Some(rest);
        let mut result = true;
        let mut attributes = 0;
        while let Some(oattrib) = strdelim(&mut cp) {
            if oattrib.is_empty() {
                break;
            }
            if oattrib.starts_with('#') {
                cp = None;
                break;
            }
            let (negate, attrib) = match oattrib.strip_prefix('!') {
                Some(a) => (true, a.to_owned()),
                None => (false, oattrib.clone()),
            };
            if attrib.eq_ignore_ascii_case("all") {
                let arg = strdelim(&mut cp);
                if attributes > 1
                    || arg
                        .as_deref()
                        .is_some_and(|a| !a.is_empty() && !a.starts_with('#'))
                {
                    self.report.push(
                        Severity::Error,
                        format!("{file} line {linenum}: '{oattrib}' cannot be combined with other Match attributes"),
                    );
                    return Ok(None);
                }
                if arg.as_deref().is_some_and(|a| a.starts_with('#')) {
                    cp = None;
                }
                if result {
                    result = !negate;
                }
                return Ok(Some((result, cp.is_none_or(str::is_empty))));
            }
            attributes += 1;
            if attrib.eq_ignore_ascii_case("canonical") || attrib.eq_ignore_ascii_case("final") {
                if attrib.eq_ignore_ascii_case("final") {
                    self.want_final = true;
                }
                if flags.final_pass == negate {
                    result = false;
                }
                continue;
            }
            let Some(arg) = strdelim(&mut cp).filter(|a| !a.is_empty() && !a.starts_with('#'))
            else {
                self.report.push(
                    Severity::Error,
                    format!("Missing Match criteria for {attrib}"),
                );
                return Ok(None);
            };
            let matched = match attrib.to_ascii_lowercase().as_str() {
                "host" => match_hostname(&host, &arg) == ListMatch::Match,
                "originalhost" => match_hostname(&self.original_host, &arg) == ListMatch::Match,
                "user" => match_pattern_list(&ruser, &arg, false) == ListMatch::Match,
                "localuser" => match_pattern_list(&local_user, &arg, false) == ListMatch::Match,
                "exec" => {
                    let alias = match self.settings.get("hostkeyalias") {
                        Some(Value::Text(a)) => a.clone(),
                        _ => host.clone(),
                    };
                    let u16port = u16::try_from(port).unwrap_or(22);
                    let t = tokens::ClientTokens::new(
                        &*self.env,
                        &host,
                        &self.original_host,
                        u16port,
                        &ruser,
                        Some(&alias),
                    );
                    let cmd = match tokens::expand(&arg, &t.for_match_exec(), None) {
                        Ok(c) => c,
                        Err(e) => {
                            self.report.push(Severity::Error, e.to_string());
                            return Err(self.fatal("percent_expand: failed".to_owned()));
                        }
                    };
                    if !result {
                        // A predicate already failed: OpenSSH does not run the command.
                        continue;
                    }
                    match self.env.match_exec(&cmd) {
                        Ok(ok) => ok,
                        Err(why) => {
                            self.report.push(Severity::Error, why);
                            let short: String = cmd.chars().take(100).collect();
                            return Err(self.fatal(format!(
                                "{file} line {linenum}: match exec '{short}' error"
                            )));
                        }
                    }
                }
                _ => {
                    self.report.push(
                        Severity::Error,
                        format!("Unsupported Match attribute {attrib}"),
                    );
                    return Ok(None);
                }
            };
            if matched == negate {
                result = false;
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

    /// readconf.c `oInclude`.
    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        args: &mut Args,
        keyword: &str,
        file: &str,
        linenum: usize,
        active: &mut bool,
        flags: Flags,
        depth: usize,
    ) -> Result<Outcome, Stop> {
        let mut value_bad = false;
        while let Some(arg) = args.next() {
            if arg.is_empty() {
                return Ok(self.bad(vec![format!(
                    "{file} line {linenum}: keyword {keyword} empty argument"
                )]));
            }
            if arg.starts_with('~') && !flags.user_conf {
                return Ok(self.bad(vec![format!(
                    "{file} line {linenum}: bad include path {arg}."
                )]));
            }
            let pattern = if !arg.starts_with('/') && !arg.starts_with('~') {
                if flags.user_conf {
                    format!("~/.ssh/{arg}")
                } else {
                    format!("{}/{arg}", self.system_dir)
                }
            } else {
                arg.clone()
            };
            // glob(3) with GLOB_TILDE.
            let pattern = match tokens::expand_tilde(&pattern, &*self.env) {
                Ok(p) => p,
                Err(_) => continue,
            };
            let oactive = *active;
            for path in self.cache.glob(&pattern) {
                let sub = Flags {
                    check_perm: true,
                    never_match: flags.never_match || !oactive,
                    ..flags
                };
                let r = self.read_file(&path, sub, active, depth + 1)?;
                match r {
                    FileResult::Read => {}
                    FileResult::Missing => value_bad = true,
                    FileResult::Unreadable(e) => {
                        let p: String = path.chars().take(100).collect();
                        let e: String = e.chars().take(100).collect();
                        return Ok(self.bad(vec![format!("Can't open user config file {p}: {e}")]));
                    }
                }
                // Blocks inside an included file do not change the including file's state.
                *active = oactive;
            }
        }
        Ok(if value_bad { Outcome::Bad } else { Outcome::Ok })
    }
}
