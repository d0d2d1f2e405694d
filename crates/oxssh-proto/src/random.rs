//! The one source of randomness in the core for cookies and padding (key-exchange methods draw their
//! own through aws-lc-rs).

/// Fills `buf` from the operating system's CSPRNG via aws-lc-rs. If the system RNG fails there is no
/// safe way to continue (every key we derived would be guessable), so the process aborts rather than
/// carrying on with weak bytes; aws-lc-rs documents this as unreachable on Linux.
pub(crate) fn fill(buf: &mut [u8]) {
    if aws_lc_rs::rand::fill(buf).is_err() {
        std::process::abort();
    }
}
