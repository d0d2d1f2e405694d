//! Talking to an ssh-agent over its Unix socket (OpenSSH authfd.c): list the keys, ask for a
//! signature, and, for `-A`, carry a forwarded agent channel to the socket.
//!
//! Every answer is length-checked with oxssh-keys' [`agent::frame_length`] before its body is
//! read, so a hostile or broken agent cannot make us allocate more than 256 KiB.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use oxssh_keys::agent::{self, Identity, Request, Response, sign_flags};
use oxssh_keys::{KeyType, SignatureAlgorithm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::log;

/// An agent answer should take milliseconds; a confirmation prompt (ssh-add -c) may take a while.
const AGENT_TIMEOUT: Duration = Duration::from_secs(120);

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

/// A connection to the agent.
#[derive(Debug)]
pub struct Agent {
    stream: UnixStream,
}

/// Why the agent could not help.
#[derive(Debug)]
pub enum AgentFailure {
    /// The socket could not be used.
    Io(io::Error),
    /// The agent's answer could not be read.
    Protocol(agent::AgentError),
    /// The agent said no.
    Refused,
    /// It did not answer in time.
    Timeout,
}

impl std::fmt::Display for AgentFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{}", oxssh_tokio::connect::error_text(e)),
            Self::Protocol(e) => write!(f, "{e}"),
            Self::Refused => f.write_str("agent refused operation"),
            Self::Timeout => f.write_str("agent did not answer"),
        }
    }
}

impl Agent {
    /// Connects to the agent socket.
    pub async fn connect(path: &std::path::Path) -> Result<Self, AgentFailure> {
        let stream = UnixStream::connect(path).await.map_err(AgentFailure::Io)?;
        Ok(Self { stream })
    }

    async fn call(&mut self, request: &Request) -> Result<Response, AgentFailure> {
        let bytes = request
            .encode()
            .map_err(|e| AgentFailure::Protocol(agent::AgentError::Key(e)))?;
        let exchange = async {
            self.stream
                .write_all(&bytes)
                .await
                .map_err(AgentFailure::Io)?;
            let mut prefix = [0u8; 4];
            self.stream
                .read_exact(&mut prefix)
                .await
                .map_err(AgentFailure::Io)?;
            let len = agent::frame_length(prefix).map_err(AgentFailure::Protocol)?;
            let mut body = vec![0u8; len];
            self.stream
                .read_exact(&mut body)
                .await
                .map_err(AgentFailure::Io)?;
            Response::decode(&body).map_err(AgentFailure::Protocol)
        };
        tokio::time::timeout(AGENT_TIMEOUT, exchange)
            .await
            .map_err(|_| AgentFailure::Timeout)?
    }

    /// The keys the agent holds.
    pub async fn identities(&mut self) -> Result<Vec<Identity>, AgentFailure> {
        match self.call(&Request::RequestIdentities).await? {
            Response::IdentitiesAnswer(ids) => Ok(ids),
            _ => Err(AgentFailure::Refused),
        }
    }

    /// A signature over `data` with the key `key_blob`, using `algorithm` (which picks the RSA hash).
    pub async fn sign(
        &mut self,
        key_blob: &[u8],
        data: &[u8],
        algorithm: SignatureAlgorithm,
    ) -> Result<Vec<u8>, AgentFailure> {
        let flags = match algorithm {
            SignatureAlgorithm::RsaSha512 => sign_flags::RSA_SHA2_512,
            SignatureAlgorithm::RsaSha256 => sign_flags::RSA_SHA2_256,
            _ => 0,
        };
        let request = Request::SignRequest {
            key_blob: key_blob.to_vec(),
            data: data.to_vec(),
            flags,
        };
        match self.call(&request).await? {
            Response::SignResponse(sig) => {
                // authfd.c checks the agent used the algorithm asked for (an old agent may answer
                // an rsa-sha2 request with ssh-rsa).
                let mut r = oxssh_wire::Reader::new(&sig);
                let name = r.read_string("signature algorithm").unwrap_or_default();
                if algorithm.key_type() == KeyType::Rsa && name != algorithm.name().as_bytes() {
                    log::debug("agent returned a signature of the wrong type");
                    return Err(AgentFailure::Refused);
                }
                Ok(sig)
            }
            _ => Err(AgentFailure::Refused),
        }
    }
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
