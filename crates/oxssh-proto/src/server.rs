//! The server role: authentication decisions.

use std::sync::Arc;
use std::time::Instant;

use crate::auth::server::ServerAuth;
use crate::config::ServerConfig;
use crate::conn::{Connection, Server};
use crate::core::{Core, Side};
use crate::error::{ApiMisuse, Error};
use crate::event::InfoPrompt;
use crate::transport::Transport;

/// A server connection.
pub type ServerConnection = Connection<Server>;

impl Connection<Server> {
    /// Starts a server connection for one accepted socket.
    pub fn new(config: Arc<ServerConfig>, now: Instant) -> Self {
        Self::from_core(Core::new_server(config, now))
    }

    fn server_auth(
        &mut self,
    ) -> Result<
        (
            &mut ServerAuth,
            &ServerConfig,
            &mut Transport,
            &mut std::collections::VecDeque<crate::Event>,
        ),
        Error,
    > {
        self.core.check()?;
        match &mut self.core.side {
            Side::Server { auth, config, .. } => Ok((
                auth,
                config,
                &mut self.core.transport,
                &mut self.core.events,
            )),
            Side::Client { .. } => Err(ApiMisuse::BadConfig("server call on a client").into()),
        }
    }

    /// Accepts the pending authentication request (for a publickey query: PK_OK).
    pub fn accept_auth(&mut self) -> Result<(), Error> {
        let (auth, _, t, events) = self.server_auth()?;
        let result = auth.accept(t, events);
        self.core.settle(result)
    }

    /// Refuses the pending authentication request with the configured method list.
    pub fn reject_auth(&mut self) -> Result<(), Error> {
        self.reject_auth_with(None, false)
    }

    /// Refuses the pending request naming the methods that can continue; `partial` reports a successful
    /// step of a multi-method login (AuthenticationMethods).
    pub fn reject_auth_with(
        &mut self,
        methods: Option<&[&str]>,
        partial: bool,
    ) -> Result<(), Error> {
        let (auth, config, t, _) = self.server_auth()?;
        let result = auth.reject(t, config, methods, partial);
        self.core.settle(result)
    }

    /// Sends keyboard-interactive prompts for the pending keyboard-interactive request.
    pub fn ask_info(
        &mut self,
        name: &str,
        instruction: &str,
        prompts: &[InfoPrompt],
    ) -> Result<(), Error> {
        let (auth, _, t, _) = self.server_auth()?;
        auth.ask_info(t, name, instruction, prompts)
    }

    /// Sends an authentication banner.
    pub fn send_banner(&mut self, message: &str) -> Result<(), Error> {
        let (auth, _, t, _) = self.server_auth()?;
        auth.banner(t, message)
    }

    /// The user name the client authenticates (or authenticated) as.
    pub fn auth_user(&self) -> Option<&str> {
        match &self.core.side {
            Side::Server { auth, .. } => auth.user(),
            Side::Client { .. } => None,
        }
    }
}
