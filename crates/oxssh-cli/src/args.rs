//! The parts of getopt-style parsing every tool repeats on top of lexopt.

use std::ffi::OsString;

/// The letter of the option whose value is missing, from lexopt's `MissingValue` (`?` when lexopt
/// does not say), for getopt's "option requires an argument -- c".
pub fn missing_value_letter(option: Option<&str>) -> char {
    option
        .and_then(|o| o.trim_start_matches('-').chars().next())
        .unwrap_or('?')
}

/// Everything after the first operand, unparsed: BSD getopt stops at the first operand, so what
/// follows is operands even when it looks like options.
pub fn remaining(parser: &mut lexopt::Parser) -> Vec<OsString> {
    parser
        .raw_args()
        .map(|r| r.collect::<Vec<_>>())
        .unwrap_or_default()
}

/// [`remaining`] as text, for tools whose operands are names.
pub fn remaining_text(parser: &mut lexopt::Parser) -> Vec<String> {
    remaining(parser)
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}
