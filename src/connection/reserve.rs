//! How far the message buffer grows ahead of the bytes that fill it: a
//! frame's announced length reserves room at once, up to a bound, so that a
//! large message is not copied again at each doubling, while a length alone
//! (which costs a peer nothing to send) cannot make us reserve much.

use alloc::vec::Vec;

use super::Connection;

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

impl Connection {
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
