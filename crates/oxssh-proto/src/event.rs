//! What the core reports to the application, and the types its answers carry.

use bytes::Bytes;
use oxssh_keys::{PublicKey, SignatureAlgorithm};
use zeroize::Zeroizing;

use crate::msg::connection::{ChannelKind, ChannelRequest};

/// A channel, named by our own channel number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

impl std::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The method of a user-authentication request the server must decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// "none": the client asks which methods exist (or the account needs none).
    None,
    /// A password, and a new one if the client answers a change request.
    Password {
        /// The password.
        password: Zeroizing<Vec<u8>>,
        /// The new password, when changing.
        new_password: Option<Zeroizing<Vec<u8>>>,
    },
    /// "Would this key be accepted?" (no signature yet). Accepting sends PK_OK.
    PublicKeyQuery {
        /// The signature algorithm the client will use.
        algorithm: SignatureAlgorithm,
        /// The key.
        key: PublicKey,
    },
    /// A signed attempt; the core has already checked the signature over the session identifier.
    PublicKey {
        /// The signature algorithm used.
        algorithm: SignatureAlgorithm,
        /// The key.
        key: PublicKey,
    },
    /// Keyboard-interactive (RFC 4256): answer with `ask_info` (prompts) or accept/reject.
    KeyboardInteractive {
        /// Submethod hints.
        submethods: String,
    },
}

impl AuthMethod {
    /// The method name as on the wire, for log lines ("Accepted publickey for ...").
    pub fn name(&self) -> &'static str {
        use crate::msg::userauth::method;
        match self {
            Self::None => method::NONE,
            Self::Password { .. } => method::PASSWORD,
            Self::PublicKeyQuery { .. } | Self::PublicKey { .. } => method::PUBLICKEY,
            Self::KeyboardInteractive { .. } => method::KEYBOARD_INTERACTIVE,
        }
    }
}

/// One keyboard-interactive prompt, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoPrompt {
    /// The prompt text.
    pub prompt: String,
    /// Whether the answer may be echoed.
    pub echo: bool,
}

/// Something the application must see or act on. Events that ask a question say which answer they
/// wait for; the core makes no progress on that question until the answer comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Client: the server proved possession of this host key. Answer with `accept_host_key` or
    /// `reject_host_key`. Input is not processed until then.
    HostKey {
        /// The server's key.
        key: PublicKey,
    },
    /// A key exchange finished (`initial` for the first one).
    KexCompleted {
        /// Whether it was the first exchange.
        initial: bool,
    },
    /// Client: the server accepted the ssh-userauth service; authentication requests may be sent.
    UserauthReady,
    /// Client: the server's authentication banner.
    AuthBanner {
        /// The text, as sent (the tool sanitises control characters before printing).
        message: String,
    },
    /// Client: the last request failed; these methods may continue.
    AuthFailure {
        /// Methods that can continue.
        methods: Vec<String>,
        /// Whether the request succeeded as one step of several.
        partial_success: bool,
    },
    /// Client: the server would accept a signature from this key (answer to a query).
    AuthPkOk {
        /// The algorithm from the query.
        algorithm: String,
        /// The key blob from the query.
        key: Vec<u8>,
    },
    /// Client: keyboard-interactive prompts to answer with `auth_info_response`.
    AuthInfoRequest {
        /// The request's name.
        name: String,
        /// Instructions.
        instruction: String,
        /// The prompts.
        prompts: Vec<InfoPrompt>,
    },
    /// Client: the server requires a password change.
    AuthPasswordChange {
        /// The server's prompt.
        prompt: String,
    },
    /// Authentication succeeded; the connection layer is open.
    Authenticated,
    /// Server: a user-authentication request to decide on with `accept_auth`, `reject_auth` or (for
    /// keyboard-interactive) `ask_info`. Input is not processed until then.
    AuthRequest {
        /// The user name.
        user: String,
        /// The method and its data.
        method: AuthMethod,
    },
    /// Server: answers to the keyboard-interactive prompts we sent. Decide as for `AuthRequest`.
    AuthInfoResponse {
        /// The user name.
        user: String,
        /// One response per prompt.
        responses: Vec<Zeroizing<Vec<u8>>>,
    },
    /// Server: an authentication attempt failed without the application being asked (bad signature,
    /// unknown method, key type not accepted), for the log.
    AuthRejected {
        /// The user name.
        user: String,
        /// The method name.
        method: String,
    },
    /// The peer wants to open a channel: answer with `accept_channel` or `reject_channel`.
    ChannelOpenRequest {
        /// Our number for it.
        channel: ChannelId,
        /// What it is for.
        kind: ChannelKind,
    },
    /// A channel we asked for is open.
    ChannelOpened {
        /// The channel.
        channel: ChannelId,
    },
    /// A channel we asked for was refused.
    ChannelOpenFailed {
        /// The channel (now gone).
        channel: ChannelId,
        /// RFC 4254 §5.1 reason code.
        reason: u32,
        /// The peer's description.
        description: String,
    },
    /// Data arrived. Call `consume` once it has been passed on, so the window reopens.
    ChannelData {
        /// The channel.
        channel: ChannelId,
        /// The bytes, a slice of the decrypted packet.
        data: Bytes,
    },
    /// Extended data (stderr is code 1) arrived. Consume it like data.
    ChannelExtendedData {
        /// The channel.
        channel: ChannelId,
        /// The data type code.
        code: u32,
        /// The bytes.
        data: Bytes,
    },
    /// The peer will send no more data on this channel.
    ChannelEof {
        /// The channel.
        channel: ChannelId,
    },
    /// The channel is closed in both directions and its number may be reused.
    ChannelClosed {
        /// The channel.
        channel: ChannelId,
    },
    /// A channel request; if `want_reply`, answer with `channel_request_reply`.
    ChannelRequest {
        /// The channel.
        channel: ChannelId,
        /// The request.
        request: ChannelRequest,
        /// Whether the peer waits for an answer.
        want_reply: bool,
    },
    /// The answer to a channel request we sent with want_reply.
    ChannelRequestResult {
        /// The channel.
        channel: ChannelId,
        /// Whether the peer agreed.
        success: bool,
    },
    /// The channel can take more data (its window grew, or a key exchange finished).
    ChannelWritable {
        /// The channel.
        channel: ChannelId,
    },
    /// A global request; if `want_reply`, answer with `global_request_reply`.
    GlobalRequest {
        /// The request name.
        name: String,
        /// Whether the peer waits for an answer.
        want_reply: bool,
        /// Request-specific data.
        data: Vec<u8>,
    },
    /// The answer to a global request we sent with want_reply.
    GlobalRequestResult {
        /// Whether the peer agreed.
        success: bool,
        /// Response-specific data (the bound port of a tcpip-forward to port 0).
        data: Vec<u8>,
    },
    /// The peer sent DEBUG with always_display set.
    Debug {
        /// The text.
        message: String,
    },
    /// The peer disconnected (or we did, for a reason the log should show).
    Disconnected {
        /// RFC 4253 §11.1 reason code.
        reason: u32,
        /// The description.
        description: String,
    },
}
