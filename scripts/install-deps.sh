#!/usr/bin/env bash
# Installs what building and testing oxssh needs on a fresh Debian/Ubuntu machine. Idempotent: it only
# installs what is missing. `--build-only` stops after the packages the build links against.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "install-deps: need root (or sudo) to install: $*" >&2; exit 1; fi
}

build_packages=(build-essential pkg-config libpam0g-dev libcrypt-dev)
test_packages=(openssh-server openssh-client openssh-sftp-server dropbear-bin putty-tools sshpass python3 python3-pip passwd procps libnss-wrapper iproute2)

missing=()
want=("${build_packages[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${test_packages[@]}")
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # Installing openssh-server must not start a daemon on port 22 that tests could trip over.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "${1:-}" = "--build-only" ] && exit 0

# The privilege-separation directory sshd insists on.
as_root mkdir -p /run/sshd

# The Python peers, and ssh-audit, which judges the daemon's default algorithms.
if ! python3 -c 'import paramiko, asyncssh, ssh_audit' 2>/dev/null; then
    echo "install-deps: installing paramiko, asyncssh and ssh-audit"
    python3 -m pip install --quiet --disable-pip-version-check paramiko asyncssh ssh-audit 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages paramiko asyncssh ssh-audit
fi

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "install-deps: installing cargo-nextest"
    cargo install --locked cargo-nextest
fi
