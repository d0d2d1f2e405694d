#!/usr/bin/env bash
# The main job: build oxsshd and run it in the foreground on its embedded default (no configuration
# file needed), logging to stderr. Extra arguments go to oxsshd (e.g. -p 2200).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
cargo build --release --locked -p oxsshd
exec target/release/oxsshd -D -e "$@"
