//! Connection-layer messages (RFC 4254). Requests and open kinds are decoded into owned values because
//! they outlive the packet as events; channel data, the hot path, is handled by the connection layer
//! directly as slices of the packet.

use oxssh_wire::{Reader, Writer};

use super::number;
use crate::error::Error;

/// Channel types on the wire.
pub mod kind {
    /// RFC 4254 §6.1.
    pub const SESSION: &str = "session";
    /// RFC 4254 §7.2.
    pub const DIRECT_TCPIP: &str = "direct-tcpip";
    /// RFC 4254 §7.2.
    pub const FORWARDED_TCPIP: &str = "forwarded-tcpip";
    /// OpenSSH agent forwarding (PROTOCOL.agent).
    pub const AUTH_AGENT: &str = "auth-agent@openssh.com";
    /// OpenSSH Unix-socket forwarding (PROTOCOL §2.4).
    pub const DIRECT_STREAMLOCAL: &str = "direct-streamlocal@openssh.com";
}

/// What a CHANNEL_OPEN asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelKind {
    /// An interactive session or command.
    Session,
    /// A connection to `host:port` on the server's side (local forwarding, -L / -D).
    DirectTcpip {
        /// Where to connect.
        host: String,
        /// Port to connect to.
        port: u32,
        /// The originator's address.
        originator: String,
        /// The originator's port.
        originator_port: u32,
    },
    /// A connection that arrived on a port the client asked the server to listen on (-R).
    ForwardedTcpip {
        /// The address that was connected to.
        address: String,
        /// The port that was connected to.
        port: u32,
        /// The originator's address.
        originator: String,
        /// The originator's port.
        originator_port: u32,
    },
    /// A connection to the client's agent (agent forwarding).
    AuthAgent,
    /// A connection to a Unix socket on the server's side.
    DirectStreamlocal {
        /// The socket path.
        path: String,
    },
    /// Anything else; refused with UNKNOWN_CHANNEL_TYPE unless the application knows it.
    Other(String),
}

impl ChannelKind {
    fn read(name: &str, r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(match name {
            kind::SESSION => Self::Session,
            kind::DIRECT_TCPIP => Self::DirectTcpip {
                host: r.read_utf8("direct-tcpip host")?.to_owned(),
                port: r.read_u32("direct-tcpip port")?,
                originator: r.read_utf8("direct-tcpip originator")?.to_owned(),
                originator_port: r.read_u32("direct-tcpip originator port")?,
            },
            kind::FORWARDED_TCPIP => Self::ForwardedTcpip {
                address: r.read_utf8("forwarded-tcpip address")?.to_owned(),
                port: r.read_u32("forwarded-tcpip port")?,
                originator: r.read_utf8("forwarded-tcpip originator")?.to_owned(),
                originator_port: r.read_u32("forwarded-tcpip originator port")?,
            },
            kind::AUTH_AGENT => Self::AuthAgent,
            kind::DIRECT_STREAMLOCAL => {
                let path = r.read_utf8("streamlocal path")?.to_owned();
                r.read_string("streamlocal reserved")?;
                r.read_u32("streamlocal reserved port")?;
                Self::DirectStreamlocal { path }
            }
            other => {
                r.take_rest();
                Self::Other(other.to_owned())
            }
        })
    }

    /// The type name on the wire.
    pub fn name(&self) -> &str {
        match self {
            Self::Session => kind::SESSION,
            Self::DirectTcpip { .. } => kind::DIRECT_TCPIP,
            Self::ForwardedTcpip { .. } => kind::FORWARDED_TCPIP,
            Self::AuthAgent => kind::AUTH_AGENT,
            Self::DirectStreamlocal { .. } => kind::DIRECT_STREAMLOCAL,
            Self::Other(name) => name,
        }
    }

    fn write_fields(&self, w: &mut impl Writer) {
        match self {
            Self::DirectTcpip {
                host,
                port,
                originator,
                originator_port,
            } => {
                w.write_string(host.as_bytes());
                w.write_u32(*port);
                w.write_string(originator.as_bytes());
                w.write_u32(*originator_port);
            }
            Self::ForwardedTcpip {
                address,
                port,
                originator,
                originator_port,
            } => {
                w.write_string(address.as_bytes());
                w.write_u32(*port);
                w.write_string(originator.as_bytes());
                w.write_u32(*originator_port);
            }
            Self::DirectStreamlocal { path } => {
                w.write_string(path.as_bytes());
                w.write_string(b"");
                w.write_u32(0);
            }
            Self::Session | Self::AuthAgent | Self::Other(_) => {}
        }
    }
}

/// SSH_MSG_CHANNEL_OPEN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOpen {
    /// What is asked for.
    pub kind: ChannelKind,
    /// The sender's channel number.
    pub sender_channel: u32,
    /// The sender's initial receive window.
    pub initial_window: u32,
    /// The largest data packet the sender accepts.
    pub max_packet: u32,
}

impl ChannelOpen {
    /// Reads the body.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let name = r.read_utf8("channel type")?;
        let sender_channel = r.read_u32("sender channel")?;
        let initial_window = r.read_u32("initial window")?;
        let max_packet = r.read_u32("maximum packet")?;
        let kind = ChannelKind::read(name, r)?;
        r.finish("channel open")?;
        Ok(Self {
            kind,
            sender_channel,
            initial_window,
            max_packet,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::CHANNEL_OPEN);
        w.write_string(self.kind.name().as_bytes());
        w.write_u32(self.sender_channel);
        w.write_u32(self.initial_window);
        w.write_u32(self.max_packet);
        self.kind.write_fields(w);
    }
}

/// SSH_MSG_CHANNEL_OPEN_CONFIRMATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelOpenConfirmation {
    /// Our channel number, as the peer knows it.
    pub recipient_channel: u32,
    /// The peer's channel number.
    pub sender_channel: u32,
    /// The peer's initial receive window.
    pub initial_window: u32,
    /// The largest data packet the peer accepts.
    pub max_packet: u32,
}

impl ChannelOpenConfirmation {
    /// Reads the body (type-specific trailing data is ignored: none of ours has any).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let recipient_channel = r.read_u32("recipient channel")?;
        let sender_channel = r.read_u32("sender channel")?;
        let initial_window = r.read_u32("initial window")?;
        let max_packet = r.read_u32("maximum packet")?;
        Ok(Self {
            recipient_channel,
            sender_channel,
            initial_window,
            max_packet,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::CHANNEL_OPEN_CONFIRMATION);
        w.write_u32(self.recipient_channel);
        w.write_u32(self.sender_channel);
        w.write_u32(self.initial_window);
        w.write_u32(self.max_packet);
    }
}

/// Reason codes for SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).
pub mod open_failure {
    /// SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
    pub const ADMINISTRATIVELY_PROHIBITED: u32 = 1;
    /// SSH_OPEN_CONNECT_FAILED
    pub const CONNECT_FAILED: u32 = 2;
    /// SSH_OPEN_UNKNOWN_CHANNEL_TYPE
    pub const UNKNOWN_CHANNEL_TYPE: u32 = 3;
    /// SSH_OPEN_RESOURCE_SHORTAGE
    pub const RESOURCE_SHORTAGE: u32 = 4;
}

/// SSH_MSG_CHANNEL_OPEN_FAILURE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOpenFailure<'a> {
    /// Our channel number.
    pub recipient_channel: u32,
    /// Reason code.
    pub reason: u32,
    /// Description.
    pub description: &'a str,
}

impl<'a> ChannelOpenFailure<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let recipient_channel = r.read_u32("recipient channel")?;
        let reason = r.read_u32("open failure reason")?;
        let description = r.read_utf8("open failure description")?;
        if !r.is_empty() {
            r.read_string("open failure language")?;
        }
        Ok(Self {
            recipient_channel,
            reason,
            description,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::CHANNEL_OPEN_FAILURE);
        w.write_u32(self.recipient_channel);
        w.write_u32(self.reason);
        w.write_string(self.description.as_bytes());
        w.write_string(b"");
    }
}

/// A channel request (RFC 4254 §6 and OpenSSH's additions), owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRequest {
    /// "pty-req" (§6.2).
    PtyReq {
        /// TERM value.
        term: String,
        /// Width in characters.
        cols: u32,
        /// Height in rows.
        rows: u32,
        /// Width in pixels.
        width_px: u32,
        /// Height in pixels.
        height_px: u32,
        /// Encoded terminal modes (§8).
        modes: Vec<u8>,
    },
    /// "x11-req" (§6.3.1); parsed so it can be refused politely.
    X11Req,
    /// "env" (§6.4).
    Env {
        /// Variable name.
        name: String,
        /// Value.
        value: String,
    },
    /// "shell" (§6.5).
    Shell,
    /// "exec" (§6.5).
    Exec {
        /// The command line, as bytes (not necessarily UTF-8).
        command: Vec<u8>,
    },
    /// "subsystem" (§6.5).
    Subsystem {
        /// Subsystem name, e.g. "sftp".
        name: String,
    },
    /// "window-change" (§6.7).
    WindowChange {
        /// Width in characters.
        cols: u32,
        /// Height in rows.
        rows: u32,
        /// Width in pixels.
        width_px: u32,
        /// Height in pixels.
        height_px: u32,
    },
    /// "xon-xoff" (§6.8).
    XonXoff {
        /// Whether the client may do flow control.
        client_can_do: bool,
    },
    /// "signal" (§6.9): the name without "SIG".
    Signal {
        /// Signal name.
        name: String,
    },
    /// "exit-status" (§6.10).
    ExitStatus {
        /// The exit code.
        code: u32,
    },
    /// "exit-signal" (§6.10).
    ExitSignal {
        /// Signal name without "SIG".
        name: String,
        /// Whether a core was dumped.
        core_dumped: bool,
        /// Error message.
        message: String,
    },
    /// "break" (RFC 4335).
    Break {
        /// Break length in milliseconds.
        millis: u32,
    },
    /// "auth-agent-req@openssh.com": agent forwarding.
    AuthAgent,
    /// "keepalive@openssh.com" and any other request we do not know.
    Other {
        /// The request name.
        name: String,
    },
}

/// Request names on the wire.
pub mod request {
    /// pty-req
    pub const PTY_REQ: &str = "pty-req";
    /// x11-req
    pub const X11_REQ: &str = "x11-req";
    /// env
    pub const ENV: &str = "env";
    /// shell
    pub const SHELL: &str = "shell";
    /// exec
    pub const EXEC: &str = "exec";
    /// subsystem
    pub const SUBSYSTEM: &str = "subsystem";
    /// window-change
    pub const WINDOW_CHANGE: &str = "window-change";
    /// xon-xoff
    pub const XON_XOFF: &str = "xon-xoff";
    /// signal
    pub const SIGNAL: &str = "signal";
    /// exit-status
    pub const EXIT_STATUS: &str = "exit-status";
    /// exit-signal
    pub const EXIT_SIGNAL: &str = "exit-signal";
    /// break
    pub const BREAK: &str = "break";
    /// auth-agent-req@openssh.com
    pub const AUTH_AGENT: &str = "auth-agent-req@openssh.com";
    /// keepalive@openssh.com (channel or global)
    pub const KEEPALIVE: &str = "keepalive@openssh.com";
    /// eow@openssh.com: end of writing, sent with EOF by OpenSSH
    pub const EOW: &str = "eow@openssh.com";
}

impl ChannelRequest {
    /// The request name on the wire.
    pub fn name(&self) -> &str {
        match self {
            Self::PtyReq { .. } => request::PTY_REQ,
            Self::X11Req => request::X11_REQ,
            Self::Env { .. } => request::ENV,
            Self::Shell => request::SHELL,
            Self::Exec { .. } => request::EXEC,
            Self::Subsystem { .. } => request::SUBSYSTEM,
            Self::WindowChange { .. } => request::WINDOW_CHANGE,
            Self::XonXoff { .. } => request::XON_XOFF,
            Self::Signal { .. } => request::SIGNAL,
            Self::ExitStatus { .. } => request::EXIT_STATUS,
            Self::ExitSignal { .. } => request::EXIT_SIGNAL,
            Self::Break { .. } => request::BREAK,
            Self::AuthAgent => request::AUTH_AGENT,
            Self::Other { name } => name,
        }
    }

    fn read_fields(name: &str, r: &mut Reader<'_>) -> Result<Self, Error> {
        let text =
            |r: &mut Reader<'_>, f| -> Result<String, Error> { Ok(r.read_utf8(f)?.to_owned()) };
        Ok(match name {
            request::PTY_REQ => Self::PtyReq {
                term: text(r, "pty term")?,
                cols: r.read_u32("pty cols")?,
                rows: r.read_u32("pty rows")?,
                width_px: r.read_u32("pty width")?,
                height_px: r.read_u32("pty height")?,
                modes: r.read_string("pty modes")?.to_vec(),
            },
            request::X11_REQ => {
                r.take_rest();
                Self::X11Req
            }
            request::ENV => Self::Env {
                name: text(r, "env name")?,
                value: text(r, "env value")?,
            },
            request::SHELL => Self::Shell,
            request::EXEC => Self::Exec {
                command: r.read_string("exec command")?.to_vec(),
            },
            request::SUBSYSTEM => Self::Subsystem {
                name: text(r, "subsystem name")?,
            },
            request::WINDOW_CHANGE => Self::WindowChange {
                cols: r.read_u32("window cols")?,
                rows: r.read_u32("window rows")?,
                width_px: r.read_u32("window width")?,
                height_px: r.read_u32("window height")?,
            },
            request::XON_XOFF => Self::XonXoff {
                client_can_do: r.read_bool("xon-xoff")?,
            },
            request::SIGNAL => Self::Signal {
                name: text(r, "signal name")?,
            },
            request::EXIT_STATUS => Self::ExitStatus {
                code: r.read_u32("exit status")?,
            },
            request::EXIT_SIGNAL => {
                let name = text(r, "exit signal name")?;
                let core_dumped = r.read_bool("core dumped")?;
                let message = text(r, "exit signal message")?;
                if !r.is_empty() {
                    r.read_string("exit signal language")?;
                }
                Self::ExitSignal {
                    name,
                    core_dumped,
                    message,
                }
            }
            request::BREAK => Self::Break {
                millis: r.read_u32("break length")?,
            },
            request::AUTH_AGENT => Self::AuthAgent,
            other => {
                r.take_rest();
                Self::Other {
                    name: other.to_owned(),
                }
            }
        })
    }

    fn write_fields(&self, w: &mut impl Writer) {
        match self {
            Self::PtyReq {
                term,
                cols,
                rows,
                width_px,
                height_px,
                modes,
            } => {
                w.write_string(term.as_bytes());
                w.write_u32(*cols);
                w.write_u32(*rows);
                w.write_u32(*width_px);
                w.write_u32(*height_px);
                w.write_string(modes);
            }
            Self::Env { name, value } => {
                w.write_string(name.as_bytes());
                w.write_string(value.as_bytes());
            }
            Self::Exec { command } => w.write_string(command),
            Self::Subsystem { name } => w.write_string(name.as_bytes()),
            Self::WindowChange {
                cols,
                rows,
                width_px,
                height_px,
            } => {
                w.write_u32(*cols);
                w.write_u32(*rows);
                w.write_u32(*width_px);
                w.write_u32(*height_px);
            }
            Self::XonXoff { client_can_do } => w.write_bool(*client_can_do),
            Self::Signal { name } => w.write_string(name.as_bytes()),
            Self::ExitStatus { code } => w.write_u32(*code),
            Self::ExitSignal {
                name,
                core_dumped,
                message,
            } => {
                w.write_string(name.as_bytes());
                w.write_bool(*core_dumped);
                w.write_string(message.as_bytes());
                w.write_string(b"");
            }
            Self::Break { millis } => w.write_u32(*millis),
            Self::X11Req | Self::Shell | Self::AuthAgent | Self::Other { .. } => {}
        }
    }
}

/// SSH_MSG_CHANNEL_REQUEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRequestMsg {
    /// The receiver's channel number.
    pub recipient_channel: u32,
    /// Whether an answer is wanted.
    pub want_reply: bool,
    /// The request.
    pub request: ChannelRequest,
}

impl ChannelRequestMsg {
    /// Reads the body.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let recipient_channel = r.read_u32("recipient channel")?;
        let name = r.read_utf8("request name")?;
        let want_reply = r.read_bool("want reply")?;
        let request = ChannelRequest::read_fields(name, r)?;
        r.finish("channel request")?;
        Ok(Self {
            recipient_channel,
            want_reply,
            request,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::CHANNEL_REQUEST);
        w.write_u32(self.recipient_channel);
        w.write_string(self.request.name().as_bytes());
        w.write_bool(self.want_reply);
        self.request.write_fields(w);
    }
}

/// SSH_MSG_GLOBAL_REQUEST, with the request-specific data kept raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalRequest<'a> {
    /// The request name.
    pub name: &'a str,
    /// Whether an answer is wanted.
    pub want_reply: bool,
    /// Request-specific data.
    pub data: &'a [u8],
}

impl<'a> GlobalRequest<'a> {
    /// Reads the body.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let name = r.read_utf8("global request name")?;
        let want_reply = r.read_bool("want reply")?;
        let data = r.take_rest();
        Ok(Self {
            name,
            want_reply,
            data,
        })
    }

    /// Writes the whole message.
    pub fn write(&self, w: &mut impl Writer) {
        w.write_u8(number::GLOBAL_REQUEST);
        w.write_string(self.name.as_bytes());
        w.write_bool(self.want_reply);
        w.write_raw(self.data);
    }
}

/// Global request names.
pub mod global {
    /// RFC 4254 §7.1.
    pub const TCPIP_FORWARD: &str = "tcpip-forward";
    /// RFC 4254 §7.1.
    pub const CANCEL_TCPIP_FORWARD: &str = "cancel-tcpip-forward";
    /// OpenSSH's host key rotation announcement (PROTOCOL §2.5).
    pub const HOSTKEYS: &str = "hostkeys-00@openssh.com";
    /// OpenSSH's client-side MaxSessions=1 hint.
    pub const NO_MORE_SESSIONS: &str = "no-more-sessions@openssh.com";
}

/// The address and port of a tcpip-forward or cancel-tcpip-forward request.
pub fn read_forward_request(data: &[u8]) -> Result<(String, u32), Error> {
    let mut r = Reader::new(data);
    let address = r.read_utf8("forward address")?.to_owned();
    let port = r.read_u32("forward port")?;
    r.finish("tcpip-forward")?;
    Ok((address, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_requests_round_trip() {
        let requests = [
            ChannelRequest::PtyReq {
                term: "xterm".into(),
                cols: 80,
                rows: 24,
                width_px: 0,
                height_px: 0,
                modes: vec![0],
            },
            ChannelRequest::Env {
                name: "LANG".into(),
                value: "C".into(),
            },
            ChannelRequest::Shell,
            ChannelRequest::Exec {
                command: b"ls -l".to_vec(),
            },
            ChannelRequest::Subsystem {
                name: "sftp".into(),
            },
            ChannelRequest::WindowChange {
                cols: 1,
                rows: 2,
                width_px: 3,
                height_px: 4,
            },
            ChannelRequest::Signal {
                name: "TERM".into(),
            },
            ChannelRequest::ExitStatus { code: 3 },
            ChannelRequest::ExitSignal {
                name: "KILL".into(),
                core_dumped: true,
                message: String::new(),
            },
            ChannelRequest::Break { millis: 10 },
            ChannelRequest::AuthAgent,
        ];
        for request in requests {
            let msg = ChannelRequestMsg {
                recipient_channel: 5,
                want_reply: true,
                request,
            };
            let mut out = Vec::new();
            msg.write(&mut out);
            assert_eq!(
                ChannelRequestMsg::read(&mut Reader::new(&out[1..])).unwrap(),
                msg
            );
        }
    }

    #[test]
    fn channel_opens_round_trip() {
        let kinds = [
            ChannelKind::Session,
            ChannelKind::DirectTcpip {
                host: "h".into(),
                port: 22,
                originator: "127.0.0.1".into(),
                originator_port: 5,
            },
            ChannelKind::ForwardedTcpip {
                address: "a".into(),
                port: 1,
                originator: "o".into(),
                originator_port: 2,
            },
            ChannelKind::AuthAgent,
        ];
        for kind in kinds {
            let msg = ChannelOpen {
                kind,
                sender_channel: 1,
                initial_window: 2,
                max_packet: 3,
            };
            let mut out = Vec::new();
            msg.write(&mut out);
            assert_eq!(ChannelOpen::read(&mut Reader::new(&out[1..])).unwrap(), msg);
        }
    }
}
