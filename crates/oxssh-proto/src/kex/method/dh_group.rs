//! `diffie-hellman-group14-sha256`, `diffie-hellman-group16-sha512`, `diffie-hellman-group18-sha512`
//! (RFC 8268; the exchange itself is RFC 4253 §8): finite-field Diffie-Hellman over the RFC 3526 MODP
//! groups 14 (2048-bit), 16 (4096-bit) and 18 (8192-bit), generator 2.
//!
//! e = g^x mod p and f = g^y mod p travel as `mpint`s; here they are big-endian magnitudes without leading
//! zeros, which the transport writes with `write_mpint_positive` and reads with `read_mpint_positive`.
//! K = f^x mod p, also an `mpint`.
//!
//! AWS-LC offers no finite-field DH, so the modular exponentiation is crypto-bigint's `BoxedMontyForm::pow`,
//! which is constant time in the exponent (it always walks all of the exponent's bits). The boxed form is
//! used rather than fixed-size `Uint`s so that the arithmetic is compiled inside crypto-bigint, once, and
//! not instantiated three times (2048/4096/8192 bits) in this crate.

use std::sync::OnceLock;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use zeroize::{Zeroize, Zeroizing};

use super::SharedSecret;
use crate::error::CryptoError;

/// Bits of private exponent. OpenSSH's `dh_gen_key` uses `min(2 * need, bits(p) - 1)` with `need` the
/// largest key, IV or MAC size negotiated, in bits, but at least 256, so its floor is 512 bits. NIST
/// SP 800-56A asks for an exponent of at least twice the group's security strength, which RFC 3526 §8
/// puts at 110-200 bits for groups 14-18 (so 224-400 bits). 512 bits meets that for every group; we do not
/// grow it with the cipher as OpenSSH does because the exponentiation (constant-time crypto-bigint, no
/// assembly) is linear in these bits and already the slowest part of these methods.
const EXPONENT_BITS: u32 = 512;
const EXPONENT_BYTES: usize = 64;
/// dh_gen_key gives up after this many attempts to find a private key whose public value is valid.
const MAX_KEYGEN_ATTEMPTS: usize = 10;

/// One of the fixed MODP groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DhGroup {
    /// RFC 3526 §3, 2048-bit MODP group.
    Group14,
    /// RFC 3526 §5, 4096-bit MODP group.
    Group16,
    /// RFC 3526 §7, 8192-bit MODP group.
    Group18,
}

/// The group's prime p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + offset), from RFC 3526 (the same
/// digits as OpenSSH dh.c `dh_new_group14/16/18`).
const GROUP14_PRIME: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
);

const GROUP16_PRIME: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7",
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8",
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2",
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9",
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF",
);

const GROUP18_PRIME: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7",
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8",
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2",
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9",
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C93402849236C3FAB4D27C7026",
    "C1D4DCB2602646DEC9751E763DBA37BDF8FF9406AD9E530EE5DB382F413001AE",
    "B06A53ED9027D831179727B0865A8918DA3EDBEBCF9B14ED44CE6CBACED4BB1B",
    "DB7F1447E6CC254B332051512BD7AF426FB8F401378CD2BF5983CA01C64B92EC",
    "F032EA15D1721D03F482D7CE6E74FEF6D55E702F46980C82B5A84031900B1C9E",
    "59E7C97FBEC7E8F323A97A7E36CC88BE0F1D45B7FF585AC54BD407B22B4154AA",
    "CC8F6D7EBF48E1D814CC5ED20F8037E0A79715EEF29BE32806A1D58BB7C5DA76",
    "F550AA3D8A1FBFF0EB19CCB1A313D55CDA56C9EC2EF29632387FE8D76E3C0468",
    "043E8F663F4860EE12BF2D5B0B7474D6E694F91E6DBE115974A3926F12FEE5E4",
    "38777CB6A932DF8CD8BEC4D073B931BA3BC832B68D9DD300741FA7BF8AFC47ED",
    "2576F6936BA424663AAB639C5AE4F5683423B4742BF1C978238F16CBE39D652D",
    "E3FDB8BEFC848AD922222E04A4037C0713EB57A81A23F0C73473FC646CEA306B",
    "4BCBC8862F8385DDFA9D4B7FA2C087E879683303ED5BDD3A062B3CF5B3A278A6",
    "6D2A13F83F44F82DDF310EE074AB6A364597E899A0255DC164F31CC50846851D",
    "F9AB48195DED7EA1B1D510BD7EE74D73FAF36BC31ECFA268359046F4EB879F92",
    "4009438B481C6CD7889A002ED5EE382BC9190DA6FC026E479558E4475677E9AA",
    "9E3050E2765694DFC81F56E880B96E7160C980DD98EDD3DFFFFFFFFFFFFFFFFF",
);

/// A group's precomputed Montgomery parameters and p - 1, the exclusive upper bound for public values.
struct Params {
    bits: u32,
    monty: BoxedMontyParams,
    p_minus_1: Vec<u8>,
}

impl DhGroup {
    fn bits(self) -> u32 {
        match self {
            Self::Group14 => 2048,
            Self::Group16 => 4096,
            Self::Group18 => 8192,
        }
    }

    fn prime_hex(self) -> &'static str {
        match self {
            Self::Group14 => GROUP14_PRIME,
            Self::Group16 => GROUP16_PRIME,
            Self::Group18 => GROUP18_PRIME,
        }
    }

    /// The group's parameters, computed on first use and then shared (p is public, so variable-time
    /// setup is fine).
    fn params(self) -> Result<&'static Params, CryptoError> {
        static CACHE: [OnceLock<Option<Params>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let slot = match self {
            Self::Group14 => &CACHE[0],
            Self::Group16 => &CACHE[1],
            Self::Group18 => &CACHE[2],
        };
        slot.get_or_init(|| self.compute_params())
            .as_ref()
            .ok_or(CryptoError::Internal("DH group prime"))
    }

    fn compute_params(self) -> Option<Params> {
        let bits = self.bits();
        let p = BoxedUint::from_be_hex(self.prime_hex(), bits).into_option()?;
        let mut p_minus_1 = p.to_be_bytes().into_vec();
        // p is odd, so p - 1 only clears the lowest bit.
        let last = p_minus_1.last_mut()?;
        *last &= 0xfe;
        let monty = BoxedMontyParams::new_vartime(Odd::new(p).into_option()?);
        Some(Params {
            bits,
            monty,
            p_minus_1,
        })
    }
}

impl Params {
    /// OpenSSH dh.c `dh_pub_is_valid`: 1 < value < p - 1, and more than one bit set, since with g = 2 a
    /// power of two has a trivial discrete logarithm. `value` is a big-endian magnitude (leading zeros
    /// allowed); the result is the value at the group's precision.
    fn validate(&self, value: &[u8]) -> Result<BoxedUint, CryptoError> {
        let start = value.iter().position(|b| *b != 0).unwrap_or(value.len());
        let digits = value.get(start..).unwrap_or_default();
        let width = self.p_minus_1.len();
        let pad = width
            .checked_sub(digits.len())
            .ok_or(CryptoError::InvalidKexValue("DH value is not below p - 1"))?;
        let mut padded = vec![0u8; width];
        if let Some(tail) = padded.get_mut(pad..) {
            tail.copy_from_slice(digits);
        }
        // Equal-length big-endian byte strings compare like the numbers they encode.
        if padded >= self.p_minus_1 {
            return Err(CryptoError::InvalidKexValue("DH value is not below p - 1"));
        }
        let bits_set: u32 = digits.iter().map(|b| b.count_ones()).sum();
        if bits_set <= 1 {
            return Err(CryptoError::InvalidKexValue(
                "DH value is 0, 1 or a power of two",
            ));
        }
        BoxedUint::from_be_slice(&padded, self.bits)
            .map_err(|_| CryptoError::Internal("DH value decoding"))
    }

    /// base^exponent mod p, as big-endian bytes of the group's width.
    fn pow(&self, base: BoxedUint, exponent: &Exponent) -> Zeroizing<Vec<u8>> {
        let mut form = BoxedMontyForm::new(base, &self.monty).pow(&exponent.0);
        let mut value = form.retrieve();
        let bytes = Zeroizing::new(value.to_be_bytes().into_vec());
        value.zeroize();
        form.zeroize();
        bytes
    }

    fn generator(&self) -> Result<BoxedUint, CryptoError> {
        BoxedUint::from_be_slice(&[2], self.bits).map_err(|_| CryptoError::Internal("DH generator"))
    }
}

/// A private exponent, wiped on drop.
struct Exponent(BoxedUint);

impl Exponent {
    /// A uniformly random EXPONENT_BITS-bit exponent with its top bit set, as `BN_rand(x, bits, 0, 0)` /
    /// `BN_RAND_TOP_ONE` gives OpenSSH.
    fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; EXPONENT_BYTES]);
        aws_lc_rs::rand::fill(bytes.as_mut_slice())
            .map_err(|_| CryptoError::Internal("random exponent"))?;
        if let Some(top) = bytes.first_mut() {
            *top |= 0x80;
        }
        BoxedUint::from_be_slice(bytes.as_slice(), EXPONENT_BITS)
            .map(Self)
            .map_err(|_| CryptoError::Internal("random exponent"))
    }
}

impl Drop for Exponent {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The magnitude of a public value without leading zeros, as the mpint writer and reader use it.
fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default().to_vec()
}

/// One side's ephemeral key: x and e = 2^x mod p (or y and f for the server).
pub(super) struct Client {
    params: &'static Params,
    exponent: Exponent,
    public: Vec<u8>,
}

impl Client {
    pub(super) fn generate(group: DhGroup) -> Result<Self, CryptoError> {
        let params = group.params()?;
        for _ in 0..MAX_KEYGEN_ATTEMPTS {
            let exponent = Exponent::generate()?;
            let public = params.pow(params.generator()?, &exponent);
            // dh_gen_key checks our own value too; with a 512-bit exponent failure is astronomically
            // unlikely, but a degenerate e would be rejected by the peer, so retry instead.
            if params.validate(&public).is_ok() {
                return Ok(Self {
                    params,
                    exponent,
                    public: strip_leading_zeros(&public),
                });
            }
        }
        Err(CryptoError::Internal("DH key generation"))
    }

    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    fn shared_secret(&self, peer: &[u8]) -> Result<SharedSecret, CryptoError> {
        let peer = self.params.validate(peer)?;
        let k = self.params.pow(peer, &self.exponent);
        Ok(SharedSecret::from_magnitude(&k))
    }

    pub(super) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        self.shared_secret(server_value)
    }
}

/// The server's side: validates e before spending an exponentiation on it, then returns f and K.
pub(super) fn respond(
    group: DhGroup,
    client_value: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    group.params()?.validate(client_value)?;
    let server = Client::generate(group)?;
    let k = server.shared_secret(client_value)?;
    Ok((server.public.clone(), k))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUPS: [DhGroup; 3] = [DhGroup::Group14, DhGroup::Group16, DhGroup::Group18];

    #[test]
    fn rfc3526_primes_are_well_formed_safe_prime_candidates() {
        for group in GROUPS {
            let params = group.params().unwrap();
            let p = params.monty.modulus().as_ref().clone();
            assert_eq!(p.bit_width_vartime(), group.bits(), "{group:?}");
            // RFC 3526: the top and bottom 64 bits of every MODP prime are all ones.
            let bytes = p.to_be_bytes();
            assert!(
                bytes[..8]
                    .iter()
                    .chain(&bytes[bytes.len() - 8..])
                    .all(|b| *b == 0xff),
                "{group:?}"
            );
            // p = 2q + 1 with q prime and p = 7 mod 8, so 2 is a quadratic residue: 2^((p-1)/2) = 1, i.e. the
            // generator 2 spans the prime-order subgroup. Fermat with base 3 checks p is (probably) prime.
            let one = BoxedUint::from_be_slice(&[1], group.bits()).unwrap();
            let p_minus_1 = BoxedUint::from_be_slice(&params.p_minus_1, group.bits()).unwrap();
            let q = &p_minus_1 >> 1;
            let pow = |base: u8, e: &BoxedUint| {
                let base = BoxedUint::from_be_slice(&[base], group.bits()).unwrap();
                BoxedMontyForm::new(base, &params.monty).pow(e).retrieve()
            };
            assert_eq!(
                pow(2, &q),
                one,
                "{group:?}: 2 generates the order-q subgroup"
            );
            assert_eq!(pow(3, &p_minus_1), one, "{group:?}: Fermat base 3");
            assert_eq!(bytes[bytes.len() - 1] & 7, 7, "{group:?}: p = 7 mod 8");
        }
    }

    #[test]
    fn group14_matches_the_rfc_3526_text() {
        // RFC 3526 §3 begins the 2048-bit prime "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1" and
        // ends it "15728E5A 8AACAA68 FFFFFFFF FFFFFFFF".
        assert!(GROUP14_PRIME.starts_with("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"));
        assert!(GROUP14_PRIME.ends_with("15728E5A8AACAA68FFFFFFFFFFFFFFFF"));
        // Each larger group extends the smaller one's leading digits (they share 2^(n-130) pi).
        assert_eq!(&GROUP16_PRIME[..400], &GROUP14_PRIME[..400]);
        assert_eq!(&GROUP18_PRIME[..900], &GROUP16_PRIME[..900]);
    }

    #[test]
    fn both_sides_agree_in_every_group() {
        for group in GROUPS {
            let client = Client::generate(group).unwrap();
            assert!(client.public().len() <= group.bits() as usize / 8);
            assert_ne!(client.public().first(), Some(&0));
            let (reply, k) = respond(group, client.public()).unwrap();
            assert_eq!(
                client.finish(&reply).unwrap().encoded(),
                k.encoded(),
                "{group:?}"
            );
        }
    }

    #[test]
    fn dh_pub_is_valid_rules_are_enforced() {
        let params = DhGroup::Group14.params().unwrap();
        let p = params.monty.modulus().as_ref().to_be_bytes().into_vec();
        // 2^2048 is above p and one byte longer than any valid value.
        let mut two_to_the_2048 = vec![1u8];
        two_to_the_2048.resize(p.len() + 1, 0);
        let mut power_of_two = vec![0u8; 100];
        power_of_two[0] = 0x40;
        let rejected: [&[u8]; 8] = [
            &[],
            &[0],
            &[1],
            &[0, 0, 1],
            &[2],
            &power_of_two,
            &params.p_minus_1,
            &p,
        ];
        for bad in rejected {
            assert!(
                matches!(params.validate(bad), Err(CryptoError::InvalidKexValue(_))),
                "{bad:02x?}"
            );
            assert!(matches!(
                respond(DhGroup::Group14, bad),
                Err(CryptoError::InvalidKexValue(_))
            ));
            let client = Client::generate(DhGroup::Group14).unwrap();
            assert!(matches!(
                client.finish(bad),
                Err(CryptoError::InvalidKexValue(_))
            ));
        }
        assert!(params.validate(&two_to_the_2048).is_err());
        let mut p_minus_2 = params.p_minus_1.clone();
        *p_minus_2.last_mut().unwrap() -= 1;
        assert!(params.validate(&p_minus_2).is_ok());
        assert!(params.validate(&[3]).is_ok());
        assert!(
            params.validate(&[0, 0, 3]).is_ok(),
            "leading zeros are harmless"
        );
    }
}
