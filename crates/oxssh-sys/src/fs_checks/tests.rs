use super::*;
use std::os::unix::fs::PermissionsExt;

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    keys: PathBuf,
}

/// home (0755) / .ssh (0700) / authorized_keys (0600), owned by whoever runs the test.
fn home() -> Home {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = std::fs::canonicalize(dir.path())
        .expect("canonicalize")
        .join("home");
    std::fs::create_dir_all(home.join(".ssh")).expect("mkdir");
    chmod(&home, 0o755);
    chmod(&home.join(".ssh"), 0o700);
    let keys = home.join(".ssh/authorized_keys");
    std::fs::write(&keys, "ssh-ed25519 AAAA test\n").expect("write");
    chmod(&keys, 0o600);
    Home {
        _dir: dir,
        home,
        keys,
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn me() -> Uid {
    nix::unistd::geteuid()
}

#[test]
fn a_well_kept_home_passes() {
    let h = home();
    check_secure_path(&h.keys, Some(&h.home), me()).expect("secure");
    let f = File::open(&h.keys).expect("open");
    check_secure_file(&f, &h.keys, Some(&h.home), me()).expect("secure");
}

#[test]
fn group_writable_file_is_refused_with_openssh_words() {
    let h = home();
    chmod(&h.keys, 0o620);
    let e = check_secure_path(&h.keys, Some(&h.home), me()).expect_err("refused");
    assert_eq!(
        e.to_string(),
        format!("bad ownership or modes for file {}", h.keys.display())
    );
}

#[test]
fn world_writable_directory_is_refused() {
    let h = home();
    chmod(&h.home.join(".ssh"), 0o777);
    let e = check_secure_path(&h.keys, Some(&h.home), me()).expect_err("refused");
    assert_eq!(e, StrictModesError::BadDirectory(h.home.join(".ssh")));
    assert_eq!(
        e.to_string(),
        format!(
            "bad ownership or modes for directory {}",
            h.home.join(".ssh").display()
        )
    );
}

#[test]
fn group_writable_home_is_refused_but_nothing_above_it_is_checked() {
    let h = home();
    chmod(&h.home, 0o775);
    assert_eq!(
        check_secure_path(&h.keys, Some(&h.home), me()),
        Err(StrictModesError::BadDirectory(h.home.clone()))
    );
    // Without a home the walk goes on to /tmp, which is world-writable (sticky or not).
    chmod(&h.home, 0o755);
    let tmp_parent = h.home.ancestors().find(|d| {
        std::fs::metadata(d)
            .map(|m| m.mode() & 0o022 != 0)
            .unwrap_or(false)
    });
    let e = check_secure_path(&h.keys, None, me());
    match tmp_parent {
        Some(d) => assert_eq!(e, Err(StrictModesError::BadDirectory(d.to_owned()))),
        None => println!("SKIP: temp dir has no writable parent ({e:?})"),
    }
}

#[test]
fn directories_and_missing_files_are_refused() {
    let h = home();
    let ssh = h.home.join(".ssh");
    assert_eq!(
        check_secure_path(&ssh, Some(&h.home), me()),
        Err(StrictModesError::NotRegularFile(ssh))
    );
    let missing = h.home.join(".ssh/nope");
    let e = check_secure_path(&missing, Some(&h.home), me()).expect_err("missing");
    assert_eq!(
        e.to_string(),
        format!(
            "realpath {} failed: No such file or directory",
            missing.display()
        )
    );
}

#[test]
fn symlinks_are_checked_where_they_lead() {
    let h = home();
    let elsewhere = h.home.parent().expect("parent").join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    chmod(&elsewhere, 0o777);
    let target = elsewhere.join("keys");
    std::fs::write(&target, "x").expect("write");
    chmod(&target, 0o600);
    let link = h.home.join(".ssh/linked");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert_eq!(
        check_secure_path(&link, Some(&h.home), me()),
        Err(StrictModesError::BadDirectory(elsewhere))
    );
}

#[test]
fn files_of_another_user_are_refused_and_the_users_own_accepted() {
    if !crate::user::is_root() {
        println!("SKIP files_of_another_user_are_refused_and_the_users_own_accepted: needs root");
        return;
    }
    let h = home();
    let nobody = Uid::from_raw(65534);
    for p in [&h.home, &h.home.join(".ssh"), &h.keys] {
        rustix::fs::chown(p.as_path(), Some(rustix::fs::Uid::from_raw(65534)), None)
            .expect("chown");
    }
    check_secure_path(&h.keys, Some(&h.home), nobody).expect("nobody's own files");
    assert_eq!(
        check_secure_path(&h.keys, Some(&h.home), Uid::from_raw(1234)),
        Err(StrictModesError::BadFile(h.keys.clone()))
    );
}

#[test]
fn check_secure_dir_walks_to_root() {
    check_secure_dir(Path::new("/usr/bin"), me()).expect("/usr/bin is root's");
    let h = home();
    let tmp_parent = h.home.ancestors().find(|d| {
        std::fs::metadata(d)
            .map(|m| m.mode() & 0o022 != 0)
            .unwrap_or(false)
    });
    if let Some(d) = tmp_parent {
        assert_eq!(
            check_secure_dir(&h.home, me()),
            Err(StrictModesError::BadDirectory(d.to_owned()))
        );
    }
}

#[test]
fn pid_file_holds_our_pid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("oxsshd.pid");
    std::fs::write(&path, "stale contents that are longer\n").expect("write");
    write_pid_file(&path).expect("pid file");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{}\n", std::process::id())
    );
}

#[test]
fn hostname_is_not_empty() {
    assert!(!hostname().expect("hostname").is_empty());
}

/// Re-runs this test binary filtered to this one test with `OXSSH_DAEMONIZE_PIDFILE` set; that
/// copy daemonises (the process we started exits at once) and its detached grandchild records
/// its pid, session and working directory.
#[test]
fn daemonize_detaches_into_a_new_session_in_root_dir() {
    const VAR: &str = "OXSSH_DAEMONIZE_PIDFILE";
    if let Some(path) = std::env::var_os(VAR) {
        let ok = daemonize().is_ok();
        let pid = std::process::id();
        let sid = rustix::process::getsid(None)
            .map(|p| p.as_raw_nonzero().get())
            .unwrap_or(-1);
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let stdin_is_null = std::fs::read_link("/proc/self/fd/0")
            .map(|p| p == Path::new("/dev/null"))
            .unwrap_or(false);
        let _ = std::fs::write(
            PathBuf::from(path),
            format!("{ok} {pid} {sid} {cwd} {stdin_is_null}\n"),
        );
        std::process::exit(0);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("record");
    let exe = std::env::current_exe().expect("current_exe");
    let status = std::process::Command::new(exe)
        .args([
            "--exact",
            "fs_checks::tests::daemonize_detaches_into_a_new_session_in_root_dir",
            "--test-threads=1",
        ])
        .env(VAR, &out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run self");
    assert!(status.success(), "the foreground process exits 0 at once");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let record = loop {
        match std::fs::read_to_string(&out) {
            Ok(s) if s.ends_with('\n') => break s,
            _ if std::time::Instant::now() > deadline => {
                panic!("daemon never wrote {}", out.display())
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    let fields: Vec<&str> = record.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "{record}");
    assert_eq!(fields[0], "true");
    assert_eq!(
        fields[1], fields[2],
        "the daemon leads its own session: {record}"
    );
    assert_eq!(fields[3], "/");
    assert_eq!(fields[4], "true", "stdin is /dev/null");
}
