//! How a channel ended, as the client sees it: closed by CLOSE both ways, or lost with the
//! connection. (A client decides from this whether a session finished or the connection dropped.)

use std::time::{Duration, Instant};

use oxssh_proto::msg::connection::ChannelRequest;
use oxssh_proto::{AuthMethod, ClientConfig, ClientConnection, Event, ServerConnection};
use oxssh_tokio::{Channel, connect, spawn};
use tokio::net::TcpListener;

/// A server that accepts any password and then, at the first channel's first request, either
/// closes the channel (`abort` false) or drops the whole connection (`abort` true).
async fn server(listener: TcpListener, abort: bool) {
    let (socket, _) = listener.accept().await.unwrap();
    let config = oxssh_test::server_config().build().unwrap();
    let mut driven = spawn(ServerConnection::new(config, Instant::now()), socket);
    while let Some(event) = driven.events.recv().await {
        match event {
            Event::AuthRequest {
                method: AuthMethod::Password { .. },
                ..
            } => driven.handle.accept_auth(),
            Event::AuthRequest { .. } => driven.handle.reject_auth(None, false),
            Event::ChannelOpenRequest { channel, .. } => {
                let channel = driven.handle.accept_channel(channel).await.unwrap();
                // The client has the channel once it sends a request on it.
                channel.next_request().await.unwrap();
                if abort {
                    driven.task.abort();
                    return;
                }
                channel.eof();
                channel.close();
            }
            _ => {}
        }
    }
}

async fn session(abort: bool) -> Channel {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(server(listener, abort));
    let socket = connect::connect(
        "127.0.0.1",
        port,
        connect::AddressFamily::Any,
        Some(Duration::from_secs(5)),
        1,
    )
    .await
    .unwrap();
    let config = ClientConfig::default().build().unwrap();
    let mut driven = spawn(ClientConnection::new(config, Instant::now()), socket);
    let handle = driven.handle.clone();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), driven.events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            Event::HostKey { .. } => handle.accept_host_key(),
            Event::UserauthReady => handle.auth_password("me", b"pw"),
            Event::Authenticated => break,
            _ => {}
        }
    }
    // Keep the connection's events flowing (and the connection alive) in the background.
    tokio::spawn(async move { while driven.events.recv().await.is_some() {} });
    let channel = handle.open_session().await.unwrap();
    let exec = ChannelRequest::Exec {
        command: b"true".to_vec(),
    };
    channel.request(exec, false).await;
    tokio::time::timeout(Duration::from_secs(10), channel.closed())
        .await
        .unwrap();
    channel
}

#[tokio::test]
async fn a_channel_closed_by_the_peer_is_not_lost() {
    let channel = session(false).await;
    assert!(channel.is_closed());
    assert!(!channel.is_lost());
}

#[tokio::test]
async fn a_channel_whose_connection_dropped_is_lost() {
    let channel = session(true).await;
    assert!(channel.is_closed());
    assert!(channel.is_lost());
}
