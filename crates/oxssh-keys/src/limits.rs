//! Every bound this crate enforces on input it did not produce, each with why that number.

/// The longest public key blob. OpenSSH's `SSH_MAX_PUBKEY_BYTES` (sshkey.h) is 16384: an RSA-16384 blob
/// is about 2 KiB, so this leaves room for certificates without letting a line allocate megabytes.
pub const MAX_PUBLIC_KEY_BLOB: usize = 16 * 1024;

/// The largest RSA modulus accepted in a public key: OpenSSH's `SSHBUF_MAX_BIGNUM` is 2048 bytes, i.e.
/// 16384 bits, and OpenSSL's `OPENSSL_RSA_MAX_MODULUS_BITS` is the same.
pub const RSA_MAX_MODULUS_BITS: u32 = 16384;

/// The smallest RSA modulus accepted anywhere: OpenSSH's `SSH_RSA_MINIMUM_MODULUS_SIZE` (ssh-rsa.c).
pub const RSA_MIN_MODULUS_BITS: u32 = 1024;

/// The largest RSA modulus whose signatures aws-lc-rs verifies (`RSA_PKCS1_1024_8192_*`).
pub const RSA_MAX_VERIFY_BITS: u32 = 8192;

/// The largest key file we try to parse. OpenSSH refuses key files over 1 MiB (`sshbuf_load_fd`
/// limits to `SSHBUF_SIZE_MAX`, and authfile.c `MAX_KEY_FILE_SIZE` is 1 MiB).
pub const MAX_KEY_FILE: usize = 1024 * 1024;

/// The longest text line (known_hosts, authorized_keys, public key file). OpenSSH reads these with
/// getline and no fixed limit, but its `SSH_MAX_PUBKEY_BYTES` blob base64-encodes to under 22 KiB;
/// options and host lists never need more than a few KiB on top.
pub const MAX_LINE: usize = 64 * 1024;

/// The largest bcrypt-pbkdf round count we will run when decrypting a key file: each round costs about
/// 8 ms, so a hostile file with 2^32 rounds would hang us for a year. `ssh-keygen -a` defaults to 16;
/// OpenSSH itself sets no upper bound.
pub const MAX_KDF_ROUNDS: u32 = 10_000;
