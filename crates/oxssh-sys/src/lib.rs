//! Operating-system calls for oxssh: pty, users, PAM, crypt, privileges
