//! The exchange hash H (RFC 4253 §8, RFC 5656 §4, RFC 8731 §3) and the key derivation (RFC 4253 §7.2).

use oxssh_wire::Writer;
use zeroize::Zeroizing;

use super::method::{SharedSecret, digest};
use crate::cipher::DirectionKeys;
use crate::msg::kex::write_value;
use crate::names::{CipherAlgorithm, KexHash, MacAlgorithm};

/// Everything the exchange hash covers, in order.
pub(crate) struct HashInput<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) server_id: &'a str,
    pub(crate) client_kexinit: &'a [u8],
    pub(crate) server_kexinit: &'a [u8],
    pub(crate) host_key: &'a [u8],
    pub(crate) client_value: &'a [u8],
    pub(crate) server_value: &'a [u8],
    /// Whether the public values are mpints (finite-field DH) rather than strings.
    pub(crate) mpint_values: bool,
}

/// H = HASH(V_C || V_S || I_C || I_S || K_S || e/Q_C || f/Q_S || K), each as an SSH string or mpint.
pub(crate) fn exchange_hash(hash: KexHash, input: &HashInput<'_>, k: &SharedSecret) -> Vec<u8> {
    let mut buf = Vec::with_capacity(4096);
    buf.write_string(input.client_id.as_bytes());
    buf.write_string(input.server_id.as_bytes());
    buf.write_string(input.client_kexinit);
    buf.write_string(input.server_kexinit);
    buf.write_string(input.host_key);
    write_value(&mut buf, input.client_value, input.mpint_values);
    write_value(&mut buf, input.server_value, input.mpint_values);
    buf.write_raw(k.encoded());
    digest(hash, &[&buf])
}

/// One key: K1 = HASH(K || H || letter || session_id), extended with K(n+1) = HASH(K || H || K1..Kn) until
/// long enough (RFC 4253 §7.2).
fn derive(
    hash: KexHash,
    k: &SharedSecret,
    h: &[u8],
    session_id: &[u8],
    letter: u8,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    // Each block is key material: wiped when dropped, not only the final key.
    let first = Zeroizing::new(digest(hash, &[k.encoded(), h, &[letter], session_id]));
    out.extend_from_slice(&first);
    while out.len() < len {
        let next = Zeroizing::new(digest(hash, &[k.encoded(), h, &out]));
        out.extend_from_slice(&next);
    }
    out.truncate(len);
    out
}

/// Keys for both directions: letters A/C/E for client to server, B/D/F for server to client.
#[allow(clippy::too_many_arguments)]
pub(crate) fn derive_keys(
    hash: KexHash,
    k: &SharedSecret,
    h: &[u8],
    session_id: &[u8],
    cipher_c2s: CipherAlgorithm,
    cipher_s2c: CipherAlgorithm,
    mac_c2s: Option<MacAlgorithm>,
    mac_s2c: Option<MacAlgorithm>,
) -> (DirectionKeys, DirectionKeys) {
    let mac_len = |m: Option<MacAlgorithm>| m.map_or(0, MacAlgorithm::output_len);
    let c2s = DirectionKeys {
        iv: derive(hash, k, h, session_id, b'A', cipher_c2s.iv_len()),
        key: derive(hash, k, h, session_id, b'C', cipher_c2s.key_len()),
        mac_key: derive(hash, k, h, session_id, b'E', mac_len(mac_c2s)),
    };
    let s2c = DirectionKeys {
        iv: derive(hash, k, h, session_id, b'B', cipher_s2c.iv_len()),
        key: derive(hash, k, h, session_id, b'D', cipher_s2c.key_len()),
        mac_key: derive(hash, k, h, session_id, b'F', mac_len(mac_s2c)),
    };
    (c2s, s2c)
}
