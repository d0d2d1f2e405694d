"""asyncssh's client against the oxssh TestServer: for every algorithm both implement, one connection
that completes key exchange, password authentication and `exec echo hi`.

Prints `OK dimension name` or `FAIL dimension name: reason` per case; exits 1 if any failed."""

import asyncio
import sys

import asyncssh
import asyncssh.encryption
import asyncssh.kex
import asyncssh.mac
import asyncssh.public_key

from common import AEAD, cases, parse_args


def names(algorithms):
    return [a.decode() for a in algorithms]


THEIRS = {
    "kex": [k for k in names(asyncssh.kex.get_kex_algs()) if not k.startswith("gss-")],
    "host_key": names(asyncssh.public_key.get_public_key_algs()),
    "cipher": names(asyncssh.encryption.get_encryption_algs()),
    "mac": names(asyncssh.mac.get_mac_algs()),
}
OPTION = {
    "kex": "kex_algs",
    "host_key": "server_host_key_algs",
    "cipher": "encryption_algs",
    "mac": "mac_algs",
}


async def run_case(args, dimension, name):
    options = {}
    if dimension != "default":
        options[OPTION[dimension]] = [name]
        if dimension == "mac":
            # A MAC only matters with a cipher that has none of its own.
            options["encryption_algs"] = ["aes128-ctr"]
    try:
        async with asyncssh.connect(
            "127.0.0.1",
            args.port,
            username=args.user,
            password=args.password,
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            preferred_auth="password",
            login_timeout=20,
            **options,
        ) as conn:
            result = await asyncio.wait_for(conn.run("echo hi", check=False), 20)
            if result.stdout != "hi\n" or result.exit_status != 0:
                return "exec gave %r, status %r" % (result.stdout, result.exit_status)
        return None
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        return "%s: %s" % (type(e).__name__, e)


async def main():
    args = parse_args(__doc__)
    failed = 0
    for dimension, name in cases(args, THEIRS):
        if dimension == "mac" and name in AEAD:
            continue
        error = await run_case(args, dimension, name)
        if error is None:
            print("OK %s %s" % (dimension, name), flush=True)
        else:
            failed += 1
            print("FAIL %s %s: %s" % (dimension, name, error), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
