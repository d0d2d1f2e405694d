//! Message numbers (RFC 4250 §4.1 and OpenSSH extensions).

/// SSH_MSG_DISCONNECT
pub const DISCONNECT: u8 = 1;
/// SSH_MSG_IGNORE
pub const IGNORE: u8 = 2;
/// SSH_MSG_UNIMPLEMENTED
pub const UNIMPLEMENTED: u8 = 3;
/// SSH_MSG_DEBUG
pub const DEBUG: u8 = 4;
/// SSH_MSG_SERVICE_REQUEST
pub const SERVICE_REQUEST: u8 = 5;
/// SSH_MSG_SERVICE_ACCEPT
pub const SERVICE_ACCEPT: u8 = 6;
/// SSH_MSG_EXT_INFO (RFC 8308)
pub const EXT_INFO: u8 = 7;
/// SSH_MSG_KEXINIT
pub const KEXINIT: u8 = 20;
/// SSH_MSG_NEWKEYS
pub const NEWKEYS: u8 = 21;
/// SSH_MSG_KEXDH_INIT, SSH_MSG_KEX_ECDH_INIT and the hybrid methods' INIT.
pub const KEX_INIT: u8 = 30;
/// SSH_MSG_KEXDH_REPLY, SSH_MSG_KEX_ECDH_REPLY and the hybrid methods' REPLY.
pub const KEX_REPLY: u8 = 31;
/// SSH_MSG_USERAUTH_REQUEST
pub const USERAUTH_REQUEST: u8 = 50;
/// SSH_MSG_USERAUTH_FAILURE
pub const USERAUTH_FAILURE: u8 = 51;
/// SSH_MSG_USERAUTH_SUCCESS
pub const USERAUTH_SUCCESS: u8 = 52;
/// SSH_MSG_USERAUTH_BANNER
pub const USERAUTH_BANNER: u8 = 53;
/// SSH_MSG_USERAUTH_PK_OK (publickey method) — shares 60 with the two below.
pub const USERAUTH_PK_OK: u8 = 60;
/// SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (password method).
pub const USERAUTH_PASSWD_CHANGEREQ: u8 = 60;
/// SSH_MSG_USERAUTH_INFO_REQUEST (keyboard-interactive, RFC 4256).
pub const USERAUTH_INFO_REQUEST: u8 = 60;
/// SSH_MSG_USERAUTH_INFO_RESPONSE (keyboard-interactive, RFC 4256).
pub const USERAUTH_INFO_RESPONSE: u8 = 61;
/// SSH_MSG_GLOBAL_REQUEST
pub const GLOBAL_REQUEST: u8 = 80;
/// SSH_MSG_REQUEST_SUCCESS
pub const REQUEST_SUCCESS: u8 = 81;
/// SSH_MSG_REQUEST_FAILURE
pub const REQUEST_FAILURE: u8 = 82;
/// SSH_MSG_CHANNEL_OPEN
pub const CHANNEL_OPEN: u8 = 90;
/// SSH_MSG_CHANNEL_OPEN_CONFIRMATION
pub const CHANNEL_OPEN_CONFIRMATION: u8 = 91;
/// SSH_MSG_CHANNEL_OPEN_FAILURE
pub const CHANNEL_OPEN_FAILURE: u8 = 92;
/// SSH_MSG_CHANNEL_WINDOW_ADJUST
pub const CHANNEL_WINDOW_ADJUST: u8 = 93;
/// SSH_MSG_CHANNEL_DATA
pub const CHANNEL_DATA: u8 = 94;
/// SSH_MSG_CHANNEL_EXTENDED_DATA
pub const CHANNEL_EXTENDED_DATA: u8 = 95;
/// SSH_MSG_CHANNEL_EOF
pub const CHANNEL_EOF: u8 = 96;
/// SSH_MSG_CHANNEL_CLOSE
pub const CHANNEL_CLOSE: u8 = 97;
/// SSH_MSG_CHANNEL_REQUEST
pub const CHANNEL_REQUEST: u8 = 98;
/// SSH_MSG_CHANNEL_SUCCESS
pub const CHANNEL_SUCCESS: u8 = 99;
/// SSH_MSG_CHANNEL_FAILURE
pub const CHANNEL_FAILURE: u8 = 100;
/// SSH2_MSG_PING (OpenSSH PROTOCOL §1.9)
pub const PING: u8 = 192;
/// SSH2_MSG_PONG (OpenSSH PROTOCOL §1.9)
pub const PONG: u8 = 193;

/// Whether a message belongs to key exchange (allowed between KEXINIT and NEWKEYS): KEXINIT, NEWKEYS and
/// the method-specific range 30–49 (RFC 4253 §7.1).
pub fn is_kex(number: u8) -> bool {
    number == KEXINIT || number == NEWKEYS || (30..=49).contains(&number)
}

/// Whether a message is a transport-generic message (1–19) other than the service messages, which RFC
/// 4253 §7.1 forbids during a key exchange.
pub fn is_transport_generic(number: u8) -> bool {
    (1..=19).contains(&number) && number != SERVICE_REQUEST && number != SERVICE_ACCEPT
}
