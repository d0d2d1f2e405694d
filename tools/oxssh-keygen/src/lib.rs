//! oxssh-keygen: OpenSSH's ssh-keygen.
#![forbid(unsafe_code)]
