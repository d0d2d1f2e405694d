//! Non-blocking reads and writes on the descriptors of a user's process (pipes, or duplicates of a
//! pty master), driven by tokio's reactor through its pipe types, which take any descriptor safely.
//! A pty master reports EIO once every holder of the slave has closed it; that is its end of file.

use std::io;
use std::os::fd::OwnedFd;

use bytes::BytesMut;
use tokio::net::unix::pipe;

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

fn is_eio(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error())
}

/// The reading side of a descriptor.
#[derive(Debug)]
pub struct FdReader(pipe::Receiver);

impl FdReader {
    /// Makes `fd` non-blocking and registers it for reading.
    pub fn new(fd: OwnedFd) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        Ok(Self(pipe::Receiver::from_owned_fd_unchecked(fd)?))
    }

    /// Waits until the descriptor may have something to read (or its end).
    pub async fn readable(&self) -> io::Result<()> {
        self.0.readable().await
    }

    /// Appends what is there now to `buf`, without waiting; `Ok(None)` when nothing is, `Ok(Some(0))`
    /// at end of file. Reads into `buf`'s spare room, which the caller reserves.
    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<Option<usize>> {
        match self.0.try_read_buf(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if would_block(&e) => Ok(None),
            Err(e) if is_eio(&e) => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }

    /// Reads what is there now without waiting; `Ok(None)` when nothing is.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.0.try_read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if would_block(&e) => Ok(None),
            Err(e) if is_eio(&e) => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }
}

/// The writing side of a descriptor.
#[derive(Debug)]
pub struct FdWriter(pipe::Sender);

impl FdWriter {
    /// Makes `fd` non-blocking and registers it for writing.
    pub fn new(fd: OwnedFd) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        Ok(Self(pipe::Sender::from_owned_fd_unchecked(fd)?))
    }

    /// Writes all of `buf`, waiting for room.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            self.0.writable().await?;
            match self.0.try_write(buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if would_block(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
