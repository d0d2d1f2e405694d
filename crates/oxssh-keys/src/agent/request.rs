//! Requests from a client to the agent (draft-miller-ssh-agent §3, §4).

use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

use super::{AgentError, constraint, frame, number};
use crate::{KeyError, PrivateKey};

/// A key constraint of ADD_ID_CONSTRAINED (draft §4.2.6, PROTOCOL.agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// Forget the key after this many seconds.
    Lifetime(u32),
    /// Ask the user before every use.
    Confirm,
    /// At most this many signatures (XMSS keys).
    MaxSignatures(u32),
    /// An extension constraint. `data` is everything after the name that belongs to it, as on the
    /// wire: one string for `sk-provider@openssh.com` and `restrict-destination-v00@openssh.com`, a
    /// boolean and a string for `associated-certs-v00@openssh.com`, and for any other name the rest of
    /// the message (its length cannot be known, and the agent refuses it anyway).
    Extension {
        /// The extension name.
        name: String,
        /// Its encoded contents.
        data: Vec<u8>,
    },
}

/// An SSH_AGENTC_EXTENSION request (draft §4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extension {
    /// `query`: which extensions does the agent support?
    Query,
    /// `session-bind@openssh.com` (PROTOCOL.agent §1): binds the connection to an SSH session.
    SessionBind {
        /// The server's host key blob.
        host_key: Vec<u8>,
        /// The session identifier (exchange hash of the first key exchange).
        session_id: Vec<u8>,
        /// The server's signature over the session identifier.
        signature: Vec<u8>,
        /// Whether the connection is for agent forwarding rather than authentication.
        is_forwarding: bool,
    },
    /// Any other extension, with its contents undecoded.
    Other {
        /// The extension name.
        name: String,
        /// The bytes after the name.
        contents: Vec<u8>,
    },
}

/// A request to the agent.
#[derive(Debug)]
pub enum Request {
    /// SSH_AGENTC_REQUEST_IDENTITIES.
    RequestIdentities,
    /// SSH_AGENTC_SIGN_REQUEST.
    SignRequest {
        /// The public key blob of the key to sign with.
        key_blob: Vec<u8>,
        /// The data to sign.
        data: Vec<u8>,
        /// [`super::sign_flags`].
        flags: u32,
    },
    /// SSH_AGENTC_ADD_IDENTITY, or SSH_AGENTC_ADD_ID_CONSTRAINED when there are constraints. The key's
    /// comment travels with it.
    AddIdentity {
        /// The key (boxed: it is much larger than the other requests).
        key: Box<PrivateKey>,
        /// Its constraints.
        constraints: Vec<Constraint>,
    },
    /// SSH_AGENTC_REMOVE_IDENTITY.
    RemoveIdentity {
        /// The public key blob.
        key_blob: Vec<u8>,
    },
    /// SSH_AGENTC_REMOVE_ALL_IDENTITIES.
    RemoveAllIdentities,
    /// SSH_AGENTC_LOCK.
    Lock {
        /// The passphrase that will unlock the agent.
        passphrase: Zeroizing<Vec<u8>>,
    },
    /// SSH_AGENTC_UNLOCK.
    Unlock {
        /// The passphrase given to LOCK.
        passphrase: Zeroizing<Vec<u8>>,
    },
    /// SSH_AGENTC_EXTENSION.
    Extension(Extension),
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Request {
    /// Decodes a message body (type byte and contents, without the length prefix). Trailing bytes
    /// are refused.
    pub fn decode(body: &[u8]) -> Result<Self, AgentError> {
        let mut r = Reader::new(body);
        let kind = r
            .read_u8("agent message type")
            .map_err(|_| AgentError::Empty)?;
        let request = match kind {
            number::REQUEST_IDENTITIES => Self::RequestIdentities,
            number::SIGN_REQUEST => Self::SignRequest {
                key_blob: r.read_string("key blob")?.to_vec(),
                data: r.read_string("data")?.to_vec(),
                flags: r.read_u32("flags")?,
            },
            number::ADD_IDENTITY | number::ADD_ID_CONSTRAINED => {
                let mut key = Box::new(PrivateKey::read_wire(&mut r, String::new())?);
                key.set_comment(utf8(r.read_string("comment")?));
                let mut constraints = Vec::new();
                if kind == number::ADD_ID_CONSTRAINED {
                    while !r.is_empty() {
                        constraints.push(read_constraint(&mut r)?);
                    }
                }
                Self::AddIdentity { key, constraints }
            }
            number::REMOVE_IDENTITY => Self::RemoveIdentity {
                key_blob: r.read_string("key blob")?.to_vec(),
            },
            number::REMOVE_ALL_IDENTITIES => Self::RemoveAllIdentities,
            number::LOCK => Self::Lock {
                passphrase: Zeroizing::new(r.read_string("passphrase")?.to_vec()),
            },
            number::UNLOCK => Self::Unlock {
                passphrase: Zeroizing::new(r.read_string("passphrase")?.to_vec()),
            },
            number::EXTENSION => Self::Extension(read_extension(&mut r)?),
            other => return Err(AgentError::UnknownMessage(other)),
        };
        r.finish("agent request")?;
        Ok(request)
    }

    /// Encodes the request with its length prefix. The buffer is zeroized on drop, since ADD_IDENTITY
    /// and LOCK carry secrets.
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        // Reserved up front so the buffer does not reallocate and leave copies of secrets behind.
        let mut body = Zeroizing::new(Vec::with_capacity(16 * 1024));
        match self {
            Self::RequestIdentities => body.write_u8(number::REQUEST_IDENTITIES),
            Self::SignRequest {
                key_blob,
                data,
                flags,
            } => {
                body.write_u8(number::SIGN_REQUEST);
                body.write_string(key_blob);
                body.write_string(data);
                body.write_u32(*flags);
            }
            Self::AddIdentity { key, constraints } => {
                let kind = if constraints.is_empty() {
                    number::ADD_IDENTITY
                } else {
                    number::ADD_ID_CONSTRAINED
                };
                body.write_u8(kind);
                key.write_wire(&mut body)?;
                body.write_string(key.comment().as_bytes());
                for c in constraints {
                    write_constraint(&mut body, c);
                }
            }
            Self::RemoveIdentity { key_blob } => {
                body.write_u8(number::REMOVE_IDENTITY);
                body.write_string(key_blob);
            }
            Self::RemoveAllIdentities => body.write_u8(number::REMOVE_ALL_IDENTITIES),
            Self::Lock { passphrase } => {
                body.write_u8(number::LOCK);
                body.write_string(passphrase);
            }
            Self::Unlock { passphrase } => {
                body.write_u8(number::UNLOCK);
                body.write_string(passphrase);
            }
            Self::Extension(ext) => {
                body.write_u8(number::EXTENSION);
                write_extension(&mut body, ext);
            }
        }
        Ok(Zeroizing::new(frame(&body)))
    }
}

fn read_constraint(r: &mut Reader<'_>) -> Result<Constraint, AgentError> {
    let kind = r.read_u8("constraint")?;
    Ok(match kind {
        constraint::LIFETIME => Constraint::Lifetime(r.read_u32("lifetime")?),
        constraint::CONFIRM => Constraint::Confirm,
        constraint::MAXSIGN => Constraint::MaxSignatures(r.read_u32("max signatures")?),
        constraint::EXTENSION => {
            let name = utf8(r.read_string("constraint extension name")?);
            let start = r.peek_rest();
            match name.as_str() {
                "sk-provider@openssh.com" | "restrict-destination-v00@openssh.com" => {
                    r.read_string("constraint extension data")?;
                }
                "associated-certs-v00@openssh.com" => {
                    r.read_bool("certs only")?;
                    r.read_string("certs")?;
                }
                _ => {
                    r.take_rest();
                }
            }
            let used = start.len() - r.remaining();
            Constraint::Extension {
                name,
                data: start.get(..used).unwrap_or_default().to_vec(),
            }
        }
        other => return Err(AgentError::UnknownConstraint(other)),
    })
}

fn write_constraint(w: &mut Vec<u8>, c: &Constraint) {
    match c {
        Constraint::Lifetime(seconds) => {
            w.write_u8(constraint::LIFETIME);
            w.write_u32(*seconds);
        }
        Constraint::Confirm => w.write_u8(constraint::CONFIRM),
        Constraint::MaxSignatures(n) => {
            w.write_u8(constraint::MAXSIGN);
            w.write_u32(*n);
        }
        Constraint::Extension { name, data } => {
            w.write_u8(constraint::EXTENSION);
            w.write_string(name.as_bytes());
            w.write_raw(data);
        }
    }
}

fn read_extension(r: &mut Reader<'_>) -> Result<Extension, AgentError> {
    let name = r.read_string("extension name")?;
    Ok(match name {
        b"query" => Extension::Query,
        b"session-bind@openssh.com" => Extension::SessionBind {
            host_key: r.read_string("host key")?.to_vec(),
            session_id: r.read_string("session identifier")?.to_vec(),
            signature: r.read_string("signature")?.to_vec(),
            is_forwarding: r.read_bool("is forwarding")?,
        },
        _ => Extension::Other {
            name: utf8(name),
            contents: r.take_rest().to_vec(),
        },
    })
}

fn write_extension(w: &mut Vec<u8>, ext: &Extension) {
    match ext {
        Extension::Query => w.write_string(b"query"),
        Extension::SessionBind {
            host_key,
            session_id,
            signature,
            is_forwarding,
        } => {
            w.write_string(b"session-bind@openssh.com");
            w.write_string(host_key);
            w.write_string(session_id);
            w.write_string(signature);
            w.write_bool(*is_forwarding);
        }
        Extension::Other { name, contents } => {
            w.write_string(name.as_bytes());
            w.write_raw(contents);
        }
    }
}
