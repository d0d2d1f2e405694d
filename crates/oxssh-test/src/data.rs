//! Payloads for transfer tests.

/// `len` bytes alternating, each MiB, between repeated text (which compresses well) and scrambled
/// bytes (which do not): a transfer of it exercises a compressor on both kinds of input.
pub fn half_compressible(len: usize) -> Vec<u8> {
    const TEXT: &[u8] = b"compressible line of text\n";
    (0..len as u32)
        .map(|i| match (i >> 20) % 2 {
            0 => TEXT[(i as usize) % TEXT.len()],
            _ => (i.wrapping_mul(2_654_435_761) >> 13) as u8,
        })
        .collect()
}
