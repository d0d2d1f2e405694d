//! Responses from the agent (draft-miller-ssh-agent §3).

use oxssh_wire::{Reader, Writer};

use super::{AgentError, MAX_IDENTITIES, frame, number};
use crate::{KeyError, PublicKey};

/// One key the agent holds, as listed in IDENTITIES_ANSWER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The public key blob (kept raw: agents may hold certificates or key types oxssh does not
    /// implement, which `ssh-add -L` still lists).
    pub key_blob: Vec<u8>,
    /// The key's comment.
    pub comment: String,
}

impl Identity {
    /// The key, if oxssh implements its type.
    pub fn public_key(&self) -> Result<PublicKey, KeyError> {
        PublicKey::from_blob(&self.key_blob)
    }
}

/// A response from the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// SSH_AGENT_SUCCESS.
    Success,
    /// SSH_AGENT_FAILURE.
    Failure,
    /// SSH_AGENT_IDENTITIES_ANSWER.
    IdentitiesAnswer(Vec<Identity>),
    /// SSH_AGENT_SIGN_RESPONSE: the SSH signature blob.
    SignResponse(Vec<u8>),
    /// SSH_AGENT_EXTENSION_FAILURE.
    ExtensionFailure,
    /// SSH_AGENT_SUCCESS followed by extension names: the answer to the `query` extension (draft
    /// §4.8.1).
    QueryAnswer(Vec<String>),
    /// SSH_AGENT_EXTENSION_RESPONSE: `string name` and extension-specific bytes.
    ExtensionResponse {
        /// The extension name.
        name: String,
        /// The bytes after the name.
        contents: Vec<u8>,
    },
}

impl Response {
    /// Decodes a message body (type byte and contents, without the length prefix).
    pub fn decode(body: &[u8]) -> Result<Self, AgentError> {
        let mut r = Reader::new(body);
        let kind = r
            .read_u8("agent message type")
            .map_err(|_| AgentError::Empty)?;
        let response = match kind {
            number::SUCCESS if r.is_empty() => Self::Success,
            number::SUCCESS => {
                let mut names = Vec::new();
                while !r.is_empty() {
                    names.push(
                        String::from_utf8_lossy(r.read_string("extension name")?).into_owned(),
                    );
                }
                Self::QueryAnswer(names)
            }
            number::FAILURE => Self::Failure,
            number::EXTENSION_FAILURE => Self::ExtensionFailure,
            number::IDENTITIES_ANSWER => {
                let count = r.read_u32("number of identities")? as usize;
                if count > MAX_IDENTITIES {
                    return Err(AgentError::TooManyIdentities);
                }
                // Grown one entry at a time: the count is the peer's claim, the entries are bounded by
                // the message.
                let mut identities = Vec::new();
                for _ in 0..count {
                    let key_blob = r.read_string("identity key blob")?.to_vec();
                    let comment =
                        String::from_utf8_lossy(r.read_string("identity comment")?).into_owned();
                    identities.push(Identity { key_blob, comment });
                }
                Self::IdentitiesAnswer(identities)
            }
            number::SIGN_RESPONSE => Self::SignResponse(r.read_string("signature")?.to_vec()),
            number::EXTENSION_RESPONSE => Self::ExtensionResponse {
                name: String::from_utf8_lossy(r.read_string("extension name")?).into_owned(),
                contents: r.take_rest().to_vec(),
            },
            other => return Err(AgentError::UnknownMessage(other)),
        };
        r.finish("agent response")?;
        Ok(response)
    }

    /// Encodes the response with its length prefix.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        match self {
            Self::Success => body.write_u8(number::SUCCESS),
            Self::Failure => body.write_u8(number::FAILURE),
            Self::ExtensionFailure => body.write_u8(number::EXTENSION_FAILURE),
            Self::IdentitiesAnswer(identities) => {
                body.write_u8(number::IDENTITIES_ANSWER);
                body.write_u32(u32::try_from(identities.len()).unwrap_or(u32::MAX));
                for id in identities {
                    body.write_string(&id.key_blob);
                    body.write_string(id.comment.as_bytes());
                }
            }
            Self::SignResponse(signature) => {
                body.write_u8(number::SIGN_RESPONSE);
                body.write_string(signature);
            }
            Self::QueryAnswer(names) => {
                body.write_u8(number::SUCCESS);
                for name in names {
                    body.write_string(name.as_bytes());
                }
            }
            Self::ExtensionResponse { name, contents } => {
                body.write_u8(number::EXTENSION_RESPONSE);
                body.write_string(name.as_bytes());
                body.write_raw(contents);
            }
        }
        frame(&body)
    }
}
