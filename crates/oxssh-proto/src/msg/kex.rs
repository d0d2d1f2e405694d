//! Key-exchange method messages (30 and 31). Every method we implement uses the same INIT/REPLY
//! shape; only the encoding of the public values differs (mpint for finite-field DH, string otherwise).

use oxssh_wire::{Reader, Writer};

use super::number;
use crate::error::Error;

/// The client's INIT: its public value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KexEcdhInit<'a> {
    /// Q_C, or the magnitude of e for DH.
    pub client_value: &'a [u8],
}

impl<'a> KexEcdhInit<'a> {
    /// Reads the body; `mpint` selects DH's encoding.
    pub fn read(r: &mut Reader<'a>, mpint: bool) -> Result<Self, Error> {
        let client_value = if mpint {
            r.read_mpint_positive("kex e")?
        } else {
            r.read_string("kex Q_C")?
        };
        r.finish("kex init")?;
        Ok(Self { client_value })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer, mpint: bool) {
        w.write_u8(number::KEX_INIT);
        write_value(w, self.client_value, mpint);
    }
}

/// The server's REPLY: host key, its public value and the signature over the exchange hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KexEcdhReply<'a> {
    /// K_S, the host key blob.
    pub host_key: &'a [u8],
    /// Q_S, or the magnitude of f for DH.
    pub server_value: &'a [u8],
    /// The signature blob over H.
    pub signature: &'a [u8],
}

impl<'a> KexEcdhReply<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>, mpint: bool) -> Result<Self, Error> {
        let host_key = r.read_string("kex host key")?;
        let server_value = if mpint {
            r.read_mpint_positive("kex f")?
        } else {
            r.read_string("kex Q_S")?
        };
        let signature = r.read_string("kex signature")?;
        r.finish("kex reply")?;
        Ok(Self {
            host_key,
            server_value,
            signature,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer, mpint: bool) {
        w.write_u8(number::KEX_REPLY);
        w.write_string(self.host_key);
        write_value(w, self.server_value, mpint);
        w.write_string(self.signature);
    }
}

/// Writes a public value in the method's encoding (also used for the exchange hash).
pub fn write_value(w: &mut impl Writer, value: &[u8], mpint: bool) {
    if mpint {
        w.write_mpint_positive(value);
    } else {
        w.write_string(value);
    }
}
