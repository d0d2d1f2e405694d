//! The command line, parsed as ssh-add's `getopt("vkKlLcdDTxXE:e:H:h:M:m:qs:S:t:")` does: grouped
//! flags, attached values, options before the files.

use std::ffi::OsString;

use oxssh_keys::FingerprintHash;

use crate::messages;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add the files (or the default keys).
    Add,
    /// `-d`: remove the files' keys.
    Delete,
    /// `-D`: remove every key.
    DeleteAll,
    /// `-l` (fingerprints) or `-L` (public keys).
    List {
        /// `-l`.
        fingerprints: bool,
    },
    /// `-x` (lock) or `-X` (unlock).
    Lock {
        /// `-x`.
        lock: bool,
    },
    /// `-T`: ask the agent to sign with each key and check the signature.
    Test,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The action.
    pub action: Action,
    /// `-c`: the agent asks before each use.
    pub confirm: bool,
    /// `-t`: seconds the agent keeps the keys (0 = as long as it likes).
    pub lifetime: u32,
    /// `-q`.
    pub quiet: bool,
    /// `-k`: keys only, no certificates.
    pub key_only: bool,
    /// `-E`.
    pub hash: FingerprintHash,
    /// The files named.
    pub files: Vec<String>,
}

pub use oxssh_cli::exit::Exit;

fn usage(first: Option<String>) -> Exit {
    Exit::usage(first, messages::USAGE)
}

fn fatal(line: &str) -> Exit {
    Exit::fatal(line)
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Options, Exit> {
    let mut p = lexopt::Parser::from_args(args);
    let mut o = Options {
        action: Action::Add,
        confirm: false,
        lifetime: 0,
        quiet: false,
        key_only: false,
        hash: FingerprintHash::Sha256,
        files: Vec::new(),
    };
    let mut deleting = false;
    let mut xflag: Option<char> = None;
    let mut lflag: Option<char> = None;
    let mut delete_all = false;
    let mut test = false;
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let c = oxssh_cli::args::missing_value_letter(option.as_deref());
                return Err(usage(Some(messages::option_requires_argument(c))));
            }
            Err(_) => return Err(usage(Some(messages::unknown_option('-')))),
        };
        let c = match arg {
            lexopt::Arg::Short(c) => c,
            lexopt::Arg::Long(_) => return Err(usage(Some(messages::unknown_option('-')))),
            lexopt::Arg::Value(v) => {
                o.files.push(v.to_string_lossy().into_owned());
                o.files.extend(oxssh_cli::args::remaining_text(&mut p));
                break;
            }
        };
        let value = if "EeHhMmsSt".contains(c) {
            match p.value() {
                Ok(v) => v.to_string_lossy().into_owned(),
                Err(_) => return Err(usage(Some(messages::option_requires_argument(c)))),
            }
        } else {
            String::new()
        };
        match c {
            // Verbosity: oxssh-add has no debug output worth the name.
            'v' => {}
            'E' => {
                o.hash = match FingerprintHash::from_name(&value) {
                    Some(h) => h,
                    None if ["sha1", "sha384", "sha512"]
                        .iter()
                        .any(|n| value.eq_ignore_ascii_case(n)) =>
                    {
                        return Err(fatal(&messages::unsupported_hash(&value)));
                    }
                    None => return Err(fatal(&messages::invalid_hash(&value))),
                }
            }
            'k' => o.key_only = true,
            'l' | 'L' => match lflag {
                Some(first) => return Err(fatal(&messages::flag_already_specified(first))),
                None => lflag = Some(c),
            },
            'x' | 'X' => match xflag {
                Some(first) => return Err(fatal(&messages::flag_already_specified(first))),
                None => xflag = Some(c),
            },
            'c' => o.confirm = true,
            'd' => deleting = true,
            'D' => delete_all = true,
            'q' => o.quiet = true,
            'T' => test = true,
            't' => {
                match oxssh_config::values::parse_time(&value).and_then(|t| u32::try_from(t).ok()) {
                    Some(t) => o.lifetime = t,
                    None => {
                        return Err(Exit {
                            stderr: format!("{}\n", messages::INVALID_LIFETIME),
                            status: 1,
                        });
                    }
                }
            }
            // Security keys from a provider: without one, ordinary keys need nothing.
            'S' => {}
            'K' => {
                return Err(fatal(&messages::not_supported(
                    "Loading FIDO resident keys (-K)",
                )));
            }
            's' | 'e' => return Err(fatal(&messages::not_supported("PKCS#11 (-s, -e)"))),
            'M' | 'm' => {
                return Err(fatal(&messages::not_supported(
                    "XMSS signature limits (-M, -m)",
                )));
            }
            'H' | 'h' => {
                return Err(fatal(&messages::not_supported(
                    "Destination constraints (-H, -h)",
                )));
            }
            other => return Err(usage(Some(messages::unknown_option(other)))),
        }
    }
    let actions = [xflag.is_some(), lflag.is_some(), delete_all]
        .iter()
        .filter(|&&a| a)
        .count();
    if actions > 1 {
        return Err(fatal(messages::INVALID_COMBINATION));
    }
    o.action = if let Some(x) = xflag {
        Action::Lock { lock: x == 'x' }
    } else if let Some(l) = lflag {
        Action::List {
            fingerprints: l == 'l',
        }
    } else if delete_all {
        Action::DeleteAll
    } else if test {
        if o.files.is_empty() {
            return Err(fatal(messages::NO_KEYS_TO_TEST));
        }
        Action::Test
    } else if deleting {
        Action::Delete
    } else {
        Action::Add
    };
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(list: &[&str]) -> Result<Options, Exit> {
        parse(list.iter().map(OsString::from).collect())
    }

    #[test]
    fn actions_and_files() {
        let o = parse_strs(&["-qct", "1h30m", "a", "-b"]).unwrap();
        assert_eq!(o.action, Action::Add);
        assert!(o.quiet && o.confirm);
        assert_eq!(o.lifetime, 5400);
        assert_eq!(o.files, ["a", "-b"]);
        assert_eq!(
            parse_strs(&["-L"]).unwrap().action,
            Action::List {
                fingerprints: false
            }
        );
        assert_eq!(parse_strs(&["-d", "k"]).unwrap().action, Action::Delete);
        assert_eq!(
            parse_strs(&["-X"]).unwrap().action,
            Action::Lock { lock: false }
        );
        assert_eq!(parse_strs(&["-T", "k.pub"]).unwrap().action, Action::Test);
    }

    #[test]
    fn errors_are_openssh_words() {
        let e = parse_strs(&["-l", "-L"]).unwrap_err();
        assert_eq!(e.stderr, "-l flag already specified\r\n");
        assert_eq!(e.status, 255);
        let e = parse_strs(&["-x", "-l"]).unwrap_err();
        assert_eq!(e.stderr, "Invalid combination of actions\r\n");
        let e = parse_strs(&["-t", "-5"]).unwrap_err();
        assert_eq!((e.stderr.as_str(), e.status), ("Invalid lifetime\n", 1));
        let e = parse_strs(&["-Z"]).unwrap_err();
        assert!(
            e.stderr
                .starts_with("unknown option -- Z\r\nusage: ssh-add [-cDdKkLlqvXx]")
        );
        assert_eq!(e.status, 1);
        assert_eq!(
            parse_strs(&["-T"]).unwrap_err().stderr,
            "no keys to test\r\n"
        );
        assert_eq!(parse_strs(&["-h", "host"]).unwrap_err().status, 255);
    }
}
