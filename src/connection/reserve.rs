//! How far the message buffer grows ahead of the bytes that fill it: a
//! frame's announced length reserves room at once, up to a bound, so that a
//! large message is not copied again at each doubling, while a length alone
//! (which costs a peer nothing to send) cannot make us reserve much.

use alloc::vec::Vec;

use super::Connection;
use crate::frame::mask::{apply_mask, extend_masked};

/// A frame's announced length makes room in the message buffer before its
/// bytes arrive up to this (or `buffer_retain`, what the buffer keeps
/// anyway, when larger) and never past [`RESERVE_AHEAD`]: a length alone
/// costs a peer nothing to send. Beyond that the buffer grows only with the
/// bytes that arrive.
const RESERVE_MIN: usize = 64 << 10;

/// The most room an announced length makes at once.
const RESERVE_AHEAD: usize = 1 << 20;

/// Makes room for a frame's announced length on its first piece: the
/// message so far (`held`, this piece included) and the `rest` of the frame,
/// so that the buffer does not grow by doubling piece by piece, but only up
/// to `fill` (`buffer_retain` or `RESERVE_MIN`, at most RESERVE_AHEAD); past that only the
/// bytes that arrive grow it. At least doubled, as by `reserve`, yet never
/// past `fill`: `reserve` would double a retained buffer for a length alone.
pub(super) fn reserve_ahead(buffer: &mut Vec<u8>, held: usize, rest: u64, fill: usize) {
    let announced = usize::try_from(rest).map_or(usize::MAX, |rest| held.saturating_add(rest));
    let room = announced.min(fill.min(RESERVE_AHEAD));
    if room > held && room > buffer.capacity() {
        let doubled = buffer
            .capacity()
            .saturating_mul(2)
            .min(fill.min(RESERVE_AHEAD));
        buffer.reserve_exact(doubled.max(room) - buffer.len());
    }
}

/// The most initialized room kept after a message's bytes (`rx.spare`).
pub(super) const MAX_SPARE: usize = 1 << 30;

/// A buffer that holds nothing (its bytes are initialized room) down to
/// `retain` bytes of capacity, keeping as many of its initialized bytes:
/// lent again, they need no zeroing.
pub(super) fn keep_within(buffer: &mut Vec<u8>, retain: usize) {
    if buffer.capacity() > retain {
        buffer.truncate(retain);
        buffer.shrink_to(retain);
    }
}

/// Appends `bytes` (unmasked with `key`, lined up with their start) to the
/// message `buffer` holds: into the initialized room after it (`spare`)
/// when they fit, so that the rest of the room stays for the reads after
/// them, else after cutting the room off.
pub(super) fn append_piece(
    buffer: &mut Vec<u8>,
    spare: &mut u32,
    bytes: &[u8],
    key: Option<[u8; 4]>,
) {
    let room = *spare as usize;
    if bytes.len() > room {
        trim_to_message(buffer, spare);
        match key {
            Some(key) => extend_masked(buffer, bytes, key),
            None => crate::copy::extend(buffer, bytes),
        }
        return;
    }
    let at = buffer.len() - room;
    let into = &mut buffer[at..at + bytes.len()];
    crate::copy::copy(into, bytes);
    if let Some(key) = key {
        apply_mask(into, key, 0);
    }
    *spare = (room - bytes.len()) as u32;
}

/// `buffer` without its `spare` bytes (initialized room after the message
/// it holds), before something is appended to it.
#[inline(always)]
pub(super) fn trim_to_message(buffer: &mut Vec<u8>, spare: &mut u32) {
    if *spare != 0 {
        let spare = core::mem::take(spare) as usize;
        debug_assert!(spare <= buffer.len());
        buffer.truncate(buffer.len().saturating_sub(spare));
    }
}

impl Connection {
    /// The message buffer once the event that borrowed its message is
    /// released: down to `buffer_retain`, and what it keeps is room, lent
    /// again by `recv_buffer` without zeroing it again (all of it `spare`:
    /// the message it holds is empty).
    pub(super) fn keep_initialized(&mut self, buffer: &mut Vec<u8>) {
        keep_within(buffer, self.settings.buffer_retain);
        buffer.truncate(MAX_SPARE);
        self.rx.spare = buffer.len() as u32;
    }

    /// Room in the message buffer for `room` more bytes of the frame being
    /// assembled. The frame's announced rest is reserved at once when it is
    /// at most sixteen times what the message holds (or within 64 KiB or
    /// `buffer_retain`): what the peer sent already pays for it, and one
    /// reservation instead of a doubling per read keeps the message from
    /// being copied again as it grows.
    pub(super) fn reserve_direct(&self, buffer: &mut Vec<u8>, at: usize, room: usize) {
        if buffer.capacity() - at >= room {
            return;
        }
        let (rest, fin) = self.rx.frame_rest();
        let rest = usize::try_from(rest).unwrap_or(usize::MAX);
        // Sixteen times the message's own bytes: a dead prefix left by the
        // read area (bytes already handled) pays for nothing.
        let mut ahead = self
            .rx
            .buffered
            .saturating_mul(16)
            .max(self.reserve_fill())
            .min(rest);
        if !fin {
            // At least doubled (within what the message may still grow
            // by): many small frames each cut by a read grow it by
            // doubling, not by each frame's rest. The final frame's rest
            // is all the message needs.
            ahead = ahead.max(self.rx.buffered.min(self.message_left(self.rx.buffered)));
        }
        let ahead = ahead.max(room);
        buffer.reserve_exact((at + ahead).saturating_sub(buffer.len()));
    }

    /// How much more a message holding `held` bytes may grow
    /// (`max_message_size`).
    #[inline]
    pub(super) fn message_left(&self, held: usize) -> usize {
        let max = usize::try_from(self.settings.max_message_size).unwrap_or(usize::MAX);
        max.saturating_sub(held)
    }

    /// The room an announced length makes ahead of its bytes.
    #[inline]
    pub(super) fn reserve_fill(&self) -> usize {
        self.settings.buffer_retain.max(RESERVE_MIN)
    }
}
