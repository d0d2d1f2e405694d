//! SSH keys for oxssh: key types and signature algorithms, public key blobs, private keys (generation,
//! OpenSSH and PEM/PKCS#8 files), signing and verification through aws-lc-rs, fingerprints, randomart,
//! known_hosts, authorized_keys and the agent protocol's messages.
#![forbid(unsafe_code)]

mod algorithm;

pub use algorithm::{KeyType, SignatureAlgorithm};
