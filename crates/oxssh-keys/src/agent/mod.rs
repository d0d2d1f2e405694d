//! The ssh-agent protocol (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent): typed requests and
//! responses, encoded and decoded in both directions, for the agent daemon, `ssh-add` and the client's
//! agent connection.
//!
//! Every message is `uint32 length, byte type, contents`. A peer's length is checked against
//! [`MAX_MESSAGE`] (OpenSSH's `AGENT_MAX_LEN`) with [`frame_length`] before the body is read, so a
//! hostile length costs nothing; decoding then borrows from the body and allocates only what it keeps.

mod request;
mod response;

pub use request::{Constraint, Extension, Request};
pub use response::{Identity, Response};

use oxssh_wire::WireError;

use crate::{KeyError, KeyType, SignatureAlgorithm};

/// The largest message either side accepts (OpenSSH authfd.c / ssh-agent.c `AGENT_MAX_LEN`).
pub const MAX_MESSAGE: usize = 256 * 1024;

/// The most identities accepted in one answer (OpenSSH authfd.c `MAX_AGENT_IDENTITIES`).
pub const MAX_IDENTITIES: usize = 2048;

/// Message numbers (draft-miller-ssh-agent §6.1).
pub mod number {
    /// SSH_AGENT_FAILURE.
    pub const FAILURE: u8 = 5;
    /// SSH_AGENT_SUCCESS.
    pub const SUCCESS: u8 = 6;
    /// SSH_AGENTC_REQUEST_IDENTITIES.
    pub const REQUEST_IDENTITIES: u8 = 11;
    /// SSH_AGENT_IDENTITIES_ANSWER.
    pub const IDENTITIES_ANSWER: u8 = 12;
    /// SSH_AGENTC_SIGN_REQUEST.
    pub const SIGN_REQUEST: u8 = 13;
    /// SSH_AGENT_SIGN_RESPONSE.
    pub const SIGN_RESPONSE: u8 = 14;
    /// SSH_AGENTC_ADD_IDENTITY.
    pub const ADD_IDENTITY: u8 = 17;
    /// SSH_AGENTC_REMOVE_IDENTITY.
    pub const REMOVE_IDENTITY: u8 = 18;
    /// SSH_AGENTC_REMOVE_ALL_IDENTITIES.
    pub const REMOVE_ALL_IDENTITIES: u8 = 19;
    /// SSH_AGENTC_LOCK.
    pub const LOCK: u8 = 22;
    /// SSH_AGENTC_UNLOCK.
    pub const UNLOCK: u8 = 23;
    /// SSH_AGENTC_ADD_ID_CONSTRAINED.
    pub const ADD_ID_CONSTRAINED: u8 = 25;
    /// SSH_AGENTC_EXTENSION.
    pub const EXTENSION: u8 = 27;
    /// SSH_AGENT_EXTENSION_FAILURE.
    pub const EXTENSION_FAILURE: u8 = 28;
    /// SSH_AGENT_EXTENSION_RESPONSE.
    pub const EXTENSION_RESPONSE: u8 = 29;
}

/// Constraint numbers for ADD_ID_CONSTRAINED.
pub mod constraint {
    /// SSH_AGENT_CONSTRAIN_LIFETIME: `uint32 seconds`.
    pub const LIFETIME: u8 = 1;
    /// SSH_AGENT_CONSTRAIN_CONFIRM: ask before each use.
    pub const CONFIRM: u8 = 2;
    /// SSH_AGENT_CONSTRAIN_MAXSIGN: `uint32` (XMSS keys only).
    pub const MAXSIGN: u8 = 3;
    /// SSH_AGENT_CONSTRAIN_EXTENSION: `string name, …`.
    pub const EXTENSION: u8 = 255;
}

/// SIGN_REQUEST flags (draft-miller-ssh-agent §4.5.1).
pub mod sign_flags {
    /// SSH_AGENT_RSA_SHA2_256: sign with rsa-sha2-256.
    pub const RSA_SHA2_256: u32 = 0x02;
    /// SSH_AGENT_RSA_SHA2_512: sign with rsa-sha2-512.
    pub const RSA_SHA2_512: u32 = 0x04;
}

/// The signature algorithm a SIGN_REQUEST asks for with `flags` and a key of `key_type`: for RSA,
/// SHA-512 if its flag is set, else SHA-256 if that flag is set, else legacy `ssh-rsa` (which oxssh
/// agents refuse to make); for other types, the type's only algorithm.
pub fn requested_algorithm(key_type: KeyType, flags: u32) -> SignatureAlgorithm {
    match key_type {
        KeyType::Rsa if flags & sign_flags::RSA_SHA2_512 != 0 => SignatureAlgorithm::RsaSha512,
        KeyType::Rsa if flags & sign_flags::RSA_SHA2_256 != 0 => SignatureAlgorithm::RsaSha256,
        KeyType::Rsa => SignatureAlgorithm::RsaSha1,
        KeyType::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyType::EcdsaP256 => SignatureAlgorithm::EcdsaP256,
        KeyType::EcdsaP384 => SignatureAlgorithm::EcdsaP384,
        KeyType::EcdsaP521 => SignatureAlgorithm::EcdsaP521,
    }
}

/// Why an agent message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The length prefix is over [`MAX_MESSAGE`].
    #[error("agent message of {0} bytes is longer than allowed")]
    TooLong(usize),
    /// A message with no type byte.
    #[error("empty agent message")]
    Empty,
    /// A message type this side does not know. An agent answers FAILURE.
    #[error("unknown agent message type {0}")]
    UnknownMessage(u8),
    /// A key constraint this side does not know. An agent must refuse the key (draft §4.2.5).
    #[error("unknown key constraint {0}")]
    UnknownConstraint(u8),
    /// More identities than [`MAX_IDENTITIES`].
    #[error("too many identities")]
    TooManyIdentities,
    /// A field was malformed.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A key inside the message was refused.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Reads the 4-byte length prefix of a message and checks it before anything is allocated.
pub fn frame_length(prefix: [u8; 4]) -> Result<usize, AgentError> {
    let len = u32::from_be_bytes(prefix) as usize;
    if len == 0 {
        return Err(AgentError::Empty);
    }
    if len > MAX_MESSAGE {
        return Err(AgentError::TooLong(len));
    }
    Ok(len)
}

/// Splits one whole framed message off the front of `buffer`: `Ok(None)` if more bytes are needed,
/// else the body (type byte and contents) and the number of bytes consumed.
pub fn split_frame(buffer: &[u8]) -> Result<Option<(&[u8], usize)>, AgentError> {
    let Some(prefix) = buffer.first_chunk::<4>() else {
        return Ok(None);
    };
    let len = frame_length(*prefix)?;
    Ok(buffer.get(4..4 + len).map(|body| (body, 4 + len)))
}

/// Prefixes `body` with its length.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests;
