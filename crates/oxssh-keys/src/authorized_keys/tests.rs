use super::*;

const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const ED2: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMQFkreAK19mfUt3mrY+BOciix6WyMyVpphBul6QFwIL";

fn key(line: &str) -> PublicKey {
    PublicKey::parse_openssh_line(line).unwrap().0
}

const CLIENT: Client<'static> = Client {
    host: "client.example.com",
    address: "192.0.2.7",
    now: 1_900_000_000,
    local_utc_offset: 0,
};

#[test]
fn real_world_lines_that_ssh_key_refuses() {
    let text = format!(
        "# comment\n\
         command=\"echo hi\",no-pty {ED} quoted space\n\
         environment=\"A=b c\" {ED}\n\
         no-pty\t{ED}\tuser@host\n\
         restrict {ED}\n\
         restrict,pty {ED}\n\
         from=\"10.0.0.0/8,!10.1.*\",permitopen=\"h:22\" {ED} c\n\
         {ED}\n"
    );
    let ak = AuthorizedKeys::parse(&text);
    assert!(ak.skipped().is_empty(), "{:?}", ak.skipped());
    let e = ak.entries();
    assert_eq!(e.len(), 7);
    assert_eq!(e[0].options().command.as_deref(), Some("echo hi"));
    assert_eq!(e[0].comment(), "quoted space");
    assert_eq!(e[1].options().environment, ["A=b c"]);
    assert_eq!(e[2].comment(), "user@host");
    assert!(!e[3].options().pty && e[3].comment().is_empty());
    assert!(e[4].options().pty && !e[4].options().port_forwarding);
    assert_eq!(e[5].options().from.as_deref(), Some("10.0.0.0/8,!10.1.*"));
    assert_eq!(e[6].options(), &KeyOptions::default());
    assert!(e.iter().all(|x| x.key() == &key(ED)));
}

#[test]
fn bad_lines_are_skipped_with_openssh_reasons() {
    let text = format!("bogus-option {ED}\ncommand=\"unterminated {ED}\nno-pty garbage\n{ED2}\n");
    let ak = AuthorizedKeys::parse(&text);
    assert_eq!(ak.entries().len(), 1);
    let reasons: Vec<(usize, &str)> = ak
        .skipped()
        .iter()
        .map(|s| (s.line_number, s.reason))
        .collect();
    assert_eq!(reasons[0], (1, "unknown key option"));
    assert_eq!(reasons[1], (2, "invalid key option string"));
    assert_eq!(reasons[2].0, 3);
}

#[test]
fn first_admitting_line_wins() {
    let text = format!(
        "from=\"10.0.0.0/8\" {ED} one\nexpiry-time=\"20200101\" {ED} two\nfrom=\"*.example.com\",command=\"x\" {ED} three\n\
         cert-authority {ED2}\n"
    );
    let ak = AuthorizedKeys::parse(&text);
    match ak.authorize(&key(ED), &CLIENT) {
        Authorization::Allowed(entry) => {
            assert_eq!(entry.line_number(), 3);
            assert_eq!(entry.options().command.as_deref(), Some("x"));
        }
        other => panic!("{other:?}"),
    }
    let far = Client {
        host: "far.example.org",
        ..CLIENT
    };
    assert_eq!(
        ak.authorize(&key(ED), &far),
        Authorization::Denied(vec![
            (1, Denial::FromNotPermitted),
            (2, Denial::Expired { at: 1_577_836_800 }),
            (3, Denial::FromNotPermitted)
        ])
    );
    // A cert-authority line never admits the CA key itself.
    assert_eq!(ak.authorize(&key(ED2), &CLIENT), Authorization::NotFound);
}

#[test]
fn expiry_is_inclusive_and_local_offsets_apply() {
    let text = format!("expiry-time=\"203001010000\" {ED}\n");
    let ak = AuthorizedKeys::parse(&text);
    let at = 1_893_456_000;
    let at_expiry = Client { now: at, ..CLIENT };
    assert!(matches!(
        ak.authorize(&key(ED), &at_expiry),
        Authorization::Allowed(_)
    ));
    let after = Client {
        now: at + 1,
        ..CLIENT
    };
    assert!(matches!(
        ak.authorize(&key(ED), &after),
        Authorization::Denied(_)
    ));
    // At UTC+2 local midnight is two hours earlier in UTC.
    let east = Client {
        now: at - 3600,
        local_utc_offset: 7200,
        ..CLIENT
    };
    assert!(matches!(
        ak.authorize(&key(ED), &east),
        Authorization::Denied(_)
    ));
}

#[test]
fn principals_need_cert_authority_and_bad_from_denies() {
    let text = format!("principals=\"a\" {ED}\nfrom=\"192.0.2.1/24\" {ED}\n");
    let ak = AuthorizedKeys::parse(&text);
    assert_eq!(
        ak.authorize(&key(ED), &CLIENT),
        Authorization::Denied(vec![
            (1, Denial::PrincipalsOnNonCaKey),
            (2, Denial::InvalidFrom)
        ])
    );
}
