//! Filling unset keywords with their defaults. A default is written in the table as the arguments
//! of a configuration line and read by the keyword's own parser, so a default can never be a value
//! the parser would refuse or store differently.

use crate::algorithms::{self, Algorithms};
use crate::env::Environment;
use crate::keywords::{Default, Kind, Multi};
use crate::lexer::argv_split;
use crate::parse::{Args, Ctx, Side, parse_value};
use crate::store::{Settings, Value};

/// The value a keyword's default line gives, or `Err` with the parser's complaint (a bug in the
/// table, caught by the tests).
pub(crate) fn default_value(
    side: Side,
    index: usize,
    settings: &Settings,
    env: &dyn Environment,
    algorithms: &Algorithms,
) -> Result<Option<Value>, String> {
    let Some(kw) = settings.table().get(index) else {
        return Ok(None);
    };
    let lines: Vec<&'static str> = match kw.default {
        Default::Line(l) => vec![l],
        Default::Lines(ls) => ls.to_vec(),
        Default::None | Default::Computed => return Ok(None),
    };
    if kw.kind == Kind::Text && kw.multi == Multi::Append {
        return Ok(Some(Value::List(
            lines.iter().map(|l| (*l).to_owned()).collect(),
        )));
    }
    let mut out: Option<Value> = None;
    for line in &lines {
        let argv = argv_split(line).map_err(|_| format!("{}: bad default", kw.name))?;
        let ctx = Ctx {
            side,
            file: "[default]",
            line: 0,
            keyword: kw.name,
            env,
            algorithms,
            rest: line,
        };
        let mut args = Args::new(argv);
        match parse_value(&ctx, kw, &mut args) {
            Ok(Some(v)) => {
                out = Some(match (out, v) {
                    (Some(Value::List(mut a)), Value::List(b)) => {
                        a.extend(b);
                        Value::List(a)
                    }
                    (_, v) => v,
                })
            }
            Ok(None) => {}
            Err(e) => return Err(format!("{}: bad default: {e:?}", kw.name)),
        }
    }
    Ok(out)
}

/// Fills every unset keyword that has a written default.
pub(crate) fn fill(
    settings: &mut Settings,
    side: Side,
    env: &dyn Environment,
    algorithms: &Algorithms,
) -> Result<(), String> {
    for i in 0..settings.table().len() {
        if settings.get_index(i).is_some() {
            continue;
        }
        if let Some(v) = default_value(side, i, settings, env, algorithms)? {
            settings.put_index(i, Some(v));
        }
    }
    Ok(())
}

/// Assembles every algorithm list (readconf.c/servconf.c `ASSEMBLE`): the configured spec, or the
/// default, expanded against what the caller supports. `Err` names the list that came out empty,
/// in OpenSSH's words.
pub(crate) fn assemble_algorithms(
    settings: &mut Settings,
    algorithms: &Algorithms,
) -> Result<(), String> {
    for i in 0..settings.table().len() {
        let Some(kw) = settings.table().get(i) else {
            continue;
        };
        let Kind::Algorithms(kind) = kw.kind else {
            continue;
        };
        let spec = match settings.get_index(i) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        match algorithms::assemble(spec.as_deref(), algorithms.list(kind)) {
            Ok(list) => settings.put_index(i, Some(Value::Text(list.join(",")))),
            Err(_) => return Err(kind.field_name().to_owned()),
        }
    }
    Ok(())
}
