//! Opening TCP connections the way OpenSSH's ssh_connect_direct does: every address of the name in
//! turn, ConnectionAttempts rounds a second apart, ConnectTimeout per attempt, and errors whose text is
//! OpenSSH's ("connect to host H port P: Connection refused").

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// Which address families to try (AddressFamily, -4, -6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressFamily {
    /// Either.
    #[default]
    Any,
    /// IPv4 only.
    Inet,
    /// IPv6 only.
    Inet6,
}

/// Why a connection could not be made. `Display` gives OpenSSH's words without the program prefix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The name did not resolve.
    #[error("Could not resolve hostname {host}: {reason}")]
    Resolve {
        /// The name as given.
        host: String,
        /// The resolver's reason.
        reason: String,
    },
    /// Every address failed.
    #[error("connect to host {host} port {port}: {reason}")]
    Connect {
        /// The name as given.
        host: String,
        /// The port.
        port: u16,
        /// strerror-style text of the last failure.
        reason: String,
    },
}

/// The text of an I/O error without Rust's " (os error N)" suffix, which is exactly strerror(3)'s
/// text, the words OpenSSH prints.
pub fn error_text(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::TimedOut && e.raw_os_error().is_none() {
        return "Connection timed out".to_owned();
    }
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Resolves `host` (a name or an address literal) to socket addresses of the wanted family.
pub async fn resolve(
    host: &str,
    port: u16,
    family: AddressFamily,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let found = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| ConnectError::Resolve {
            host: host.to_owned(),
            reason: error_text(&e)
                .trim_start_matches("failed to lookup address information: ")
                .to_owned(),
        })?;
    let addrs: Vec<SocketAddr> = found
        .filter(|a| match family {
            AddressFamily::Any => true,
            AddressFamily::Inet => a.is_ipv4(),
            AddressFamily::Inet6 => a.is_ipv6(),
        })
        .collect();
    if addrs.is_empty() {
        return Err(ConnectError::Resolve {
            host: host.to_owned(),
            reason: "Address family for hostname not supported".to_owned(),
        });
    }
    Ok(addrs)
}

/// Connects to `host:port`, trying every address, `attempts` rounds (at least one) a second apart,
/// each attempt bounded by `timeout`. TCP_NODELAY is set: SSH is interactive and batches its own
/// writes.
pub async fn connect(
    host: &str,
    port: u16,
    family: AddressFamily,
    timeout: Option<Duration>,
    attempts: u32,
) -> Result<TcpStream, ConnectError> {
    let addrs = resolve(host, port, family).await?;
    let mut last = io::Error::from(io::ErrorKind::ConnectionRefused);
    for round in 0..attempts.max(1) {
        if round > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        for addr in &addrs {
            let attempt = TcpStream::connect(addr);
            let result = match timeout {
                Some(t) => tokio::time::timeout(t, attempt)
                    .await
                    .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
                None => attempt.await,
            };
            match result {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "connect failed");
                    last = e;
                }
            }
        }
    }
    Err(ConnectError::Connect {
        host: host.to_owned(),
        port,
        reason: error_text(&last),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_port_is_refused_in_openssh_words() {
        // Bind then drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = connect("127.0.0.1", port, AddressFamily::Any, None, 1)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connect to host 127.0.0.1 port {port}: Connection refused")
        );
    }

    #[tokio::test]
    async fn an_unknown_name_does_not_resolve() {
        let err = connect("no-such-host.invalid", 22, AddressFamily::Any, None, 1)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Could not resolve hostname no-such-host.invalid: "),
            "{err}"
        );
    }
}
