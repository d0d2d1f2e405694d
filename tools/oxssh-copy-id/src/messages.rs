//! Every word oxssh-copy-id shows, in the words of OpenSSH's ssh-copy-id script (as shipped with
//! OpenSSH 9.2 in Debian 12), so "the same words" can be checked in one place. `program` is how
//! the program names itself (the script's `$0`); where the script suggests `ssh`, these suggest
//! [`CLIENT`].

/// The client the final hint suggests.
pub const CLIENT: &str = "oxssh";

/// `usage()`, to standard error (exit 1).
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [-h|-?|-f|-n|-s] [-i [identity_file]] [-p port] [-F alternative ssh_config file] [[-o <ssh -o options>] ...] [user@]hostname\n\
         \t-f: force mode -- copy keys without trying to check if they are already installed\n\
         \t-n: dry run    -- no keys are actually copied\n\
         \t-s: use sftp   -- use sftp instead of executing remote-commands. Can be useful if the remote only allows sftp\n\
         \t-h|-?: print this help\n"
    )
}

/// getopts (dash): an unknown flag, to standard error.
pub fn illegal_option(c: &str) -> String {
    format!("Illegal option -{c}\n")
}

/// getopts (dash): a flag without its value, to standard error.
pub fn no_arg(c: char) -> String {
    format!("No arg for -{c} option\n")
}

/// `-i` twice, to standard output, before the usage.
pub fn i_twice(program: &str) -> String {
    format!("\n{program}: ERROR: -i option must not be specified more than once\n\n")
}

/// More than one destination, to standard error, before the usage. The script names a variable
/// it never sets, so nothing follows "got:".
pub fn too_many_arguments(program: &str) -> String {
    format!("{program}: ERROR: Too many arguments.  Expecting a target hostname, got: \n\n")
}

/// An identity file that cannot be read, to standard output (exit 1). `why` is the shell's
/// complaint after its last colon; for the private half the `-f` hint follows.
pub fn cannot_open_id(program: &str, path: &str, why: &str, force_hint: Option<&str>) -> String {
    let mut text = format!("\n{program}: ERROR: failed to open ID file '{path}': {why}\n");
    if let Some(public) = force_hint {
        text.push_str(&format!(
            "\t(to install the contents of '{public}' anyway, look at the -f option)\n"
        ));
    }
    text
}

/// The shell's words for an unreadable file (dash abbreviates ENOENT).
pub fn open_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
        _ => oxssh_tokio::connect::error_text(e),
    }
}

/// Where the keys come from, to standard error.
pub fn source_of_keys(program: &str, path: &str) -> String {
    format!("{program}: INFO: Source of key(s) to be installed: \"{path}\"\n")
}

/// No key anywhere, to standard error (exit 1).
pub fn no_identities(program: &str) -> String {
    format!("{program}: ERROR: No identities found\n")
}

/// The scratch directory under ~/.ssh could not be made, to standard error (exit 1).
pub fn no_scratch_dir(program: &str) -> String {
    format!("{program}: ERROR: failed to create required temporary directory under ~/.ssh\n")
}

/// Before the filtering logins, to standard error.
pub fn attempting(program: &str) -> String {
    format!(
        "{program}: INFO: attempting to log in with the new key(s), to filter out any that are already installed\n"
    )
}

/// Every key already works, to standard error (exit 0).
pub fn all_skipped(program: &str) -> String {
    format!(
        "\n{program}: WARNING: All keys were skipped because they already exist on the remote system.\n\
         \t\t(if you think this is a mistake, you may want to use -f option)\n\n"
    )
}

/// How many keys will be installed, to standard error.
pub fn remain(program: &str, count: usize) -> String {
    format!(
        "{program}: INFO: {count} key(s) remain to be installed -- if you are prompted now it is to install the new keys\n"
    )
}

/// A filtering login failed for another reason than a refused key: its output, each line marked,
/// to standard error (exit 1).
pub fn filter_failed(program: &str, output: &str) -> String {
    // sed marks every line and keeps what ends it (the client's "\r\n" keeps its "\r"); the
    // shell's $(…) then drops the trailing newlines.
    let marked: Vec<String> = output
        .trim_end_matches('\n')
        .split('\n')
        .map(|l| format!("ERROR: {l}"))
        .collect();
    format!("\n{program}: {}\n\n", marked.join("\n"))
}

/// `-n`: the keys that would have been added, to standard output.
pub fn dry_run(keys: &[String]) -> String {
    format!(
        "=-=-=-=-=-=-=-=\nWould have added the following key(s):\n\n{}\n=-=-=-=-=-=-=-=\n",
        keys.join("\n")
    )
}

/// The end, to standard output. `client` is the program to suggest, `options` the quoted
/// options and destination.
pub fn added(count: usize, client: &str, options: &str) -> String {
    format!(
        "\nNumber of key(s) added: {count}\n\n\
         Now try logging into the machine, with:   \"{client} {options}\"\n\
         and check to make sure that only the key(s) you wanted were added.\n\n"
    )
}

/// The client could not be found or started (exit 1).
pub fn client_missing(program: &str, client: &str, why: &str) -> String {
    format!("{program}: ERROR: cannot run {client}: {why}\n")
}

/// The server only allows SFTP (Match … ForceCommand internal-sftp): the filtering login counts
/// this as success with `-s`.
pub const SFTP_ONLY: &str = "allows sftp connections only";

/// An SFTP step failed during `-s` (exit 1).
pub fn sftp_failed(program: &str, why: &str) -> String {
    format!("{program}: ERROR: sftp: {why}\n")
}
