use super::*;

const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const ED2: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMQFkreAK19mfUt3mrY+BOciix6WyMyVpphBul6QFwIL";

fn key(line: &str) -> PublicKey {
    PublicKey::parse_openssh_line(line).unwrap().0
}

#[test]
fn skips_comments_blank_and_malformed_lines() {
    let text = format!(
        "# c\n\n   \t\nhost {ED} comment here\n@bogus host {ED}\n@revoked @revoked h {ED}\nhostonly\n\
         host2 ssh-ed25519 !!!\n|1|AAAA|BBBB {ED}\n#host3 {ED}\nhost4 ssh-dss AAAAB3NzaC1kc3M=\n"
    );
    let kh = KnownHosts::parse(&text);
    assert_eq!(kh.entries().len(), 2);
    assert_eq!(kh.entries()[0].comment(), "comment here");
    assert_eq!(
        kh.entries()[1].key(),
        &EntryKey::Unsupported {
            key_type: "ssh-dss".into()
        }
    );
    assert_eq!(kh.invalid_lines(), &[5, 6, 7, 8, 9]);
}

#[test]
fn check_found_changed_revoked_and_not_found() {
    let text = format!(
        "a.example,10.0.0.1 {ED}\n[b.example]:2222 {ED2}\nb.example {ED}\n@revoked *.bad {ED}\n\
         *.example,!c.example {ED2}\n@cert-authority *.example {ED}\n"
    );
    let kh = KnownHosts::parse(&text);
    let (ed, ed2) = (key(ED), key(ED2));
    assert_eq!(
        kh.check("A.EXAMPLE", 22, &ed),
        HostStatus::Found { line: 1 }
    );
    assert_eq!(kh.check("10.0.0.1", 22, &ed), HostStatus::Found { line: 1 });
    assert_eq!(
        kh.check("b.example", 2222, &ed2),
        HostStatus::Found { line: 2 }
    );
    assert_eq!(
        kh.check("b.example", 2222, &ed),
        HostStatus::Changed { lines: vec![2] }
    );
    // b.example on 22 is on line 3 and (through the wildcard) line 5; line 3 holds the key.
    assert_eq!(
        kh.check("b.example", 22, &ed),
        HostStatus::Found { line: 3 }
    );
    assert_eq!(
        kh.check("b.example", 22, &ed2),
        HostStatus::Found { line: 5 }
    );
    assert_eq!(
        kh.check("c.example", 22, &ed2),
        HostStatus::NotFound,
        "negated"
    );
    assert_eq!(kh.check("x.bad", 22, &ed), HostStatus::Revoked { line: 4 });
    assert_eq!(kh.check("nowhere", 22, &ed), HostStatus::NotFound);
    let others: Vec<usize> = kh
        .other_names(&ed, "a.example", 22, Some("10.0.0.1"))
        .iter()
        .map(|e| e.line_number())
        .collect();
    assert_eq!(others, vec![3]);
    assert_eq!(
        kh.find("d.example", 22).len(),
        2,
        "wildcard line and CA line"
    );
}

#[test]
fn hashed_entries_match_only_their_name() {
    let name = host_port_name("Host.Example", 2200);
    assert_eq!(name, "[host.example]:2200");
    let text = format!("{} {ED}\n", hash_host_name(&name).unwrap());
    let kh = KnownHosts::parse(&text);
    assert!(kh.entries()[0].is_hashed());
    assert_eq!(
        kh.check("host.example", 2200, &key(ED)),
        HostStatus::Found { line: 1 }
    );
    assert_eq!(kh.check("host.example", 22, &key(ED)), HostStatus::NotFound);
    // remove_host compares hashed names exactly, as ssh-keygen -R does.
    assert!(
        remove_host(&text, "[HOST.example]:2200")
            .changed_lines
            .is_empty()
    );
    assert_eq!(remove_host(&text, &name).text, "");
}

#[test]
fn hash_file_keeps_wildcards_markers_and_hashed_lines() {
    let hashed = hash_host_name("old").unwrap();
    let text =
        format!("a,B {ED} c\n*.w {ED}\n@revoked x {ED}\n{hashed} {ED}\n# note\nbroken\nlast {ED}");
    let out = hash_file(&text).unwrap();
    assert_eq!(out.changed_lines, vec![1, 7]);
    assert_eq!(out.invalid_lines, vec![6]);
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].starts_with("|1|") && lines[0].ends_with(&format!("{ED} c")));
    let kh = KnownHosts::parse(&out.text);
    assert!(matches!(
        kh.check("b", 22, &key(ED)),
        HostStatus::Found { line: 2 }
    ));
    assert_eq!(
        &lines[2..7],
        &[
            format!("*.w {ED}").as_str(),
            &format!("@revoked x {ED}"),
            &format!("{hashed} {ED}"),
            "# note",
            "broken"
        ]
    );
    assert!(out.text.ends_with('\n'));
}

#[test]
fn format_entry_writes_names_like_ssh() {
    let k = key(ED);
    assert_eq!(
        format_entry(&["Host", "10.0.0.1"], &k, false).unwrap(),
        vec![format!("host,10.0.0.1 {ED}")]
    );
    let hashed = format_entry(&["[h]:2222"], &k, true).unwrap();
    assert!(KnownHosts::parse(&hashed[0]).entries()[0].matches("[h]:2222"));
}
