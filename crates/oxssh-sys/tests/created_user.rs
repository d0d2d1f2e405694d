//! Opt-in tests against a real local account created for the purpose: password hashes written by
//! the system's own `chpasswd`, shadow aging set by `chage`, locking by `usermod -L`, PAM's
//! `sshd` stack, and spawning with real supplementary groups.
//!
//! They change /etc/passwd, /etc/shadow and /etc/group while they run, so they run only as root
//! with `OXSSH_TEST_CREATE_USERS=1`, and a guard removes the user and group again even when an
//! assertion fails. Otherwise they print SKIP and pass.

use std::io::Read;
use std::process::Command;

use oxssh_sys::pam::{AccountStatus, PamTransaction, PasswordConversation};
use oxssh_sys::password::verify_password;
use oxssh_sys::spawn::{self, ChildIo, Credentials, ExitStatus, SpawnRequest, SpawnStdio};
use oxssh_sys::user;

const PASSWORD: &[u8] = b"Correct-Horse-7";

fn run(cmd: &str, args: &[&str]) {
    let status = Command::new(cmd)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(status.success(), "{cmd} {args:?} failed: {status}");
}

/// Removes the test user and group on drop.
struct Account {
    user: String,
    group: String,
}

impl Account {
    fn create() -> Self {
        let id = std::process::id() % 100_000;
        let account = Self {
            user: format!("oxsshtest{id}"),
            group: format!("oxsshtestg{id}"),
        };
        run("groupadd", &[&account.group]);
        run(
            "useradd",
            &[
                "-M",
                "-d",
                "/nonexistent",
                "-s",
                "/bin/sh",
                "-G",
                &account.group,
                &account.user,
            ],
        );
        let mut chpasswd = Command::new("chpasswd")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("chpasswd");
        let line = format!("{}:{}\n", account.user, String::from_utf8_lossy(PASSWORD));
        std::io::Write::write_all(chpasswd.stdin.as_mut().expect("stdin"), line.as_bytes())
            .expect("write");
        drop(chpasswd.stdin.take());
        assert!(chpasswd.wait().expect("wait").success());
        account
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.user).status();
        let _ = Command::new("groupdel").arg(&self.group).status();
    }
}

fn enabled(test: &str) -> bool {
    if !user::is_root() || std::env::var_os("OXSSH_TEST_CREATE_USERS").is_none_or(|v| v != "1") {
        println!(
            "SKIP {test}: needs root and OXSSH_TEST_CREATE_USERS=1 (it creates and removes a user)"
        );
        return false;
    }
    true
}

fn pam_check(user: &str) -> Result<AccountStatus, oxssh_sys::pam::PamError> {
    let (conv, _) = PasswordConversation::new(PASSWORD);
    let mut pam = PamTransaction::start("sshd", user, conv)?;
    pam.set_rhost("127.0.0.1")?;
    pam.authenticate(true)?;
    pam.acct_mgmt(true)
}

#[test]
fn a_created_account_through_lookup_crypt_pam_and_spawn() {
    if !enabled("a_created_account_through_lookup_crypt_pam_and_spawn") {
        return;
    }
    let account = Account::create();
    let u = user::lookup_user(&account.user)
        .expect("lookup")
        .expect("created");
    let g = user::lookup_group(&account.group)
        .expect("lookup")
        .expect("created");
    assert!(
        user::supplementary_groups(&u.name, u.gid)
            .expect("groups")
            .contains(&g.gid)
    );
    assert!(user::user_in_group(&u, &account.group).expect("member"));

    // The hash chpasswd wrote (yescrypt on Debian 12) verifies with our crypt.
    let sp = user::lookup_shadow(&u.name)
        .expect("getspnam")
        .expect("shadow entry");
    assert!(
        verify_password(PASSWORD, &sp.hash),
        "hash {:?}",
        &sp.hash[..4.min(sp.hash.len())]
    );
    assert!(!verify_password(b"wrong", &sp.hash));
    assert_eq!(sp.state(), user::AccountState::default());
    assert_eq!(pam_check(&u.name), Ok(AccountStatus::Valid));

    // Spawned as the user, with the supplementary group from getgrouplist.
    let req = SpawnRequest {
        program: "/bin/sh".into(),
        argv: vec!["sh".into(), "-c".into(), "id -un; id -G".into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        cwd: "/".into(),
        credentials: Some(Credentials::for_user(&u).expect("credentials")),
        stdio: SpawnStdio::Pipes,
    };
    let child = spawn::spawn(req).expect("spawn");
    let ChildIo::Pipes { stdout, .. } = child.io else {
        panic!("pipes")
    };
    let mut out = String::new();
    std::fs::File::from(stdout)
        .read_to_string(&mut out)
        .expect("read");
    assert_eq!(spawn::wait(child.pid).expect("wait"), ExitStatus::Exited(0));
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(u.name.as_str()));
    let gids: Vec<u32> = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(
        gids.contains(&u.gid.as_raw()) && gids.contains(&g.gid.as_raw()),
        "{gids:?}"
    );

    // Forced password change: shadow says so, and PAM reports it distinctly.
    run("chage", &["-d", "0", &u.name]);
    let sp = user::lookup_shadow(&u.name)
        .expect("getspnam")
        .expect("shadow entry");
    assert!(sp.state().change_forced && sp.state().password_expired);
    assert_eq!(pam_check(&u.name), Ok(AccountStatus::NewAuthtokRequired));

    // Expired account.
    run("chage", &["-d", "19000", "-E", "1", &u.name]);
    let sp = user::lookup_shadow(&u.name)
        .expect("getspnam")
        .expect("shadow entry");
    assert!(sp.state().account_expired);
    // pam_unix says PAM_ACCT_EXPIRED, but Debian's common-account maps every pam_unix failure
    // through pam_deny, so only "refused" is certain.
    let err = pam_check(&u.name).expect_err("expired account");
    assert_eq!(err.operation, "pam_acct_mgmt", "{err:?}");

    // Locked with usermod -L: a '!' in front of the hash.
    run("usermod", &["-L", &u.name]);
    let sp = user::lookup_shadow(&u.name)
        .expect("getspnam")
        .expect("shadow entry");
    assert!(sp.is_locked() && sp.state().locked);
    assert!(!verify_password(PASSWORD, &sp.hash));
}
