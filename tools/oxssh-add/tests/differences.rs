//! Where oxssh-add says something OpenSSH's ssh-add would not: features it does not have are
//! refused aloud, never skipped in silence.

mod common;

use common::*;

#[test]
fn missing_features_are_refused_aloud() {
    let Some(agent_program) = our_agent() else {
        return;
    };
    let agent = Agent::start(&agent_program);
    let keys = tempfile::tempdir().unwrap();
    let ed = keygen(keys.path(), "id", &["-t", "ed25519"], "", "c");
    let ed = ed.to_str().unwrap();

    for (args, words) in [
        (
            vec!["-h", "host", ed],
            "Destination constraints (-H, -h) is not supported by oxssh-add\r\n",
        ),
        (
            vec!["-s", "/usr/lib/pkcs11.so"],
            "PKCS#11 (-s, -e) is not supported by oxssh-add\r\n",
        ),
        (
            vec!["-K"],
            "Loading FIDO resident keys (-K) is not supported by oxssh-add\r\n",
        ),
        (
            vec!["-l", "-E", "sha512"],
            "Fingerprint hash \"sha512\" is not supported by oxssh-add (use sha256 or md5)\r\n",
        ),
    ] {
        let out = run(agent.command(OURS).args(&args));
        assert_eq!(stderr(&out), words, "{args:?}");
        assert_eq!(out.status.code(), Some(255));
    }
    // Nothing was added by the refused -h.
    assert_eq!(
        stdout(&run(agent.command(OURS).arg("-l"))),
        "The agent has no identities.\n"
    );

    // A certificate next to the key is reported; the key itself is added.
    std::fs::copy(format!("{ed}.pub"), format!("{ed}-cert.pub")).unwrap();
    let out = run(agent.command(OURS).arg(ed));
    assert_eq!(
        stderr(&out),
        format!(
            "Identity added: {ed} (c)\nFailed to load certificate \"{ed}-cert.pub\": unknown or unsupported key type\r\n"
        )
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run(agent.command(OURS).args(["-k", "-q", "-d", ed]));
    assert_eq!((stderr(&out).as_str(), out.status.code()), ("", Some(0)));

    // A file that is no key at all.
    let junk = keys.path().join("junk");
    std::fs::write(&junk, "not a key\n").unwrap();
    set_mode(&junk, 0o600);
    let out = run(agent.command(OURS).arg(&junk));
    assert_eq!(
        stderr(&out),
        format!("Error loading key \"{}\": invalid format\n", junk.display())
    );
    assert_eq!(out.status.code(), Some(1));
}
