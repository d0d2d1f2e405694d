//! Our client driver against our server driver over real loopback TCP: authentication, an echo
//! session with megabytes each way, exit status, EOF and close ordering.

use std::time::{Duration, Instant};

use oxssh_proto::msg::connection::ChannelRequest;
use oxssh_proto::{AuthMethod, ClientConfig, ClientConnection, Event, ServerConnection};
use oxssh_tokio::{Stream, connect, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that accepts password "pw" and echoes every session's data back, then reports exit 7.
async fn echo_server(listener: TcpListener) {
    let (socket, _) = listener.accept().await.unwrap();
    socket.set_nodelay(true).unwrap();
    let config = oxssh_test::server_config().build().unwrap();
    let mut driven = spawn(ServerConnection::new(config, Instant::now()), socket);
    while let Some(event) = driven.events.recv().await {
        match event {
            Event::AuthRequest {
                method: AuthMethod::Password { password, .. },
                ..
            } if password.as_slice() == b"pw" => {
                driven.handle.accept_auth();
            }
            Event::AuthRequest { .. } => driven.handle.reject_auth(None, false),
            Event::ChannelOpenRequest { channel, .. } => {
                let channel = driven.handle.accept_channel(channel).await.unwrap();
                tokio::spawn(async move {
                    let (request, want_reply) = channel.next_request().await.unwrap();
                    assert!(matches!(request, ChannelRequest::Exec { .. }));
                    if want_reply {
                        channel.reply(true);
                    }
                    let mut reader = channel.reader(Stream::Data);
                    let mut writer = channel.writer(Stream::Data);
                    tokio::io::copy(&mut reader, &mut writer).await.unwrap();
                    writer.flush().await.unwrap();
                    channel
                        .writer(Stream::Extended(1))
                        .write_all(b"done\n")
                        .await
                        .unwrap();
                    channel
                        .request(ChannelRequest::ExitStatus { code: 7 }, false)
                        .await;
                    channel.eof();
                    channel.close();
                });
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn echo_session_over_tcp_moves_8_mib_each_way() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(echo_server(listener));

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
            Event::UserauthReady => handle.auth_password("me", b"wrong"),
            Event::AuthFailure { .. } => handle.auth_password("me", b"pw"),
            Event::Authenticated => break,
            _ => {}
        }
    }
    let info = handle.info().await;
    assert!(info.strict_kex);
    let channel = handle.open_session().await.unwrap();
    assert!(
        channel
            .request(
                ChannelRequest::Exec {
                    command: b"cat".to_vec()
                },
                true
            )
            .await
    );

    let data: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let mut writer = channel.writer(Stream::Data);
    let to_send = data.clone();
    let send = tokio::spawn(async move {
        writer.write_all(&to_send).await.unwrap();
        writer.shutdown().await.unwrap();
    });
    let mut echoed = Vec::new();
    channel
        .reader(Stream::Data)
        .read_to_end(&mut echoed)
        .await
        .unwrap();
    send.await.unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echoed bytes differ");
    let mut stderr = Vec::new();
    channel
        .reader(Stream::Extended(1))
        .read_to_end(&mut stderr)
        .await
        .unwrap();
    assert_eq!(stderr, b"done\n");
    let (status, _) = channel.next_request().await.unwrap();
    assert_eq!(status, ChannelRequest::ExitStatus { code: 7 });
    tokio::time::timeout(Duration::from_secs(10), channel.closed())
        .await
        .unwrap();
    handle.disconnect(11, "bye");
    tokio::time::timeout(Duration::from_secs(10), driven.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
}
