//! The client's side of the ssh-agent (the protocol itself is `oxssh_tokio::agent`): where the agent
//! is (`IdentityAgent`, `SSH_AUTH_SOCK`), connecting with the client's timeout, and, for `-A`,
//! carrying a forwarded agent channel to the socket.

use std::path::PathBuf;
use std::time::Duration;

pub use oxssh_tokio::agent::{Agent, AgentClientError};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

use crate::log;

/// An agent answer should take milliseconds; a confirmation prompt (ssh-add -c) may take a while.
pub const AGENT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the agent is: `IdentityAgent` (already expanded; `none` switches the agent off,
/// `SSH_AUTH_SOCK` or `$VAR` name an environment variable) or else `$SSH_AUTH_SOCK`.
pub fn socket_path(identity_agent: Option<&str>) -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    match identity_agent {
        None => from_env("SSH_AUTH_SOCK"),
        Some(a) if a.eq_ignore_ascii_case("none") => None,
        Some("SSH_AUTH_SOCK") => from_env("SSH_AUTH_SOCK"),
        Some(a) if a.starts_with('$') => from_env(&a[1..]),
        Some(a) => Some(PathBuf::from(a)),
    }
}

/// Connects to the agent at `path`, every request bounded by [`AGENT_TIMEOUT`].
pub async fn connect(path: &std::path::Path) -> Result<Agent, AgentClientError> {
    let mut agent = Agent::connect(path).await?;
    agent.set_timeout(Some(AGENT_TIMEOUT));
    Ok(agent)
}

/// Carries one forwarded agent channel (`-A`) to the local agent until either side closes.
pub async fn forward_channel(channel: oxssh_tokio::Channel, path: PathBuf) {
    let stream = match UnixStream::connect(&path).await {
        Ok(s) => s,
        Err(e) => {
            log::debug(&crate::messages::agent_error(
                &oxssh_tokio::connect::error_text(&e),
            ));
            channel.close();
            return;
        }
    };
    let (mut sock_r, mut sock_w) = stream.into_split();
    let mut ch_r = channel.reader(oxssh_tokio::Stream::Data);
    let mut ch_w = channel.writer(oxssh_tokio::Stream::Data);
    let up = async {
        let _ = tokio::io::copy(&mut ch_r, &mut sock_w).await;
        let _ = sock_w.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut sock_r, &mut ch_w).await;
        let _ = ch_w.shutdown().await;
    };
    tokio::join!(up, down);
    channel.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_agent_none_switches_the_agent_off() {
        assert_eq!(socket_path(Some("none")), None);
        assert_eq!(
            socket_path(Some("/tmp/x.sock")),
            Some(PathBuf::from("/tmp/x.sock"))
        );
    }
}
