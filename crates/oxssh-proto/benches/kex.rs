//! One whole key exchange (client key pair, server response, client finish) per method, in memory.
//! Signatures and the exchange hash are not included: this is the cost of the method itself.
//!
//! Run: `cargo bench -p oxssh-proto --bench kex -- --warm-up-time 1 --measurement-time 2`

use criterion::{Criterion, criterion_group, criterion_main};
use oxssh_proto::bench::kex_roundtrip;
use oxssh_proto::names::KexAlgorithm;

const METHODS: &[(&str, KexAlgorithm)] = &[
    ("mlkem768x25519-sha256", KexAlgorithm::MlKem768X25519Sha256),
    (
        "sntrup761x25519-sha512",
        KexAlgorithm::Sntrup761X25519Sha512,
    ),
    ("curve25519-sha256", KexAlgorithm::Curve25519Sha256),
    ("ecdh-sha2-nistp256", KexAlgorithm::EcdhNistp256),
    ("ecdh-sha2-nistp384", KexAlgorithm::EcdhNistp384),
    ("ecdh-sha2-nistp521", KexAlgorithm::EcdhNistp521),
    (
        "diffie-hellman-group14-sha256",
        KexAlgorithm::DhGroup14Sha256,
    ),
    (
        "diffie-hellman-group16-sha512",
        KexAlgorithm::DhGroup16Sha512,
    ),
    (
        "diffie-hellman-group18-sha512",
        KexAlgorithm::DhGroup18Sha512,
    ),
];

fn kex(c: &mut Criterion) {
    let mut group = c.benchmark_group("kex-roundtrip");
    // The 8192-bit group takes tens of milliseconds per exchange; ten samples keep the run short.
    group.sample_size(10);
    for &(name, alg) in METHODS {
        group.bench_function(name, |b| b.iter(|| assert!(kex_roundtrip(alg))));
    }
    group.finish();
}

criterion_group!(benches, kex);
criterion_main!(benches);
