"""paramiko's client against the oxssh TestServer: for every algorithm both implement, one connection
that completes key exchange, password authentication and `exec echo hi`.

Prints `OK dimension name` or `FAIL dimension name: reason` per case; exits 1 if any failed."""

import sys

import paramiko

from common import AEAD, cases, parse_args

DIMENSION_KEYS = {"kex": "kex", "host_key": "keys", "cipher": "ciphers", "mac": "macs"}
THEIRS = {
    "kex": list(paramiko.Transport._preferred_kex),
    "host_key": list(paramiko.Transport._preferred_keys),
    "cipher": list(paramiko.Transport._preferred_ciphers),
    "mac": list(paramiko.Transport._preferred_macs),
}


def run_case(args, dimension, name):
    disabled = {}
    if dimension != "default":
        disabled[DIMENSION_KEYS[dimension]] = [n for n in THEIRS[dimension] if n != name]
        if dimension == "mac":
            # A MAC only matters with a cipher that has none of its own.
            disabled["ciphers"] = [c for c in THEIRS["cipher"] if c != "aes128-ctr"]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(
            "127.0.0.1",
            port=args.port,
            username=args.user,
            password=args.password,
            look_for_keys=False,
            allow_agent=False,
            timeout=20,
            banner_timeout=20,
            auth_timeout=20,
            disabled_algorithms=disabled,
        )
        transport = client.get_transport()
        if dimension == "cipher" and transport.local_cipher != name:
            return "negotiated cipher %s" % transport.local_cipher
        if dimension == "mac" and transport.local_mac != name:
            return "negotiated MAC %s" % transport.local_mac
        if dimension == "host_key" and transport.host_key_type != name:
            return "negotiated host key %s" % transport.host_key_type
        _, stdout, _ = client.exec_command("echo hi", timeout=20)
        out = stdout.read()
        status = stdout.channel.recv_exit_status()
        if out != b"hi\n" or status != 0:
            return "exec gave %r, status %r" % (out, status)
        return None
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        return "%s: %s" % (type(e).__name__, e)
    finally:
        client.close()


def main():
    args = parse_args(__doc__)
    failed = 0
    for dimension, name in cases(args, THEIRS):
        if dimension == "mac" and name in AEAD:
            continue
        error = run_case(args, dimension, name)
        if error is None:
            print("OK %s %s" % (dimension, name), flush=True)
        else:
            failed += 1
            print("FAIL %s %s: %s" % (dimension, name, error), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
