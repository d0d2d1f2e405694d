//! `ecdh-sha2-nistp256`, `-nistp384`, `-nistp521` (RFC 5656 §4).
//!
//! Q_C and Q_S are SEC1 uncompressed points, `0x04 || x || y`. K is the x-coordinate of the shared point
//! as an `mpint` (RFC 5656 §4, "the x-coordinate ... as an integer"). RFC 5656 §3.1 permits point
//! compression, but OpenSSH accepts only uncompressed points (sshbuf-getput-crypto.c `get_ec`), so we do
//! the same and require the exact length. AWS-LC then checks the point is on the curve and not the point
//! at infinity (RFC 5656 §4 "MUST ... verify that Q is a valid point").

use aws_lc_rs::agreement::{
    self, Algorithm, ECDH_P256, ECDH_P384, ECDH_P521, PrivateKey, UnparsedPublicKey,
};

use super::SharedSecret;
use crate::error::CryptoError;

/// SEC1's tag for an uncompressed point.
const UNCOMPRESSED: u8 = 0x04;

/// The NIST curve of an ECDH method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    fn algorithm(self) -> &'static Algorithm {
        match self {
            Self::P256 => &ECDH_P256,
            Self::P384 => &ECDH_P384,
            Self::P521 => &ECDH_P521,
        }
    }

    /// `1 + 2 * field bytes`.
    fn point_len(self) -> usize {
        match self {
            Self::P256 => 65,
            Self::P384 => 97,
            Self::P521 => 133,
        }
    }
}

/// An ephemeral key pair on one curve.
pub(super) struct Client {
    curve: Curve,
    private: PrivateKey,
    public: Vec<u8>,
}

impl Client {
    pub(super) fn generate(curve: Curve) -> Result<Self, CryptoError> {
        let private = PrivateKey::generate(curve.algorithm())
            .map_err(|_| CryptoError::Internal("ECDH key generation"))?;
        let public = private
            .compute_public_key()
            .map_err(|_| CryptoError::Internal("ECDH public key"))?;
        Ok(Self {
            curve,
            private,
            public: public.as_ref().to_vec(),
        })
    }

    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    fn shared_secret(&self, peer: &[u8]) -> Result<SharedSecret, CryptoError> {
        if peer.len() != self.curve.point_len() || peer.first() != Some(&UNCOMPRESSED) {
            return Err(CryptoError::InvalidKexValue(
                "ECDH public key is not an uncompressed point",
            ));
        }
        agreement::agree(
            &self.private,
            UnparsedPublicKey::new(self.curve.algorithm(), peer),
            CryptoError::InvalidKexValue("ECDH public key is not a point on the curve"),
            |x| Ok(SharedSecret::from_magnitude(x)),
        )
    }

    pub(super) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        self.shared_secret(server_value)
    }
}

/// The server's side: Q_S and K.
pub(super) fn respond(
    curve: Curve,
    client_value: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let server = Client::generate(curve)?;
    let k = server.shared_secret(client_value)?;
    Ok((server.public, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURVES: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

    #[test]
    fn both_sides_agree_and_points_are_uncompressed() {
        for curve in CURVES {
            let client = Client::generate(curve).unwrap();
            assert_eq!(client.public().len(), curve.point_len());
            assert_eq!(client.public()[0], UNCOMPRESSED);
            let (reply, k) = respond(curve, client.public()).unwrap();
            assert_eq!(client.finish(&reply).unwrap().encoded(), k.encoded());
        }
    }

    #[test]
    fn k_is_the_x_coordinate_as_an_mpint() {
        // With the peer's public key being our own generator multiple, K's x must be a field element:
        // at most the field size, plus a possible sign byte.
        for curve in CURVES {
            let client = Client::generate(curve).unwrap();
            let (_, k) = respond(curve, client.public()).unwrap();
            let field = (curve.point_len() - 1) / 2;
            let mut r = oxssh_wire::Reader::new(k.encoded());
            assert!(r.read_mpint_positive("K").unwrap().len() <= field);
        }
    }

    #[test]
    fn invalid_points_are_rejected() {
        for curve in CURVES {
            let valid = Client::generate(curve).unwrap().public().to_vec();
            let field = (curve.point_len() - 1) / 2;

            let mut off_curve = valid.clone();
            *off_curve.last_mut().unwrap() ^= 1;
            let mut compressed = vec![0x02 | (valid.last().unwrap() & 1)];
            compressed.extend_from_slice(&valid[1..=field]);
            let mut wrong_tag = valid.clone();
            wrong_tag[0] = 0x06;
            let infinity = vec![0u8; curve.point_len()];
            let mut zero_point = vec![UNCOMPRESSED];
            zero_point.resize(curve.point_len(), 0);
            let mut x_too_big = valid.clone();
            x_too_big[1..=field].fill(0xff);

            for bad in [
                off_curve,
                compressed,
                wrong_tag,
                infinity,
                zero_point,
                x_too_big,
                vec![0x00],
            ] {
                assert!(
                    matches!(respond(curve, &bad), Err(CryptoError::InvalidKexValue(_))),
                    "{curve:?} {bad:02x?}"
                );
                let client = Client::generate(curve).unwrap();
                assert!(matches!(
                    client.finish(&bad),
                    Err(CryptoError::InvalidKexValue(_))
                ));
            }
        }
    }

    #[test]
    fn a_point_from_another_curve_is_rejected() {
        let p256 = Client::generate(Curve::P256).unwrap();
        assert!(respond(Curve::P384, p256.public()).is_err());
    }
}
