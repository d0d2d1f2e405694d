//! oxssh-copy-id, a drop-in replacement for OpenSSH's ssh-copy-id(1): installs public keys in a
//! remote account's authorized_keys, skipping those that already work, so that the next login
//! needs no password.
//!
//! # What it does, as the script does
//!
//! `oxssh-copy-id [-f] [-n] [-s] [-i [identity_file]] [-p port] [-F config] [-o ssh_option]
//! [user@]hostname`
//!
//! 1. The keys: `-i FILE` (its `.pub`, whose private half must also be readable unless `-f`), else
//!    every key the agent holds, else the newest `~/.ssh/id*.pub` that is not a certificate.
//! 2. Unless `-f`, one login per key with only that key (`PreferredAuthentications=publickey`,
//!    `IdentitiesOnly=yes`): a key that logs in is already installed and is dropped; "Permission
//!    denied" keeps it; any other failure stops everything with the client's words.
//! 3. One login runs a POSIX sh command (`exec sh -c '…'`, so the remote login shell does not
//!    matter) that creates `~/.ssh` (0700 by umask), ends authorized_keys with a newline if it
//!    lacks one, and appends the keys (0600 by umask). Dropbear servers get
//!    /etc/dropbear/authorized_keys. `-s` does the same over SFTP instead; `-n` only shows the keys.
//! 4. The script's words, with this program's name where it names itself and `oxssh` where it
//!    suggests `ssh`.
//!
//! Logins go through `oxssh` (next to this program, else on `PATH`) with `-a -x`, the user's
//! `-o`, `-p` and `-F` and the destination; the client asks for host keys and passwords on the
//! terminal as usual.
//!
//! # Differences from the script
//!
//! - NetScreen firewalls (DSA-only key installation by CLI commands) are not special-cased.
//! - The scratch files of the filtering logins go to `~/.ssh` as in the script, or to the
//!   temporary directory when `~/.ssh` does not exist yet (the script gives up).
//! - When one filtering login fails after others kept their keys, the failure is reported (the
//!   script only notices when the first key fails).
#![forbid(unsafe_code)]

pub mod cli;
pub mod keys;
pub mod messages;
pub mod remote;
pub mod scratch;
pub mod sftp;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::cli::Stop;
use crate::keys::IdFile;
use crate::remote::Client;

/// Runs with the process's arguments (program name first); returns the exit status.
pub fn main_with(args: Vec<OsString>) -> i32 {
    let mut args = args.into_iter();
    let argv0 = args
        .next()
        .unwrap_or_else(|| OsString::from("oxssh-copy-id"));
    run(&program_name(&argv0), args.collect())
}

/// How the program names itself, as a shell script's `$0` would: the path it was started by, found
/// on `PATH` when given without a slash.
pub fn program_name(argv0: &OsStr) -> String {
    let name = argv0.to_string_lossy().into_owned();
    if name.contains('/') {
        return name;
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| {
                    if d.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        d
                    }
                    .join(&name)
                })
                .find(|p| p.is_file())
        })
        .map_or(name, |p| p.display().to_string())
}

/// `~`: `$HOME`, as in the script.
fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn use_id_file(program: &str, given: &str, forced: bool) -> Result<IdFile, i32> {
    match keys::use_id_file(program, given, forced) {
        Ok(file) => {
            eprint!("{}", messages::source_of_keys(program, &file.public));
            Ok(file)
        }
        Err(refusal) => {
            print!("{}", refusal.stdout);
            Err(1)
        }
    }
}

/// Runs oxssh-copy-id with the arguments after the program name.
pub fn run(program: &str, args: Vec<OsString>) -> i32 {
    let agent_keys = keys::agent_keys();
    let options = match cli::parse(args, program) {
        Ok(o) => o,
        Err(Stop::Usage { stdout, stderr }) => {
            print!("{stdout}");
            eprint!("{stderr}{}", messages::usage(program));
            return 1;
        }
        Err(Stop::IdentityTwice {
            first: (given, forced),
        }) => {
            if let Err(status) = use_id_file(program, &given, forced) {
                return status;
            }
            print!("{}", messages::i_twice(program));
            eprint!("{}", messages::usage(program));
            return 1;
        }
    };
    let mut id_file = None;
    if let Some((given, forced)) = &options.identity {
        let default = keys::default_public_file(&home()).unwrap_or_default();
        let given = if given.is_empty() { &default } else { given };
        match use_id_file(program, given, *forced) {
            Ok(f) => id_file = Some(f),
            Err(status) => return status,
        }
    }
    let mut new_keys = match (&id_file, agent_keys) {
        (Some(f), _) => keys::lines_of(&f.public),
        (None, Some(lines)) => lines,
        (None, None) => Vec::new(),
    };
    if new_keys.is_empty() {
        let candidate = id_file
            .as_ref()
            .map(|f| f.public.clone())
            .or_else(|| keys::default_public_file(&home()));
        if let Some(candidate) = candidate.filter(|c| std::fs::File::open(c).is_ok()) {
            match use_id_file(program, &candidate, options.force) {
                Ok(f) => {
                    new_keys = keys::lines_of(&f.public);
                    id_file = Some(f);
                }
                Err(status) => return status,
            }
        }
    }
    if new_keys.is_empty() {
        eprint!("{}", messages::no_identities(program));
        return 1;
    }
    install(program, &options, id_file.as_ref(), new_keys)
}

fn install(
    program: &str,
    options: &cli::Options,
    id_file: Option<&IdFile>,
    keys: Vec<String>,
) -> i32 {
    let client_path = remote::find_client();
    let client = Client::new(client_path.clone(), options.client_args());
    let client_missing = |e: &std::io::Error| {
        eprint!(
            "{}",
            messages::client_missing(
                program,
                &client_path.display().to_string(),
                &oxssh_tokio::connect::error_text(e)
            )
        );
        1
    };
    let version = match client.remote_version() {
        Ok(v) => v,
        Err(e) => return client_missing(&e),
    };
    let auth_file = remote::authorized_keys_for(version.as_deref());
    let dropbear = auth_file != ".ssh/authorized_keys";
    let keys = if options.force {
        keys
    } else {
        eprint!("{}", messages::attempting(program));
        let private = id_file.and_then(|f| f.private.as_deref()).map(Path::new);
        match filter(&client, &keys, private, options.sftp && !dropbear) {
            Ok(kept) => kept,
            Err(Failure::Login(output)) => {
                eprint!("{}", messages::filter_failed(program, &output));
                return 1;
            }
            Err(Failure::Io(e)) => return client_missing(&e),
        }
    };
    if keys.is_empty() {
        eprint!("{}", messages::all_skipped(program));
        return 0;
    }
    if !options.force {
        eprint!("{}", messages::remain(program, keys.len()));
    }
    if options.dry_run {
        print!("{}", messages::dry_run(&keys));
        return 0;
    }
    let installed = if options.sftp && !dropbear {
        match client
            .sftp()
            .map_err(sftp::SftpError::Io)
            .and_then(|child| {
                let mut session = sftp::Session::start(child)?;
                sftp::install(&mut session, &keys)?;
                session.finish().map_err(sftp::SftpError::Io)
            }) {
            Ok(status) => status.success(),
            Err(e) => {
                eprint!("{}", messages::sftp_failed(program, &e.to_string()));
                false
            }
        }
    } else {
        match client.run_with_keys(&remote::install_command(auth_file), &keys) {
            Ok(ok) => ok,
            Err(e) => return client_missing(&e),
        }
    };
    if !installed {
        return 1;
    }
    let suggested = if options.sftp {
        "sftp"
    } else {
        messages::CLIENT
    };
    print!(
        "{}",
        messages::added(keys.len(), suggested, &options.quoted_client_args())
    );
    0
}

/// Why the filtering stopped.
enum Failure {
    /// A login failed for another reason than a refused key; its output.
    Login(String),
    /// The client could not be run, or the scratch file written.
    Io(std::io::Error),
}

/// The script's `filter_ids`: the keys that do not log in yet.
fn filter(
    client: &Client,
    keys: &[String],
    private: Option<&Path>,
    sftp: bool,
) -> Result<Vec<String>, Failure> {
    let scratch = scratch::Scratch::new(&home()).map_err(Failure::Io)?;
    let tmp = scratch.path().join("popids_tmp_id");
    let mut kept = Vec::new();
    for key in keys {
        // The key line goes in both TMP and TMP.pub: clients look for an identity's public half
        // in either.
        let line = format!("{key}\n");
        std::fs::write(&tmp, &line).map_err(Failure::Io)?;
        std::fs::write(tmp.with_extension("pub"), &line).map_err(Failure::Io)?;
        let login = client
            .try_key(private.unwrap_or(&tmp))
            .map_err(Failure::Io)?;
        if login.status.success() || (sftp && login.output.contains(messages::SFTP_ONLY)) {
            continue;
        }
        if !login.output.contains("Permission denied") {
            return Err(Failure::Login(login.output));
        }
        kept.push(key.clone());
    }
    Ok(kept)
}
