//! A small JSON writer: the report's few shapes do not need a serialisation framework.

use std::fmt::{self, Write};

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null` (also what a non-finite number becomes).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, keys in the order given.
    Obj(Vec<(String, Json)>),
}

impl From<f64> for Json {
    fn from(v: f64) -> Json {
        Json::Num(v)
    }
}
impl From<u64> for Json {
    fn from(v: u64) -> Json {
        Json::Num(v as f64)
    }
}
impl From<usize> for Json {
    fn from(v: usize) -> Json {
        Json::Num(v as f64)
    }
}
impl From<bool> for Json {
    fn from(v: bool) -> Json {
        Json::Bool(v)
    }
}
impl From<&str> for Json {
    fn from(v: &str) -> Json {
        Json::Str(v.to_owned())
    }
}
impl From<String> for Json {
    fn from(v: String) -> Json {
        Json::Str(v)
    }
}
impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Json {
        v.map_or(Json::Null, Into::into)
    }
}
impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(v: Vec<T>) -> Json {
        Json::Arr(v.into_iter().map(Into::into).collect())
    }
}

/// Builds an object from `(key, value)` pairs.
pub fn obj<const N: usize>(pairs: [(&str, Json); N]) -> Json {
    Json::Obj(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Json {
    fn write(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = |f: &mut fmt::Formatter<'_>, n: usize| write!(f, "\n{:1$}", "", n * 2);
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Num(n) if !n.is_finite() => f.write_str("null"),
            // Integers print without a fraction; others with enough digits to be useful.
            Json::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            Json::Num(n) => write!(f, "{}", (n * 1e6).round() / 1e6),
            Json::Str(s) => string(f, s),
            Json::Arr(items) if items.is_empty() => f.write_str("[]"),
            Json::Arr(items) => {
                // Arrays of plain numbers stay on one line (samples); others get one item a line.
                let flat = items.iter().all(|i| matches!(i, Json::Num(_) | Json::Null));
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                        if flat {
                            f.write_char(' ')?;
                        }
                    }
                    if !flat {
                        pad(f, indent + 1)?;
                    }
                    item.write(f, indent + 1)?;
                }
                if !flat {
                    pad(f, indent)?;
                }
                f.write_char(']')
            }
            Json::Obj(pairs) if pairs.is_empty() => f.write_str("{}"),
            Json::Obj(pairs) => {
                f.write_char('{')?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    pad(f, indent + 1)?;
                    string(f, k)?;
                    f.write_str(": ")?;
                    v.write(f, indent + 1)?;
                }
                pad(f, indent)?;
                f.write_char('}')
            }
        }
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_json() {
        let v = obj([
            ("a", Json::from(1.5)),
            ("b", Json::from(vec![1.0, f64::NAN])),
            ("c", Json::from("q\"\\\n\u{1}")),
            ("d", Json::Arr(vec![obj([("x", Json::Null)])])),
            ("e", Json::from(3u64)),
        ]);
        let text = v.to_string();
        assert_eq!(
            text,
            "{\n  \"a\": 1.5,\n  \"b\": [1, null],\n  \"c\": \"q\\\"\\\\\\n\\u0001\",\n  \"d\": [\n    {\n      \"x\": null\n    }\n  ],\n  \"e\": 3\n}"
        );
    }
}
