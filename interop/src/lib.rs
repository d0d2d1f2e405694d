//! Helpers for the interoperability tests: drive our client to a given stage against a real server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

pub mod test_server;

use std::process::Stdio;
use std::time::{Duration, Instant};

use oxssh_proto::{ClientConfig, ClientConnection, Event};
use oxssh_tokio::{ConnectionInfo, Driven, connect, spawn};
pub use test_server::TestServer;

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

/// What a finished process produced.
#[derive(Debug)]
pub struct ProcessOutput {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl ProcessOutput {
    /// Standard error as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs a program with `stdin` fed to it (concurrently with reading its output, so large inputs
/// cannot deadlock), killing it after `limit`. Panics on timeout, naming the command.
pub async fn run_process(
    program: &str,
    args: &[String],
    stdin: Vec<u8>,
    limit: Duration,
) -> ProcessOutput {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{program} starts: {e}"));
    let mut input = child.stdin.take().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let feed = tokio::spawn(async move {
        let _ = input.write_all(&stdin).await;
        let _ = input.shutdown().await;
    });
    let work = async {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let (a, b) = tokio::join!(out.read_to_end(&mut stdout), err.read_to_end(&mut stderr));
        a.unwrap();
        b.unwrap();
        let status = child.wait().await.unwrap();
        ProcessOutput {
            code: status.code(),
            stdout,
            stderr,
        }
    };
    let result = tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not finish within {limit:?}"));
    feed.abort();
    result
}

/// A deterministic, incompressible-looking test pattern of `len` bytes.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            // xorshift32
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// An ed25519 user key pair made by OpenSSH's ssh-keygen in `dir`: (private key path, public key).
pub fn user_key(dir: &std::path::Path) -> (std::path::PathBuf, oxssh_keys::PublicKey) {
    let path = dir.join("id_ed25519");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let line = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    let (key, _) = oxssh_keys::PublicKey::parse_openssh_line(&line).unwrap();
    (path, key)
}

/// The names `ssh -Q <query>` lists.
pub fn openssh_list(query: &str) -> Vec<String> {
    let out = std::process::Command::new("ssh")
        .args(["-Q", query])
        .output()
        .expect("ssh -Q runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The algorithm lists a server offers in its first KEXINIT (both directions merged as the server
/// sent them client-to-server).
#[derive(Debug, Clone, Default)]
pub struct OfferedAlgorithms {
    /// The peer's identification line.
    pub identification: String,
    /// Key exchange methods (markers included).
    pub kex: Vec<String>,
    /// Host key algorithms.
    pub host_key: Vec<String>,
    /// Ciphers.
    pub ciphers: Vec<String>,
    /// MACs.
    pub macs: Vec<String>,
}

/// Connects to 127.0.0.1:`port`, sends an identification line and reads the server's plaintext
/// KEXINIT: what the server really supports, independent of its documentation.
pub fn server_offer(port: u16) -> OfferedAlgorithms {
    use std::io::{Read, Write};
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket.write_all(b"SSH-2.0-oxssh_probe\r\n").unwrap();
    // Identification: read byte by byte up to the LF (bounded by the RFC's 255 bytes, plus lines
    // before it, which we skip).
    let mut identification = Vec::new();
    for _ in 0..64 * 1024 {
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).unwrap();
        if byte[0] == b'\n' {
            if identification.starts_with(b"SSH-") {
                break;
            }
            identification.clear();
        } else {
            identification.push(byte[0]);
        }
    }
    let identification = String::from_utf8_lossy(&identification)
        .trim_end()
        .to_owned();
    let mut length = [0u8; 4];
    socket.read_exact(&mut length).unwrap();
    let length = u32::from_be_bytes(length) as usize;
    assert!(length < 64 * 1024, "KEXINIT of {length} bytes");
    let mut packet = vec![0u8; length];
    socket.read_exact(&mut packet).unwrap();
    let padding = packet[0] as usize;
    let payload = &packet[1..length - padding];
    assert_eq!(payload[0], oxssh_proto::msg::number::KEXINIT);
    let mut reader = oxssh_wire::Reader::new(&payload[1..]);
    let init = oxssh_proto::msg::transport::KexInit::read(&mut reader).unwrap();
    let list = |l: &oxssh_wire::NameList<'_>| l.iter().map(str::to_owned).collect::<Vec<_>>();
    OfferedAlgorithms {
        identification,
        kex: list(&init.kex),
        host_key: list(&init.host_key),
        ciphers: list(&init.cipher_c2s),
        macs: list(&init.mac_c2s),
    }
}

/// Logs in with a password on a connection from [`handshake`], runs `command` in a session and
/// returns its stdout and exit status.
pub async fn login_and_exec(
    mut driven: Driven,
    user: &str,
    password: &[u8],
    command: &str,
) -> Result<(Vec<u8>, Option<u32>), String> {
    use oxssh_proto::msg::connection::ChannelRequest;
    use tokio::io::AsyncReadExt;
    let step = Duration::from_secs(20);
    driven.handle.auth_password(user, password);
    loop {
        match tokio::time::timeout(step, driven.events.recv()).await {
            Ok(Some(Event::Authenticated)) => break,
            Ok(Some(Event::AuthFailure { methods, .. })) => {
                return Err(format!("password refused; methods {methods:?}"));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err("connection ended during authentication".into()),
            Err(_) => return Err("timed out during authentication".into()),
        }
    }
    let channel = tokio::time::timeout(step, driven.handle.open_session())
        .await
        .map_err(|_| "timed out opening a session")?
        .map_err(|e| e.to_string())?;
    let exec = ChannelRequest::Exec {
        command: command.as_bytes().to_vec(),
    };
    if !tokio::time::timeout(step, channel.request(exec, true))
        .await
        .map_err(|_| "timed out on exec")?
    {
        return Err("exec refused".into());
    }
    let mut stdout = Vec::new();
    tokio::time::timeout(
        step,
        channel
            .reader(oxssh_tokio::Stream::Data)
            .read_to_end(&mut stdout),
    )
    .await
    .map_err(|_| "timed out reading output")?
    .map_err(|e| e.to_string())?;
    let mut status = None;
    while let Ok(Some((request, _))) = tokio::time::timeout(step, channel.next_request()).await {
        if let ChannelRequest::ExitStatus { code } = request {
            status = Some(code);
        }
    }
    driven.handle.disconnect(11, "done");
    Ok((stdout, status))
}

/// Whether python3 can import `module`. Missing is a loud skip locally and a failure under `CI=true`,
/// like a missing peer binary.
pub fn require_python_module(module: &str) -> bool {
    if !oxssh_test::peers::require("python3") {
        return false;
    }
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("python3 module {module} is not installed but CI=true");
    }
    eprintln!("SKIPPED: python3 module {module} is not installed");
    false
}

/// The path of a helper script in interop/tests/python (run them with `python3 -B`, so no
/// `__pycache__` appears in the source tree).
pub fn python_script(name: &str) -> String {
    format!("{}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Every algorithm name we implement, as the `--ours-*` arguments of the Python matrix scripts
/// (`ssh-rsa` left out: we never sign with SHA-1).
pub fn our_algorithm_args() -> Vec<String> {
    use oxssh_proto::names;
    let join = |v: Vec<&str>| v.join(",");
    vec![
        "--ours-kex".into(),
        join(names::supported_kex_names().collect()),
        "--ours-host-keys".into(),
        join(
            oxssh_keys::SignatureAlgorithm::ALL
                .iter()
                .map(|a| a.name())
                .filter(|n| *n != "ssh-rsa")
                .collect(),
        ),
        "--ours-ciphers".into(),
        join(names::supported_cipher_names().collect()),
        "--ours-macs".into(),
        join(names::supported_mac_names().collect()),
    ]
}

/// Checks the output of a Python matrix script: every line `OK ...`, none `FAIL ...`, and at least
/// `min_ok` of them. Returns the OK lines.
pub fn check_matrix_output(out: &ProcessOutput, min_ok: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stdout);
    let ok: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("OK "))
        .map(str::to_owned)
        .collect();
    let failed: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert!(
        failed.is_empty() && out.code == Some(0),
        "exit {:?}; failures:\n{}\nstderr:\n{}",
        out.code,
        failed.join("\n"),
        out.stderr_text()
    );
    assert!(ok.len() >= min_ok, "only {} cases ran:\n{text}", ok.len());
    ok
}
