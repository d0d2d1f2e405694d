//! Key exchange: the KEXINIT dance, one INIT/REPLY flow for every method, NEWKEYS, and OpenSSH's strict
//! key exchange.
//!
//! ```text
//!            send KEXINIT            both KEXINITs               client: send INIT
//!   Idle ───────────────────▶ ExchangingKexInit ─────────▶ ClientExpectReply ──REPLY──▶ ClientAwaitHostKey
//!    ▲       (or peer's                           │                                          │ accepted:
//!    │        KEXINIT first)                      │ server                                   │ send NEWKEYS
//!    │                                            ▼                                          ▼
//!    └──────── NEWKEYS received ◀── ExpectNewKeys ◀── send REPLY, NEWKEYS ◀── ServerExpectInit
//! ```
//!
//! Every method is a KEM as in OpenSSH's kexgen.c: the client sends a public value, the server answers
//! with its own (or a ciphertext) and a signature over the exchange hash, and both derive the same K.
//! Strict key exchange (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure, CVE-2023-48795) resets the
//! sequence numbers at every NEWKEYS and makes any unexpected message during the first exchange fatal;
//! the core enforces the latter using [`Kex::is_strict_initial`].

mod exchange_hash;
pub(crate) mod method;
pub(crate) mod negotiate;

use oxssh_keys::{PrivateKey, PublicKey};
use oxssh_wire::Reader;

use crate::cipher::{Opener, Sealer};
use crate::error::{CryptoError, Error, PeerIncompatible, PeerMisbehaved};
use crate::msg::kex::{KexEcdhInit, KexEcdhReply};
use crate::msg::number;
use crate::msg::transport::{KexInit, Proposal};
use crate::names::markers;
use crate::transport::Transport;
use exchange_hash::{HashInput, derive_keys, exchange_hash};
use method::ClientKex;
pub use negotiate::Algorithms;

/// Which end of the connection we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We opened the connection.
    Client,
    /// We accepted it.
    Server,
}

/// What the key exchange needs from the connection around it.
pub(crate) struct KexContext<'a> {
    pub(crate) role: Role,
    /// Our algorithm lists, without markers.
    pub(crate) proposal: &'a Proposal,
    /// The server's host keys (empty on the client).
    pub(crate) host_keys: &'a [std::sync::Arc<PrivateKey>],
    pub(crate) our_id: &'a str,
    pub(crate) peer_id: &'a str,
    /// The server's EXT_INFO payload, sent right after its first NEWKEYS when the client asked for it.
    pub(crate) ext_info: Option<&'a [u8]>,
}

impl KexContext<'_> {
    fn ids(&self) -> (&str, &str) {
        match self.role {
            Role::Client => (self.our_id, self.peer_id),
            Role::Server => (self.peer_id, self.our_id),
        }
    }
}

/// What the connection must act on after a key-exchange message.
#[derive(Debug)]
pub(crate) enum KexOutput {
    /// Client: the server proved it holds this key; the application must decide whether to trust it.
    VerifyHostKey(PublicKey),
    /// An exchange finished; `initial` for the first one.
    Completed { initial: bool },
}

/// Keys derived but not yet in use: the sealer goes live when we send NEWKEYS, the opener when we
/// receive it.
struct PendingKeys {
    sealer: Sealer,
    opener: Opener,
}

enum Step {
    Idle,
    ExchangingKexInit,
    ClientExpectReply {
        method: ClientKex,
        algorithms: Algorithms,
    },
    ClientAwaitHostKey {
        keys: PendingKeys,
    },
    ServerExpectInit {
        algorithms: Algorithms,
    },
    ExpectNewKeys {
        opener: Opener,
    },
}

/// The key-exchange state of one connection.
pub(crate) struct Kex {
    step: Step,
    our_kexinit: Option<Vec<u8>>,
    peer_kexinit: Option<Vec<u8>>,
    initial_done: bool,
    strict: bool,
    session_id: Option<Vec<u8>>,
    /// The peer asked for EXT_INFO in its first KEXINIT (ext-info-c, or ext-info-s for the client).
    peer_ext_info: bool,
    /// The peer sent a guessed kex packet that guessed wrong: drop its next method message.
    skip_guessed: bool,
    /// Whether anything but KEXINIT arrived before the peer's first KEXINIT.
    peer_sent_before_kexinit: bool,
    algorithms: Option<Algorithms>,
    /// Client: the host key of the first exchange; a re-key presenting the same key needs no new verdict.
    host_key: Option<PublicKey>,
    /// When negotiation failed: the peer's list for the kind without a match.
    their_offer: Option<String>,
    /// Whether the inbound direction compresses under the keys the peer's NEWKEYS will switch to.
    compress_in_next: bool,
}

impl Kex {
    pub(crate) fn new() -> Self {
        Self {
            step: Step::Idle,
            our_kexinit: None,
            peer_kexinit: None,
            initial_done: false,
            strict: false,
            session_id: None,
            peer_ext_info: false,
            skip_guessed: false,
            peer_sent_before_kexinit: false,
            algorithms: None,
            host_key: None,
            their_offer: None,
            compress_in_next: false,
        }
    }

    /// When negotiation failed: the peer's list for the kind without a match.
    pub(crate) fn their_offer(&self) -> Option<&str> {
        self.their_offer.as_deref()
    }

    /// The session identifier: H of the first exchange.
    pub(crate) fn session_id(&self) -> Option<&[u8]> {
        self.session_id.as_deref()
    }

    /// The algorithms of the most recent exchange.
    pub(crate) fn algorithms(&self) -> Option<&Algorithms> {
        self.algorithms.as_ref()
    }

    /// Whether the first exchange has completed.
    pub(crate) fn is_initial_done(&self) -> bool {
        self.initial_done
    }

    /// Whether strict key exchange is on and the first exchange is still running: then any message that
    /// is not part of the exchange is fatal.
    pub(crate) fn is_strict_initial(&self) -> bool {
        self.strict && !self.initial_done
    }

    /// Whether strict key exchange was negotiated.
    pub(crate) fn is_strict(&self) -> bool {
        self.strict
    }

    /// Whether an exchange is running.
    pub(crate) fn is_running(&self) -> bool {
        !matches!(self.step, Step::Idle)
    }

    /// Whether the peer's KEXINIT has arrived and its NEWKEYS has not: only key-exchange and
    /// transport-generic messages may arrive meanwhile (RFC 4253 §7.1).
    pub(crate) fn is_receiving_kex(&self) -> bool {
        self.peer_kexinit.is_some()
    }

    /// Whether we wait for the application's verdict on the host key (input processing pauses).
    pub(crate) fn is_awaiting_host_key(&self) -> bool {
        matches!(self.step, Step::ClientAwaitHostKey { .. })
    }

    /// Records that a message other than KEXINIT arrived before the peer's first KEXINIT.
    pub(crate) fn note_message_before_kexinit(&mut self) {
        if self.peer_kexinit.is_none() && !self.initial_done {
            self.peer_sent_before_kexinit = true;
        }
    }

    /// Sends our KEXINIT if we have not yet for this exchange.
    pub(crate) fn start(&mut self, t: &mut Transport, ctx: &KexContext<'_>) {
        if self.our_kexinit.is_some() {
            return;
        }
        let mut proposal = ctx.proposal.clone();
        if !self.initial_done {
            // Markers go only in the first KEXINIT (PROTOCOL §1.10, RFC 8308 §2.1).
            let (ext, strict) = match ctx.role {
                Role::Client => (markers::EXT_INFO_C, markers::KEX_STRICT_C),
                Role::Server => (markers::EXT_INFO_S, markers::KEX_STRICT_S),
            };
            proposal.kex.push(ext.to_owned());
            proposal.kex.push(strict.to_owned());
        }
        let mut cookie = [0u8; 16];
        crate::random::fill(&mut cookie);
        let mut payload = Vec::with_capacity(1024);
        proposal.write(&mut payload, &cookie);
        t.send(|b| b.extend_from_slice(&payload));
        t.begin_kex_send();
        self.our_kexinit = Some(payload);
        if matches!(self.step, Step::Idle) {
            self.step = Step::ExchangingKexInit;
        }
    }

    /// Handles the peer's KEXINIT (the whole payload, number included).
    pub(crate) fn handle_kexinit(
        &mut self,
        t: &mut Transport,
        ctx: &KexContext<'_>,
        payload: &[u8],
    ) -> Result<(), Error> {
        if self.peer_kexinit.is_some() {
            return Err(PeerMisbehaved::UnexpectedMessage {
                expected: "key exchange reply",
                got: number::KEXINIT,
            }
            .into());
        }
        self.start(t, ctx);
        let peer = KexInit::read(&mut Reader::new(payload.get(1..).unwrap_or_default()))?;
        if !self.initial_done {
            let (peer_ext, peer_strict) = match ctx.role {
                Role::Client => (markers::EXT_INFO_S, markers::KEX_STRICT_S),
                Role::Server => (markers::EXT_INFO_C, markers::KEX_STRICT_C),
            };
            self.peer_ext_info = peer.kex.contains(peer_ext);
            self.strict = peer.kex.contains(peer_strict);
            if self.strict && self.peer_sent_before_kexinit {
                // PROTOCOL §1.10: KEXINIT must be the first message; anything earlier may be a
                // prefix-truncation attacker's insertion.
                return Err(PeerMisbehaved::StrictKexViolation(number::KEXINIT).into());
            }
        }
        let ours = self.our_kexinit.as_deref().unwrap_or_default();
        let ours = KexInit::read(&mut Reader::new(ours.get(1..).unwrap_or_default()))?;
        let (client, server) = match ctx.role {
            Role::Client => (&ours, &peer),
            Role::Server => (&peer, &ours),
        };
        let algorithms = match negotiate::negotiate(client, server) {
            Ok(a) => a,
            Err(e) => {
                if let Error::PeerIncompatible(PeerIncompatible::NoCommonAlgorithm(kind)) = e {
                    self.their_offer =
                        negotiate::peer_offer(client, server, ctx.role == Role::Client, kind);
                }
                return Err(e);
            }
        };
        self.skip_guessed =
            peer.first_kex_packet_follows && !negotiate::guess_was_right(&peer, &ours);
        tracing::debug!(?algorithms, "negotiated");
        self.peer_kexinit = Some(payload.to_vec());
        match ctx.role {
            Role::Client => {
                let method = ClientKex::start(algorithms.kex)?;
                let mpint = algorithms.kex.uses_mpint_values();
                t.send(|b| {
                    KexEcdhInit {
                        client_value: method.public_value(),
                    }
                    .write(b, mpint)
                });
                self.step = Step::ClientExpectReply { method, algorithms };
            }
            Role::Server => self.step = Step::ServerExpectInit { algorithms },
        }
        Ok(())
    }

    /// Handles a method message (30–49).
    pub(crate) fn handle_method_message(
        &mut self,
        t: &mut Transport,
        ctx: &KexContext<'_>,
        payload: &[u8],
    ) -> Result<Option<KexOutput>, Error> {
        let got = payload.first().copied().unwrap_or(0);
        if self.skip_guessed {
            self.skip_guessed = false;
            return Ok(None);
        }
        let mut r = Reader::new(payload.get(1..).unwrap_or_default());
        match std::mem::replace(&mut self.step, Step::Idle) {
            Step::ClientExpectReply { method, algorithms } if got == number::KEX_REPLY => {
                let reply = KexEcdhReply::read(&mut r, algorithms.kex.uses_mpint_values())?;
                self.client_handle_reply(ctx, method, algorithms, &reply)
                    .map(Some)
            }
            Step::ServerExpectInit { algorithms } if got == number::KEX_INIT => {
                let init = KexEcdhInit::read(&mut r, algorithms.kex.uses_mpint_values())?;
                self.server_handle_init(t, ctx, algorithms, &init)?;
                Ok(None)
            }
            other => {
                self.step = other;
                Err(PeerMisbehaved::UnexpectedMessage {
                    expected: "key exchange message",
                    got,
                }
                .into())
            }
        }
    }

    fn client_handle_reply(
        &mut self,
        ctx: &KexContext<'_>,
        method: ClientKex,
        algorithms: Algorithms,
        reply: &KexEcdhReply<'_>,
    ) -> Result<KexOutput, Error> {
        let host_key = PublicKey::from_blob(reply.host_key).map_err(|_| CryptoError::BadHostKey)?;
        if host_key.key_type() != algorithms.host_key.key_type() {
            return Err(CryptoError::BadHostKey.into());
        }
        let client_value = method.public_value().to_vec();
        let k = method.finish(reply.server_value)?;
        let (client_id, server_id) = ctx.ids();
        let input = HashInput {
            client_id,
            server_id,
            client_kexinit: self.our_kexinit.as_deref().unwrap_or_default(),
            server_kexinit: self.peer_kexinit.as_deref().unwrap_or_default(),
            host_key: reply.host_key,
            client_value: &client_value,
            server_value: reply.server_value,
            mpint_values: algorithms.kex.uses_mpint_values(),
        };
        let hash = algorithms.kex.hash();
        let h = exchange_hash(hash, &input, &k);
        host_key
            .verify(algorithms.host_key, &h, reply.signature)
            .map_err(|_| CryptoError::BadSignature)?;
        let session_id = self.session_id.get_or_insert_with(|| h.clone()).clone();
        let (c2s, s2c) = derive_keys(
            hash,
            &k,
            &h,
            &session_id,
            algorithms.cipher_c2s,
            algorithms.cipher_s2c,
            algorithms.mac_c2s,
            algorithms.mac_s2c,
        );
        let keys = PendingKeys {
            sealer: Sealer::new(algorithms.cipher_c2s, algorithms.mac_c2s, &c2s)?,
            opener: Opener::new(algorithms.cipher_s2c, algorithms.mac_s2c, &s2c)?,
        };
        self.algorithms = Some(algorithms);
        self.step = Step::ClientAwaitHostKey { keys };
        Ok(KexOutput::VerifyHostKey(host_key))
    }

    /// Client: whether a re-key presents the key the first exchange verified (then no new verdict is
    /// needed, as OpenSSH's client re-checks known_hosts and finds the same key).
    pub(crate) fn is_known_host_key(&self, key: &PublicKey) -> bool {
        self.host_key.as_ref() == Some(key)
    }

    /// Client: the application trusts the host key: send NEWKEYS and switch our outbound key.
    pub(crate) fn accept_host_key(
        &mut self,
        t: &mut Transport,
        key: PublicKey,
    ) -> Result<(), Error> {
        let Step::ClientAwaitHostKey { keys } = std::mem::replace(&mut self.step, Step::Idle)
        else {
            return Err(crate::error::ApiMisuse::NothingPending("host key verification").into());
        };
        self.host_key.get_or_insert(key);
        self.send_newkeys(t, keys.sealer, None, true);
        self.step = Step::ExpectNewKeys {
            opener: keys.opener,
        };
        Ok(())
    }

    fn server_handle_init(
        &mut self,
        t: &mut Transport,
        ctx: &KexContext<'_>,
        algorithms: Algorithms,
        init: &KexEcdhInit<'_>,
    ) -> Result<(), Error> {
        let wanted = algorithms.host_key.key_type();
        let host_key = ctx
            .host_keys
            .iter()
            .find(|k| k.public().key_type() == wanted)
            .ok_or(crate::error::ApiMisuse::BadConfig(
                "no host key for the negotiated algorithm",
            ))?;
        let (server_value, k) = method::server_respond(algorithms.kex, init.client_value)?;
        let (client_id, server_id) = ctx.ids();
        let input = HashInput {
            client_id,
            server_id,
            client_kexinit: self.peer_kexinit.as_deref().unwrap_or_default(),
            server_kexinit: self.our_kexinit.as_deref().unwrap_or_default(),
            host_key: host_key.public().blob(),
            client_value: init.client_value,
            server_value: &server_value,
            mpint_values: algorithms.kex.uses_mpint_values(),
        };
        let hash = algorithms.kex.hash();
        let h = exchange_hash(hash, &input, &k);
        let signature = host_key
            .sign(algorithms.host_key, &h)
            .map_err(|_| CryptoError::Internal("host key signature failed"))?;
        let mpint = algorithms.kex.uses_mpint_values();
        t.send(|b| {
            KexEcdhReply {
                host_key: host_key.public().blob(),
                server_value: &server_value,
                signature: &signature,
            }
            .write(b, mpint);
        });
        let session_id = self.session_id.get_or_insert_with(|| h.clone()).clone();
        let (c2s, s2c) = derive_keys(
            hash,
            &k,
            &h,
            &session_id,
            algorithms.cipher_c2s,
            algorithms.cipher_s2c,
            algorithms.mac_c2s,
            algorithms.mac_s2c,
        );
        let sealer = Sealer::new(algorithms.cipher_s2c, algorithms.mac_s2c, &s2c)?;
        let opener = Opener::new(algorithms.cipher_c2s, algorithms.mac_c2s, &c2s)?;
        self.algorithms = Some(algorithms);
        // RFC 8308 §2.4: EXT_INFO is the first packet after the server's first NEWKEYS.
        let ext_info = if !self.initial_done && self.peer_ext_info {
            ctx.ext_info
        } else {
            None
        };
        self.send_newkeys(t, sealer, ext_info, false);
        self.step = Step::ExpectNewKeys { opener };
        Ok(())
    }

    fn send_newkeys(
        &mut self,
        t: &mut Transport,
        sealer: Sealer,
        ext_info: Option<&[u8]>,
        client: bool,
    ) {
        let (c2s, s2c) = self
            .algorithms
            .as_ref()
            .map_or((false, false), |a| (a.compress_c2s, a.compress_s2c));
        let (compress_out, compress_in) = if client { (c2s, s2c) } else { (s2c, c2s) };
        self.compress_in_next = compress_in;
        t.send(|b| b.extend_from_slice(&[number::NEWKEYS]));
        t.writer.set_sealer(sealer);
        t.set_out_compression(compress_out);
        if self.strict {
            t.writer.reset_seq();
        }
        if let Some(ext_info) = ext_info {
            t.send(|b| b.extend_from_slice(ext_info));
        }
        t.end_kex_send();
        self.our_kexinit = None;
    }

    /// Handles the peer's NEWKEYS: the inbound key switches and the exchange is over.
    pub(crate) fn handle_newkeys(&mut self, t: &mut Transport) -> Result<KexOutput, Error> {
        let Step::ExpectNewKeys { opener } = std::mem::replace(&mut self.step, Step::Idle) else {
            return Err(PeerMisbehaved::UnexpectedMessage {
                expected: "key exchange message",
                got: number::NEWKEYS,
            }
            .into());
        };
        t.reader.set_opener(opener);
        t.set_in_compression(self.compress_in_next);
        if self.strict {
            t.reader.reset_seq();
        }
        self.peer_kexinit = None;
        let initial = !self.initial_done;
        self.initial_done = true;
        Ok(KexOutput::Completed { initial })
    }
}
