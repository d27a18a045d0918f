//! The outgoing side: frame encoding into the output buffer the caller drains.

use alloc::vec::Vec;

use crate::frame::{FrameHeader, MAX_HEADER_LEN};
use crate::mask::extend_masked;
use crate::opcode::OpCode;
use crate::rand::Randomness;

/// Bytes of auto-pongs allowed to wait unwritten before further pongs are
/// coalesced into one (answering only the newest ping, RFC 6455 §5.5.3).
const PONG_BUDGET: usize = 4 * (125 + MAX_HEADER_LEN);

/// Encoded frames waiting for the caller to write them.
#[derive(Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
    /// Bytes before `head` are written.
    head: usize,
    /// Auto-pong bytes queued since the buffer was last empty.
    pong_bytes: usize,
    /// The newest ping's payload whose pong waits for the buffer to drain.
    deferred_pong: Option<Vec<u8>>,
}

impl Output {
    #[inline]
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    /// Marks `n` bytes as written. Returns true when the buffer became empty
    /// (the caller then flushes a deferred pong).
    pub(crate) fn advance(&mut self, n: usize, retain: usize) -> bool {
        debug_assert!(n <= self.len(), "advance_output past the pending bytes");
        self.head += n.min(self.len());
        if self.head < self.buf.len() {
            return false;
        }
        self.buf.clear();
        self.head = 0;
        self.pong_bytes = 0;
        if self.buf.capacity() > retain {
            self.buf.shrink_to(retain);
        }
        true
    }

    /// Room for `more` bytes, dropping written bytes first when they are the
    /// larger part of the buffer.
    #[inline]
    fn reserve(&mut self, more: usize) {
        if self.head > 0 && self.head >= self.buf.len() / 2 {
            self.buf.drain(..self.head);
            self.head = 0;
        }
        self.buf.reserve(more);
    }

    /// Appends one whole frame. `parts` are concatenated into the payload, so
    /// a Close frame's code and reason need no temporary buffer.
    pub(crate) fn push_frame(
        &mut self,
        opcode: OpCode,
        fin: bool,
        parts: &[&[u8]],
        rng: Option<&mut (dyn Randomness + 'static)>,
    ) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mask = rng.map(|rng| {
            let mut key = [0u8; 4];
            rng.fill(&mut key);
            key
        });
        let header = FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask,
            payload_len: len as u64,
        };
        let mut hdr = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut hdr);
        self.reserve(n + len);
        self.buf.extend_from_slice(&hdr[..n]);
        match mask {
            None => {
                for p in parts {
                    self.buf.extend_from_slice(p);
                }
            }
            Some(mut key) => {
                for p in parts {
                    extend_masked(&mut self.buf, p, key);
                    key.rotate_left(p.len() % 4);
                }
            }
        }
    }

    /// Queues the answer to a ping, coalescing when pongs pile up unwritten.
    pub(crate) fn push_pong(
        &mut self,
        payload: &[u8],
        rng: Option<&mut (dyn Randomness + 'static)>,
    ) {
        if self.pong_bytes >= PONG_BUDGET {
            let slot = self.deferred_pong.get_or_insert_with(Vec::new);
            slot.clear();
            slot.extend_from_slice(payload);
            return;
        }
        let before = self.len();
        self.push_frame(OpCode::Pong, true, &[payload], rng);
        self.pong_bytes += self.len() - before;
    }

    /// After the buffer drained: queue the deferred pong, if any.
    pub(crate) fn take_deferred_pong(&mut self) -> Option<Vec<u8>> {
        self.deferred_pong.take()
    }

    /// Forgets a deferred pong (a Close frame went out; no pong may follow it).
    pub(crate) fn drop_deferred_pong(&mut self) {
        self.deferred_pong = None;
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.deferred_pong.as_ref().map_or(0, |p| p.capacity())
    }
}
