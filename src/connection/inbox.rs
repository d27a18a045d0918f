//! Receiving into the connection's own buffers: the driver asks where the
//! next bytes should go ([`recv_buffer`](Connection::recv_buffer)), reads the
//! transport into that slice, says how many bytes arrived
//! ([`handle_received`](Connection::handle_received)) and takes the events
//! with [`poll_event`](Connection::poll_event).
//!
//! Bytes go to one of two places. While a data frame of a binary message
//! being assembled is cut by the end of a read, the slice lies in the
//! message buffer right where the frame's payload belongs: the payload is
//! unmasked where it lies and copied once, by the transport. Otherwise
//! (headers, small messages, control frames, text, which is appended to its
//! string as it is checked) the slice lies in the read area, the inbox; the
//! frame machine runs over it in place, and when a binary message's first
//! bytes end a read, the inbox becomes the message buffer instead of being
//! copied into it. The inbox is kept while a message is assembled (no
//! larger than what the message holds) and released between messages.

use alloc::vec::Vec;
use core::time::Duration;

use super::frames::Source;
use super::reserve::{keep_within, trim_to_message, MAX_SPARE};
use super::Connection;
use crate::event::{Event, MessageKind};
use crate::utf8::to_str;

use super::frames::{OwnRead, Pending, Release};

/// The longest slice [`recv_buffer`](Connection::recv_buffer) lends.
const MAX_READ: usize = MAX_SPARE;

/// The read area and the slice lent out of it.
#[derive(Default)]
pub(super) struct Inbox {
    /// Its length is the bytes initialized (zeroed once, then reused), not
    /// the bytes read: those are `head..end`.
    buf: Vec<u8>,
    /// Bytes before `head` are handled.
    head: usize,
    /// Bytes from `end` are not read yet.
    end: usize,
    /// Where the slice from the last `recv_buffer` lies.
    lent: Lent,
    /// Where the message being assembled starts in the message buffer: 0,
    /// unless the buffer was the read area, adopted with the message's
    /// first bytes at its end.
    msg_start: usize,
    /// The last event borrowed a message read straight into the message
    /// buffer, to release on the next call.
    held: bool,
    /// The clock was given behind bytes not handled yet.
    clock: bool,
    /// The transport ended behind bytes not handled yet.
    eof: bool,
    /// The decoder holds output of bytes read here (it stopped at
    /// `max_chunk_size`): their events are not all handed out, though every
    /// byte is used.
    decoding: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Lent {
    #[default]
    Nothing,
    /// `buf[end..end + len]`.
    Inbox(usize),
    /// `len` bytes of the message buffer from `at`.
    Message { at: usize, len: usize },
}

impl Inbox {
    /// Bytes read and not handled yet, bytes an event may still borrow, or
    /// a slice lent out.
    #[inline]
    pub(super) fn busy(&self) -> bool {
        self.end != 0 || self.held || self.lent != Lent::Nothing || self.decoding
    }

    /// Room for `want` bytes after the bytes not handled yet.
    fn room(&mut self, want: usize) -> &mut [u8] {
        if self.head == self.end {
            self.head = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < want && self.head > 0 {
            // Unhandled bytes are a frame cut short: move it to the front.
            crate::copy::move_to_front(&mut self.buf[..self.end], self.head);
            self.end -= self.head;
            self.head = 0;
        }
        if self.buf.len() - self.end < want {
            // An eighth more of capacity, not zeroed: when the read area
            // becomes a message buffer, the rest of a frame whose header
            // shifted it a little then fits without moving the message.
            let len = self.end + want;
            self.buf
                .reserve_exact((len + want / 8).saturating_sub(self.buf.len()));
            self.buf.resize(len, 0);
        }
        self.lent = Lent::Inbox(want);
        &mut self.buf[self.end..self.end + want]
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }

    /// The bytes of the area initialized so far.
    #[cfg(test)]
    pub(super) fn initialized(&self) -> usize {
        self.buf.len()
    }

    /// Gives the read area back down to `retain` bytes (its bytes are
    /// handled).
    fn release(&mut self, retain: usize) {
        keep_within(&mut self.buf, retain);
    }

    /// Holds nothing and waits for nothing.
    pub(super) fn is_empty(&self) -> bool {
        self.buf.capacity() == 0
            && self.end == 0
            && self.lent == Lent::Nothing
            && self.msg_start == 0
            && !self.held
            && !self.clock
            && !self.eof
            && !self.decoding
    }
}

impl Connection {
    /// Where the next bytes from the transport should go: a slice of at most
    /// `hint` bytes (at least one, at most 1 GiB) in the connection's own buffers. Read the
    /// transport into it, then report how many bytes arrived with
    /// [`handle_received`](Self::handle_received) and take the events with
    /// [`poll_event`](Self::poll_event) until it returns `None`.
    ///
    /// While a large binary message arrives, the slice lies in the message
    /// buffer where its payload belongs (it is no longer than the rest of
    /// the frame), so the message is copied once, by the transport, and
    /// unmasked in place. Otherwise it lies in a read area the connection
    /// keeps for it (text is appended to its string from there, in the pass
    /// that checks it). Choose `hint` as the size of one read: a few KiB for
    /// many quiet connections, 64 KiB or more for bulk transfer.
    ///
    /// A slice not followed by `handle_received` is taken back by the next
    /// call: nothing was read. Until then it holds the read area, so after
    /// a read that would block, report `handle_received(0)`: the connection
    /// then keeps no read area while it waits.
    ///
    /// Use either this pair or [`handle_input`](Self::handle_input) (which
    /// reads from the caller's buffer) for a connection's bytes, not
    /// both at once: `handle_input` hands out the events of bytes given
    /// here first, without taking any of its own input.
    pub fn recv_buffer(&mut self, hint: usize) -> &mut [u8] {
        self.take_back_lent();
        self.release_output();
        let want = hint.clamp(1, MAX_READ);
        if !self.inbox().busy() && self.phase.is_reading() {
            let mut buffer = core::mem::take(&mut self.buffer);
            self.release_event(&mut buffer);
            if let Some(len) = self.direct_room(want) {
                let at = buffer.len().saturating_sub(self.rx.spare as usize);
                self.reserve_direct(&mut buffer, at, len);
                if buffer.len() < at + len {
                    // Zeroed once: initialized room (`spare`: bytes lent
                    // before and not read into, room kept or adopted) is
                    // lent again as it is.
                    buffer.resize(at + len, 0);
                }
                // At most `MAX_SPARE`: a slice lent (`MAX_READ`) or the
                // room a busy connection kept.
                self.rx.spare = (buffer.len() - at) as u32;
                self.buffer = buffer;
                self.extras_mut().inbox.lent = Lent::Message { at, len };
                return &mut self.buffer[at..at + len];
            }
            self.buffer = buffer;
        }
        self.extras_mut().inbox.room(want)
    }

    /// Reports that `n` bytes were read into the slice from
    /// [`recv_buffer`](Self::recv_buffer) (more than its length counts as
    /// its length). Then take the events with
    /// [`poll_event`](Self::poll_event).
    pub fn handle_received(&mut self, n: usize) {
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        let inbox = &mut extras.inbox;
        match core::mem::take(&mut inbox.lent) {
            Lent::Nothing => {}
            Lent::Inbox(len) => {
                inbox.end += n.min(len);
                // Heard from the peer, for keepalive, before the bytes are
                // handled.
                self.rx.seen |= n > 0;
            }
            Lent::Message { at, len } => self.received_payload(at, n.min(len)),
        }
        self.after_received();
    }

    /// After a report: a read that brought nothing does not keep the read
    /// area, and an end of the transport reported while the slice was lent
    /// applies once nothing waits to be handled.
    fn after_received(&mut self) {
        let retain = self.settings.buffer_retain;
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        let inbox = &mut extras.inbox;
        if inbox.end == 0 && !inbox.held {
            inbox.release(retain);
        }
        if !self.inbox_busy() {
            self.apply_deferred();
            self.drop_empty_extras();
        }
    }

    /// `n` bytes read straight into the message buffer at `at`.
    fn received_payload(&mut self, at: usize, n: usize) {
        let mut buffer = core::mem::take(&mut self.buffer);
        let n = if self.phase.is_reading() { n } else { 0 };
        let end = at + n;
        if end > buffer.len() {
            // Closed meanwhile: the buffer was released.
            self.buffer = buffer;
            return;
        }
        self.rx.spare = (buffer.len() - end) as u32;
        if n > 0 {
            self.rx.seen = true;
            if let Err(violation) = self.direct_payload(&mut buffer[..end], at) {
                self.fail(violation);
                self.drop_partial(&mut buffer);
            }
        }
        self.buffer = buffer;
    }

    /// The message buffer without its room (`spare`: bytes lent and not
    /// read into, room a busy connection kept or an adopted read area
    /// brought), before something that does not write into that room is
    /// appended (a control payload, text, a decoded piece, a piece larger
    /// than the room).
    #[inline(always)]
    pub(super) fn trim_spare(&mut self, buffer: &mut Vec<u8>) {
        trim_to_message(buffer, &mut self.rx.spare);
    }

    /// A slice lent and not reported: nothing was read into it (a slice of
    /// the message buffer stays `spare`).
    #[inline]
    fn take_back_lent(&mut self) {
        if let Some(extras) = self.extras.as_deref_mut() {
            extras.inbox.lent = Lent::Nothing;
        }
    }

    #[inline]
    fn inbox(&self) -> &Inbox {
        const NONE: &Inbox = &Inbox {
            buf: Vec::new(),
            head: 0,
            end: 0,
            lent: Lent::Nothing,
            msg_start: 0,
            held: false,
            clock: false,
            eof: false,
            decoding: false,
        };
        self.extras.as_deref().map_or(NONE, |e| &e.inbox)
    }

    /// Whether bytes given with [`handle_received`](Self::handle_received)
    /// wait for [`poll_event`](Self::poll_event).
    #[inline]
    pub(super) fn inbox_busy(&self) -> bool {
        self.rx.own == OwnRead::Complete || self.extras.as_deref().is_some_and(|e| e.inbox.busy())
    }

    /// The clock, after the bytes read before it was given. `false`: those
    /// bytes are still to be handled (a slice lent and not reported is taken
    /// back: nothing was read into it).
    pub(super) fn clock_after_inbox(&mut self) -> bool {
        self.take_back_lent();
        if !self.inbox_busy() {
            return true;
        }
        self.extras_mut().inbox.clock = true;
        false
    }

    /// The end of the transport, after the bytes read before it: those
    /// given with [`handle_received`](Self::handle_received), and the
    /// output the decoder holds of bytes already used (a message decoded
    /// in chunks of `max_chunk_size`). `false`: those are still to be
    /// handed out, and the end is applied once they are.
    pub(super) fn eof_after_inbox(&mut self) -> bool {
        if !self.events_pending() {
            return true;
        }
        self.extras_mut().inbox.eof = true;
        false
    }

    /// Events of bytes already read are still to be handed out: bytes in
    /// the inbox, or output the decoder holds. The end of the transport
    /// waits behind them.
    fn events_pending(&self) -> bool {
        self.inbox_busy() || self.decoding()
    }

    /// Whether the decoder holds output of bytes already used: the next
    /// call hands out its next chunk.
    pub(super) fn decoding(&self) -> bool {
        let codec = self.extras.as_deref().and_then(|e| e.codec.as_ref());
        codec.is_some_and(|c| c.drain.is_some())
    }

    /// No event is left of the input: the caller writes, then waits for
    /// more. Output written already gives its buffer back, and an end of
    /// the transport told while the decoder held output applies now that it
    /// is handed out.
    pub(super) fn after_input(&mut self) {
        self.release_output();
        let deferred = self.extras.as_deref().is_some_and(|e| e.inbox.eof);
        if deferred && !self.events_pending() {
            self.apply_deferred();
        }
    }

    /// Runs the frame machine over the bytes given with
    /// [`handle_received`](Self::handle_received) until an event is ready
    /// (returned, to be borrowed with [`inbox_event`](Self::inbox_event)) or
    /// they are used up.
    #[inline(always)]
    pub(super) fn advance_inbox(&mut self) -> Option<Pending> {
        let extras = self.extras.as_deref_mut()?;
        let inbox = &mut extras.inbox;
        let (head, end) = (inbox.head, inbox.end);
        if inbox.lent != Lent::Nothing || self.rx.own == OwnRead::Complete || head == end {
            return self.advance_inbox_cold();
        }
        self.advance_area(head, end)
    }

    /// [`advance_inbox`](Self::advance_inbox) over `head..end` of the read
    /// area.
    #[inline(always)]
    fn advance_area(&mut self, head: usize, end: usize) -> Option<Pending> {
        let inbox = &mut self.extras.as_deref_mut()?.inbox;
        let mut area = core::mem::take(&mut inbox.buf);
        if self.rx.release == Release::Nothing && self.phase.is_reading() {
            // The common case, as `handle_input` has it: a whole message
            // at the start of the bytes left, nothing to release first.
            if let Ok(Some((used, pending))) = self.whole_message(&mut area[head..end]) {
                self.rx.seen = true;
                return self.handed_out(area, head, used, pending);
            }
        }
        let mut buffer = core::mem::take(&mut self.buffer);
        self.rx.own = OwnRead::FromInbox;
        let (used, pending) = self.process(&mut area[head..end], &mut buffer);
        if core::mem::take(&mut self.rx.own) == OwnRead::Adopted {
            return self.adopt(area, buffer, end);
        }
        self.buffer = buffer;
        let Some(pending) = pending else {
            if let Some(extras) = self.extras.as_deref_mut() {
                extras.inbox.buf = area;
                extras.inbox.head = end;
            }
            self.inbox_drained();
            return None;
        };
        self.handed_out(area, head, used, pending)
    }

    /// Puts the read area back after an event was found in `head..` of it,
    /// `used` bytes on; text that lies there is validated.
    #[inline(always)]
    fn handed_out(
        &mut self,
        area: Vec<u8>,
        head: usize,
        used: usize,
        pending: Pending,
    ) -> Option<Pending> {
        let decoding = self.decoding();
        let extras = self.extras.as_deref_mut()?;
        extras.inbox.buf = area;
        extras.inbox.head = head + used;
        extras.inbox.decoding = decoding;
        let end = extras.inbox.end;
        let pending = pending.shifted(head);
        if let Pending::Whole(MessageKind::Text, Source::Input(a, b)) = pending {
            // Validated here, where failing can change the connection; the
            // event's `&str` is made again when it is borrowed.
            if to_str(&extras.inbox.buf[a..b]).is_err() {
                extras.inbox.head = end;
                self.fail(crate::error::Violation::InvalidUtf8);
                self.inbox_drained();
                return None;
            }
        }
        Some(pending)
    }

    /// [`advance_inbox`](Self::advance_inbox) when a slice is lent, a message
    /// read into the message buffer is complete, or every byte is handled.
    #[cold]
    fn advance_inbox_cold(&mut self) -> Option<Pending> {
        self.take_back_lent();
        if let Some(pending) = self.take_complete() {
            self.extras_mut().inbox.held = true;
            return Some(pending);
        }
        let inbox = self.inbox();
        let (head, end) = (inbox.head, inbox.end);
        if head == end && !self.decoding() {
            self.inbox_drained();
            return None;
        }
        // Bytes left, or every byte read is used and the decoder holds
        // output of them (it stopped at `max_chunk_size`): its next chunk.
        self.advance_area_cold(head, end)
    }

    /// [`advance_area`](Self::advance_area) for the cold path, inlined once.
    #[inline(never)]
    fn advance_area_cold(&mut self, head: usize, end: usize) -> Option<Pending> {
        self.advance_area(head, end)
    }

    /// The frame machine left the first bytes of a message at the end of
    /// the read area: the read area becomes the message buffer (its bytes
    /// after the message's are room, `spare`), and the message buffer, which
    /// holds no message, the next read area with its initialized bytes.
    /// Every byte read is handled.
    #[cold]
    fn adopt(&mut self, mut area: Vec<u8>, mut buffer: Vec<u8>, end: usize) -> Option<Pending> {
        let start = end - self.rx.buffered;
        if area.capacity() > self.rx.buffered.saturating_mul(16).max(self.reserve_fill()) {
            // A large read area for a few bytes of a message: they are
            // copied, so that a peer cannot pin the area with them.
            self.trim_spare(&mut buffer);
            crate::copy::extend(&mut buffer, &area[start..end]);
            self.buffer = buffer;
            let inbox = &mut self.extras_mut().inbox;
            inbox.buf = area;
            inbox.head = end;
            self.inbox_drained();
            return None;
        }
        core::mem::swap(&mut area, &mut buffer);
        // The area's initialized bytes after the message are room to lend
        // for its next bytes; the old message buffer, holding no message,
        // is the next read area with its initialized bytes.
        let spare = (buffer.len() - end).min(MAX_SPARE);
        buffer.truncate(end + spare);
        self.rx.spare = spare as u32;
        keep_within(&mut area, self.settings.buffer_retain);
        self.buffer = buffer;
        let inbox = &mut self.extras_mut().inbox;
        inbox.buf = area;
        inbox.head = 0;
        inbox.end = 0;
        inbox.msg_start = start;
        inbox.held = false;
        self.apply_deferred();
        None
    }

    /// The event [`advance_inbox`](Self::advance_inbox) found.
    #[inline]
    pub(super) fn inbox_event(&self, pending: Pending) -> Event<'_> {
        pending.event(&self.inbox().buf, &self.buffer, self.text_of(pending))
    }

    /// [`inbox_event`](Self::inbox_event) borrowing only `out`: a payload in
    /// the read area is copied there (a caller mixing the two input paths).
    pub(super) fn inbox_event_into<'a>(
        &mut self,
        pending: Pending,
        out: &'a mut Vec<u8>,
    ) -> Event<'a> {
        let src = match pending.source() {
            Source::Input(a, b) => {
                out.clear();
                crate::copy::extend(out, &self.inbox().buf[a..b]);
                Source::Buffer(0, b - a)
            }
            src => self.hand_over(out, src),
        };
        pending.with_source(src).event(&[], out, "")
    }

    /// Every byte read is handled: releases what the last event borrowed,
    /// and the read area down to what the connection keeps while idle
    /// (unless a message is being assembled: see below); applies the clock
    /// and the end of the transport given behind them.
    fn inbox_drained(&mut self) {
        let mut buffer = core::mem::take(&mut self.buffer);
        self.release_event(&mut buffer);
        self.buffer = buffer;
        let retain = self.settings.buffer_retain;
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        let inbox = &mut extras.inbox;
        inbox.head = 0;
        inbox.end = 0;
        inbox.held = false;
        inbox.decoding = false;
        // Kept while a message is being assembled, if no larger than what
        // it holds (the peer's bytes pay for it, and the message's own room
        // keeps its bound): its next read (text, or a binary message's next
        // header) goes there. Released when the message's event is, after a
        // read that would block, and on close.
        let keep = self.rx.message.is_some()
            && self.phase.is_reading()
            && inbox.buf.capacity() <= self.rx.buffered;
        if !keep {
            inbox.release(retain);
        }
        self.apply_deferred();
        self.drop_empty_extras();
    }

    /// Releases a read area kept for a message being assembled (see
    /// [`inbox_drained`](Self::inbox_drained)) once the message is done
    /// with, down to `buffer_retain`, if no bytes wait in it.
    pub(super) fn release_idle_inbox(&mut self) {
        let retain = self.settings.buffer_retain;
        if let Some(extras) = self.extras.as_deref_mut() {
            let inbox = &mut extras.inbox;
            if inbox.end == 0 && inbox.lent == Lent::Nothing {
                inbox.release(retain);
            }
        }
    }

    /// The end of what the message buffer holds for the message being
    /// assembled.
    #[inline]
    pub(super) fn held_end(&self) -> usize {
        if self.text_in_string() {
            return 0;
        }
        self.inbox().msg_start + self.rx.buffered
    }

    /// The start of the message being assembled, reset for the next one.
    #[inline]
    pub(super) fn take_msg_start(&mut self) -> usize {
        match self.extras.as_deref_mut() {
            Some(e) => core::mem::take(&mut e.inbox.msg_start),
            None => 0,
        }
    }

    /// Every byte read is handled: the clock and the end of the transport
    /// given behind them apply now, in that order.
    fn apply_deferred(&mut self) {
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        let clock = core::mem::take(&mut extras.inbox.clock);
        let eof = core::mem::take(&mut extras.inbox.eof);
        if clock {
            self.handle_timeout(Duration::from_nanos(self.now));
        }
        if eof {
            self.handle_eof();
        }
    }

    /// Closed by an input that is not bytes: the read area goes too.
    pub(super) fn release_inbox(&mut self) {
        self.rx.own = OwnRead::Idle;
        if let Some(extras) = self.extras.as_deref_mut() {
            let eof = extras.inbox.eof;
            extras.inbox = Inbox {
                eof,
                ..Inbox::default()
            };
        }
    }
}

impl Pending {
    /// With its input offsets moved by `by` (the input started there).
    fn shifted(self, by: usize) -> Pending {
        let shift = |src: Source| match src {
            Source::Input(a, b) => Source::Input(a + by, b + by),
            buffer => buffer,
        };
        match self {
            Pending::Whole(kind, src) => Pending::Whole(kind, shift(src)),
            Pending::Chunk(kind, src, fin) => Pending::Chunk(kind, shift(src), fin),
            Pending::Control(op, src) => Pending::Control(op, shift(src)),
        }
    }
}
