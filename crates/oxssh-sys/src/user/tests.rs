use super::*;

fn entry(hash: &str) -> ShadowEntry {
    ShadowEntry {
        name: "alice".into(),
        hash: Zeroizing::new(hash.into()),
        last_change: Some(19_000),
        min_days: Some(0),
        max_days: None,
        warn_days: Some(7),
        inactive_days: None,
        expire: None,
    }
}

#[test]
fn root_and_nobody_are_found_by_name_and_uid() {
    let root = lookup_user("root").expect("lookup").expect("root exists");
    assert_eq!((root.uid.as_raw(), root.gid.as_raw()), (0, 0));
    assert_eq!(root.home, PathBuf::from("/root"));
    let by_uid = lookup_uid(Uid::from_raw(0))
        .expect("lookup")
        .expect("uid 0");
    assert_eq!(by_uid.name, "root");
    let nobody = lookup_user("nobody")
        .expect("lookup")
        .expect("nobody exists");
    assert_eq!(nobody.uid.as_raw(), 65534);
    assert_eq!(nobody.shell, PathBuf::from("/usr/sbin/nologin"));
}

#[test]
fn hostile_or_unknown_names_are_not_found() {
    for name in ["", "no-such-user-oxssh", "root\0x", &"a".repeat(5000)] {
        assert!(lookup_user(name).expect("lookup").is_none(), "{name:?}");
        assert!(lookup_group(name).expect("lookup").is_none(), "{name:?}");
        assert!(
            lookup_shadow(name).map(|s| s.is_none()).unwrap_or(true),
            "{name:?}"
        );
    }
}

#[test]
fn debug_output_hides_password_fields() {
    let root = lookup_user("root").expect("lookup").expect("root exists");
    let text = format!("{root:?} {:?}", entry("$6$secret$hash"));
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn groups_and_membership() {
    let root = lookup_user("root").expect("lookup").expect("root exists");
    assert!(
        supplementary_groups("root", root.gid)
            .expect("getgrouplist")
            .contains(&Gid::from_raw(0))
    );
    let g = lookup_group("root").expect("lookup").expect("group root");
    assert_eq!(g.gid.as_raw(), 0);
    assert_eq!(
        lookup_gid(Gid::from_raw(0))
            .expect("lookup")
            .map(|g| g.name),
        Some("root".into())
    );
    assert!(
        group_names(&root)
            .expect("names")
            .contains(&"root".to_string())
    );
    assert!(user_in_group(&root, "root").expect("member"));
    assert!(!user_in_group(&root, "no-such-group-oxssh").expect("member"));
    let nobody = lookup_user("nobody")
        .expect("lookup")
        .expect("nobody exists");
    assert!(!user_in_group(&nobody, "root").expect("member"));
}

#[test]
fn current_user_matches_the_process() {
    let me = current_user().expect("lookup").expect("has a passwd entry");
    assert_eq!(me.uid, nix::unistd::getuid());
    assert_eq!(is_root(), nix::unistd::geteuid().is_root());
}

#[test]
fn lock_markers_follow_openssh_on_linux() {
    assert!(entry("!").is_locked());
    assert!(entry("!$6$abc$def").is_locked());
    assert!(entry("*LK*").is_locked());
    assert!(!entry("*").is_locked(), "'*' disables passwords only");
    assert!(!entry("$6$abc$def").is_locked());
    assert!(!entry("").is_locked());
}

#[test]
fn account_and_password_expiry() {
    let mut e = entry("$6$x$y");
    assert_eq!(e.state_on(20_000), AccountState::default());
    e.expire = Some(19_999);
    assert!(e.state_on(20_000).account_expired);
    assert!(
        !e.state_on(19_999).account_expired,
        "expires after the expiry day"
    );
    e.expire = None;
    e.max_days = Some(90);
    assert!(!e.state_on(19_090).password_expired);
    assert!(e.state_on(19_091).password_expired);
    e.last_change = Some(0);
    let s = e.state_on(1);
    assert!(s.change_forced && s.password_expired);
    e.last_change = None;
    assert!(
        !e.state_on(30_000).password_expired,
        "empty last-change disables aging"
    );
}

#[test]
fn days_since_epoch_counts_whole_days() {
    let t = UNIX_EPOCH + std::time::Duration::from_secs(2 * 86_400 + 5);
    assert_eq!(days_since_epoch(t), 2);
    assert_eq!(
        days_since_epoch(UNIX_EPOCH - std::time::Duration::from_secs(5)),
        0
    );
}

#[test]
fn shadow_entry_of_root_is_readable_as_root() {
    if !is_root() {
        println!("SKIP shadow_entry_of_root_is_readable_as_root: needs root");
        return;
    }
    let sp = lookup_shadow("root")
        .expect("getspnam")
        .expect("root has a shadow entry");
    assert_eq!(sp.name, "root");
    let nobody = lookup_shadow("nobody")
        .expect("getspnam")
        .expect("nobody has a shadow entry");
    assert!(nobody.hash.starts_with('*') || nobody.hash.starts_with('!'));
    let root = lookup_user("root").expect("lookup").expect("root exists");
    assert_eq!(password_hash(&root).expect("hash"), sp.hash);
}
