//! Packet ciphers.
