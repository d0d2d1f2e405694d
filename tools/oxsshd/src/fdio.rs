//! Non-blocking reads and writes on the descriptors of a user's process (pipes, or duplicates of a
//! pty master), driven by tokio's reactor through its pipe types, which take any descriptor safely.
//! A pty master reports EIO once every holder of the slave has closed it; that is its end of file.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::OwnedFd;

use bytes::{Buf, Bytes, BytesMut};
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

/// Chunks handed to one vectored write; the rest wait for the next.
const MAX_SLICES: usize = 32;

/// The writing side of a descriptor.
#[derive(Debug)]
pub struct FdWriter(pipe::Sender);

impl FdWriter {
    /// Makes `fd` non-blocking and registers it for writing.
    pub fn new(fd: OwnedFd) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        Ok(Self(pipe::Sender::from_owned_fd_unchecked(fd)?))
    }

    /// Writes all of `chunks` (emptying it), as few system calls as the pipe's room allows.
    pub async fn write_all_chunks(&self, chunks: &mut VecDeque<Bytes>) -> io::Result<()> {
        while !chunks.is_empty() {
            self.0.writable().await?;
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut count = 0;
            for (slot, chunk) in slices.iter_mut().zip(chunks.iter()) {
                *slot = IoSlice::new(chunk);
                count += 1;
            }
            match self
                .0
                .try_write_vectored(slices.get(..count).unwrap_or_default())
            {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(mut n) => {
                    while n > 0
                        && let Some(front) = chunks.front_mut()
                    {
                        let step = n.min(front.len());
                        front.advance(step);
                        n -= step;
                        if front.is_empty() {
                            chunks.pop_front();
                        }
                    }
                }
                Err(e) if would_block(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
