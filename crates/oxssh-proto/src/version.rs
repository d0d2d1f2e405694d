//! Identification string exchange (RFC 4253 §4.2).
//!
//! Both sides send `SSH-2.0-softwareversion SP comments CR LF`. A server may send other lines first
//! (the RFC allows it; some put a notice there); a client may not. Every line is bounded before it is
//! buffered, and so is the number of pre-banner lines, so a peer that streams junk costs us nothing.

use bytes::BytesMut;

use crate::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::limits;

/// Reads the peer's identification line out of the input.
#[derive(Debug)]
pub(crate) struct VersionReader {
    /// Whether lines before the identification are allowed (we are the client).
    allow_pre_banner: bool,
    pre_banner_lines: usize,
}

impl VersionReader {
    pub(crate) fn new(allow_pre_banner: bool) -> Self {
        Self {
            allow_pre_banner,
            pre_banner_lines: 0,
        }
    }

    /// Consumes whole lines from `input`. Returns the peer's identification (without CR LF) once it has
    /// arrived, leaving any bytes after it in `input` for the packet layer.
    pub(crate) fn read(&mut self, input: &mut BytesMut) -> Result<Option<String>, Error> {
        loop {
            let limit = if self.allow_pre_banner {
                limits::MAX_PRE_BANNER_LINE
            } else {
                limits::MAX_VERSION_LINE
            };
            let Some(newline) = input.iter().take(limit).position(|&b| b == b'\n') else {
                if input.len() >= limit {
                    return Err(
                        PeerMisbehaved::NoIdentification("identification line too long").into(),
                    );
                }
                return Ok(None);
            };
            let line = input.split_to(newline + 1);
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.starts_with(b"SSH-") {
                if line.len() > limits::MAX_VERSION_LINE {
                    return Err(
                        InvalidMessage::BadVersion("identification line over 255 bytes").into(),
                    );
                }
                return parse_identification(text).map(Some);
            }
            if !self.allow_pre_banner {
                return Err(
                    InvalidMessage::BadVersion("client sent invalid protocol identifier").into(),
                );
            }
            self.pre_banner_lines += 1;
            if self.pre_banner_lines > limits::MAX_PRE_BANNER_LINES {
                return Err(PeerMisbehaved::NoIdentification(
                    "too many lines before identification",
                )
                .into());
            }
        }
    }
}

fn parse_identification(line: &[u8]) -> Result<String, Error> {
    // RFC 4253 §4.2: printable US-ASCII; OpenSSH also refuses NUL anywhere in the line.
    if line.iter().any(|&b| !(0x20..0x7f).contains(&b)) {
        return Err(
            InvalidMessage::BadVersion("identification has non-printable characters").into(),
        );
    }
    let text = std::str::from_utf8(line)
        .map_err(|_| InvalidMessage::BadVersion("identification not ASCII"))?;
    let rest = text.strip_prefix("SSH-").unwrap_or(text);
    let (proto, software) = rest
        .split_once('-')
        .ok_or(InvalidMessage::BadVersion("no software version"))?;
    // 1.99 announces a server that also speaks 2.0 (RFC 4253 §5.1).
    if proto != "2.0" && proto != "1.99" {
        return Err(PeerIncompatible::UnsupportedVersion.into());
    }
    let software = software.split(' ').next().unwrap_or("");
    if software.is_empty() {
        return Err(InvalidMessage::BadVersion("empty software version").into());
    }
    Ok(text.to_owned())
}

/// The software version part of an identification line ("OpenSSH_9.2p1 Debian-2" → "OpenSSH_9.2p1").
pub fn software_version(identification: &str) -> &str {
    identification
        .splitn(3, '-')
        .nth(2)
        .and_then(|s| s.split(' ').next())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(allow: bool, input: &[u8]) -> (Result<Option<String>, Error>, usize) {
        let mut buf = BytesMut::from(input);
        let result = VersionReader::new(allow).read(&mut buf);
        (result, buf.len())
    }

    #[test]
    fn reads_a_plain_identification_and_leaves_the_rest() {
        let (r, left) = read(false, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\x00\x00");
        assert_eq!(
            r.unwrap().as_deref(),
            Some("SSH-2.0-OpenSSH_9.2p1 Debian-2")
        );
        assert_eq!(left, 2);
        assert_eq!(
            software_version("SSH-2.0-OpenSSH_9.2p1 Debian-2"),
            "OpenSSH_9.2p1"
        );
    }

    #[test]
    fn accepts_lf_only_and_1_99() {
        assert!(read(false, b"SSH-1.99-x\n").0.unwrap().is_some());
    }

    #[test]
    fn client_tolerates_lines_before_the_banner_but_server_does_not() {
        let input = b"hello there\r\nSSH-2.0-dropbear\r\n";
        assert_eq!(
            read(true, input).0.unwrap().as_deref(),
            Some("SSH-2.0-dropbear")
        );
        assert!(read(false, input).0.is_err());
    }

    #[test]
    fn incomplete_line_waits_but_overlong_line_fails() {
        assert_eq!(read(false, b"SSH-2.0-abc").0.unwrap(), None);
        assert!(read(false, &[b'a'; 300]).0.is_err());
        let mut long = b"SSH-2.0-".to_vec();
        long.extend([b'x'; 260]);
        long.extend(b"\r\n");
        assert!(read(true, &long).0.is_err());
    }

    #[test]
    fn rejects_ssh1_and_garbage() {
        assert!(matches!(
            read(false, b"SSH-1.5-old\r\n").0,
            Err(Error::PeerIncompatible(_))
        ));
        assert!(read(false, b"SSH-2.0-\r\n").0.is_err());
        assert!(read(false, b"SSH-2.0-a\x00b\r\n").0.is_err());
    }

    #[test]
    fn too_many_pre_banner_lines_fail() {
        let input = b"x\n".repeat(limits::MAX_PRE_BANNER_LINES + 1);
        assert!(read(true, &input).0.is_err());
    }
}
