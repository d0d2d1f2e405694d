//! Typed SSH messages. Each type reads itself from a borrowed payload (after the message number) and
//! writes itself, number included. Decoding is by state: the caller decides which type to expect, so a
//! number that means different things in different states (60 is PK_OK or INFO_REQUEST) is never guessed.

pub mod connection;
pub mod kex;
pub mod number;
pub mod transport;
pub mod userauth;
