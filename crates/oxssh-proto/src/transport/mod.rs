//! The transport layer's moving parts: the two packet halves, the output buffer, and the queue of
//! messages held back while a key exchange runs (RFC 4253 §7.1).

pub(crate) mod compress;
pub(crate) mod packet;
pub(crate) mod rekey;

use std::collections::VecDeque;

use bytes::BytesMut;

use crate::msg::number;
use compress::{Compressor, Decompressor};
use packet::{PacketReader, PacketWriter};

/// Sealed output, the inbound and outbound packet state, and the hold-back queue.
pub(crate) struct Transport {
    pub(crate) reader: PacketReader,
    pub(crate) writer: PacketWriter,
    /// Sealed packets waiting for the driver (`poll_transmit`).
    pub(crate) tx: BytesMut,
    /// Payloads that may not be sent until our NEWKEYS goes out.
    held: VecDeque<BytesMut>,
    /// We have sent KEXINIT and not yet NEWKEYS: only transport-generic and key-exchange messages may go.
    sending_kex: bool,
    /// The user is authenticated: negotiated zlib@openssh.com is on (OpenSSH's
    /// `after_authentication`).
    authenticated: bool,
    /// zlib@openssh.com was negotiated for the current outbound / inbound keys.
    zlib_out: bool,
    zlib_in: bool,
}

impl Transport {
    pub(crate) fn new() -> Self {
        Self {
            reader: PacketReader::new(),
            writer: PacketWriter::new(),
            tx: BytesMut::with_capacity(64 * 1024),
            held: VecDeque::new(),
            sending_kex: false,
            authenticated: false,
            zlib_out: false,
            zlib_in: false,
        }
    }

    /// Writes one packet now; the packet carrying USERAUTH_SUCCESS (which only a server sends)
    /// switches delayed compression on for everything after it.
    fn write_now(&mut self, body: impl FnOnce(&mut BytesMut)) {
        let number = self.writer.write_packet(&mut self.tx, body);
        if number == number::USERAUTH_SUCCESS {
            self.enable_delayed_compression();
        }
    }

    /// The user is authenticated (server: USERAUTH_SUCCESS went out; client: it arrived): where
    /// zlib@openssh.com was negotiated, both directions start compressing now.
    pub(crate) fn enable_delayed_compression(&mut self) {
        if self.authenticated {
            return;
        }
        self.authenticated = true;
        if self.zlib_out {
            self.writer.compressor = Some(Compressor::new());
        }
        if self.zlib_in {
            self.reader.decompressor = Some(Decompressor::new());
        }
    }

    /// New outbound keys: compression, if negotiated and already authenticated, restarts with a
    /// fresh stream, as OpenSSH's `ssh_set_newkeys` does.
    pub(crate) fn set_out_compression(&mut self, zlib: bool) {
        self.zlib_out = zlib;
        self.writer.compressor = (zlib && self.authenticated).then(Compressor::new);
    }

    /// New inbound keys; as [`set_out_compression`](Self::set_out_compression).
    pub(crate) fn set_in_compression(&mut self, zlib: bool) {
        self.zlib_in = zlib;
        self.reader.decompressor = (zlib && self.authenticated).then(Decompressor::new);
    }

    /// Sends one message whose payload `body` writes (message number first). During our key exchange,
    /// messages other than transport-generic and key-exchange ones are held and sent after NEWKEYS.
    pub(crate) fn send(&mut self, body: impl FnOnce(&mut BytesMut)) {
        if !self.sending_kex {
            self.write_now(body);
            return;
        }
        // Only during a key exchange: build the payload aside to learn whether it may go now.
        let mut payload = BytesMut::new();
        body(&mut payload);
        let number = payload.first().copied().unwrap_or(0);
        if number::is_kex(number) || number::is_transport_generic(number) {
            self.write_now(|b| b.extend_from_slice(&payload));
        } else {
            self.held.push_back(payload);
        }
    }

    /// Our KEXINIT went out: hold back everything that is not key exchange until NEWKEYS.
    pub(crate) fn begin_kex_send(&mut self) {
        self.sending_kex = true;
    }

    /// Our NEWKEYS went out (and the new key is installed): release what was held, in order.
    pub(crate) fn end_kex_send(&mut self) {
        self.sending_kex = false;
        while let Some(payload) = self.held.pop_front() {
            self.write_now(|b| b.extend_from_slice(&payload));
        }
    }

    /// Whether we are between our KEXINIT and our NEWKEYS.
    pub(crate) fn is_sending_kex(&self) -> bool {
        self.sending_kex
    }

    /// How many messages are held back; the core refuses a peer that makes this grow without bound.
    pub(crate) fn held_len(&self) -> usize {
        self.held.len()
    }
}
