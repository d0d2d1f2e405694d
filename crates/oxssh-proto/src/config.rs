//! Configuration of a connection: algorithm preferences, limits and, for the server, host keys.

use std::sync::Arc;
use std::time::Duration;

use oxssh_keys::{PrivateKey, SignatureAlgorithm};

use crate::error::{ApiMisuse, Error};
use crate::limits;
use crate::msg::transport::Proposal;
use crate::names::{
    self, COMPRESSION_NONE, COMPRESSION_ZLIB_OPENSSH, CipherAlgorithm, KexAlgorithm, MacAlgorithm,
    defaults,
};

/// Algorithm preference lists, most preferred first, as wire names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Algorithms {
    /// Key-exchange methods.
    pub kex: Vec<String>,
    /// Host key signature algorithms.
    pub host_key: Vec<String>,
    /// Ciphers (both directions).
    pub ciphers: Vec<String>,
    /// MACs (both directions).
    pub macs: Vec<String>,
    /// Compression methods (both directions): `none` and `zlib@openssh.com`.
    pub compression: Vec<String>,
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Algorithms {
    /// The client defaults (OpenSSH's).
    pub fn client_defaults() -> Self {
        Self {
            kex: owned(defaults::CLIENT_KEX),
            host_key: owned(defaults::CLIENT_HOST_KEY),
            ciphers: owned(defaults::CIPHERS),
            macs: owned(defaults::CLIENT_MACS),
            compression: owned(&[COMPRESSION_NONE]),
        }
    }

    /// The server defaults (stricter; see docs/defaults.md).
    pub fn server_defaults() -> Self {
        Self {
            kex: owned(defaults::SERVER_KEX),
            host_key: owned(defaults::SERVER_HOST_KEY),
            ciphers: owned(defaults::CIPHERS),
            macs: owned(defaults::SERVER_MACS),
            // sshd's default (Compression yes): offered, used only when the client asks first.
            compression: owned(&[COMPRESSION_NONE, COMPRESSION_ZLIB_OPENSSH]),
        }
    }

    /// Every name must be one we implement, and no list may be empty.
    fn validate(&self) -> Result<(), Error> {
        let check = |list: &[String], known: fn(&str) -> bool, what: &'static str| {
            if list.is_empty() || !list.iter().all(|n| known(n)) {
                Err(Error::ApiMisuse(ApiMisuse::BadConfig(what)))
            } else {
                Ok(())
            }
        };
        check(
            &self.kex,
            |n| KexAlgorithm::from_name(n).is_some(),
            "key exchange list",
        )?;
        check(
            &self.host_key,
            |n| SignatureAlgorithm::from_name(n).is_some(),
            "host key algorithm list",
        )?;
        check(
            &self.ciphers,
            |n| CipherAlgorithm::from_name(n).is_some(),
            "cipher list",
        )?;
        check(
            &self.compression,
            |n| n == COMPRESSION_NONE || n == COMPRESSION_ZLIB_OPENSSH,
            "compression list",
        )?;
        check(
            &self.macs,
            |n| MacAlgorithm::from_name(n).is_some(),
            "MAC list",
        )
    }

    pub(crate) fn proposal(&self) -> Proposal {
        Proposal {
            kex: self.kex.clone(),
            host_key: self.host_key.clone(),
            ciphers: self.ciphers.clone(),
            macs: self.macs.clone(),
            compression: self.compression.clone(),
        }
    }
}

/// Settings both sides share.
#[derive(Debug, Clone)]
pub struct Common {
    /// Algorithm preferences.
    pub algorithms: Algorithms,
    /// The software version in our identification line ("oxssh_0.1.0").
    pub software_version: String,
    /// Re-key after this many bytes in either direction (RekeyLimit); the cipher's own limit applies
    /// when this is larger or unset.
    pub rekey_bytes: Option<u64>,
    /// Re-key after this long (RekeyLimit's second field).
    pub rekey_time: Option<Duration>,
    /// The receive window a new channel starts with.
    pub channel_window: u32,
    /// The largest data packet we accept on a channel.
    pub channel_max_packet: u32,
}

impl Common {
    fn new(algorithms: Algorithms) -> Self {
        Self {
            algorithms,
            software_version: format!("oxssh_{}", env!("CARGO_PKG_VERSION")),
            rekey_bytes: None,
            rekey_time: None,
            channel_window: limits::DEFAULT_CHANNEL_WINDOW,
            channel_max_packet: limits::DEFAULT_CHANNEL_PACKET,
        }
    }

    /// Our identification line without CR LF.
    pub fn identification(&self) -> String {
        format!("SSH-2.0-{}", self.software_version)
    }

    fn validate(&self) -> Result<(), Error> {
        self.algorithms.validate()?;
        let printable = self
            .software_version
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'-');
        if self.software_version.is_empty() || !printable || self.software_version.len() > 200 {
            return Err(ApiMisuse::BadConfig("software version").into());
        }
        if self.channel_max_packet < 1024 || self.channel_window < self.channel_max_packet {
            return Err(ApiMisuse::BadConfig("channel window").into());
        }
        Ok(())
    }
}

/// Client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Shared settings.
    pub common: Common,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            common: Common::new(Algorithms::client_defaults()),
        }
    }
}

impl ClientConfig {
    /// Checks the configuration and freezes it for sharing between connections.
    pub fn build(self) -> Result<Arc<Self>, Error> {
        self.common.validate()?;
        Ok(Arc::new(self))
    }
}

/// Server configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Shared settings. The host key list is further limited to the keys in `host_keys`.
    pub common: Common,
    /// The host keys.
    pub host_keys: Vec<Arc<PrivateKey>>,
    /// The time from connection to successful authentication (LoginGraceTime); `None` for no limit.
    pub login_grace_time: Option<Duration>,
    /// Failed authentication attempts allowed before disconnecting (MaxAuthTries).
    pub max_auth_tries: u32,
    /// Method names announced in USERAUTH_FAILURE.
    pub auth_methods: Vec<String>,
    /// Signature algorithms accepted for publickey authentication (also sent as server-sig-algs).
    pub pubkey_algorithms: Vec<String>,
}

impl ServerConfig {
    /// A server with these host keys and the defaults.
    pub fn new(host_keys: Vec<Arc<PrivateKey>>) -> Self {
        Self {
            common: Common::new(Algorithms::server_defaults()),
            host_keys,
            login_grace_time: Some(Duration::from_secs(120)),
            max_auth_tries: 6,
            auth_methods: owned(&["publickey", "password", "keyboard-interactive"]),
            pubkey_algorithms: owned(defaults::PUBKEY_ACCEPTED),
        }
    }

    /// Checks the configuration, limits host key algorithms to the keys present, and freezes it.
    pub fn build(mut self) -> Result<Arc<Self>, Error> {
        let have = |name: &String| {
            SignatureAlgorithm::from_name(name).is_some_and(|alg| {
                self.host_keys
                    .iter()
                    .any(|k| k.public().key_type() == alg.key_type())
            })
        };
        let usable: Vec<String> = self
            .common
            .algorithms
            .host_key
            .iter()
            .filter(|n| have(n))
            .cloned()
            .collect();
        if usable.is_empty() {
            return Err(
                ApiMisuse::BadConfig("no host key for any configured host key algorithm").into(),
            );
        }
        self.common.algorithms.host_key = usable;
        self.common.validate()?;
        if !self
            .pubkey_algorithms
            .iter()
            .all(|n| names::host_key_algorithm(n).is_some())
        {
            return Err(ApiMisuse::BadConfig("pubkey algorithm list").into());
        }
        Ok(Arc::new(self))
    }
}
