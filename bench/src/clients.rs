//! The two clients, the four client/server pairings, the cipher suites, and the command line
//! each client gets (the same for both: OpenSSH's flags, the fixture's configuration file).

use std::process::{Command, Stdio};

use crate::fixture::{Fixture, HOST_ALIAS, Programs};
use crate::servers::{Endpoint, ServerKind};

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientKind {
    /// Ours.
    OxSsh,
    /// OpenSSH's.
    Ssh,
}

impl ClientKind {
    /// The name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::OxSsh => "oxssh",
            ClientKind::Ssh => "ssh",
        }
    }
}

/// One client against one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pairing {
    /// The client.
    pub client: ClientKind,
    /// The server.
    pub server: ServerKind,
}

impl Pairing {
    /// Ours against ours.
    pub const OURS: Pairing = Pairing {
        client: ClientKind::OxSsh,
        server: ServerKind::OxSshd,
    };
    /// OpenSSH against OpenSSH.
    pub const OPENSSH: Pairing = Pairing {
        client: ClientKind::Ssh,
        server: ServerKind::Sshd,
    };
    /// The four pairings in the order runs interleave them: the two that the headline ratios
    /// compare alternate (A B), then the two mixed ones.
    pub const ALL: [Pairing; 4] = [
        Pairing::OURS,
        Pairing::OPENSSH,
        Pairing {
            client: ClientKind::OxSsh,
            server: ServerKind::Sshd,
        },
        Pairing {
            client: ClientKind::Ssh,
            server: ServerKind::OxSshd,
        },
    ];

    /// `oxssh→sshd` and so on.
    pub fn label(self) -> String {
        format!("{}→{}", self.client.name(), self.server.name())
    }
}

/// A cipher, and the MAC it needs when it is not an AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Suite {
    /// The short name in tables.
    pub label: &'static str,
    /// `-c`.
    pub cipher: &'static str,
    /// `-m`, for non-AEAD ciphers.
    pub mac: Option<&'static str>,
}

/// The four suites the issue asks for.
pub const SUITES: [Suite; 4] = [
    Suite {
        label: "aes128-gcm",
        cipher: "aes128-gcm@openssh.com",
        mac: None,
    },
    Suite {
        label: "aes256-gcm",
        cipher: "aes256-gcm@openssh.com",
        mac: None,
    },
    Suite {
        label: "chacha20-poly1305",
        cipher: "chacha20-poly1305@openssh.com",
        mac: None,
    },
    Suite {
        label: "aes128-ctr+etm",
        cipher: "aes128-ctr",
        mac: Some("hmac-sha2-256-etm@openssh.com"),
    },
];

/// The command that runs `remote` on the server at `endpoint` with `client`; standard streams
/// are null until the caller says otherwise.
pub fn command(
    client: ClientKind,
    programs: &Programs,
    fixture: &Fixture,
    endpoint: &Endpoint,
    suite: Option<Suite>,
    extra: &[&str],
    remote: &str,
) -> Command {
    let program = match client {
        ClientKind::OxSsh => &programs.oxssh,
        ClientKind::Ssh => &programs.ssh,
    };
    let mut c = match &endpoint.client_netns {
        // `ip netns exec` execs the client, so the child we wait for is the client itself.
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(program);
            c
        }
        None => Command::new(program),
    };
    c.arg("-F")
        .arg(&fixture.client_config)
        .arg("-o")
        .arg(format!("HostName={}", endpoint.host))
        .arg("-p")
        .arg(endpoint.port.to_string());
    if let Some(s) = suite {
        c.arg("-c").arg(s.cipher);
        if let Some(mac) = s.mac {
            c.arg("-m").arg(mac);
        }
    }
    c.args(extra);
    c.arg(HOST_ALIAS);
    if !remote.is_empty() {
        c.arg(remote);
    }
    // An agent in our environment would change what the clients try; IdentityAgent none says so
    // too, but not every version honours it for every path.
    c.env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}
