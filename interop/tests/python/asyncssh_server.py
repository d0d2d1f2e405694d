"""An asyncssh server on 127.0.0.1 for the oxssh client to connect to.

It offers every algorithm asyncssh implements (GSS key exchange aside), has host keys of every
common type, accepts password "secret" for any user, and runs `echo ARGS` (anything else echoes
stdin back). It prints `LISTENING <port>` once ready and exits when its stdin closes."""

import asyncio
import sys

import asyncssh
import asyncssh.encryption
import asyncssh.kex
import asyncssh.mac
import asyncssh.public_key


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return password == "secret"


async def handle(process):
    command = process.command or ""
    if command.startswith("echo "):
        process.stdout.write(command[5:] + "\n")
    else:
        process.stdout.write(await process.stdin.read())
    process.exit(0)


async def main():
    keys = [
        asyncssh.generate_private_key(alg)
        for alg in (
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "ssh-rsa",
        )
    ]
    kex = [k for k in asyncssh.kex.get_kex_algs() if not k.startswith(b"gss-")]
    server = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_host_keys=keys,
        server_factory=Server,
        process_factory=handle,
        kex_algs=[k.decode() for k in kex],
        encryption_algs=[a.decode() for a in asyncssh.encryption.get_encryption_algs()],
        mac_algs=[a.decode() for a in asyncssh.mac.get_mac_algs()],
        signature_algs=[a.decode() for a in asyncssh.public_key.get_public_key_algs()],
    )
    port = server.sockets[0].getsockname()[1]
    print("LISTENING %d" % port, flush=True)
    # Serve until the test closes our stdin (or kills us).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
