//! Algorithm negotiation (RFC 4253 §7.1): for each kind, the first algorithm on the client's list that
//! the server also lists. Extension markers in the kex list are never chosen.

use oxssh_keys::SignatureAlgorithm;
use oxssh_wire::NameList;

use crate::error::{Error, PeerIncompatible};
use crate::msg::transport::KexInit;
use crate::names::{self, CipherAlgorithm, KexAlgorithm, MacAlgorithm};

/// The algorithms one key exchange settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Algorithms {
    /// The key-exchange method.
    pub kex: KexAlgorithm,
    /// Its name as negotiated (aliases differ only in name).
    pub kex_name: String,
    /// The host key signature algorithm.
    pub host_key: SignatureAlgorithm,
    /// Cipher, client to server.
    pub cipher_c2s: CipherAlgorithm,
    /// Cipher, server to client.
    pub cipher_s2c: CipherAlgorithm,
    /// MAC, client to server (`None` with an AEAD cipher).
    pub mac_c2s: Option<MacAlgorithm>,
    /// MAC, server to client.
    pub mac_s2c: Option<MacAlgorithm>,
    /// zlib@openssh.com client to server (once authenticated); otherwise none.
    pub compress_c2s: bool,
    /// zlib@openssh.com server to client.
    pub compress_s2c: bool,
}

fn is_marker(name: &str) -> bool {
    use names::markers::*;
    // RFC 8308 and OpenSSH markers, plus any future kex-strict version.
    name == EXT_INFO_C
        || name == EXT_INFO_S
        || name == KEX_STRICT_C
        || name == KEX_STRICT_S
        || name.starts_with("kex-strict-")
}

fn choose<'a>(
    client: NameList<'a>,
    server: NameList<'_>,
    kind: &'static str,
) -> Result<&'a str, Error> {
    client
        .iter()
        .find(|c| !is_marker(c) && server.contains(c))
        .ok_or(Error::PeerIncompatible(
            PeerIncompatible::NoCommonAlgorithm(kind),
        ))
}

fn choose_mac(
    client: NameList<'_>,
    server: NameList<'_>,
    cipher: CipherAlgorithm,
    kind: &'static str,
) -> Result<Option<MacAlgorithm>, Error> {
    // An AEAD cipher authenticates by itself; OpenSSH skips MAC negotiation for it (kex.c choose_enc),
    // so a peer with no MAC in common can still use chacha20-poly1305 or AES-GCM.
    if cipher.is_aead() {
        return Ok(None);
    }
    let name = choose(client, server, kind)?;
    MacAlgorithm::from_name(name)
        .map(Some)
        .ok_or(PeerIncompatible::NoCommonAlgorithm(kind).into())
}

/// The peer's name-list for the kind of algorithm that found no match, as OpenSSH quotes it after
/// "Their offer:". For a per-direction kind, the first direction without a match.
pub(crate) fn peer_offer(
    client: &KexInit<'_>,
    server: &KexInit<'_>,
    peer_is_server: bool,
    kind: &str,
) -> Option<String> {
    let pairs = match kind {
        "key exchange method" => vec![(client.kex, server.kex)],
        "host key type" => vec![(client.host_key, server.host_key)],
        "cipher" => vec![
            (client.cipher_c2s, server.cipher_c2s),
            (client.cipher_s2c, server.cipher_s2c),
        ],
        "MAC" => vec![
            (client.mac_c2s, server.mac_c2s),
            (client.mac_s2c, server.mac_s2c),
        ],
        "compression method" => vec![
            (client.compression_c2s, server.compression_c2s),
            (client.compression_s2c, server.compression_s2c),
        ],
        _ => return None,
    };
    pairs
        .into_iter()
        .find(|(c, s)| choose(*c, *s, "").is_err())
        .map(|(c, s)| if peer_is_server { s } else { c }.as_str().to_owned())
}

/// Negotiates from both KEXINITs. Names are looked up after matching, so an unknown name on the peer's
/// list is harmless; our own lists hold only names we implement.
pub(crate) fn negotiate(client: &KexInit<'_>, server: &KexInit<'_>) -> Result<Algorithms, Error> {
    let kex_name = choose(client.kex, server.kex, "key exchange method")?;
    let kex = KexAlgorithm::from_name(kex_name)
        .ok_or(PeerIncompatible::NoCommonAlgorithm("key exchange method"))?;
    let host_key_name = choose(client.host_key, server.host_key, "host key type")?;
    let host_key = names::host_key_algorithm(host_key_name)
        .ok_or(PeerIncompatible::NoCommonAlgorithm("host key type"))?;
    let cipher = |c, s| -> Result<CipherAlgorithm, Error> {
        let name = choose(c, s, "cipher")?;
        CipherAlgorithm::from_name(name).ok_or(PeerIncompatible::NoCommonAlgorithm("cipher").into())
    };
    let cipher_c2s = cipher(client.cipher_c2s, server.cipher_c2s)?;
    let cipher_s2c = cipher(client.cipher_s2c, server.cipher_s2c)?;
    let mac_c2s = choose_mac(client.mac_c2s, server.mac_c2s, cipher_c2s, "MAC")?;
    let mac_s2c = choose_mac(client.mac_s2c, server.mac_s2c, cipher_s2c, "MAC")?;
    let zlib = |name: &str| name == names::COMPRESSION_ZLIB_OPENSSH;
    let compress_c2s = zlib(choose(
        client.compression_c2s,
        server.compression_c2s,
        "compression method",
    )?);
    let compress_s2c = zlib(choose(
        client.compression_s2c,
        server.compression_s2c,
        "compression method",
    )?);
    Ok(Algorithms {
        kex,
        kex_name: kex_name.to_owned(),
        host_key,
        cipher_c2s,
        cipher_s2c,
        mac_c2s,
        mac_s2c,
        compress_c2s,
        compress_s2c,
    })
}

/// Whether a peer that sent a guessed first kex packet guessed right (RFC 4253 §7.1: "server and
/// client have different preferred algorithm" makes the guess wrong): the first key exchange and the
/// first host key algorithm of both proposals must be the same, as OpenSSH's kex.c
/// `proposals_match` checks. Comparing with the negotiated result instead is not enough: the
/// client's first choice is negotiated whenever the server supports it, even when the server
/// prefers another, and the client (Dropbear does this) then re-sends its init after the ignored
/// guess.
pub(crate) fn guess_was_right(peer: &KexInit<'_>, ours: &KexInit<'_>) -> bool {
    peer.kex.iter().next() == ours.kex.iter().next()
        && peer.host_key.iter().next() == ours.host_key.iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kexinit<'a>(lists: [&'a str; 8]) -> KexInit<'a> {
        let l = |s: &'a str| NameList::parse(s.as_bytes(), "t").unwrap();
        KexInit {
            cookie: [0; 16],
            kex: l(lists[0]),
            host_key: l(lists[1]),
            cipher_c2s: l(lists[2]),
            cipher_s2c: l(lists[3]),
            mac_c2s: l(lists[4]),
            mac_s2c: l(lists[5]),
            compression_c2s: l(lists[6]),
            compression_s2c: l(lists[7]),
            first_kex_packet_follows: false,
        }
    }

    #[test]
    fn the_clients_preference_wins_and_markers_are_skipped() {
        let c = kexinit([
            "ext-info-c,curve25519-sha256,ecdh-sha2-nistp256",
            "rsa-sha2-512,ssh-ed25519",
            "aes128-ctr,aes256-gcm@openssh.com",
            "chacha20-poly1305@openssh.com",
            "hmac-sha2-512,hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
        ]);
        let s = kexinit([
            "ecdh-sha2-nistp256,curve25519-sha256,ext-info-c",
            "ssh-ed25519,rsa-sha2-512",
            "aes256-gcm@openssh.com,aes128-ctr",
            "chacha20-poly1305@openssh.com",
            "hmac-sha2-256,hmac-sha2-512",
            "hmac-sha2-512",
            "none,zlib@openssh.com",
            "none",
        ]);
        let a = negotiate(&c, &s).unwrap();
        assert_eq!(a.kex, KexAlgorithm::Curve25519Sha256);
        assert_eq!(a.host_key, SignatureAlgorithm::RsaSha512);
        assert_eq!(a.cipher_c2s, CipherAlgorithm::Aes128Ctr);
        assert_eq!(a.mac_c2s, Some(MacAlgorithm::HmacSha512));
        // chacha is AEAD: no MAC needed even though the s2c MAC lists do not meet.
        assert_eq!(a.mac_s2c, None);
        assert!(!guess_was_right(&s, &c));
    }

    #[test]
    fn a_guess_is_right_only_when_both_first_choices_agree() {
        let lists = |kex| {
            kexinit([
                kex,
                "ssh-ed25519,rsa-sha2-512",
                "aes128-ctr",
                "aes128-ctr",
                "hmac-sha2-256",
                "hmac-sha2-256",
                "none",
                "none",
            ])
        };
        // Dropbear's case: the client's first choice is negotiated, but the server prefers another,
        // so the client considers its guess wrong and sends its init again.
        let client = lists("curve25519-sha256,ecdh-sha2-nistp256");
        let server = lists("mlkem768x25519-sha256,curve25519-sha256");
        assert_eq!(
            negotiate(&client, &server).unwrap().kex,
            KexAlgorithm::Curve25519Sha256
        );
        assert!(!guess_was_right(&client, &server));
        let server = lists("curve25519-sha256,mlkem768x25519-sha256");
        assert!(guess_was_right(&client, &server));
    }

    #[test]
    fn disjoint_lists_name_the_kind() {
        let c = kexinit([
            "curve25519-sha256",
            "ssh-ed25519",
            "aes128-ctr",
            "aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
        ]);
        let s = kexinit([
            "curve25519-sha256",
            "ssh-ed25519",
            "aes256-ctr",
            "aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
        ]);
        assert_eq!(
            negotiate(&c, &s).unwrap_err(),
            Error::PeerIncompatible(PeerIncompatible::NoCommonAlgorithm("cipher"))
        );
    }
}
