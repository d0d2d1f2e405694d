#!/usr/bin/env bash
# The benchmark suite: oxssh against OpenSSH on this machine, in one run, as ratios. Builds the
# release binaries, installs what is missing (OpenSSH's client and server among it), runs the
# criterion micro-benchmarks when the selected parts include them, then oxssh-bench as root
# (it starts sshd and oxsshd with root logins). Prints the table; writes bench.json and bench.svg
# to target/oxssh-bench/ (or --out DIR).
#
#   scripts/bench.sh            the full run (1 GiB transfers; about 15 minutes on 2 cores)
#   scripts/bench.sh --quick    128 MiB transfers, fewer repetitions (about 3 minutes)
#
# Other flags go to oxssh-bench (see target/release/oxssh-bench --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo build --release --locked -p oxssh -p oxsshd -p oxssh-bench
bench=target/release/oxssh-bench

extra=()
if "$bench" --list-parts "$@" | grep -qx micro; then
    # Criterion runs here, as the invoking user with their toolchain, not under sudo. The flags
    # are oxssh-bench's micro::CRITERION_ARGS.
    mkdir -p target/oxssh-bench
    echo "== micro: cargo bench -p oxssh-proto" >&2
    cargo bench --locked -q -p oxssh-proto --bench packet --bench kex -- \
        --warm-up-time 0.5 --measurement-time 1.5 > target/oxssh-bench/criterion.txt
    extra+=(--micro-from target/oxssh-bench/criterion.txt)
fi

if [ "$(id -u)" -eq 0 ]; then
    exec "$bench" "${extra[@]}" "$@"
else
    exec sudo "$bench" "${extra[@]}" "$@"
fi
