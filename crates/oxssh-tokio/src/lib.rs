//! The tokio driver around the oxssh protocol core
