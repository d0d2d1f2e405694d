//! Agent forwarding, the server side (OpenSSH PROTOCOL.agent): on `auth-agent-req@openssh.com` the
//! daemon listens on a Unix socket in a fresh private directory, hands its path to the user's
//! processes as `SSH_AUTH_SOCK`, and bridges each connection to it over an
//! `auth-agent@openssh.com` channel opened to the client.
//!
//! As root the socket is made before the directory is given to the user (so nothing of theirs can
//! be in the way while root works in it), then the socket and the directory are handed over
//! without following links; mode 600 and 700 keep other users out.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;

use oxssh_proto::msg::connection::ChannelKind;
use oxssh_tokio::Handle;
use tokio::net::UnixListener;
use tokio::task::JoinHandle;

use crate::log;

/// One forwarded agent socket; removed when dropped.
#[derive(Debug)]
pub struct AgentForward {
    dir: PathBuf,
    socket: PathBuf,
    task: JoinHandle<()>,
}

fn random_name() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 10];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

impl AgentForward {
    /// Creates the socket for a user (`owner` is their uid and gid when we run as root) and starts
    /// accepting on it.
    pub fn start(handle: Handle, owner: Option<(u32, u32)>) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("ssh-{}", random_name()));
        // create, not create_dir_all: an existing path (someone else's) is an error.
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let socket = dir.join(format!("agent.{}", std::process::id()));
        let listener = match UnixListener::bind(&socket) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                return Err(e);
            }
        };
        let result = (|| {
            std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::lchown(&socket, Some(uid), Some(gid))?;
                std::os::unix::fs::lchown(&dir, Some(uid), Some(gid))?;
            }
            Ok::<_, std::io::Error>(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&socket);
            let _ = std::fs::remove_dir(&dir);
            return Err(e);
        }
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handle = handle.clone();
                tokio::spawn(async move {
                    match handle.open_channel(ChannelKind::AuthAgent).await {
                        Ok(ch) => crate::forward::bridge(stream, ch).await,
                        Err(e) => log::debug(format_args!("agent channel refused: {e}")),
                    }
                });
            }
        });
        Ok(Self { dir, socket, task })
    }

    /// The socket path, for `SSH_AUTH_SOCK`.
    pub fn socket(&self) -> PathBuf {
        self.socket.clone()
    }
}

impl Drop for AgentForward {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}
