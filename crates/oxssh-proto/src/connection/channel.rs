//! One channel: numbers, windows, and the two half-close states (RFC 4254 §5.3), like OpenSSH's nchan.c.

use std::collections::VecDeque;

use super::window::RecvWindow;

/// Where a channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// We sent CHANNEL_OPEN and wait for the answer.
    OpeningOut,
    /// The peer sent CHANNEL_OPEN and the application has not answered.
    OpeningIn,
    /// Confirmed.
    Open,
}

/// One channel's state.
#[derive(Debug)]
pub(crate) struct Channel {
    pub(crate) phase: Phase,
    pub(crate) remote_id: u32,
    pub(crate) recv: RecvWindow,
    /// How much we may still send.
    pub(crate) send_window: u32,
    /// The largest data packet the peer accepts.
    pub(crate) send_max_packet: u32,
    pub(crate) eof_sent: bool,
    pub(crate) eof_received: bool,
    pub(crate) close_sent: bool,
    pub(crate) close_received: bool,
    /// The application could not send everything last time: tell it when it can.
    pub(crate) blocked: bool,
    /// Replies we owe the peer, in the order its want-reply requests arrived: `None` while the
    /// application decides, `Some(answer)` once known but waiting behind an earlier one.
    pub(crate) owed_replies: VecDeque<Option<bool>>,
}

impl Channel {
    pub(crate) fn new(phase: Phase, window: u32) -> Self {
        Self {
            phase,
            remote_id: 0,
            recv: RecvWindow::new(window),
            send_window: 0,
            send_max_packet: 0,
            eof_sent: false,
            eof_received: false,
            close_sent: false,
            close_received: false,
            blocked: false,
            owed_replies: VecDeque::new(),
        }
    }

    /// Whether the application may still send data.
    pub(crate) fn can_send(&self) -> bool {
        self.phase == Phase::Open && !self.eof_sent && !self.close_sent && !self.close_received
    }
}
