//! `-s`: installing keys over SFTP, for hosts that allow nothing else (`ForceCommand
//! internal-sftp`). The script runs an sftp batch (`-get`, `-mkdir`, `chmod 700`, `put`,
//! `chmod 600`); this does the same steps itself, speaking SFTP version 3
//! (draft-ietf-secsh-filexfer-02) over the client's `sftp` subsystem.
//!
//! Only the handful of requests those steps need are implemented. Every reply is bounded before it
//! is read, and the existing authorized_keys may be at most [`MAX_FILE`] bytes.

use std::io::{self, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout};

use oxssh_wire::{Reader, Writer};

/// The largest reply accepted (OpenSSH's sftp client allows 256 KiB).
const MAX_PACKET: usize = 256 * 1024;

/// The largest authorized_keys read back: far beyond any real one.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Bytes asked for per READ (OpenSSH's default buffer).
const READ_CHUNK: u32 = 32 * 1024;

mod fxp {
    pub const INIT: u8 = 1;
    pub const VERSION: u8 = 2;
    pub const OPEN: u8 = 3;
    pub const CLOSE: u8 = 4;
    pub const READ: u8 = 5;
    pub const WRITE: u8 = 6;
    pub const SETSTAT: u8 = 9;
    pub const MKDIR: u8 = 14;
    pub const STATUS: u8 = 101;
    pub const HANDLE: u8 = 102;
    pub const DATA: u8 = 103;
    pub const READ_FLAG: u32 = 0x01;
    pub const WRITE_FLAG: u32 = 0x02;
    pub const CREAT: u32 = 0x08;
    pub const TRUNC: u32 = 0x10;
    pub const ATTR_PERMISSIONS: u32 = 0x04;
    pub const STATUS_OK: u32 = 0;
    pub const STATUS_EOF: u32 = 1;
}

/// Why an SFTP step failed; displayed as the server's message or what went wrong.
#[derive(Debug)]
pub enum SftpError {
    /// The pipe to the client broke (the login failed, or the server hung up).
    Io(io::Error),
    /// The server answered something that is not SFTP version 3.
    Protocol(&'static str),
    /// The server refused a request.
    Status {
        /// The request, for the message.
        what: String,
        /// The server's text.
        message: String,
    },
}

impl std::fmt::Display for SftpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(
                f,
                "connection closed: {}",
                oxssh_tokio::connect::error_text(e)
            ),
            Self::Protocol(what) => write!(f, "unexpected reply: {what}"),
            Self::Status { what, message } => write!(f, "{what}: {message}"),
        }
    }
}

impl From<io::Error> for SftpError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<oxssh_wire::WireError> for SftpError {
    fn from(_: oxssh_wire::WireError) -> Self {
        Self::Protocol("malformed packet")
    }
}

/// An SFTP session over a client process's standard input and output.
pub struct Session {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    next_id: u32,
}

impl Session {
    /// Takes over `child` (started with piped stdin and stdout) and exchanges INIT and VERSION.
    pub fn start(mut child: Child) -> Result<Self, SftpError> {
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(SftpError::Protocol("no pipes to the client"));
        };
        let mut s = Self {
            child,
            to,
            from: BufReader::new(from),
            next_id: 0,
        };
        let mut init = vec![fxp::INIT];
        init.write_u32(3);
        s.send(&init)?;
        let reply = s.receive()?;
        if reply.first() != Some(&fxp::VERSION) {
            return Err(SftpError::Protocol("no VERSION"));
        }
        Ok(s)
    }

    fn send(&mut self, body: &[u8]) -> Result<(), SftpError> {
        let mut packet = Vec::with_capacity(body.len() + 4);
        packet.write_string(body);
        self.to.write_all(&packet)?;
        self.to.flush()?;
        Ok(())
    }

    fn receive(&mut self) -> Result<Vec<u8>, SftpError> {
        let mut len = [0u8; 4];
        self.from.read_exact(&mut len)?;
        let len = u32::from_be_bytes(len) as usize;
        if len == 0 || len > MAX_PACKET {
            return Err(SftpError::Protocol("packet length"));
        }
        let mut body = vec![0u8; len];
        self.from.read_exact(&mut body)?;
        Ok(body)
    }

    /// Sends a request of `kind` with `fields` and returns the reply's type and the rest.
    fn request(&mut self, kind: u8, fields: &[u8]) -> Result<(u8, Vec<u8>), SftpError> {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let mut body = vec![kind];
        body.write_u32(id);
        body.extend_from_slice(fields);
        self.send(&body)?;
        let reply = self.receive()?;
        let mut r = Reader::new(&reply);
        let kind = r.read_u8("type")?;
        if r.read_u32("id")? != id {
            return Err(SftpError::Protocol("request id"));
        }
        Ok((kind, r.take_rest().to_vec()))
    }

    /// A STATUS reply: `Ok(code)` for OK or EOF, else the refusal.
    fn status(what: &str, kind: u8, rest: &[u8]) -> Result<u32, SftpError> {
        if kind != fxp::STATUS {
            return Err(SftpError::Protocol("expected STATUS"));
        }
        let mut r = Reader::new(rest);
        let code = r.read_u32("status code")?;
        let message = String::from_utf8_lossy(r.read_string("status message").unwrap_or(b""));
        match code {
            fxp::STATUS_OK | fxp::STATUS_EOF => Ok(code),
            _ => Err(SftpError::Status {
                what: what.to_owned(),
                message: message.into_owned(),
            }),
        }
    }

    fn open(&mut self, path: &str, flags: u32, mode: Option<u32>) -> Result<Vec<u8>, SftpError> {
        let mut fields = Vec::new();
        fields.write_string(path.as_bytes());
        fields.write_u32(flags);
        write_attrs(&mut fields, mode);
        let (kind, rest) = self.request(fxp::OPEN, &fields)?;
        if kind != fxp::HANDLE {
            Self::status(&format!("open \"{path}\""), kind, &rest)?;
            return Err(SftpError::Protocol("expected HANDLE"));
        }
        Ok(Reader::new(&rest).read_string("handle")?.to_vec())
    }

    fn close(&mut self, handle: &[u8]) -> Result<(), SftpError> {
        let mut fields = Vec::new();
        fields.write_string(handle);
        let (kind, rest) = self.request(fxp::CLOSE, &fields)?;
        Self::status("close", kind, &rest).map(|_| ())
    }

    /// `-get PATH`: the file's contents, or `None` if it cannot be opened (usually: it does not
    /// exist yet).
    pub fn read_file(&mut self, path: &str) -> Result<Option<Vec<u8>>, SftpError> {
        let handle = match self.open(path, fxp::READ_FLAG, None) {
            Ok(h) => h,
            Err(SftpError::Status { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut data = Vec::new();
        loop {
            let mut fields = Vec::new();
            fields.write_string(&handle);
            fields.write_u64(data.len() as u64);
            fields.write_u32(READ_CHUNK);
            let (kind, rest) = self.request(fxp::READ, &fields)?;
            if kind != fxp::DATA {
                Self::status(&format!("read \"{path}\""), kind, &rest)?;
                break;
            }
            let chunk = Reader::new(&rest).read_string("data")?.to_vec();
            if chunk.is_empty() {
                break;
            }
            data.extend_from_slice(&chunk);
            if data.len() as u64 > MAX_FILE {
                return Err(SftpError::Protocol("file too large"));
            }
        }
        self.close(&handle)?;
        Ok(Some(data))
    }

    /// `mkdir PATH` (mode 0777 before the umask, as sftp asks).
    pub fn mkdir(&mut self, path: &str) -> Result<(), SftpError> {
        let mut fields = Vec::new();
        fields.write_string(path.as_bytes());
        write_attrs(&mut fields, Some(0o777));
        let (kind, rest) = self.request(fxp::MKDIR, &fields)?;
        Self::status(&format!("mkdir \"{path}\""), kind, &rest).map(|_| ())
    }

    /// `chmod MODE PATH`.
    pub fn chmod(&mut self, path: &str, mode: u32) -> Result<(), SftpError> {
        let mut fields = Vec::new();
        fields.write_string(path.as_bytes());
        write_attrs(&mut fields, Some(mode));
        let (kind, rest) = self.request(fxp::SETSTAT, &fields)?;
        Self::status(&format!("chmod \"{path}\""), kind, &rest).map(|_| ())
    }

    /// `put`: replaces PATH with `data`, created with `mode`.
    pub fn write_file(&mut self, path: &str, data: &[u8], mode: u32) -> Result<(), SftpError> {
        let handle = self.open(path, fxp::WRITE_FLAG | fxp::CREAT | fxp::TRUNC, Some(mode))?;
        for (i, chunk) in data.chunks(READ_CHUNK as usize).enumerate() {
            let mut fields = Vec::new();
            fields.write_string(&handle);
            fields.write_u64((i * READ_CHUNK as usize) as u64);
            fields.write_string(chunk);
            let (kind, rest) = self.request(fxp::WRITE, &fields)?;
            Self::status(&format!("write \"{path}\""), kind, &rest)?;
        }
        self.close(&handle)
    }

    /// Ends the session: closes the client's input and waits for it.
    pub fn finish(self) -> io::Result<std::process::ExitStatus> {
        let Self { mut child, to, .. } = self;
        drop(to);
        child.wait()
    }
}

fn write_attrs(fields: &mut Vec<u8>, mode: Option<u32>) {
    match mode {
        Some(mode) => {
            fields.write_u32(fxp::ATTR_PERMISSIONS);
            fields.write_u32(mode);
        }
        None => fields.write_u32(0),
    }
}

/// The script's `installkeys_via_sftp`: fetch authorized_keys (if any), end it with a newline,
/// append `keys`, make ~/.ssh (0700) and put the file back (0600).
pub fn install(session: &mut Session, keys: &[String]) -> Result<(), SftpError> {
    let mut content = session
        .read_file(".ssh/authorized_keys")?
        .unwrap_or_default();
    if content.last().is_some_and(|&b| b != b'\n') {
        content.push(b'\n');
    }
    for key in keys {
        content.extend_from_slice(key.as_bytes());
        content.push(b'\n');
    }
    // `-mkdir`: it may well exist already.
    let _ = session.mkdir(".ssh");
    session.chmod(".ssh", 0o700)?;
    session.write_file(".ssh/authorized_keys", &content, 0o600)?;
    session.chmod(".ssh/authorized_keys", 0o600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_through_openssh_sftp_server() {
        // OpenSSH's sftp-server speaks SFTP over its standard input and output, as a subsystem
        // would; HOME-relative paths resolve against its working directory.
        let server = "/usr/lib/openssh/sftp-server";
        if !oxssh_test::peers::require(server) {
            return;
        }
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let start = || {
            std::process::Command::new(server)
                .current_dir(home.path())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut s = Session::start(start()).unwrap();
        install(&mut s, &["key one".into()]).unwrap();
        assert!(s.finish().unwrap().success());
        let ssh = home.path().join(".ssh");
        let file = ssh.join("authorized_keys");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ssh), 0o700);
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, "key one\nno newline").unwrap();
        let mut s = Session::start(start()).unwrap();
        install(&mut s, &["key two".into(), "key three".into()]).unwrap();
        s.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "key one\nno newline\nkey two\nkey three\n"
        );
        // A large file comes back whole, across many READs.
        let big: String = (0..5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&file, &big).unwrap();
        let mut s = Session::start(start()).unwrap();
        assert_eq!(
            s.read_file(".ssh/authorized_keys").unwrap().unwrap(),
            big.as_bytes()
        );
        assert_eq!(s.read_file("missing").unwrap(), None);
        assert!(matches!(
            s.chmod("missing", 0o600),
            Err(SftpError::Status { .. })
        ));
    }
}
