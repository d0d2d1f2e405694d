"""Runs one command on an SSH server with paramiko and relays its stdout, stderr and exit status.

usage: paramiko_client.py PORT USER (key PATH | password PW | kbdint PW) COMMAND

With OXSSH_TEST_COMPRESS=1 it asks for compression and reports what was negotiated on stderr.
"""
import os
import sys

import paramiko


def main():
    port, user, method, secret, command = sys.argv[1:6]
    transport = paramiko.Transport(("127.0.0.1", int(port)))
    transport.banner_timeout = 20
    compress = os.environ.get("OXSSH_TEST_COMPRESS") == "1"
    if compress:
        transport.use_compression(True)
    transport.start_client(timeout=20)
    if method == "key":
        key = paramiko.Ed25519Key.from_private_key_file(secret)
        transport.auth_publickey(user, key)
    elif method == "password":
        transport.auth_password(user, secret)
    else:
        transport.auth_interactive(user, lambda title, instr, prompts: [secret for _ in prompts])
    channel = transport.open_session(timeout=20)
    channel.exec_command(command)
    stdin = sys.stdin.buffer.read()
    if stdin:
        channel.sendall(stdin)
    channel.shutdown_write()
    out = channel.makefile("rb").read()
    err = channel.makefile_stderr("rb").read()
    status = channel.recv_exit_status()
    sys.stdout.buffer.write(out)
    sys.stderr.buffer.write(err)
    if compress:
        sys.stderr.write(f"compression: {transport.local_compression} {transport.remote_compression}\n")
    transport.close()
    sys.exit(status)


main()
