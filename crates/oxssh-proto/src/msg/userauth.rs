//! User authentication messages (RFC 4252, RFC 4256).

use oxssh_wire::{NameList, Reader, Writer};

use super::number;
use crate::error::{Error, InvalidMessage};
use crate::limits;

/// Method names on the wire.
pub mod method {
    /// The "none" method (RFC 4252 §5.2).
    pub const NONE: &str = "none";
    /// RFC 4252 §8.
    pub const PASSWORD: &str = "password";
    /// RFC 4252 §7.
    pub const PUBLICKEY: &str = "publickey";
    /// RFC 4256.
    pub const KEYBOARD_INTERACTIVE: &str = "keyboard-interactive";
}

/// The service that user authentication unlocks.
pub const SERVICE_CONNECTION: &str = "ssh-connection";
/// The service that carries user authentication.
pub const SERVICE_USERAUTH: &str = "ssh-userauth";

/// The method-specific part of SSH_MSG_USERAUTH_REQUEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodRequest<'a> {
    /// "none".
    None,
    /// "password", optionally with a new password (RFC 4252 §8).
    Password {
        /// The password (UTF-8 per the RFC, but passed on as bytes).
        password: &'a [u8],
        /// The new password when the client answers a change request.
        new_password: Option<&'a [u8]>,
    },
    /// "publickey": a query without signature, or an attempt with one.
    PublicKey {
        /// The signature algorithm name.
        algorithm: &'a str,
        /// The public key blob.
        key: &'a [u8],
        /// The signature blob, if this is an attempt rather than a query.
        signature: Option<&'a [u8]>,
    },
    /// "keyboard-interactive" (RFC 4256 §3.1).
    KeyboardInteractive {
        /// Comma-separated submethod hints.
        submethods: &'a str,
    },
    /// Any other method; the name is kept for the failure log line.
    Other(&'a str),
}

/// SSH_MSG_USERAUTH_REQUEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserauthRequest<'a> {
    /// The user name.
    pub user: &'a str,
    /// The service to start ("ssh-connection").
    pub service: &'a str,
    /// The method and its fields.
    pub method: MethodRequest<'a>,
}

impl<'a> UserauthRequest<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let user = r.read_utf8("user name")?;
        let service = r.read_utf8("service name")?;
        let method_name = r.read_utf8("method name")?;
        let method = match method_name {
            method::NONE => MethodRequest::None,
            method::PASSWORD => {
                let change = r.read_bool("password change flag")?;
                let password = r.read_string("password")?;
                let new_password = if change {
                    Some(r.read_string("new password")?)
                } else {
                    None
                };
                MethodRequest::Password {
                    password,
                    new_password,
                }
            }
            method::PUBLICKEY => {
                let has_signature = r.read_bool("publickey has signature")?;
                let algorithm = r.read_utf8("publickey algorithm")?;
                let key = r.read_string("publickey blob")?;
                let signature = if has_signature {
                    Some(r.read_string("publickey signature")?)
                } else {
                    None
                };
                MethodRequest::PublicKey {
                    algorithm,
                    key,
                    signature,
                }
            }
            method::KEYBOARD_INTERACTIVE => {
                r.read_string("kbdint language")?;
                let submethods = r.read_utf8("kbdint submethods")?;
                MethodRequest::KeyboardInteractive { submethods }
            }
            other => {
                // Unknown methods carry fields we cannot parse; RFC 4252 §5 says to answer FAILURE.
                r.take_rest();
                MethodRequest::Other(other)
            }
        };
        r.finish("userauth request")?;
        Ok(Self {
            user,
            service,
            method,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::USERAUTH_REQUEST);
        w.write_string(self.user.as_bytes());
        w.write_string(self.service.as_bytes());
        match &self.method {
            MethodRequest::None => w.write_string(method::NONE.as_bytes()),
            MethodRequest::Password {
                password,
                new_password,
            } => {
                w.write_string(method::PASSWORD.as_bytes());
                w.write_bool(new_password.is_some());
                w.write_string(password);
                if let Some(new) = new_password {
                    w.write_string(new);
                }
            }
            MethodRequest::PublicKey {
                algorithm,
                key,
                signature,
            } => {
                w.write_string(method::PUBLICKEY.as_bytes());
                w.write_bool(signature.is_some());
                w.write_string(algorithm.as_bytes());
                w.write_string(key);
                if let Some(sig) = signature {
                    w.write_string(sig);
                }
            }
            MethodRequest::KeyboardInteractive { submethods } => {
                w.write_string(method::KEYBOARD_INTERACTIVE.as_bytes());
                w.write_string(b"");
                w.write_string(submethods.as_bytes());
            }
            MethodRequest::Other(name) => w.write_string(name.as_bytes()),
        }
    }
}

/// The data a publickey signature covers (RFC 4252 §7): the session identifier followed by the request
/// with the signature flag set and without the signature.
pub fn publickey_signed_data(
    session_id: &[u8],
    user: &str,
    service: &str,
    algorithm: &str,
    key: &[u8],
) -> Vec<u8> {
    let mut data = Vec::with_capacity(session_id.len() + user.len() + key.len() + 96);
    data.write_string(session_id);
    UserauthRequest {
        user,
        service,
        method: MethodRequest::PublicKey {
            algorithm,
            key,
            signature: None,
        },
    }
    .write(&mut data);
    // The signed form has the boolean set to TRUE although no signature follows.
    let flag_at =
        4 + session_id.len() + 1 + 4 + user.len() + 4 + service.len() + 4 + method::PUBLICKEY.len();
    if let Some(flag) = data.get_mut(flag_at) {
        *flag = 1;
    }
    data
}

/// SSH_MSG_USERAUTH_FAILURE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserauthFailure<'a> {
    /// Methods that can continue.
    pub methods: NameList<'a>,
    /// Whether the last request succeeded but more is required.
    pub partial_success: bool,
}

impl<'a> UserauthFailure<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let methods = r.read_name_list("auth methods")?;
        let partial_success = r.read_bool("partial success")?;
        r.finish("userauth failure")?;
        Ok(Self {
            methods,
            partial_success,
        })
    }

    /// Writes the whole message from owned names.
    pub fn write(w: &mut impl Writer, methods: &[&str], partial_success: bool) {
        w.write_u8(number::USERAUTH_FAILURE);
        w.write_name_list(methods);
        w.write_bool(partial_success);
    }
}

/// SSH_MSG_USERAUTH_BANNER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserauthBanner<'a> {
    /// The banner text.
    pub message: &'a str,
}

impl<'a> UserauthBanner<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let message = r.read_utf8("banner")?;
        r.read_string("banner language")?;
        r.finish("userauth banner")?;
        Ok(Self { message })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::USERAUTH_BANNER);
        w.write_string(self.message.as_bytes());
        w.write_string(b"");
    }
}

/// SSH_MSG_USERAUTH_PK_OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserauthPkOk<'a> {
    /// The algorithm from the query.
    pub algorithm: &'a str,
    /// The key blob from the query.
    pub key: &'a [u8],
}

impl<'a> UserauthPkOk<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let algorithm = r.read_utf8("pk_ok algorithm")?;
        let key = r.read_string("pk_ok key")?;
        r.finish("userauth pk_ok")?;
        Ok(Self { algorithm, key })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::USERAUTH_PK_OK);
        w.write_string(self.algorithm.as_bytes());
        w.write_string(self.key);
    }
}

/// One keyboard-interactive prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt<'a> {
    /// The prompt text.
    pub text: &'a str,
    /// Whether the answer may be echoed.
    pub echo: bool,
}

/// SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoRequest<'a> {
    /// A name for the request (may be empty).
    pub name: &'a str,
    /// Instructions (may be empty).
    pub instruction: &'a str,
    /// The prompts.
    pub prompts: Vec<Prompt<'a>>,
}

impl<'a> InfoRequest<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let name = r.read_utf8("info name")?;
        let instruction = r.read_utf8("info instruction")?;
        r.read_string("info language")?;
        let count = r.read_u32("info prompt count")? as usize;
        if count > limits::MAX_KBDINT_PROMPTS {
            return Err(InvalidMessage::BadValue("too many prompts").into());
        }
        let mut prompts = Vec::with_capacity(count);
        for _ in 0..count {
            let text = r.read_utf8("info prompt")?;
            let echo = r.read_bool("info echo")?;
            prompts.push(Prompt { text, echo });
        }
        r.finish("info request")?;
        Ok(Self {
            name,
            instruction,
            prompts,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::USERAUTH_INFO_REQUEST);
        w.write_string(self.name.as_bytes());
        w.write_string(self.instruction.as_bytes());
        w.write_string(b"");
        w.write_u32(u32::try_from(self.prompts.len()).unwrap_or(0));
        for p in &self.prompts {
            w.write_string(p.text.as_bytes());
            w.write_bool(p.echo);
        }
    }
}

/// SSH_MSG_USERAUTH_INFO_RESPONSE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoResponse<'a> {
    /// One answer per prompt.
    pub responses: Vec<&'a [u8]>,
}

impl<'a> InfoResponse<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let count = r.read_u32("info response count")? as usize;
        if count > limits::MAX_KBDINT_PROMPTS {
            return Err(InvalidMessage::BadValue("too many responses").into());
        }
        let mut responses = Vec::with_capacity(count);
        for _ in 0..count {
            responses.push(r.read_string("info response")?);
        }
        r.finish("info response")?;
        Ok(Self { responses })
    }

    /// Writes the whole message.
    pub fn write<S: AsRef<[u8]>>(w: &mut impl Writer, responses: &[S]) {
        w.write_u8(number::USERAUTH_INFO_RESPONSE);
        w.write_u32(u32::try_from(responses.len()).unwrap_or(0));
        for r in responses {
            w.write_string(r.as_ref());
        }
    }
}

/// SSH_MSG_USERAUTH_PASSWD_CHANGEREQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswdChangeReq<'a> {
    /// The prompt.
    pub prompt: &'a str,
}

impl<'a> PasswdChangeReq<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let prompt = r.read_utf8("passwd change prompt")?;
        r.read_string("passwd change language")?;
        r.finish("passwd changereq")?;
        Ok(Self { prompt })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_data_has_the_flag_set_and_no_signature() {
        let data = publickey_signed_data(b"sid", "u", SERVICE_CONNECTION, "ssh-ed25519", b"KEY");
        let mut r = Reader::new(&data);
        assert_eq!(r.read_string("sid").unwrap(), b"sid");
        assert_eq!(r.read_u8("n").unwrap(), number::USERAUTH_REQUEST);
        let req = UserauthRequest::read(&mut r);
        // The flag says a signature follows but none does: reading it as a request must fail exactly there.
        assert!(req.is_err());
        let mut expected = Vec::new();
        expected.write_string(b"sid");
        expected.write_u8(50);
        expected.write_string(b"u");
        expected.write_string(b"ssh-connection");
        expected.write_string(b"publickey");
        expected.write_bool(true);
        expected.write_string(b"ssh-ed25519");
        expected.write_string(b"KEY");
        assert_eq!(data, expected);
    }

    #[test]
    fn requests_round_trip() {
        let reqs = [
            MethodRequest::None,
            MethodRequest::Password {
                password: b"pw",
                new_password: None,
            },
            MethodRequest::Password {
                password: b"pw",
                new_password: Some(b"new"),
            },
            MethodRequest::PublicKey {
                algorithm: "ssh-ed25519",
                key: b"k",
                signature: Some(b"s"),
            },
            MethodRequest::PublicKey {
                algorithm: "rsa-sha2-256",
                key: b"k",
                signature: None,
            },
            MethodRequest::KeyboardInteractive { submethods: "" },
        ];
        for method in reqs {
            let req = UserauthRequest {
                user: "alice",
                service: SERVICE_CONNECTION,
                method,
            };
            let mut out = Vec::new();
            req.write(&mut out);
            let parsed = UserauthRequest::read(&mut Reader::new(&out[1..])).unwrap();
            assert_eq!(parsed, req);
        }
    }

    #[test]
    fn too_many_prompts_are_refused_before_allocation() {
        let mut out = Vec::new();
        out.write_string(b"");
        out.write_string(b"");
        out.write_string(b"");
        out.write_u32(u32::MAX);
        assert!(InfoRequest::read(&mut Reader::new(&out)).is_err());
    }
}
