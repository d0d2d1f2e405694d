//! `sshd -T` output (servconf.c `dump_config`), driven by the keyword table: its order is the
//! output order, its [`Dump`] field the line shape. Unset strings print as `none`.

use std::fmt::Write;

use super::options::ServerOptions;
use crate::client::dump_scalar as scalar;
use crate::keywords::{Dump, Kind, Special};
use crate::parse::server::{TOUCH_REQUIRED, VERIFY_REQUIRED};
use crate::store::{Settings, Value};
use crate::values::ipqos_name;

pub(crate) fn dump(s: &Settings, o: &ServerOptions) -> String {
    let mut out = String::new();
    for (i, kw) in s.table().iter().enumerate() {
        let name = kw.name;
        let value = s.get_index(i);
        let mut line = |text: &str| {
            let _ = writeln!(out, "{name} {text}");
        };
        match kw.dump {
            Dump::Never => {}
            Dump::Value => match value {
                // VersionAddendum is empty when "none".
                Some(Value::Text(t)) if t.is_empty() => line("none"),
                Some(v) => line(&scalar(v).unwrap_or_else(|| "none".to_owned())),
                None => line("none"),
            },
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
            Dump::Special => {
                if let Kind::Special(sp) = kw.kind {
                    special(&mut out, name, sp, value, o);
                }
            }
        }
    }
    out
}

fn special(out: &mut String, name: &str, sp: Special, v: Option<&Value>, o: &ServerOptions) {
    let mut line = |text: &str| {
        let _ = writeln!(out, "{name} {text}");
    };
    match (sp, v) {
        (Special::ListenAddress, _) => {
            for (host, port) in &o.listen_addresses {
                if host.contains(':') {
                    line(&format!("[{host}]:{port}"));
                } else {
                    line(&format!("{host}:{port}"));
                }
            }
        }
        (Special::BindMask, Some(Value::Int(m))) => line(&format!("0{m:o}")),
        (Special::UnusedConnectionTimeout, Some(Value::Int(t))) => {
            if *t == 0 {
                line("none");
            } else {
                line(&t.to_string());
            }
        }
        (Special::Subsystem, Some(Value::Pairs(p))) => {
            for (n, c) in p {
                line(&format!("{n} {c}"));
            }
        }
        (Special::MaxStartups, Some(Value::Triple(a, b, c))) => {
            line(&format!("{a}:{}:{c}", if *b < 0 { 30 } else { *b }))
        }
        (Special::PerSourceMaxStartups, Some(Value::Int(n))) => {
            if *n >= i64::from(i32::MAX) {
                line("none");
            } else {
                line(&n.to_string());
            }
        }
        (Special::PerSourceNetBlockSize, Some(Value::Pair(a, b))) => line(&format!("{a}:{b}")),
        (Special::PermitTunnel, Some(Value::Word(w))) => line(w),
        (Special::IpQos, Some(Value::Pair(a, b))) => {
            let n = |x: i64| ipqos_name(u32::try_from(x).unwrap_or(0));
            line(&format!("{} {}", n(*a), n(*b)));
        }
        (Special::RekeyLimit, Some(Value::Pair(b, i))) => line(&format!("{b} {}", (*i).max(0))),
        (Special::PermitUserEnvironment, Some(v)) => {
            if let Some(t) = scalar(v) {
                line(&t);
            }
        }
        (Special::PubkeyAuthOptions, Some(Value::Int(bits))) => {
            let mut t = String::new();
            if *bits == 0 {
                t.push_str(" none");
            }
            if bits & TOUCH_REQUIRED != 0 {
                t.push_str(" touch-required");
            }
            if bits & VERIFY_REQUIRED != 0 {
                t.push_str(" verify-required");
            }
            let _ = writeln!(out, "{name}{t}");
        }
        _ => {}
    }
}
