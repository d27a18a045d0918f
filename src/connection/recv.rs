//! The incoming side: frame headers → payload (unmasked in place) → messages
//! (assembled or streamed, text validated) → events.

use alloc::vec::Vec;

use super::close::Phase;
use super::codec::{check_rsv, decode};
use super::Connection;
use crate::close_code::CloseCode;
use crate::config::Delivery;
use crate::error::{ProtocolError, Violation};
use crate::event::{Event, MessageKind};
use crate::frame::{FrameHeader, MAX_HEADER_LEN};
use crate::mask::{apply_mask, extend_masked, rotated};
use crate::opcode::OpCode;
use crate::utf8::{to_str, Utf8Validator};
use crate::Status;

/// A frame's announced length makes room in the message buffer before its
/// bytes arrive up to `buffer_retain` (what the buffer keeps anyway) and
/// never past this: a length alone costs a peer nothing to send. Beyond that
/// the buffer grows only with the bytes that arrive.
const RESERVE_AHEAD: usize = 1 << 20;

/// Unmasks a piece of payload in place (`key` lined up with its first byte).
#[inline]
fn unmask(piece: &mut [u8], key: Option<[u8; 4]>) {
    if let Some(key) = key {
        apply_mask(piece, key, 0);
    }
}

/// The frame whose payload is being read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    opcode: OpCode,
    fin: bool,
    /// The masking key, rotated to line up with the next payload byte.
    mask: Option<[u8; 4]>,
    /// Payload bytes not yet read.
    remaining: u64,
    /// Some of the payload was read already (from an earlier input).
    started: bool,
}

/// A data message between its first and its final frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Message {
    kind: MessageKind,
    /// Payload bytes announced by its frame headers so far; for a message the
    /// extension decodes, decoded bytes so far.
    size: u64,
    utf8: Utf8Validator,
    /// The negotiated extension decodes this message (RSV bit on its first
    /// frame).
    decoded: bool,
    /// For a decoded message: decoded bytes of its current frame, held to
    /// `max_frame_size` as they are produced.
    frame_size: u64,
}

/// What the last event borrowed from the message buffer, to drop first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Release {
    #[default]
    Nothing,
    /// A whole assembled message.
    Message,
    /// A control payload kept after the message bytes.
    Control,
}

/// Receive-side state. Payload bytes that must outlive one input live in the
/// message buffer (the caller's, or the connection's own for
/// [`Connection::read`]): first the message being assembled, then a control
/// payload cut by the end of an input.
#[derive(Default)]
pub(crate) struct Receiver {
    /// A header cut by the end of an input.
    header: [u8; MAX_HEADER_LEN],
    header_len: u8,
    frame: Option<Frame>,
    message: Option<Message>,
    /// Bytes of the message being assembled in the buffer.
    buffered: usize,
    /// Bytes of a cut control payload after them (at most 125).
    control: u8,
    release: Release,
    /// Input arrived since the last clock reading (for keepalive).
    pub(crate) seen: bool,
}

/// Where the payload of the event to deliver lies.
#[derive(Clone, Copy)]
enum Source {
    /// `input[start..end]`.
    Input(usize, usize),
    /// `buffer[start..end]`.
    Buffer(usize, usize),
}

/// The event to deliver, before its payload is borrowed.
#[derive(Clone, Copy)]
enum Pending {
    Whole(MessageKind, Source),
    Chunk(MessageKind, Source, bool),
    Control(OpCode, Source),
}

impl Pending {
    /// Borrows the payload. Fails only for text that arrived whole in the
    /// input, which is validated here in the pass that makes the `&str`.
    #[inline(always)]
    fn event<'a>(self, input: &'a [u8], buffer: &'a [u8]) -> Result<Event<'a>, Violation> {
        let slice = |src: Source| -> &'a [u8] {
            match src {
                Source::Input(a, b) => &input[a..b],
                Source::Buffer(a, b) => &buffer[a..b],
            }
        };
        Ok(match self {
            Pending::Whole(MessageKind::Binary, src) => Event::Binary(slice(src)),
            Pending::Whole(MessageKind::Text, src @ Source::Input(..)) => {
                Event::Text(to_str(slice(src)).map_err(|_| Violation::InvalidUtf8)?)
            }
            // Assembled text was validated piece by piece as it came (fail
            // fast); this pass only makes the `&str` without unsafe code.
            Pending::Whole(MessageKind::Text, src) => {
                let text = to_str(slice(src));
                debug_assert!(text.is_ok(), "assembled text was validated");
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
                let payload = slice(src);
                let code = (payload.len() >= 2)
                    .then(|| CloseCode(u16::from_be_bytes([payload[0], payload[1]])));
                let reason = core::str::from_utf8(payload.get(2..).unwrap_or(&[])).unwrap_or("");
                Event::Close { code, reason }
            }
        })
    }
}

impl Connection {
    /// Reads frames from `input` until one event is ready or the input is used
    /// up.
    ///
    /// Returns how many bytes of `input` were consumed and the event, if any.
    /// Call it again with the rest of the input (`&mut input[consumed..]`)
    /// until it returns `None`: then all of `input` has been consumed and the
    /// connection waits for more bytes. Incomplete frames are not an error;
    /// their bytes are kept (headers) or handed on as they come.
    ///
    /// The payload is unmasked in place in `input`, so a message that arrives
    /// whole is delivered without a copy. A message that arrives in pieces is
    /// assembled in a buffer the connection owns; the event borrows it, so
    /// copy what you need before calling the connection again. To reply while
    /// holding an event (an echo), use
    /// [`read_with_buffer`](Self::read_with_buffer).
    ///
    /// On a protocol violation the connection queues a Close frame with the
    /// matching code, becomes closed, and returns the error. After the peer's
    /// Close, or once closed, input is consumed and ignored.
    #[inline]
    pub fn read<'a>(
        &'a mut self,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Event<'a>>), ProtocolError> {
        let mut buffer = core::mem::take(&mut self.buffer);
        let result = self.process(input, &mut buffer);
        self.buffer = buffer;
        let (used, pending) = result?;
        let Some(pending) = pending else {
            return Ok((used, None));
        };
        let input: &'a [u8] = input;
        if let Pending::Whole(MessageKind::Text, Source::Input(a, b)) = pending {
            // Borrows only the input, so failing can still change `self`.
            return match to_str(&input[a..b]) {
                Ok(text) => Ok((used, Some(Event::Text(text)))),
                Err(_) => Err(self.fail(Violation::InvalidUtf8)),
            };
        }
        match pending.event(input, &self.buffer) {
            Ok(event) => Ok((used, Some(event))),
            // Only input text can fail, and it was handled above.
            Err(_) => Ok((used, None)),
        }
    }

    /// [`read`](Self::read) with a message buffer the caller owns, so that
    /// events borrow only `input` and `buffer`, not the connection: the caller
    /// can send (an echo, a reply) while it holds an event.
    ///
    /// Pass the same buffer, untouched, on every call for the life of the
    /// connection: it holds a message that arrives in pieces between calls.
    /// The connection shrinks it to [`Config::buffer_retain`](crate::Config::buffer_retain)
    /// after a larger message.
    pub fn read_with_buffer<'a>(
        &mut self,
        input: &'a mut [u8],
        buffer: &'a mut alloc::vec::Vec<u8>,
    ) -> Result<(usize, Option<Event<'a>>), ProtocolError> {
        let (used, pending) = self.process(input, buffer)?;
        match pending {
            None => Ok((used, None)),
            Some(p) => match p.event(input, buffer) {
                Ok(event) => Ok((used, Some(event))),
                Err(violation) => Err(self.fail(violation)),
            },
        }
    }

    /// Releases what the previous event borrowed, then runs the frame machine.
    ///
    /// Inlined into its callers: its result is too large for registers, and
    /// returned through memory it costs `read` a store-to-load stall.
    #[inline(always)]
    fn process(
        &mut self,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(usize, Option<Pending>), ProtocolError> {
        let rx = &mut self.rx;
        match core::mem::take(&mut rx.release) {
            Release::Nothing => {}
            Release::Control => buffer.truncate(rx.buffered),
            Release::Message => {
                buffer.clear();
                let retain = self.settings.buffer_retain;
                if buffer.capacity() > retain {
                    buffer.shrink_to(retain);
                }
            }
        }
        // A caller that swapped or cut the buffer broke the contract; keep the
        // indices in bounds rather than panic.
        if buffer.len() != rx.buffered + usize::from(rx.control) {
            buffer.resize(rx.buffered + usize::from(rx.control), 0);
        }
        if !input.is_empty() {
            self.rx.seen = true;
        }
        if !self.reading() {
            // Nothing more will be read: drop a message cut short by the close.
            let rx = &mut self.rx;
            if rx.buffered + usize::from(rx.control) > 0 {
                rx.buffered = 0;
                rx.control = 0;
                buffer.clear();
                buffer.shrink_to(self.settings.buffer_retain);
            }
            return Ok((input.len(), None));
        }
        self.step(input, buffer)
            .map_err(|violation| self.fail(violation))
    }

    /// Whether incoming frames are still processed.
    fn reading(&self) -> bool {
        matches!(self.phase, Phase::Open { .. } | Phase::CloseSent { .. })
    }

    /// Runs the frame machine over `input` until an event is ready.
    #[inline(always)]
    fn step(
        &mut self,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(usize, Option<Pending>), Violation> {
        if let Some(whole) = self.whole_message(input) {
            return Ok(whole);
        }
        let mut pos = 0;
        loop {
            let frame = match self.rx.frame {
                Some(f) => f,
                None => match self.next_header(input, &mut pos)? {
                    Some(h) => self.begin_frame(h)?,
                    None => return Ok((pos, None)),
                },
            };
            let avail =
                (input.len() - pos).min(usize::try_from(frame.remaining).unwrap_or(usize::MAX));
            let start = pos;
            pos += avail;
            // Unmasked where it lies, except a piece copied into the message
            // buffer, which is unmasked in that copy.
            let key = frame.mask;
            let whole_in_input = !frame.started;
            let frame = Frame {
                remaining: frame.remaining - avail as u64,
                mask: key.map(|key| rotated(key, avail)),
                started: true,
                ..frame
            };
            let done = frame.remaining == 0;
            self.rx.frame = if done { None } else { Some(frame) };

            if frame.opcode.is_control() {
                unmask(&mut input[start..pos], key);
                if done && whole_in_input {
                    let pending = self.control_frame(
                        frame.opcode,
                        Source::Input(start, pos),
                        &input[start..pos],
                    )?;
                    return Ok((pos, Some(pending)));
                }
                buffer.extend_from_slice(&input[start..pos]);
                // Control payloads are at most 125 bytes (checked with the header).
                self.rx.control += avail as u8;
                if !done {
                    return Ok((pos, None));
                }
                let at = self.rx.buffered;
                let len = usize::from(core::mem::take(&mut self.rx.control));
                self.rx.release = Release::Control;
                let pending =
                    self.control_frame(frame.opcode, Source::Buffer(at, at + len), &buffer[at..])?;
                return Ok((pos, Some(pending)));
            }

            // A data frame: `begin_frame` made sure a message is in progress.
            let Some(msg) = self.rx.message.as_mut() else {
                return Err(Violation::UnexpectedContinuation);
            };
            let kind = msg.kind;
            let last = done && frame.fin;
            if msg.decoded {
                unmask(&mut input[start..pos], key);
                if let Some(pending) = self.decode_piece(&input[start..pos], last, buffer)? {
                    return Ok((pos, Some(pending)));
                }
                if !done {
                    return Ok((pos, None));
                }
                continue;
            }
            let whole = self.settings.delivery == Delivery::Whole;
            // A message whose bytes all arrived in this input is handed out as
            // it lies; `read` validates such text in the same pass that makes
            // the `&str`.
            if whole && last && whole_in_input && self.rx.buffered == 0 {
                self.rx.message = None;
                unmask(&mut input[start..pos], key);
                return Ok((pos, Some(Pending::Whole(kind, Source::Input(start, pos)))));
            }
            let at = buffer.len();
            let piece = if whole {
                if whole_in_input {
                    // Room for the message so far and the frame's announced
                    // length (within the size limits), so that the buffer
                    // does not grow by doubling piece by piece, but only up
                    // to `buffer_retain` (and RESERVE_AHEAD); past that only
                    // the bytes that arrive grow it, in the copy below. At
                    // least doubled, as by `reserve`, yet never past `fill`:
                    // `reserve` would double a retained buffer for a length
                    // alone.
                    let held = at + avail;
                    let announced = usize::try_from(frame.remaining)
                        .map_or(usize::MAX, |rest| held.saturating_add(rest));
                    let fill = self.settings.buffer_retain.min(RESERVE_AHEAD);
                    let room = announced.min(fill);
                    if room > held && room > buffer.capacity() {
                        let doubled = buffer.capacity().saturating_mul(2).min(fill);
                        buffer.reserve_exact(doubled.max(room) - at);
                    }
                }
                match key {
                    Some(key) => extend_masked(buffer, &input[start..pos], key),
                    None => buffer.extend_from_slice(&input[start..pos]),
                }
                &buffer[at..]
            } else {
                unmask(&mut input[start..pos], key);
                &input[start..pos]
            };
            if kind == MessageKind::Text {
                // RFC 6455 §8.1: invalid UTF-8 MUST fail the connection; doing it
                // per piece fails as soon as the offending byte arrives.
                msg.utf8.feed(piece).map_err(|_| Violation::InvalidUtf8)?;
                if last {
                    msg.utf8.finish().map_err(|_| Violation::InvalidUtf8)?;
                }
            }
            if last {
                self.rx.message = None;
            }
            if !whole {
                if avail > 0 || last {
                    return Ok((
                        pos,
                        Some(Pending::Chunk(kind, Source::Input(start, pos), last)),
                    ));
                }
            } else {
                self.rx.buffered += avail;
                if last {
                    self.rx.release = Release::Message;
                    let len = core::mem::take(&mut self.rx.buffered);
                    return Ok((pos, Some(Pending::Whole(kind, Source::Buffer(0, len)))));
                }
            }
            if !done {
                return Ok((pos, None));
            }
        }
    }

    /// The common case on its own: the input starts with a whole message in
    /// one frame, between messages, nothing stashed. Unmasked where it lies
    /// and handed out, with no frame or message state kept. Anything else
    /// (and any frame that breaks a rule) is left to the frame machine.
    #[inline(always)]
    fn whole_message(&mut self, input: &mut [u8]) -> Option<(usize, Option<Pending>)> {
        let rx = &self.rx;
        if rx.frame.is_some()
            || rx.message.is_some()
            || rx.header_len != 0
            || rx.buffered != 0
            || self.settings.delivery != Delivery::Whole
        {
            return None;
        }
        let Ok(Status::Complete((h, n))) = FrameHeader::decode(input) else {
            return None;
        };
        let kind = match h.opcode {
            OpCode::Text => MessageKind::Text,
            OpCode::Binary => MessageKind::Binary,
            _ => return None,
        };
        let fits = (input.len() - n) as u64 >= h.payload_len;
        if !h.fin
            || h.rsv != 0
            || !fits
            || h.mask.is_some() != self.settings.role.expects_masked_input()
            || h.payload_len > self.settings.max_frame_size
            || h.payload_len > self.settings.max_message_size
        {
            return None;
        }
        let end = n + h.payload_len as usize;
        unmask(&mut input[n..end], h.mask);
        Some((end, Some(Pending::Whole(kind, Source::Input(n, end)))))
    }

    /// Runs a piece of a message the extension decodes through the codec,
    /// then on as for any message: validated, assembled or streamed.
    fn decode_piece(
        &mut self,
        piece: &[u8],
        last: bool,
        buffer: &mut Vec<u8>,
    ) -> Result<Option<Pending>, Violation> {
        let Some(msg) = self.rx.message.as_mut() else {
            return Err(Violation::UnexpectedContinuation);
        };
        // RFC 7692 §8.1: the size limits apply to the decoded data, checked
        // while decoding (the codec stops at `limit`): the message's, and
        // the frame's for the frame this piece belongs to.
        let at = buffer.len();
        let message_left = self.settings.max_message_size.saturating_sub(msg.size);
        let frame_left = self.settings.max_frame_size.saturating_sub(msg.frame_size);
        let too_large = if frame_left < message_left {
            Violation::FrameTooLarge
        } else {
            Violation::MessageTooLarge
        };
        let left = message_left.min(frame_left);
        let limit = at.saturating_add(usize::try_from(left).unwrap_or(usize::MAX));
        let slot = self.extras.as_deref_mut().and_then(|e| e.codec.as_mut());
        decode(slot, piece, last, buffer, limit).map_err(|v| match v {
            Violation::MessageTooLarge => too_large,
            other => other,
        })?;
        let produced = &buffer[at..];
        msg.size += produced.len() as u64;
        msg.frame_size += produced.len() as u64;
        if msg.kind == MessageKind::Text {
            msg.utf8
                .feed(produced)
                .map_err(|_| Violation::InvalidUtf8)?;
            if last {
                msg.utf8.finish().map_err(|_| Violation::InvalidUtf8)?;
            }
        }
        let kind = msg.kind;
        if last {
            self.rx.message = None;
        }
        Ok(match self.settings.delivery {
            Delivery::Chunks => {
                if produced.is_empty() && !last {
                    buffer.truncate(at);
                    return Ok(None);
                }
                // Streamed from the buffer: dropped before the next call.
                self.rx.release = Release::Message;
                Some(Pending::Chunk(kind, Source::Buffer(at, buffer.len()), last))
            }
            Delivery::Whole => {
                self.rx.buffered = buffer.len();
                if !last {
                    return Ok(None);
                }
                self.rx.release = Release::Message;
                let len = core::mem::take(&mut self.rx.buffered);
                Some(Pending::Whole(kind, Source::Buffer(0, len)))
            }
        })
    }

    /// Decodes the next header from the stash and `input`; `None` when the
    /// input ends inside it (its bytes are stashed).
    #[inline(always)]
    fn next_header(
        &mut self,
        input: &[u8],
        pos: &mut usize,
    ) -> Result<Option<FrameHeader>, Violation> {
        let rest = &input[*pos..];
        let stashed = usize::from(self.rx.header_len);
        if stashed == 0 {
            match FrameHeader::decode(rest).map_err(Violation::Header)? {
                Status::Complete((h, n)) => {
                    *pos += n;
                    return Ok(Some(h));
                }
                Status::Partial => {
                    // A partial header is shorter than the longest one.
                    self.rx.header[..rest.len()].copy_from_slice(rest);
                    self.rx.header_len = rest.len() as u8;
                    *pos = input.len();
                    return Ok(None);
                }
            }
        }
        let take = (MAX_HEADER_LEN - stashed).min(rest.len());
        self.rx.header[stashed..stashed + take].copy_from_slice(&rest[..take]);
        match FrameHeader::decode(&self.rx.header[..stashed + take]).map_err(Violation::Header)? {
            Status::Complete((h, n)) => {
                *pos += n - stashed;
                self.rx.header_len = 0;
                Ok(Some(h))
            }
            Status::Partial => {
                self.rx.header_len = (stashed + take) as u8;
                *pos += take;
                Ok(None)
            }
        }
    }

    /// Checks a header against the connection's rules and starts its frame.
    #[inline(always)]
    fn begin_frame(&mut self, h: FrameHeader) -> Result<Frame, Violation> {
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a
        // frame that is not masked" and "A client MUST close a connection if it
        // detects a masked frame."
        match (self.settings.role.expects_masked_input(), h.mask.is_some()) {
            (true, false) => return Err(Violation::UnmaskedFrame),
            (false, true) => return Err(Violation::MaskedFrame),
            _ => {}
        }
        let decoded = check_rsv(self.codec(), h.opcode, h.rsv)?;
        let compressed = decoded
            || (h.opcode == OpCode::Continuation && self.rx.message.is_some_and(|m| m.decoded));
        self.check_frame_size(h.payload_len, compressed)?;
        match h.opcode {
            OpCode::Continuation => {
                // RFC 6455 §5.4: a fragmented message is a first frame followed
                // by continuation frames; a continuation alone is invalid.
                let Some(msg) = self.rx.message.as_mut() else {
                    return Err(Violation::UnexpectedContinuation);
                };
                msg.frame_size = 0;
                // A decoded message is measured as it is decoded.
                if !msg.decoded {
                    msg.size = msg.size.saturating_add(h.payload_len);
                    if msg.size > self.settings.max_message_size {
                        return Err(Violation::MessageTooLarge);
                    }
                }
            }
            OpCode::Text | OpCode::Binary => {
                // RFC 6455 §5.4: "The fragments of one message MUST NOT be
                // interleaved between the fragments of another message".
                if self.rx.message.is_some() {
                    return Err(Violation::ExpectedContinuation);
                }
                if !decoded && h.payload_len > self.settings.max_message_size {
                    return Err(Violation::MessageTooLarge);
                }
                let kind = if h.opcode == OpCode::Text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                self.rx.message = Some(Message {
                    kind,
                    size: if decoded { 0 } else { h.payload_len },
                    utf8: Utf8Validator::new(),
                    decoded,
                    frame_size: 0,
                });
            }
            // Length and FIN were checked with the header.
            OpCode::Close | OpCode::Ping | OpCode::Pong => {}
        }
        Ok(Frame {
            opcode: h.opcode,
            fin: h.fin,
            mask: h.mask,
            remaining: h.payload_len,
            started: false,
        })
    }

    /// Checks a frame's announced payload length against `max_frame_size`.
    ///
    /// The limit is on a frame's data as the application sees it. A frame the
    /// extension decodes is held to it while it is decoded (`decode_piece`);
    /// on the wire it may be as long as the extension's encoding of that much
    /// data can be (DEFLATE adds a little to incompressible data), so that a
    /// message is accepted whether or not the peer compressed it.
    #[inline(always)]
    fn check_frame_size(&self, len: u64, compressed: bool) -> Result<(), Violation> {
        let max = self.settings.max_frame_size;
        if len <= max {
            return Ok(());
        }
        let codec = self.codec().map(|slot| &slot.codec);
        match codec {
            Some(codec) if compressed && len <= codec.max_encoded_len(max) => Ok(()),
            _ => Err(Violation::FrameTooLarge),
        }
    }

    /// Acts on a whole control frame: validates a Close, queues replies.
    fn control_frame(
        &mut self,
        opcode: OpCode,
        src: Source,
        payload: &[u8],
    ) -> Result<Pending, Violation> {
        match opcode {
            OpCode::Ping => {
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST
                // send a Pong frame in response, unless it already received a
                // Close frame." Once we sent Close we send nothing more.
                if self.settings.auto_pong {
                    self.push_auto_pong(payload);
                }
            }
            OpCode::Pong => {}
            _ => {
                let code = match payload.len() {
                    0 => None,
                    // RFC 6455 §5.5.1: if there is a body, "the first two bytes of
                    // the body MUST be a 2-byte unsigned integer".
                    1 => return Err(Violation::CloseTooShort),
                    _ => {
                        let code = u16::from_be_bytes([payload[0], payload[1]]);
                        if !CloseCode(code).is_allowed_on_wire() {
                            return Err(Violation::InvalidCloseCode(code));
                        }
                        // The reason is UTF-8 (§5.5.1); invalid data fails with 1007 (§8.1).
                        if core::str::from_utf8(&payload[2..]).is_err() {
                            return Err(Violation::InvalidUtf8);
                        }
                        Some(CloseCode(code))
                    }
                };
                self.on_peer_close(code);
            }
        }
        Ok(Pending::Control(opcode, src))
    }
}
