//! The client role: host-key verdicts and authentication requests.

use std::sync::Arc;
use std::time::Instant;

use crate::auth::client::ClientAuth;
use crate::config::ClientConfig;
use crate::conn::{Client, Connection};
use crate::core::{Core, Side};
use crate::error::{ApiMisuse, CryptoError, Error};
use crate::event::ChannelId;
use crate::msg::connection::ChannelKind;

/// A client connection.
pub type ClientConnection = Connection<Client>;

impl Connection<Client> {
    /// Starts a client connection; our identification and KEXINIT are ready to send at once.
    pub fn new(config: Arc<ClientConfig>, now: Instant) -> Self {
        Self::from_core(Core::new_client(config, now))
    }

    fn client_auth(
        &mut self,
    ) -> Result<(&mut ClientAuth, &mut crate::transport::Transport), Error> {
        self.core.check()?;
        match &mut self.core.side {
            Side::Client { auth, .. } => Ok((auth, &mut self.core.transport)),
            Side::Server { .. } => Err(ApiMisuse::BadConfig("client call on a server").into()),
        }
    }

    /// Trusts the host key from [`crate::Event::HostKey`]; the key exchange completes.
    pub fn accept_host_key(&mut self) -> Result<(), Error> {
        self.core.check()?;
        let key = match &mut self.core.side {
            Side::Client {
                pending_host_key, ..
            } => pending_host_key.take(),
            Side::Server { .. } => None,
        }
        .ok_or(ApiMisuse::NothingPending("host key verification"))?;
        let result = self.core.kex.accept_host_key(&mut self.core.transport, key);
        self.core.settle(result)
    }

    /// Refuses the host key: the connection ends with HOST_KEY_NOT_VERIFIABLE.
    pub fn reject_host_key(&mut self) -> Result<(), Error> {
        self.core.check()?;
        let _ = self.core.settle(Err(CryptoError::BadHostKey.into()));
        Ok(())
    }

    /// The signature algorithms the server accepts for publickey authentication (RFC 8308 server-sig-algs),
    /// if it said.
    pub fn server_sig_algs(&self) -> Option<&[String]> {
        match &self.core.side {
            Side::Client {
                server_sig_algs, ..
            } => server_sig_algs.as_deref(),
            Side::Server { .. } => None,
        }
    }

    /// Sends a "none" authentication request (to learn the methods, or for accounts without any).
    pub fn auth_none(&mut self, user: &str) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.none(t, user)
    }

    /// Sends a password authentication request.
    pub fn auth_password(&mut self, user: &str, password: &[u8]) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.password(t, user, password, None)
    }

    /// Answers a password change request with the old and the new password.
    pub fn auth_change_password(
        &mut self,
        user: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.password(t, user, old, Some(new))
    }

    /// Asks whether a key would be accepted (answered by [`crate::Event::AuthPkOk`] or a failure).
    pub fn auth_publickey_query(
        &mut self,
        user: &str,
        algorithm: &str,
        key_blob: &[u8],
    ) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.publickey_query(t, user, algorithm, key_blob)
    }

    /// The bytes a publickey signature must cover for this user, algorithm and key.
    pub fn publickey_signed_data(
        &self,
        user: &str,
        algorithm: &str,
        key_blob: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let session_id = self
            .core
            .kex
            .session_id()
            .ok_or(ApiMisuse::NothingPending("session"))?;
        Ok(ClientAuth::signed_data(
            session_id, user, algorithm, key_blob,
        ))
    }

    /// Sends a signed publickey request; `signature` is the SSH signature blob over
    /// [`publickey_signed_data`](Self::publickey_signed_data).
    pub fn auth_publickey_signed(
        &mut self,
        user: &str,
        algorithm: &str,
        key_blob: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.publickey_signed(t, user, algorithm, key_blob, signature)
    }

    /// Starts keyboard-interactive authentication.
    pub fn auth_keyboard_interactive(&mut self, user: &str, submethods: &str) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.keyboard_interactive(t, user, submethods)
    }

    /// Answers keyboard-interactive prompts, one response per prompt.
    pub fn auth_info_response<S: AsRef<[u8]>>(&mut self, responses: &[S]) -> Result<(), Error> {
        let (auth, t) = self.client_auth()?;
        auth.info_response(t, responses)
    }

    /// Opens a session channel.
    pub fn open_session(&mut self) -> Result<ChannelId, Error> {
        self.open_channel(ChannelKind::Session)
    }
}
