//! The input calls: the peer's bytes in, events out, and the final event
//! that reports how the connection ended. The frame machine behind them is
//! in [`frames`](super::frames).

use alloc::vec::Vec;

use super::control::close_payload;
use super::frames::{Pending, Release, Source};
use super::{empty_within, Connection};
use crate::event::{CloseCause, Event, MessageKind};
use crate::frame::OpCode;
use crate::utf8::to_str;

impl Pending {
    pub(super) fn source(self) -> Source {
        match self {
            Pending::Whole(_, src) | Pending::Chunk(_, src, _) | Pending::Control(_, src) => src,
        }
    }

    pub(super) fn with_source(self, src: Source) -> Pending {
        match self {
            Pending::Whole(kind, _) => Pending::Whole(kind, src),
            Pending::Chunk(kind, _, fin) => Pending::Chunk(kind, src, fin),
            Pending::Control(op, _) => Pending::Control(op, src),
        }
    }

    /// Borrows the payload. Text that arrived whole in the input is
    /// validated by the caller, in the pass that makes its `&str`.
    #[inline(always)]
    pub(super) fn event<'a>(self, input: &'a [u8], buffer: &'a [u8], text: &'a str) -> Event<'a> {
        let slice = |src: Source| -> &'a [u8] {
            match src {
                Source::Input(a, b) => &input[a..b],
                Source::Buffer(a, b) => &buffer[a..b],
                Source::Text => text.as_bytes(),
            }
        };
        match self {
            Pending::Whole(MessageKind::Binary, src) => Event::Binary(slice(src)),
            // Assembled in a string, each piece checked as it was appended.
            Pending::Whole(MessageKind::Text, Source::Text) => Event::Text(text),
            // Validated already: decoded text piece by piece as it came
            // (fail fast), input text by the caller. This pass only makes
            // the `&str` without unsafe code.
            Pending::Whole(MessageKind::Text, src) => {
                let text = to_str(slice(src));
                debug_assert!(text.is_ok(), "text was validated");
                Event::Text(text.unwrap_or_default())
            }
            Pending::Chunk(kind, src, fin) => Event::Chunk {
                kind,
                data: slice(src),
                fin,
            },
            Pending::Control(OpCode::Ping, src) => Event::Ping(slice(src)),
            Pending::Control(OpCode::Pong, src) => Event::Pong(slice(src)),
            Pending::Control(_, src) => {
                // Validated in `control_frame`.
                let (code, reason) = close_payload(slice(src)).unwrap_or((None, ""));
                Event::Close { code, reason }
            }
        }
    }
}

impl Connection {
    /// Takes bytes from the peer: reads frames from `input` until one event
    /// is ready or the input is used up.
    ///
    /// Returns how many bytes of `input` were consumed and the event, if any.
    /// Call it again with the rest of the input (`&mut input[consumed..]`)
    /// until it returns `None`: then all of `input` has been consumed and the
    /// connection waits for more bytes. Incomplete frames are not an error;
    /// their bytes are kept (headers) or handed on as they come.
    ///
    /// The payload is unmasked in place in `input`, so a message that arrives
    /// whole is delivered without a copy. A message that arrives in pieces is
    /// assembled in a buffer the connection owns; the event borrows the
    /// connection, so copy what you need before calling it again. To reply
    /// while holding an event (an echo), use
    /// [`handle_input_into`](Self::handle_input_into) or
    /// [`handle_all`](Self::handle_all).
    ///
    /// However the connection ends — the close handshake, the peer's protocol
    /// violation (a Close frame with the matching code is queued), the end of
    /// the transport, a timeout — the last event is [`Event::Closed`], given
    /// once; input after the peer's Close is consumed and ignored. So the
    /// result must be used: ignoring it warns (`unused_must_use`).
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let mut conn = wsmachine::Connection::server(wsmachine::Config::default());
    /// conn.handle_input(&mut [0x88, 0x00]);
    /// ```
    #[inline]
    #[must_use = "events are given once, the final Event::Closed too"]
    pub fn handle_input<'a>(&'a mut self, input: &'a mut [u8]) -> (usize, Option<Event<'a>>) {
        if self.inbox_busy() {
            if let Some(pending) = self.advance_inbox() {
                return (0, Some(self.inbox_event(pending)));
            }
        }
        let mut buffer = core::mem::take(&mut self.buffer);
        let (used, pending) = self.process(input, &mut buffer);
        self.buffer = buffer;
        let Some(pending) = pending else {
            self.after_input();
            return (used, self.final_event());
        };
        let input: &'a [u8] = input;
        if let Pending::Whole(MessageKind::Text, Source::Input(a, b)) = pending {
            return match self.input_text(&input[a..b]) {
                Some(text) => (used, Some(Event::Text(text))),
                None => (input.len(), self.final_event()),
            };
        }
        (
            used,
            Some(pending.event(input, &self.buffer, self.text_of(pending))),
        )
    }

    /// [`handle_input`](Self::handle_input) for a caller that replies while
    /// it holds an event: the event borrows only `input` and `out`, not the
    /// connection.
    ///
    /// A payload that is not in `input` (an assembled message, a control
    /// frame cut by the end of an input) is handed over in `out`, which the
    /// call overwrites: the connection swaps its buffer for `out`, so even a
    /// large message is not copied. Any `Vec` will do on any call; the
    /// connection keeps the one it gets in exchange, shrunk to
    /// [`Config::buffer_retain`](crate::Config::buffer_retain), for the next
    /// message.
    #[must_use = "events are given once, the final Event::Closed too"]
    pub fn handle_input_into<'a>(
        &mut self,
        input: &'a mut [u8],
        out: &'a mut Vec<u8>,
    ) -> (usize, Option<Event<'a>>) {
        if self.inbox_busy() {
            if let Some(pending) = self.advance_inbox() {
                return (0, Some(self.inbox_event_into(pending, out)));
            }
        }
        let mut buffer = core::mem::take(&mut self.buffer);
        let (used, pending) = self.process(input, &mut buffer);
        self.buffer = buffer;
        let Some(pending) = pending else {
            self.after_input();
            return (used, self.final_event_into(out));
        };
        let input: &'a [u8] = input;
        let pending = match pending.source() {
            Source::Input(a, b) => {
                if let Pending::Whole(MessageKind::Text, _) = pending {
                    return match self.input_text(&input[a..b]) {
                        Some(text) => (used, Some(Event::Text(text))),
                        None => (input.len(), self.final_event_into(out)),
                    };
                }
                pending
            }
            src => pending.with_source(self.hand_over(out, src)),
        };
        (used, Some(pending.event(input, out, "")))
    }

    /// Feeds all of `input` and calls `on_event` with each event, in order,
    /// and with the connection, so that it can reply (an echo, a subscription
    /// answer) or close. Payloads not in `input` go through `out`, as with
    /// [`handle_input_into`](Self::handle_input_into).
    ///
    /// ```
    /// use wsmachine::{Config, Connection, Event};
    ///
    /// let mut conn = Connection::server(Config::default());
    /// let mut input = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    /// let mut message = Vec::new();
    /// conn.handle_all(&mut input, &mut message, |conn, event| {
    ///     if let Event::Text(text) = event {
    ///         conn.send_text(text).ok(); // echo
    ///     }
    /// });
    /// assert_eq!(conn.poll_output(), b"\x81\x05Hello");
    /// ```
    pub fn handle_all(
        &mut self,
        input: &mut [u8],
        out: &mut Vec<u8>,
        mut on_event: impl FnMut(&mut Connection, Event<'_>),
    ) {
        let mut pos = 0;
        loop {
            let (used, event) = self.handle_input_into(&mut input[pos..], out);
            pos += used;
            match event {
                Some(event) => on_event(self, event),
                None => return,
            }
        }
    }

    /// The next event the connection has without new input to
    /// [`handle_input`](Self::handle_input): one from the bytes given with
    /// [`handle_received`](Self::handle_received), and [`Event::Closed`]
    /// once it has closed — after [`handle_eof`](Self::handle_eof), after a
    /// [`handle_timeout`](Self::handle_timeout) that closed it, after the
    /// close handshake. Call it until it returns `None` after
    /// `handle_received`, and after those other inputs.
    ///
    /// The event borrows the connection, as with `handle_input`.
    #[inline]
    #[must_use = "events are given once, the final Event::Closed too"]
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        if self.inbox_busy() {
            if let Some(pending) = self.advance_inbox() {
                return Some(self.inbox_event(pending));
            }
        }
        self.release_output();
        self.final_event()
    }

    /// [`poll_event`](Self::poll_event) for a caller that replies while it
    /// holds an event (an echo): the event borrows only `out`, as with
    /// [`handle_input_into`](Self::handle_input_into). A message read into
    /// the message buffer is handed over by swapping that buffer for `out`
    /// (no copy); a payload in the read area is copied into `out`.
    #[must_use = "events are given once, the final Event::Closed too"]
    pub fn poll_event_into<'a>(&mut self, out: &'a mut Vec<u8>) -> Option<Event<'a>> {
        if self.inbox_busy() {
            if let Some(pending) = self.advance_inbox() {
                return Some(self.inbox_event_into(pending, out));
            }
        }
        self.release_output();
        self.final_event_into(out)
    }

    /// Text that arrived whole in the input, validated in the pass that makes
    /// its `&str` (it borrows only the input, so failing can still change
    /// the connection). Invalid text fails the connection (RFC 6455 §8.1).
    #[inline(always)]
    fn input_text<'a>(&mut self, text: &'a [u8]) -> Option<&'a str> {
        let text = to_str(text).ok();
        if text.is_none() {
            self.fail(crate::error::Violation::InvalidUtf8);
        }
        text
    }

    /// [`Event::Closed`], the first time it is asked for once closed.
    #[inline]
    fn final_event(&mut self) -> Option<Event<'_>> {
        if !self.is_closed() {
            return None;
        }
        let outcome = self.phase.take_report()?;
        let reason = match outcome.cause {
            CloseCause::Violation(error) => error.reason(),
            CloseCause::Handshake { .. } => self
                .extras
                .as_deref()
                .and_then(|e| e.close_reason.as_deref())
                .unwrap_or(""),
            _ => "",
        };
        Some(Event::Closed { outcome, reason })
    }

    /// [`final_event`](Self::final_event) with its reason copied into `out`.
    fn final_event_into<'a>(&mut self, out: &'a mut Vec<u8>) -> Option<Event<'a>> {
        let Some(Event::Closed { outcome, reason }) = self.final_event() else {
            return None;
        };
        out.clear();
        out.extend_from_slice(reason.as_bytes());
        // A copy of a `&str`.
        let reason = core::str::from_utf8(out).unwrap_or_default();
        Some(Event::Closed { outcome, reason })
    }

    /// Moves the payload at `src` (not the input) into `out` and returns
    /// where it lies there. A message or a decoded chunk, which the buffer
    /// holds from its start, moves by swapping buffers (the connection keeps
    /// `out`'s allocation, emptied); assembled text moves out of its string
    /// the same way (the event's `&str` is then made again from `out`); a
    /// control payload kept behind a message being assembled is copied.
    pub(super) fn hand_over(&mut self, out: &mut Vec<u8>, src: Source) -> Source {
        let release = core::mem::take(&mut self.rx.release);
        debug_assert!(
            release != Release::Nothing,
            "a buffer source comes with a release"
        );
        let (a, b) = match src {
            Source::Buffer(a, b) => (a, b),
            Source::Text => {
                // Its bytes become the message buffer, handed over as any
                // message's. (Text cut the room off when it took the
                // buffer's allocation.)
                debug_assert_eq!(self.rx.spare, 0, "no room after text");
                self.buffer = self.take_text().into_bytes();
                (0, self.buffer.len())
            }
            Source::Input(..) => (0, 0),
        };
        match release {
            Release::Control => {
                out.clear();
                out.extend_from_slice(&self.buffer[a..b]);
                let mut buffer = core::mem::take(&mut self.buffer);
                self.drop_control(&mut buffer);
                self.buffer = buffer;
                Source::Buffer(0, b - a)
            }
            Release::Message | Release::Text | Release::Nothing => {
                // The caller gets the message's bytes, not the initialized
                // room lent after them; the connection gets the caller's
                // `Vec`, whose bytes are room now, as after any message.
                let mut buffer = core::mem::take(&mut self.buffer);
                self.trim_spare(&mut buffer);
                core::mem::swap(&mut buffer, out);
                self.keep_initialized(&mut buffer);
                self.buffer = buffer;
                self.release_idle_inbox();
                if release == Release::Text {
                    self.drop_empty_extras();
                }
                Source::Buffer(a, b)
            }
        }
    }

    /// Releases what the previous event borrowed, then runs the frame machine.
    /// A violation fails the connection: the input is consumed and the final
    /// event reports it.
    ///
    /// Inlined into its callers: its result is too large for registers, and
    /// returned through memory it costs the input call a store-to-load stall.
    #[inline(always)]
    pub(super) fn process(
        &mut self,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> (usize, Option<Pending>) {
        self.release_event(buffer);
        if !input.is_empty() {
            self.rx.seen = true;
        }
        if !self.phase.is_reading() {
            self.drop_partial(buffer);
            return (input.len(), None);
        }
        match self.step(input, buffer) {
            Ok(done) => done,
            Err(violation) => {
                self.fail(violation);
                self.drop_partial(buffer);
                (input.len(), None)
            }
        }
    }

    /// Drops what the last event borrowed from the message buffer.
    #[inline(always)]
    pub(super) fn release_event(&mut self, buffer: &mut Vec<u8>) {
        match core::mem::take(&mut self.rx.release) {
            Release::Nothing => {}
            Release::Control => self.drop_control(buffer),
            Release::Message => {
                self.keep_initialized(buffer);
                self.release_idle_inbox();
            }
            Release::Text => self.release_text(buffer),
        }
    }

    /// Drops a control payload kept behind the message being assembled; the
    /// buffer is emptied (within `buffer_retain`) when no message is.
    fn drop_control(&mut self, buffer: &mut Vec<u8>) {
        match self.held_end() {
            0 => empty_within(buffer, self.settings.buffer_retain),
            end => buffer.truncate(end),
        }
    }

    /// Closed by an input that is not bytes: nothing borrows the buffer now.
    pub(super) fn release_buffer(&mut self) {
        self.release_inbox();
        let mut buffer = core::mem::take(&mut self.buffer);
        self.rx.release = Release::Nothing;
        self.drop_partial(&mut buffer);
        self.buffer = buffer;
    }

    /// Nothing more will be read: drops a message cut short by the close,
    /// and the buffer with it.
    pub(super) fn drop_partial(&mut self, buffer: &mut Vec<u8>) {
        drop(self.take_text());
        // Nothing more of it is decoded.
        self.stop_decoding();
        self.release_idle_inbox();
        self.rx.spare = 0;
        self.rx.buffered = 0;
        self.take_msg_start();
        self.rx.control = 0;
        if buffer.capacity() > 0 {
            *buffer = Vec::new();
        }
    }
}
