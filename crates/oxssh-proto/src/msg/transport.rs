//! Transport-layer messages (RFC 4253 §11–12, RFC 8308).

use oxssh_wire::{NameList, Reader, Writer};

use super::number;
use crate::error::Error;
use crate::limits;

/// SSH_MSG_DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect<'a> {
    /// RFC 4253 §11.1 reason code.
    pub reason: u32,
    /// Human-readable description (UTF-8).
    pub description: &'a str,
}

impl<'a> Disconnect<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let reason = r.read_u32("disconnect reason")?;
        let description = r.read_utf8("disconnect description")?;
        // The language tag is optional in practice: some peers omit it.
        if !r.is_empty() {
            r.read_string("disconnect language")?;
        }
        Ok(Self {
            reason,
            description,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::DISCONNECT);
        w.write_u32(self.reason);
        w.write_string(self.description.as_bytes());
        w.write_string(b"");
    }
}

/// SSH_MSG_DEBUG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugMessage<'a> {
    /// Whether the sender asks for the message to be shown.
    pub always_display: bool,
    /// The text.
    pub message: &'a str,
}

impl<'a> DebugMessage<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let always_display = r.read_bool("debug always_display")?;
        let message = r.read_utf8("debug message")?;
        Ok(Self {
            always_display,
            message,
        })
    }
}

/// SSH_MSG_SERVICE_REQUEST or SSH_MSG_SERVICE_ACCEPT (same body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service<'a> {
    /// "ssh-userauth" or "ssh-connection".
    pub name: &'a str,
}

impl<'a> Service<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let name = r.read_utf8("service name")?;
        r.finish("service message")?;
        Ok(Self { name })
    }

    /// Writes the whole message with the given number.
    pub fn write(&self, w: &mut impl Writer, number: u8) {
        w.write_u8(number);
        w.write_string(self.name.as_bytes());
    }
}

/// SSH_MSG_EXT_INFO (RFC 8308 §2.3): a list of extension names and values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtInfo<'a> {
    /// The extensions, in order.
    pub extensions: Vec<(&'a str, &'a [u8])>,
}

impl<'a> ExtInfo<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let count = r.read_u32("ext-info count")? as usize;
        if count > limits::MAX_EXTENSIONS {
            return Err(oxssh_wire::WireError::LengthOverLimit("ext-info count").into());
        }
        let mut extensions = Vec::with_capacity(count);
        for _ in 0..count {
            let name = r.read_utf8("extension name")?;
            let value = r.read_string("extension value")?;
            extensions.push((name, value));
        }
        r.finish("ext-info")?;
        Ok(Self { extensions })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::EXT_INFO);
        w.write_u32(u32::try_from(self.extensions.len()).unwrap_or(0));
        for (name, value) in &self.extensions {
            w.write_string(name.as_bytes());
            w.write_string(value);
        }
    }

    /// The value of one extension.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// SSH_MSG_KEXINIT (RFC 4253 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KexInit<'a> {
    /// 16 random bytes.
    pub cookie: [u8; 16],
    /// Key-exchange methods (and extension markers).
    pub kex: NameList<'a>,
    /// Host key algorithms.
    pub host_key: NameList<'a>,
    /// Ciphers, client to server.
    pub cipher_c2s: NameList<'a>,
    /// Ciphers, server to client.
    pub cipher_s2c: NameList<'a>,
    /// MACs, client to server.
    pub mac_c2s: NameList<'a>,
    /// MACs, server to client.
    pub mac_s2c: NameList<'a>,
    /// Compression, client to server.
    pub compression_c2s: NameList<'a>,
    /// Compression, server to client.
    pub compression_s2c: NameList<'a>,
    /// Whether a guessed key-exchange packet follows.
    pub first_kex_packet_follows: bool,
}

impl<'a> KexInit<'a> {
    /// Reads the body. Language lists are read and ignored (RFC 4253 allows empty lists, and no
    /// implementation negotiates languages).
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let cookie = r.take_array::<16>("kexinit cookie")?;
        let kex = r.read_name_list("kex algorithms")?;
        let host_key = r.read_name_list("host key algorithms")?;
        let cipher_c2s = r.read_name_list("ciphers c2s")?;
        let cipher_s2c = r.read_name_list("ciphers s2c")?;
        let mac_c2s = r.read_name_list("macs c2s")?;
        let mac_s2c = r.read_name_list("macs s2c")?;
        let compression_c2s = r.read_name_list("compression c2s")?;
        let compression_s2c = r.read_name_list("compression s2c")?;
        r.read_name_list("languages c2s")?;
        r.read_name_list("languages s2c")?;
        let first_kex_packet_follows = r.read_bool("first_kex_packet_follows")?;
        r.read_u32("kexinit reserved")?;
        r.finish("kexinit")?;
        Ok(Self {
            cookie,
            kex,
            host_key,
            cipher_c2s,
            cipher_s2c,
            mac_c2s,
            mac_s2c,
            compression_c2s,
            compression_s2c,
            first_kex_packet_follows,
        })
    }
}

/// Our own KEXINIT proposal, as owned lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Key-exchange methods followed by markers.
    pub kex: Vec<String>,
    /// Host key algorithms.
    pub host_key: Vec<String>,
    /// Ciphers (same list both directions).
    pub ciphers: Vec<String>,
    /// MACs (same list both directions).
    pub macs: Vec<String>,
    /// Compression methods.
    pub compression: Vec<String>,
}

impl Proposal {
    /// Writes a KEXINIT message with this proposal and `cookie`.
    pub fn write(&self, w: &mut impl Writer, cookie: &[u8; 16]) {
        w.write_u8(number::KEXINIT);
        w.write_raw(cookie);
        w.write_name_list(&self.kex);
        w.write_name_list(&self.host_key);
        w.write_name_list(&self.ciphers);
        w.write_name_list(&self.ciphers);
        w.write_name_list(&self.macs);
        w.write_name_list(&self.macs);
        w.write_name_list(&self.compression);
        w.write_name_list(&self.compression);
        w.write_name_list::<&str>(&[]);
        w.write_name_list::<&str>(&[]);
        w.write_bool(false);
        w.write_u32(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kexinit_round_trips() {
        let p = Proposal {
            kex: vec!["curve25519-sha256".into(), "ext-info-c".into()],
            host_key: vec!["ssh-ed25519".into()],
            ciphers: vec!["aes128-ctr".into()],
            macs: vec!["hmac-sha2-256".into()],
            compression: vec!["none".into()],
        };
        let mut out = Vec::new();
        p.write(&mut out, &[7; 16]);
        let mut r = Reader::new(&out[1..]);
        let k = KexInit::read(&mut r).unwrap();
        assert_eq!(k.cookie, [7; 16]);
        assert!(k.kex.contains("ext-info-c"));
        assert_eq!(k.cipher_s2c.as_str(), "aes128-ctr");
        assert!(!k.first_kex_packet_follows);
    }

    #[test]
    fn kexinit_with_trailing_bytes_is_refused() {
        let p = Proposal {
            kex: vec!["a".into()],
            host_key: vec![],
            ciphers: vec![],
            macs: vec![],
            compression: vec![],
        };
        let mut out = Vec::new();
        p.write(&mut out, &[0; 16]);
        out.push(0);
        assert!(KexInit::read(&mut Reader::new(&out[1..])).is_err());
    }
}
