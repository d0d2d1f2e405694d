//! `%` tokens, `${VAR}` and `~` expansion (OpenSSH misc.c `percent_expand`, `dollar_expand`,
//! `tilde_expand`).
//!
//! ssh_config(5) TOKENS lists which keyword accepts which tokens; [`ClientTokens`] carries the
//! values ssh.c puts in its `ssh_conn_info` and answers for every client token, and callers pick
//! which keys a keyword allows.

use std::path::Path;

use crate::env::Environment;

/// Why an expansion failed, worded like OpenSSH's `vdollar_percent_expand`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// `%X` where X is not a token this keyword allows.
    #[error("vdollar_percent_expand: unknown key %{0}")]
    UnknownKey(char),
    /// A lone `%` at the end.
    #[error("vdollar_percent_expand: invalid format")]
    InvalidFormat,
    /// `${` without `}`.
    #[error("vdollar_percent_expand: environment variable '{0}' missing closing '}}'")]
    MissingBrace(String),
    /// `${}`.
    #[error("vdollar_percent_expand: zero-length environment variable")]
    EmptyVariable,
    /// `${VAR}` with VAR unset.
    #[error("vdollar_percent_expand: env var ${{{0}}} has no value")]
    UnsetVariable(String),
    /// `~user` for a user that does not exist.
    #[error("tilde_expand: No such user {0}")]
    NoSuchUser(String),
}

/// Expands `%` tokens from `keys` (pairs of token letter and value) and, if `env` is given,
/// `${VAR}` references. `%%` is a literal `%`.
pub fn expand(
    template: &str,
    keys: &[(char, &str)],
    env: Option<&dyn Environment>,
) -> Result<String, TokenError> {
    expand_inner(template, Some(keys), env)
}

/// Expands only `${VAR}` references, leaving `%` alone (misc.c `dollar_expand`).
pub fn expand_env(template: &str, env: &dyn Environment) -> Result<String, TokenError> {
    expand_inner(template, None, Some(env))
}

fn expand_inner(
    template: &str,
    keys: Option<&[(char, &str)]>,
    env: Option<&dyn Environment>,
) -> Result<String, TokenError> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(env) = env
            && c == '$'
            && template.get(i + 1..).is_some_and(|r| r.starts_with('{'))
        {
            let body = template.get(i + 2..).unwrap_or("");
            let Some(end) = body.find('}') else {
                return Err(TokenError::MissingBrace(body.to_owned()));
            };
            if end == 0 {
                return Err(TokenError::EmptyVariable);
            }
            let name = body.get(..end).unwrap_or("");
            match env.env_var(name) {
                Some(v) => out.push_str(&v),
                None => return Err(TokenError::UnsetVariable(name.to_owned())),
            }
            // Skip "{", the name and "}".
            let skip_to = i + 2 + end + 1;
            while chars.peek().is_some_and(|(j, _)| *j < skip_to) {
                chars.next();
            }
            continue;
        }
        let Some(keys) = keys.filter(|_| c == '%') else {
            out.push(c);
            continue;
        };
        match chars.next() {
            None => return Err(TokenError::InvalidFormat),
            Some((_, '%')) => out.push('%'),
            Some((_, k)) => match keys.iter().find(|(key, _)| *key == k) {
                Some((_, v)) => out.push_str(v),
                None => return Err(TokenError::UnknownKey(k)),
            },
        }
    }
    Ok(out)
}

/// OpenSSH `tilde_expand`: `~` and `~/x` become the home directory (always with one `/`
/// after it), `~user/x` that user's home.
pub fn expand_tilde(path: &str, env: &dyn Environment) -> Result<String, TokenError> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_owned());
    };
    let (home, tail) = if rest.is_empty() || rest.starts_with('/') {
        (env.home_dir().to_path_buf(), rest.trim_start_matches('/'))
    } else {
        let (user, tail) = match rest.split_once('/') {
            Some((u, t)) => (u, t.trim_start_matches('/')),
            None => (rest, ""),
        };
        match env.home_of(user) {
            Some(h) => (h, tail),
            None => return Err(TokenError::NoSuchUser(user.to_owned())),
        }
    };
    let home = home.to_string_lossy().into_owned();
    let slash = if home.ends_with('/') { "" } else { "/" };
    Ok(format!("{home}{slash}{tail}"))
}

/// Whether a path is absolute for OpenSSH (`path_absolute`): it starts with `/`.
pub(crate) fn is_absolute(path: &str) -> bool {
    Path::new(path).has_root()
}

/// The values of the client's `%` tokens for one connection (ssh.c `ssh_conn_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTokens {
    /// `%C`: hex SHA-1 of `%l%h%p%r`.
    pub conn_hash: String,
    /// `%L`: the local host name up to the first dot.
    pub short_local_host: String,
    /// `%d`: the local user's home directory.
    pub home: String,
    /// `%h`: the remote host name (after `HostName`).
    pub host: String,
    /// `%i`: the local user id.
    pub uid: String,
    /// `%k`: the host key alias, or the host name as given on the command line.
    pub key_alias: String,
    /// `%l`: the local host name.
    pub local_host: String,
    /// `%n`: the host name as given on the command line.
    pub original_host: String,
    /// `%p`: the remote port.
    pub port: String,
    /// `%r`: the remote user.
    pub remote_user: String,
    /// `%u`: the local user.
    pub local_user: String,
}

impl ClientTokens {
    /// Computes the token values the way ssh.c does, including the `%C` hash.
    pub fn new(
        env: &dyn Environment,
        host: &str,
        original_host: &str,
        port: u16,
        remote_user: &str,
        key_alias: Option<&str>,
    ) -> Self {
        let local_host = env.local_hostname().to_owned();
        let short = local_host.split('.').next().unwrap_or("").to_owned();
        let port_s = port.to_string();
        ClientTokens {
            conn_hash: connection_hash(&local_host, host, &port_s, remote_user),
            short_local_host: short,
            home: env.home_dir().to_string_lossy().into_owned(),
            host: host.to_owned(),
            uid: env.local_uid().to_string(),
            key_alias: key_alias.unwrap_or(original_host).to_owned(),
            local_host,
            original_host: original_host.to_owned(),
            port: port_s,
            remote_user: remote_user.to_owned(),
            local_user: env.local_user().to_owned(),
        }
    }

    /// The tokens ssh.c's DEFAULT_CLIENT_PERCENT_EXPAND_ARGS offers (RemoteCommand, ControlPath,
    /// IdentityAgent, UserKnownHostsFile, IdentityFile, CertificateFile, forwarding paths...).
    pub fn all(&self) -> [(char, &str); 11] {
        [
            ('C', &self.conn_hash),
            ('L', &self.short_local_host),
            ('i', &self.uid),
            ('k', &self.key_alias),
            ('l', &self.local_host),
            ('n', &self.original_host),
            ('p', &self.port),
            ('d', &self.home),
            ('h', &self.host),
            ('r', &self.remote_user),
            ('u', &self.local_user),
        ]
    }

    /// The tokens `Match exec` offers (readconf.c `match_cfg_line`): the same set.
    pub fn for_match_exec(&self) -> [(char, &str); 11] {
        self.all()
    }
}

/// OpenSSH `ssh_connection_hash`: hex SHA-1 over the local host name, remote host, port and
/// remote user, concatenated.
pub fn connection_hash(local_host: &str, host: &str, port: &str, user: &str) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY);
    for part in [local_host, host, port, user] {
        ctx.update(part.as_bytes());
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FixedEnvironment;

    #[test]
    fn percent_tokens_expand_and_reject_unknown_keys() {
        let keys = [('h', "host"), ('p', "22")];
        assert_eq!(expand("%h:%p %%", &keys, None).unwrap(), "host:22 %");
        assert_eq!(expand("%x", &keys, None), Err(TokenError::UnknownKey('x')));
        assert_eq!(expand("abc%", &keys, None), Err(TokenError::InvalidFormat));
        assert_eq!(expand("${HOME}", &keys, None).unwrap(), "${HOME}");
    }

    #[test]
    fn dollar_variables_expand_when_allowed() {
        let mut env = FixedEnvironment::new("u", "/home/u");
        env.vars.insert("XDG".into(), "/run/x".into());
        let e: &dyn Environment = &env;
        assert_eq!(
            expand("${XDG}/s-%h", &[('h', "h")], Some(e)).unwrap(),
            "/run/x/s-h"
        );
        assert_eq!(
            expand("${NOPE}", &[], Some(e)),
            Err(TokenError::UnsetVariable("NOPE".into()))
        );
        assert_eq!(expand("${}", &[], Some(e)), Err(TokenError::EmptyVariable));
        assert!(matches!(
            expand("${X", &[], Some(e)),
            Err(TokenError::MissingBrace(_))
        ));
    }

    #[test]
    fn tilde_expansion_matches_openssh() {
        let mut env = FixedEnvironment::new("u", "/home/u");
        env.homes.insert("bob".into(), "/home/bob/".into());
        assert_eq!(expand_tilde("~", &env).unwrap(), "/home/u/");
        assert_eq!(expand_tilde("~/", &env).unwrap(), "/home/u/");
        assert_eq!(expand_tilde("~//x", &env).unwrap(), "/home/u/x");
        assert_eq!(expand_tilde("~bob/k", &env).unwrap(), "/home/bob/k");
        assert_eq!(
            expand_tilde("~nobody/k", &env),
            Err(TokenError::NoSuchUser("nobody".into()))
        );
        assert_eq!(expand_tilde("/abs", &env).unwrap(), "/abs");
    }

    #[test]
    fn connection_hash_is_sha1_of_the_four_fields() {
        // SHA-1("abc") split across the fields.
        assert_eq!(
            connection_hash("a", "b", "c", ""),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
