#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time on stable Rust, for CI.
#
#   fuzz/run-bounded.sh            every target, 10 s each
#   FUZZ_SECONDS=60 fuzz/run-bounded.sh proto_messages keys_known_hosts
#
# --sanitizer none: AddressSanitizer needs nightly (-Zsanitizer); our code forbids unsafe outside
# oxssh-sys, so libFuzzer's coverage guidance plus Rust's own checks (bounds, overflow, debug
# assertions, the entry points' properties) are what finds bugs here. Crashes are left in
# fuzz/artifacts/<target>/ and the script exits non-zero naming the targets that failed.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-10}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing; installing it (about a minute)" >&2
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build --sanitizer none

failed=()
mkdir -p artifacts
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log="artifacts/$target.log"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: unbounded allocation is a bug.
    if cargo fuzz run --sanitizer none "$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        echo "ok     $target: $runs inputs in ${seconds}s" >&2
    else
        echo "FAILED $target (log: fuzz/$log)" >&2
        tail -n 30 "$log" >&2
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz targets failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "all ${#targets[@]} fuzz targets ran ${seconds}s without a failure" >&2
