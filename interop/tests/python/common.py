"""Shared by the Python interop scripts: argument parsing and the per-dimension case list."""

import argparse


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="tester")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--ours-kex", required=True)
    parser.add_argument("--ours-host-keys", required=True)
    parser.add_argument("--ours-ciphers", required=True)
    parser.add_argument("--ours-macs", required=True)
    return parser.parse_args()


def cases(args, theirs):
    """One case per algorithm both sides implement, per dimension: (dimension, name).

    `theirs` maps a dimension to the library's list, in its preference order. Varying one dimension
    at a time covers every shared algorithm at least once while keeping the run short.
    """
    ours = {
        "kex": args.ours_kex.split(","),
        "host_key": args.ours_host_keys.split(","),
        "cipher": args.ours_ciphers.split(","),
        "mac": args.ours_macs.split(","),
    }
    result = [("default", "")]
    for dimension in ("kex", "host_key", "cipher", "mac"):
        for name in theirs[dimension]:
            if name in ours[dimension]:
                result.append((dimension, name))
    return result


AEAD = ("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
