//! The outgoing side: frame encoding into the output buffer the caller drains.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::empty_within;
use crate::frame::mask::{extend_masked, rotated};
use crate::frame::OpCode;
use crate::frame::{FrameHeader, MAX_HEADER_LEN};
use crate::rand::MaskKeys;

/// An output buffer no larger than this is kept when it drains, until the
/// connection next waits for input ([`Output::release_drained`]): a caller
/// that sends small messages and writes each at once does not allocate for
/// each. Larger ones go down to `buffer_retain` when they drain.
const KEEP_WHILE_BUSY: usize = 256;

/// Bytes of auto-pongs allowed to wait unwritten before further pongs are
/// coalesced into one (answering only the newest ping, RFC 6455 §5.5.3).
const PONG_BUDGET: u16 = 4 * (125 + MAX_HEADER_LEN as u16);

/// Encoded frames waiting for the caller to write them.
#[derive(Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
    /// Bytes before `head` are written.
    head: usize,
    /// Pending bytes up to the end of the newest queued auto-pong (0: every
    /// queued pong is written).
    pong_left: usize,
    /// Auto-pong bytes queued since all queued pongs were last written.
    pong_bytes: u16,
    /// The newest ping's payload whose pong waits for the buffer to drain.
    deferred_pong: Option<Box<[u8]>>,
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

    /// Marks `n` bytes as written. Once every queued auto-pong is written,
    /// returns the deferred pong's payload, if any, for the caller to queue.
    #[inline]
    pub(crate) fn advance(&mut self, n: usize, retain: usize) -> Option<Box<[u8]>> {
        debug_assert!(n <= self.len(), "advance_output past the pending bytes");
        let n = n.min(self.len());
        self.head += n;
        if self.head == self.buf.len() {
            self.drained(retain);
            self.head = 0;
        }
        self.pongs_written(n)
    }

    /// Written to the end: a small buffer is kept for the next frames, a
    /// larger one goes down to `retain`.
    #[inline]
    fn drained(&mut self, retain: usize) {
        if self.buf.capacity() <= retain.max(KEEP_WHILE_BUSY) {
            self.buf.clear();
        } else {
            self.release(retain);
        }
    }

    /// The connection waits for input: a drained buffer goes down to
    /// `retain`.
    #[inline]
    pub(crate) fn release_drained(&mut self, retain: usize) {
        if self.buf.is_empty() && self.buf.capacity() > retain {
            self.release(retain);
        }
    }

    #[cold]
    fn release(&mut self, retain: usize) {
        empty_within(&mut self.buf, retain);
    }

    /// Counts `n` more bytes as written for the pong budget. Once every
    /// queued auto-pong is written, returns the deferred pong's payload.
    #[inline]
    fn pongs_written(&mut self, n: usize) -> Option<Box<[u8]>> {
        if self.pong_bytes == 0 {
            // No auto-pong queued since the last were written, so none
            // deferred either (one is deferred only past the budget).
            debug_assert!(self.pong_left == 0 && self.deferred_pong.is_none());
            return None;
        }
        self.pong_left = self.pong_left.saturating_sub(n);
        if self.pong_left > 0 {
            return None;
        }
        self.pong_bytes = 0;
        self.deferred_pong.take()
    }

    /// Moves every pending byte to the end of `out`, as if written. An empty
    /// `out` and a buffer with nothing written trade places (no copy): the
    /// connection keeps `out`'s allocation for the next frames, as after a
    /// write ([`drained`](Self::drained)).
    pub(crate) fn take_into(&mut self, out: &mut Vec<u8>, retain: usize) -> Option<Box<[u8]>> {
        let n = self.len();
        if !(out.is_empty() && self.head == 0) {
            crate::copy::extend(out, self.pending());
            return self.advance(n, retain);
        }
        // The bytes are the caller's now, written as far as the pong budget
        // goes; the allocation kept (the caller's) is held as after any
        // drain.
        core::mem::swap(&mut self.buf, out);
        self.drained(retain);
        self.pongs_written(n)
    }

    /// Room for `more` bytes, dropping written bytes first when they are the
    /// larger part of the buffer.
    #[inline]
    fn reserve(&mut self, more: usize) {
        if self.head > 0 && self.head >= self.buf.len() / 2 {
            self.drop_written();
        }
        self.buf.reserve(more);
    }

    /// Moves the unwritten bytes to the front (after a partial write).
    #[cold]
    #[inline(never)]
    fn drop_written(&mut self) {
        crate::copy::drain_front(&mut self.buf, self.head);
        self.head = 0;
    }

    /// Appends one whole frame. `parts` are concatenated into the payload, so
    /// a Close frame's code and reason need no temporary buffer.
    #[inline]
    pub(crate) fn push_frame(
        &mut self,
        opcode: OpCode,
        fin: bool,
        rsv: u8,
        parts: &[&[u8]],
        keys: Option<&mut MaskKeys>,
    ) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mask = keys.map(MaskKeys::next_key);
        self.push_header(FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: len as u64,
        });
        match mask {
            None => {
                for p in parts {
                    crate::copy::extend(&mut self.buf, p);
                }
            }
            Some(mut key) => {
                for p in parts {
                    extend_masked(&mut self.buf, p, key);
                    key = rotated(key, p.len());
                }
            }
        }
    }

    /// Appends one whole frame with one payload (a message sent whole,
    /// without an extension): [`push_frame`](Self::push_frame) without the
    /// loops over parts.
    #[inline]
    pub(crate) fn push_whole(
        &mut self,
        opcode: OpCode,
        payload: &[u8],
        keys: Option<&mut MaskKeys>,
    ) {
        if keys.is_none() && payload.len() <= 125 {
            // A server's short message: the header is two bytes (FIN, the
            // opcode; no mask bit, the length).
            self.reserve(2 + payload.len());
            self.buf
                .extend_from_slice(&[0x80 | opcode.as_u8(), payload.len() as u8]);
            self.buf.extend_from_slice(payload);
        } else {
            self.push_whole_framed(opcode, payload, keys);
        }
    }

    /// [`push_whole`](Self::push_whole) for a masked or longer frame.
    #[inline(never)]
    fn push_whole_framed(&mut self, opcode: OpCode, payload: &[u8], keys: Option<&mut MaskKeys>) {
        let mask = keys.map(MaskKeys::next_key);
        self.push_header(FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        });
        match mask {
            None => crate::copy::extend(&mut self.buf, payload),
            Some(key) => extend_masked(&mut self.buf, payload, key),
        }
    }

    /// Appends a frame's header, with room for its payload after it.
    #[inline(always)]
    fn push_header(&mut self, header: FrameHeader) {
        let mut hdr = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut hdr);
        self.reserve(MAX_HEADER_LEN + header.payload_len as usize);
        // All 14 bytes, then the unused ones cut: a copy of a fixed size is
        // a few moves, one of a variable size a call to memcpy.
        let end = self.buf.len() + n;
        self.buf.extend_from_slice(&hdr);
        self.buf.truncate(end);
    }

    /// Queues the answer to a ping, coalescing when pongs pile up unwritten.
    pub(crate) fn push_pong(&mut self, payload: &[u8], keys: Option<&mut MaskKeys>) {
        if self.pong_bytes >= PONG_BUDGET {
            self.deferred_pong = Some(payload.into());
            return;
        }
        let before = self.len();
        self.push_frame(OpCode::Pong, true, 0, &[payload], keys);
        // A pong frame is at most 139 bytes, and the budget is 556.
        self.pong_bytes += (self.len() - before) as u16;
        self.pong_left = self.len();
    }

    /// Forgets a deferred pong (a Close frame went out; no pong may follow it).
    pub(crate) fn drop_deferred_pong(&mut self) {
        self.deferred_pong = None;
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.deferred_pong.as_ref().map_or(0, |p| p.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::Randomness;

    /// Hands out 7, 8, 9, … as bytes.
    struct Counting(u8);

    impl Randomness for Counting {
        fn fill(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
        }
    }

    #[test]
    fn a_whole_frame_is_the_frame_the_general_encoder_writes() {
        for len in [0, 1, 16, 125, 126, 127, 0xFFFF, 0x1_0000] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            for opcode in [OpCode::Text, OpCode::Binary] {
                for masked in [false, true] {
                    let (mut whole, mut general) = (Output::default(), Output::default());
                    let mut keys = [0, 1].map(|_| MaskKeys::new(Box::new(Counting(7))));
                    let [a, b] = &mut keys;
                    whole.push_whole(opcode, &payload, masked.then_some(a));
                    general.push_frame(opcode, true, 0, &[&payload], masked.then_some(b));
                    assert!(
                        whole.pending() == general.pending(),
                        "{len} bytes, {opcode:?}, masked: {masked}"
                    );
                    let header = if masked { 6 } else { 2 };
                    assert!(whole.len() >= len + header);
                }
            }
        }
    }
}
