//! Helpers for the interoperability tests: drive our client to a given stage against a real server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

use oxssh_proto::{ClientConfig, ClientConnection, Event};
use oxssh_tokio::{ConnectionInfo, Driven, connect, spawn};

/// Connects our client to 127.0.0.1:`port`, accepts the host key and runs until the server accepts the
/// ssh-userauth service. Returns the running connection and what was negotiated.
pub async fn handshake(
    port: u16,
    config: ClientConfig,
) -> Result<(Driven, ConnectionInfo), String> {
    let socket = connect::connect(
        "127.0.0.1",
        port,
        connect::AddressFamily::Any,
        Some(Duration::from_secs(10)),
        1,
    )
    .await
    .map_err(|e| e.to_string())?;
    let config = config.build().map_err(|e| e.to_string())?;
    let mut driven = spawn(ClientConnection::new(config, Instant::now()), socket);
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), driven.events.recv())
            .await
            .map_err(|_| "timed out".to_owned())?;
        match event {
            Some(Event::HostKey { .. }) => driven.handle.accept_host_key(),
            Some(Event::UserauthReady) => break,
            Some(Event::Disconnected {
                reason,
                description,
            }) => return Err(format!("disconnected {reason}: {description}")),
            Some(_) => {}
            None => {
                let result = driven.task.await.map_err(|e| e.to_string())?;
                return Err(format!("connection ended: {result:?}"));
            }
        }
    }
    let info = driven.handle.info().await;
    Ok((driven, info))
}

/// A client configuration restricted to one algorithm of each kind.
pub fn single(kex: &str, host_key: &str, cipher: &str, mac: &str) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.common.algorithms.kex = vec![kex.to_owned()];
    config.common.algorithms.host_key = vec![host_key.to_owned()];
    config.common.algorithms.ciphers = vec![cipher.to_owned()];
    config.common.algorithms.macs = vec![mac.to_owned()];
    config
}
