//! An in-memory transport for the peers that read and write through a stream
//! (std `Read`/`Write` for tungstenite, tokio's async traits for
//! fastwebsockets). Reads copy at most `chunk` bytes at a time out of the
//! input, as a socket read would; writes are counted and dropped.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The bytes a driver reads per call, for every contender: what the examples'
/// drivers use.
pub const READ_CHUNK: usize = 64 * 1024;

/// Reads from a borrowed slice, swallows writes.
pub struct MemStream<'a> {
    input: &'a [u8],
    pos: usize,
    /// Bytes written to the stream so far.
    pub written: u64,
}

impl<'a> MemStream<'a> {
    /// A stream that will read `input`, then report end of file.
    pub fn new(input: &'a [u8]) -> Self {
        MemStream {
            input,
            pos: 0,
            written: 0,
        }
    }

    /// Starts reading `input` from the beginning again.
    pub fn reset(&mut self, input: &'a [u8]) {
        self.input = input;
        self.pos = 0;
    }

    /// The next piece of input (at most [`READ_CHUNK`] and `max` bytes).
    fn take(&mut self, max: usize) -> &'a [u8] {
        let n = (self.input.len() - self.pos).min(max).min(READ_CHUNK);
        let piece = &self.input[self.pos..self.pos + n];
        self.pos += n;
        piece
    }
}

/// A socket read's copy of `src` into `dst` (as long), for every contender
/// and every limit row alike. In pieces of 2 KiB: glibc's `memcpy` moves a
/// few KiB and more with `rep movsb`, which some AMD processors run about
/// twenty times slower when the destination lies 1 to 31 bytes past the
/// source modulo 4 KiB (64 KiB at 1.7 GB/s instead of over 30), and whether
/// a contender's read buffer lies there depends only on where the allocator
/// put it. The kernel's copy into a read buffer does not take that path.
#[inline]
pub fn socket_copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.chunks_mut(2048).zip(src.chunks(2048)) {
        d.copy_from_slice(s);
    }
}

impl Read for MemStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let piece = self.take(buf.len());
        socket_copy(&mut buf[..piece.len()], piece);
        Ok(piece.len())
    }
}

impl Write for MemStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written += std::hint::black_box(buf.len()) as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for MemStream<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let piece = this.take(buf.remaining());
        // As `socket_copy`: in pieces of 2 KiB.
        for part in piece.chunks(2048) {
            buf.put_slice(part);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for MemStream<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n: usize = bufs.iter().map(|b| b.len()).sum();
        self.get_mut().written += std::hint::black_box(n) as u64;
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
