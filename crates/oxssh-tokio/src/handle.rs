//! The application's handle on a running connection: commands go to the driver task, answers come back
//! through oneshot channels.

use std::sync::Arc;

use oxssh_proto::msg::connection::ChannelKind;
use oxssh_proto::{Algorithms, ChannelId, InfoPrompt};
use tokio::sync::{mpsc, oneshot};
use zeroize::Zeroizing;

use crate::channel::Channel;
use crate::error::DriverError;

/// What the application asks the driver to do (internal; use [`Handle`]).
#[doc(hidden)]
pub enum Command {
    // Both roles.
    OpenChannel {
        kind: ChannelKind,
        reply: oneshot::Sender<Result<Channel, DriverError>>,
    },
    AcceptChannel {
        channel: ChannelId,
        reply: oneshot::Sender<Result<Channel, DriverError>>,
    },
    RejectChannel {
        channel: ChannelId,
        reason: u32,
        description: String,
    },
    GlobalRequest {
        name: String,
        data: Vec<u8>,
        reply: Option<oneshot::Sender<Option<Vec<u8>>>>,
    },
    GlobalRequestReply {
        success: bool,
        data: Vec<u8>,
    },
    Rekey,
    Ignore {
        data: Vec<u8>,
    },
    Disconnect {
        reason: u32,
        description: String,
    },
    Query {
        reply: oneshot::Sender<ConnectionInfo>,
    },
    PublickeySignedData {
        user: String,
        algorithm: String,
        key: Vec<u8>,
        reply: oneshot::Sender<Option<Vec<u8>>>,
    },
    // Client.
    AcceptHostKey,
    RejectHostKey,
    AuthNone {
        user: String,
    },
    AuthPassword {
        user: String,
        password: Zeroizing<Vec<u8>>,
    },
    AuthChangePassword {
        user: String,
        old: Zeroizing<Vec<u8>>,
        new: Zeroizing<Vec<u8>>,
    },
    AuthPublickeyQuery {
        user: String,
        algorithm: String,
        key: Vec<u8>,
    },
    AuthPublickeySigned {
        user: String,
        algorithm: String,
        key: Vec<u8>,
        signature: Vec<u8>,
    },
    AuthKeyboardInteractive {
        user: String,
        submethods: String,
    },
    AuthInfoResponse {
        responses: Vec<Zeroizing<Vec<u8>>>,
    },
    // Server.
    AcceptAuth,
    RejectAuth {
        methods: Option<Vec<String>>,
        partial: bool,
    },
    AskInfo {
        name: String,
        instruction: String,
        prompts: Vec<InfoPrompt>,
    },
    Banner {
        message: String,
    },
}

/// A snapshot of connection facts.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInfo {
    /// The negotiated algorithms.
    pub algorithms: Option<Algorithms>,
    /// The session identifier.
    pub session_id: Option<Vec<u8>>,
    /// The peer's identification line.
    pub peer_identification: Option<String>,
    /// Client: the server's server-sig-algs.
    pub server_sig_algs: Option<Vec<String>>,
    /// Whether strict key exchange is in force.
    pub strict_kex: bool,
}

/// A cloneable handle on a connection driven by a task.
#[derive(Clone)]
pub struct Handle {
    pub(crate) tx: mpsc::UnboundedSender<Command>,
    pub(crate) _alive: Arc<()>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handle")
    }
}

impl Handle {
    /// Queues a command; false if the connection is gone.
    pub(crate) fn send(&self, command: Command) -> bool {
        self.tx.send(command).is_ok()
    }

    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        if !self.send(make(tx)) {
            return None;
        }
        rx.await.ok()
    }

    /// Opens a channel and waits for the peer's answer.
    pub async fn open_channel(&self, kind: ChannelKind) -> Result<Channel, DriverError> {
        self.call(|reply| Command::OpenChannel { kind, reply })
            .await
            .unwrap_or(Err(DriverError::Closed))
    }

    /// Opens a session channel.
    pub async fn open_session(&self) -> Result<Channel, DriverError> {
        self.open_channel(ChannelKind::Session).await
    }

    /// Accepts a channel the peer asked for (from [`oxssh_proto::Event::ChannelOpenRequest`]).
    pub async fn accept_channel(&self, channel: ChannelId) -> Result<Channel, DriverError> {
        self.call(|reply| Command::AcceptChannel { channel, reply })
            .await
            .unwrap_or(Err(DriverError::Closed))
    }

    /// Refuses a channel the peer asked for.
    pub fn reject_channel(&self, channel: ChannelId, reason: u32, description: &str) {
        self.send(Command::RejectChannel {
            channel,
            reason,
            description: description.to_owned(),
        });
    }

    /// Sends a global request and waits for the answer: `Some(data)` on success, `None` on failure or if
    /// the connection ended.
    pub async fn global_request(&self, name: &str, data: Vec<u8>) -> Option<Vec<u8>> {
        self.call(|reply| Command::GlobalRequest {
            name: name.to_owned(),
            data,
            reply: Some(reply),
        })
        .await
        .flatten()
    }

    /// Sends a global request without waiting for an answer.
    pub fn global_request_no_reply(&self, name: &str, data: Vec<u8>) {
        self.send(Command::GlobalRequest {
            name: name.to_owned(),
            data,
            reply: None,
        });
    }

    /// Answers the oldest global request that wanted a reply.
    pub fn global_request_reply(&self, success: bool, data: Vec<u8>) {
        self.send(Command::GlobalRequestReply { success, data });
    }

    /// Starts a key re-exchange.
    pub fn rekey(&self) {
        self.send(Command::Rekey);
    }

    /// Sends an IGNORE message.
    pub fn ignore(&self, data: Vec<u8>) {
        self.send(Command::Ignore { data });
    }

    /// Sends DISCONNECT and ends the connection once it is written.
    pub fn disconnect(&self, reason: u32, description: &str) {
        self.send(Command::Disconnect {
            reason,
            description: description.to_owned(),
        });
    }

    /// Facts about the connection.
    pub async fn info(&self) -> ConnectionInfo {
        self.call(|reply| Command::Query { reply })
            .await
            .unwrap_or_default()
    }

    /// Whether the driver task is still running.
    pub fn is_alive(&self) -> bool {
        !self.tx.is_closed()
    }

    // ---- client -------------------------------------------------------------------------------

    /// Client: trusts the host key from [`oxssh_proto::Event::HostKey`].
    pub fn accept_host_key(&self) {
        self.send(Command::AcceptHostKey);
    }

    /// Client: refuses the host key; the connection ends.
    pub fn reject_host_key(&self) {
        self.send(Command::RejectHostKey);
    }

    /// Client: "none" authentication.
    pub fn auth_none(&self, user: &str) {
        self.send(Command::AuthNone {
            user: user.to_owned(),
        });
    }

    /// Client: password authentication.
    pub fn auth_password(&self, user: &str, password: &[u8]) {
        self.send(Command::AuthPassword {
            user: user.to_owned(),
            password: Zeroizing::new(password.to_vec()),
        });
    }

    /// Client: answer a password change request.
    pub fn auth_change_password(&self, user: &str, old: &[u8], new: &[u8]) {
        self.send(Command::AuthChangePassword {
            user: user.to_owned(),
            old: Zeroizing::new(old.to_vec()),
            new: Zeroizing::new(new.to_vec()),
        });
    }

    /// Client: ask whether a key would be accepted.
    pub fn auth_publickey_query(&self, user: &str, algorithm: &str, key: &[u8]) {
        self.send(Command::AuthPublickeyQuery {
            user: user.to_owned(),
            algorithm: algorithm.to_owned(),
            key: key.to_vec(),
        });
    }

    /// Client: the data a publickey signature must cover.
    pub async fn publickey_signed_data(
        &self,
        user: &str,
        algorithm: &str,
        key: &[u8],
    ) -> Option<Vec<u8>> {
        self.call(|reply| Command::PublickeySignedData {
            user: user.to_owned(),
            algorithm: algorithm.to_owned(),
            key: key.to_vec(),
            reply,
        })
        .await
        .flatten()
    }

    /// Client: a signed publickey attempt.
    pub fn auth_publickey_signed(
        &self,
        user: &str,
        algorithm: &str,
        key: &[u8],
        signature: Vec<u8>,
    ) {
        self.send(Command::AuthPublickeySigned {
            user: user.to_owned(),
            algorithm: algorithm.to_owned(),
            key: key.to_vec(),
            signature,
        });
    }

    /// Client: start keyboard-interactive authentication.
    pub fn auth_keyboard_interactive(&self, user: &str, submethods: &str) {
        self.send(Command::AuthKeyboardInteractive {
            user: user.to_owned(),
            submethods: submethods.to_owned(),
        });
    }

    /// Client: answer keyboard-interactive prompts.
    pub fn auth_info_response(&self, responses: Vec<Zeroizing<Vec<u8>>>) {
        self.send(Command::AuthInfoResponse { responses });
    }

    // ---- server -------------------------------------------------------------------------------

    /// Server: accept the pending authentication request.
    pub fn accept_auth(&self) {
        self.send(Command::AcceptAuth);
    }

    /// Server: refuse the pending authentication request.
    pub fn reject_auth(&self, methods: Option<Vec<String>>, partial: bool) {
        self.send(Command::RejectAuth { methods, partial });
    }

    /// Server: send keyboard-interactive prompts.
    pub fn ask_info(&self, name: &str, instruction: &str, prompts: Vec<InfoPrompt>) {
        self.send(Command::AskInfo {
            name: name.to_owned(),
            instruction: instruction.to_owned(),
            prompts,
        });
    }

    /// Server: send an authentication banner.
    pub fn banner(&self, message: &str) {
        self.send(Command::Banner {
            message: message.to_owned(),
        });
    }
}
