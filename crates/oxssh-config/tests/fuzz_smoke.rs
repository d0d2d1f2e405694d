//! Runs every `fuzzing` entry point on seeds and on random configuration-shaped input: nothing may
//! panic. Random seeds are proptest's (fixed per case count), failures are persisted by proptest.

use oxssh_config::fuzzing;
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    include_str!("data/client_tokens.conf"),
    include_str!("data/client_specials.conf"),
    include_str!("data/client_quirks.conf"),
    include_str!("data/client_errors.conf"),
    include_str!("data/client_match.conf"),
    include_str!("data/server_many.conf"),
    include_str!("data/server_match.conf"),
    "Include /fuzz/ssh_config\n",
    "Include /etc/ssh/sshd_config\n",
    "Match exec \"%C %z\"\n",
    "ControlPath %\nHostName %q\n",
    "LocalForward [::1:80 x\nRemoteForward \\\n",
    "Ciphers ^*\nMACs -*\nKexAlgorithms +\n",
    "\0\u{fffd}\x0c\r\n  =  \n\"\n",
];

#[test]
fn seeds_do_not_panic() {
    for s in SEEDS {
        fuzzing::client_config(s.as_bytes());
        fuzzing::server_config(s.as_bytes());
        fuzzing::lexer(s.as_bytes());
    }
}

/// Lines built from real keywords, values and punctuation reach deep into the parsers much more
/// often than uniform bytes.
fn config_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("Host".to_owned()),
        Just("Match".to_owned()),
        Just("Include".to_owned()),
        Just("all".to_owned()),
        Just("exec".to_owned()),
        Just("user".to_owned()),
        Just("address".to_owned()),
        Just("none".to_owned()),
        Just("yes".to_owned()),
        Just("+aes128-ctr".to_owned()),
        Just("-*".to_owned()),
        Just("%h".to_owned()),
        Just("${X}".to_owned()),
        Just("[::1]:22".to_owned()),
        Just("10.0.0.0/8".to_owned()),
        Just("1h30m".to_owned()),
        "[a-zA-Z]{1,30}",
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    let line = prop::collection::vec(word, 0..6).prop_map(|w| w.join(" "));
    prop::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_do_not_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::client_config(&data);
        fuzzing::server_config(&data);
        fuzzing::lexer(&data);
    }

    #[test]
    fn keyword_shaped_text_does_not_panic(text in config_text()) {
        fuzzing::client_config(text.as_bytes());
        fuzzing::server_config(text.as_bytes());
        fuzzing::lexer(text.as_bytes());
    }

    #[test]
    fn real_keywords_with_random_values_do_not_panic(
        ki in 0usize..400,
        value in "[ -~]{0,40}",
    ) {
        let client = oxssh_config::keywords::client_keywords();
        let server = oxssh_config::keywords::server_keywords();
        if let Some(k) = client.get(ki % client.len()) {
            fuzzing::client_config(format!("{} {value}\n", k.name).as_bytes());
        }
        if let Some(k) = server.get(ki % server.len()) {
            fuzzing::server_config(format!("{} {value}\n", k.name).as_bytes());
        }
    }
}
