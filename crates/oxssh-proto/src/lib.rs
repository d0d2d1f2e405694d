//! The sans-IO SSH protocol core: transport, key exchange, authentication, connection layer
