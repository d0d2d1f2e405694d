//! Measures one-stream upload throughput between our client and server drivers over loopback TCP:
//! `cargo run --release -p oxssh-tokio --example throughput -- [cipher] [MiB]`.

use std::time::{Duration, Instant};

use oxssh_proto::{AuthMethod, ClientConfig, ClientConnection, Event, ServerConnection};
use oxssh_tokio::{Stream, connect, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cipher = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "aes128-gcm@openssh.com".into());
    let mib: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server_config = oxssh_test::server_config();
    server_config.common.algorithms.ciphers = vec![cipher.clone()];
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        socket.set_nodelay(true).unwrap();
        let mut driven = spawn(
            ServerConnection::new(server_config.build().unwrap(), Instant::now()),
            socket,
        );
        while let Some(event) = driven.events.recv().await {
            match event {
                Event::AuthRequest {
                    method: AuthMethod::Password { .. },
                    ..
                } => driven.handle.accept_auth(),
                Event::AuthRequest { .. } => driven.handle.reject_auth(None, false),
                Event::ChannelOpenRequest { channel, .. } => {
                    let channel = driven.handle.accept_channel(channel).await.unwrap();
                    tokio::spawn(async move {
                        let mut reader = channel.reader(Stream::Data);
                        let mut total = 0usize;
                        while let Some(chunk) = reader.read_chunk().await {
                            total += chunk.len();
                        }
                        channel
                            .writer(Stream::Data)
                            .write_all(&total.to_be_bytes())
                            .await
                            .unwrap();
                        channel.eof();
                        channel.close();
                    });
                }
                _ => {}
            }
        }
    });
    let socket = connect::connect(
        "127.0.0.1",
        port,
        connect::AddressFamily::Any,
        Some(Duration::from_secs(5)),
        1,
    )
    .await
    .unwrap();
    let mut config = ClientConfig::default();
    config.common.algorithms.ciphers = vec![cipher.clone()];
    let mut driven = spawn(
        ClientConnection::new(config.build().unwrap(), Instant::now()),
        socket,
    );
    let handle = driven.handle.clone();
    loop {
        match driven.events.recv().await.unwrap() {
            Event::HostKey { .. } => handle.accept_host_key(),
            Event::UserauthReady => handle.auth_password("me", b"pw"),
            Event::Authenticated => break,
            _ => {}
        }
    }
    let channel = handle.open_session().await.unwrap();
    let block = vec![0x42u8; 256 * 1024];
    let start = Instant::now();
    let mut writer = channel.writer(Stream::Data);
    for _ in 0..mib * 4 {
        writer.write_all(&block).await.unwrap();
    }
    writer.shutdown().await.unwrap();
    let mut answer = [0u8; 8];
    channel
        .reader(Stream::Data)
        .read_exact(&mut answer)
        .await
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(usize::from_be_bytes(answer), mib * 1024 * 1024);
    println!(
        "{cipher}: {mib} MiB in {secs:.2} s = {:.0} MB/s",
        (mib * 1024 * 1024) as f64 / secs / 1e6
    );
}
