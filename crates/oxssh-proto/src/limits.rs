//! Every bound on something the peer controls, each with the reason for its value.

/// The largest packet we accept, length field to MAC inclusive: 256 KiB, OpenSSH's PACKET_MAX_SIZE. RFC
/// 4253 §6.1 only requires 35000 bytes; OpenSSH peers never send more than this, and a hostile length
/// above it is refused before any buffer grows.
pub const MAX_PACKET: usize = 256 * 1024;

/// The smallest legal packet_length: one padding-length byte, a one-byte payload and four bytes of
/// padding would be 6, but RFC 4253 §6 only promises 4 bytes of padding plus the byte itself; 5 is what
/// OpenSSH checks (`packet_length < 1 + 4`).
pub const MIN_PACKET_LENGTH: u32 = 5;

/// The longest identification line, CR LF included (RFC 4253 §4.2).
pub const MAX_VERSION_LINE: usize = 255;

/// The longest line a server may send before its identification. The RFC sets no limit; OpenSSH reads
/// at most 8 KiB per pre-banner line (kex_exchange_identification), and so do we.
pub const MAX_PRE_BANNER_LINE: usize = 8 * 1024;

/// The most lines a server may send before its identification: OpenSSH allows 1024.
pub const MAX_PRE_BANNER_LINES: usize = 1024;

/// The most channels open at once on one connection. OpenSSH has no fixed cap but each channel costs
/// memory; 1024 is far above MaxSessions (10) plus any realistic number of forwarded connections.
pub const MAX_CHANNELS: usize = 1024;

/// The largest window we let a channel's receive window grow to (flow-control auto-tuning). 64 MiB is
/// enough for 1 GB/s at 50 ms round trip while bounding what one channel can make us buffer.
pub const MAX_CHANNEL_WINDOW: u32 = 64 * 1024 * 1024;

/// The most global requests awaiting our reply. Replies must go out in order (RFC 4254 §4), so each
/// outstanding one costs a queue slot; a peer that floods requests without reading replies is cut off.
pub const MAX_PENDING_GLOBAL_REQUESTS: usize = 256;

/// The most channel requests with want-reply awaiting an answer on one channel.
pub const MAX_PENDING_CHANNEL_REQUESTS: usize = 64;

/// Keyboard-interactive: the most prompts in one INFO_REQUEST and responses in one INFO_RESPONSE.
/// OpenSSH's client accepts at most 100 prompts (sshconnect2.c input_userauth_info_req).
pub const MAX_KBDINT_PROMPTS: usize = 100;

/// The most EXT_INFO extensions we read: OpenSSH sends four; 64 leaves room without unbounded work.
pub const MAX_EXTENSIONS: usize = 64;

/// Messages queued while a key exchange is in progress (RFC 4253 §7.1 forbids sending them until
/// NEWKEYS). Channel data is held back at the source instead, so only control messages queue here.
pub const MAX_QUEUED_DURING_KEX: usize = 4096;

/// Default receive window of a new channel: 2 MiB, OpenSSH's CHAN_SES_WINDOW_DEFAULT.
pub const DEFAULT_CHANNEL_WINDOW: u32 = 2 * 1024 * 1024;

/// Default maximum data per channel packet: 32 KiB, OpenSSH's CHAN_SES_PACKET_DEFAULT.
pub const DEFAULT_CHANNEL_PACKET: u32 = 32 * 1024;

/// Packets per direction between re-keys at most: RFC 4344 §3.1 requires re-keying before 2^32 packets
/// so that sequence numbers never repeat under one key; OpenSSH re-keys after 2^31.
pub const MAX_PACKETS_PER_KEY: u64 = 1 << 31;
