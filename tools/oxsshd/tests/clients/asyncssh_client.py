"""Runs one command on an SSH server with asyncssh and relays its stdout, stderr and exit status.

usage: asyncssh_client.py PORT USER (key PATH | password PW | kbdint PW) COMMAND
"""
import asyncio
import sys

import asyncssh


async def main():
    port, user, method, secret, command = sys.argv[1:6]
    options = dict(username=user, known_hosts=None, agent_path=None, config=[])
    if method == "key":
        options.update(client_keys=[secret], preferred_auth="publickey")
    elif method == "password":
        options.update(client_keys=None, password=secret, preferred_auth="password")
    else:
        options.update(client_keys=None, password=secret, preferred_auth="keyboard-interactive")
    stdin = sys.stdin.buffer.read()
    async with asyncssh.connect("127.0.0.1", int(port), login_timeout=20, **options) as conn:
        result = await conn.run(command, input=stdin, encoding=None)
    sys.stdout.buffer.write(result.stdout)
    sys.stderr.buffer.write(result.stderr)
    sys.exit(result.exit_status)


asyncio.run(main())
