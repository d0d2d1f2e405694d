//! Gather SSH public host keys, as OpenSSH's ssh-keyscan
