//! `ssh -G` output (readconf.c `dump_client_config`), driven by the keyword table: its order is the
//! output order, its [`Dump`] field the line shape.

use std::fmt::Write;

use super::options::ClientOptions;
use crate::keywords::{Dump, Kind, Special};
use crate::parse::client::TUNID_ANY;
use crate::store::{Settings, Value};
use crate::values::{ipqos_name, vis_char};

/// Formats a scalar value as OpenSSH prints it.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Flag(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Word(w) => Some((*w).to_owned()),
        Value::Int(n) => Some(n.to_string()),
        Value::Text(t) => Some(t.clone()),
        Value::List(l) => Some(l.join(" ")),
        _ => None,
    }
}

pub(crate) fn dump(s: &Settings, o: &ClientOptions) -> String {
    let mut out = String::new();
    for (i, kw) in s.table().iter().enumerate() {
        let name = kw.name;
        let value = s.get_index(i);
        let mut line = |text: &str| {
            let _ = writeln!(out, "{name} {text}");
        };
        match kw.dump {
            Dump::Never => {}
            Dump::Value => {
                if let Some(text) = value.and_then(scalar) {
                    line(&text);
                }
            }
            Dump::Each => {
                if let Some(Value::List(l)) = value {
                    for e in l {
                        line(e);
                    }
                }
            }
            Dump::OneLine(empty) => match value {
                Some(Value::List(l)) if !l.is_empty() => line(&l.join(" ")),
                _ => {
                    if let Some(e) = empty {
                        line(e);
                    }
                }
            },
            Dump::Special => match (kw.kind, value) {
                (Kind::Host, _) => line(&o.host_arg),
                _ if name == "hostname" => line(&o.hostname),
                (Kind::Special(sp), v) => special(&mut out, name, sp, v, s),
                _ => {}
            },
        }
    }
    out
}

fn special(out: &mut String, name: &str, sp: Special, v: Option<&Value>, s: &Settings) {
    let mut line = |text: &str| {
        let _ = writeln!(out, "{name} {text}");
    };
    match (sp, v) {
        (Special::LocalForward | Special::RemoteForward, Some(Value::Forwards(fs))) => {
            for f in fs {
                line(&format!("{} {}", f.dump_listen(), f.dump_connect()));
            }
        }
        (Special::DynamicForward, Some(Value::Forwards(fs))) => {
            for f in fs {
                line(&f.dump_listen());
            }
        }
        (Special::AddKeysToAgent, Some(Value::WordInt(mode, life))) => {
            if *life <= 0 {
                line(mode);
            } else if *mode == "confirm" {
                line(&format!("confirm {life}"));
            } else {
                line(&life.to_string());
            }
        }
        (Special::ForwardAgent, Some(v)) => {
            if let Some(t) = scalar(v) {
                line(&t);
            }
        }
        (Special::ConnectTimeout, v) => match v {
            Some(Value::Int(n)) => line(&n.to_string()),
            _ => line("none"),
        },
        (Special::TunnelDevice, Some(Value::Pair(l, r))) => {
            let side = |n: i64| {
                if n == TUNID_ANY {
                    "any".to_owned()
                } else {
                    n.to_string()
                }
            };
            line(&format!("{}:{}", side(*l), side(*r)));
        }
        (Special::PermittedCnames, v) => {
            // readconf.c prints this one keyword with a capital P.
            let mut text = String::from("canonicalizePermittedcnames");
            match v {
                Some(Value::Pairs(rules)) if !rules.is_empty() => {
                    for (a, b) in rules {
                        let _ = write!(text, " {a}:{b}");
                    }
                }
                _ => text.push_str(" none"),
            }
            let _ = writeln!(out, "{text}");
        }
        (Special::ControlPersist, Some(Value::WordInt(w, t))) => {
            if *w == "no" || *t == 0 {
                line(w);
            } else {
                line(&t.to_string());
            }
        }
        (Special::EscapeChar, Some(Value::Int(c))) => match u8::try_from(*c) {
            Ok(c) => line(&vis_char(c)),
            Err(_) => line("none"),
        },
        (Special::IpQos, Some(Value::Pair(a, b))) => {
            let name = |n: i64| ipqos_name(u32::try_from(n).unwrap_or(0));
            line(&format!("{} {}", name(*a), name(*b)));
        }
        (Special::RekeyLimit, Some(Value::Pair(b, i))) => line(&format!("{b} {}", (*i).max(0))),
        (Special::BindMask, Some(Value::Int(m))) => line(&format!("0{m:o}")),
        (Special::ProxyCommand, Some(Value::Text(t))) if !s.is_set("proxyjump") => line(t),
        (Special::ProxyJump, Some(Value::Jump(Some(hops), raw))) => {
            // Earlier hops are printed as written, the last one normalised (readconf.c).
            let raw = raw.split('#').next().unwrap_or("").trim_end();
            let extra = match raw.rfind(',') {
                Some(i) if i > 0 => format!("{},", raw.get(..i).unwrap_or("")),
                _ => String::new(),
            };
            if let Some(last) = hops.last() {
                line(&format!("{extra}{}", last.dump()));
            }
        }
        _ => {}
    }
}
