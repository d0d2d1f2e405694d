#!/usr/bin/env bash
# The whole test run: dependencies, formatting, lints, every test (unit, in-memory, real peers on
# loopback), and a bounded fuzz run. This is what CI runs (.ci/run) and what the README's second
# command runs. A missing peer fails the run here (CI=true) instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export CI=true
export CARGO_TERM_COLOR=never

step() { echo "== $1 (at ${SECONDS}s)"; }
step format
cargo fmt --all --check

step "build"
cargo build --workspace --all-targets --locked

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo nextest run --workspace --locked --no-fail-fast

step "the protocol core has no async runtime or I/O dependency"
if cargo tree -p oxssh-proto -e normal --locked | grep -Eq '^.* (tokio|mio|async-std) v'; then
    echo "oxssh-proto depends on an async runtime" >&2; exit 1
fi
step "unsafe lives only in oxssh-sys/src/ffi.rs"
unsafe_files=$(grep -rlw --include='*.rs' 'unsafe' crates tools interop 2>/dev/null | grep -v '^crates/oxssh-sys/src/ffi.rs$' \
    | xargs -r grep -lE '^\s*(pub(\(crate\))? )?unsafe (fn|impl|extern)|unsafe \{' || true)
if [ -n "$unsafe_files" ]; then echo "unsafe outside oxssh-sys/src/ffi.rs: $unsafe_files" >&2; exit 1; fi

# The stable-Rust fuzz smoke tests above (crates/*/tests/fuzz_smoke.rs) already run every fuzzing entry
# point for a bounded number of inputs. The coverage-guided run needs its own instrumented build of
# aws-lc (about 8 CPU-minutes), which would push CI past its time budget, so it is opt-in.
if [ "${OXSSH_FUZZ:-0}" = 1 ] && [ -x fuzz/run-bounded.sh ]; then
    step "bounded coverage-guided fuzzing"
    fuzz/run-bounded.sh
fi
echo "== all checks passed in ${SECONDS}s"
