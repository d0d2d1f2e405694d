//! sshd_config(5).
