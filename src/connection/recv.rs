//! The incoming side: frame headers → payload (unmasked in place) → messages
//! (assembled or streamed, text validated) → events.

use alloc::vec::Vec;

use super::close::Phase;
use super::Connection;
use crate::close_code::CloseCode;
use crate::config::Delivery;
use crate::error::{ProtocolError, Violation};
use crate::event::{Event, MessageKind};
use crate::frame::{FrameHeader, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::opcode::OpCode;
use crate::utf8::Utf8Validator;
use crate::Status;

/// The frame whose payload is being read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    opcode: OpCode,
    fin: bool,
    mask: Option<[u8; 4]>,
    /// Payload bytes not yet read.
    remaining: u64,
    /// Payload bytes already read (the masking key's position).
    offset: u64,
}

/// A data message between its first and its final frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Message {
    kind: MessageKind,
    /// Payload bytes announced by its frame headers so far.
    size: u64,
    utf8: Utf8Validator,
}

/// Receive-side state.
#[derive(Default)]
pub(crate) struct Receiver {
    /// A header cut by the end of an input.
    header: [u8; MAX_HEADER_LEN],
    header_len: u8,
    frame: Option<Frame>,
    message: Option<Message>,
    /// A message that arrived in pieces ([`Delivery::Whole`]).
    assembly: Vec<u8>,
    /// A control payload that arrived in pieces.
    control: Vec<u8>,
    /// The last event borrowed `assembly` or `control`: clear them first.
    delivered_buffer: bool,
}

impl Receiver {
    pub(crate) fn heap_bytes(&self) -> usize {
        self.assembly.capacity() + self.control.capacity()
    }
}

/// Where the payload of the event to deliver lies.
enum Source {
    /// `input[start..end]`.
    Input(usize, usize),
    /// The assembly buffer.
    Assembly,
    /// The control buffer.
    Control,
}

/// The event to deliver, before its payload is borrowed.
enum Pending {
    Whole(MessageKind, Source),
    Chunk(MessageKind, Source, bool),
    Control(OpCode, Source),
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
    /// whole is delivered without a copy.
    ///
    /// On a protocol violation the connection queues a Close frame with the
    /// matching code, becomes closed, and returns the error. After the peer's
    /// Close, or once closed, input is consumed and ignored.
    pub fn read<'a>(
        &'a mut self,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Event<'a>>), ProtocolError> {
        let rx = &mut self.rx;
        if rx.delivered_buffer {
            rx.delivered_buffer = false;
            rx.assembly.clear();
            rx.control.clear();
            let retain = self.config.buffer_retain;
            if rx.assembly.capacity() > retain {
                rx.assembly.shrink_to(retain);
            }
        }
        if !input.is_empty() {
            self.rx_seen = true;
        }
        if !self.reading() {
            return Ok((input.len(), None));
        }
        let (used, pending) = match self.step(input) {
            Ok(v) => v,
            Err(violation) => return Err(self.fail(violation)),
        };
        let Some(pending) = pending else {
            return Ok((used, None));
        };
        let slice = |src: &Source, input: &'a [u8], rx: &'a Receiver| -> &'a [u8] {
            match *src {
                Source::Input(a, b) => &input[a..b],
                Source::Assembly => &rx.assembly,
                Source::Control => &rx.control,
            }
        };
        let input: &'a [u8] = input;
        let event = match pending {
            Pending::Whole(MessageKind::Binary, src) => Event::Binary(slice(&src, input, &self.rx)),
            // A text message that arrived whole is validated here, in the pass
            // that makes the `&str`.
            Pending::Whole(MessageKind::Text, Source::Input(a, b)) => {
                match core::str::from_utf8(&input[a..b]) {
                    Ok(s) => Event::Text(s),
                    Err(_) => return Err(self.fail(Violation::InvalidUtf8)),
                }
            }
            // An assembled one was validated piece by piece as it came (fail
            // fast); this pass only makes the `&str` without unsafe code.
            Pending::Whole(MessageKind::Text, src) => {
                let text = core::str::from_utf8(slice(&src, input, &self.rx));
                debug_assert!(text.is_ok(), "assembled text was validated");
                Event::Text(text.unwrap_or_default())
            }
            Pending::Chunk(kind, src, fin) => Event::Chunk {
                kind,
                data: slice(&src, input, &self.rx),
                fin,
            },
            Pending::Control(OpCode::Ping, src) => Event::Ping(slice(&src, input, &self.rx)),
            Pending::Control(OpCode::Pong, src) => Event::Pong(slice(&src, input, &self.rx)),
            Pending::Control(_, src) => {
                let payload = slice(&src, input, &self.rx);
                // Validated in `control_frame`.
                let code = (payload.len() >= 2)
                    .then(|| CloseCode(u16::from_be_bytes([payload[0], payload[1]])));
                let reason = core::str::from_utf8(payload.get(2..).unwrap_or(&[])).unwrap_or("");
                Event::Close { code, reason }
            }
        };
        Ok((used, Some(event)))
    }

    /// Whether incoming frames are still processed.
    fn reading(&self) -> bool {
        matches!(self.phase, Phase::Open | Phase::CloseSent { .. })
    }

    /// Runs the frame machine over `input` until an event is ready.
    fn step(&mut self, input: &mut [u8]) -> Result<(usize, Option<Pending>), Violation> {
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
            let chunk = &mut input[start..start + avail];
            if let Some(key) = frame.mask {
                apply_mask(chunk, key, (frame.offset % 4) as usize);
            }
            pos += avail;
            let whole_in_input = frame.offset == 0;
            let frame = Frame {
                remaining: frame.remaining - avail as u64,
                offset: frame.offset + avail as u64,
                ..frame
            };
            let done = frame.remaining == 0;
            self.rx.frame = if done { None } else { Some(frame) };

            if frame.opcode.is_control() {
                if done && whole_in_input {
                    let pending = self.control_frame(
                        frame.opcode,
                        Source::Input(start, pos),
                        &input[start..pos],
                    )?;
                    return Ok((pos, Some(pending)));
                }
                self.rx.control.extend_from_slice(chunk);
                if !done {
                    return Ok((pos, None));
                }
                let payload = core::mem::take(&mut self.rx.control);
                let result = self.control_frame(frame.opcode, Source::Control, &payload);
                self.rx.control = payload;
                self.rx.delivered_buffer = true;
                return result.map(|p| (pos, Some(p)));
            }

            // A data frame: `begin_frame` made sure a message is in progress.
            let Some(msg) = self.rx.message.as_mut() else {
                return Err(Violation::UnexpectedContinuation);
            };
            let kind = msg.kind;
            let last = done && frame.fin;
            // A message whose bytes all arrived in this input is handed out as
            // it lies; `read` validates such text in the same pass that makes
            // the `&str`.
            let borrow = self.config.delivery == Delivery::Whole
                && last
                && whole_in_input
                && self.rx.assembly.is_empty();
            if kind == MessageKind::Text && !borrow {
                // RFC 6455 §8.1: invalid UTF-8 MUST fail the connection; doing it
                // per piece fails as soon as the offending byte arrives.
                msg.utf8.feed(chunk).map_err(|_| Violation::InvalidUtf8)?;
                if last {
                    msg.utf8.finish().map_err(|_| Violation::InvalidUtf8)?;
                }
            }
            if last {
                self.rx.message = None;
            }
            match self.config.delivery {
                Delivery::Chunks => {
                    if avail > 0 || last {
                        return Ok((
                            pos,
                            Some(Pending::Chunk(kind, Source::Input(start, pos), last)),
                        ));
                    }
                }
                Delivery::Whole => {
                    if borrow {
                        return Ok((pos, Some(Pending::Whole(kind, Source::Input(start, pos)))));
                    }
                    self.rx.assembly.extend_from_slice(&input[start..pos]);
                    if last {
                        self.rx.delivered_buffer = true;
                        return Ok((pos, Some(Pending::Whole(kind, Source::Assembly))));
                    }
                }
            }
            if !done {
                return Ok((pos, None));
            }
        }
    }

    /// Decodes the next header from the stash and `input`; `None` when the
    /// input ends inside it (its bytes are stashed).
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
    fn begin_frame(&mut self, h: FrameHeader) -> Result<Frame, Violation> {
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a
        // frame that is not masked" and "A client MUST close a connection if it
        // detects a masked frame."
        match (self.role.expects_masked_input(), h.mask.is_some()) {
            (true, false) => return Err(Violation::UnmaskedFrame),
            (false, true) => return Err(Violation::MaskedFrame),
            _ => {}
        }
        // RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated that
        // defines meanings for non-zero values."
        if h.rsv != 0 {
            return Err(Violation::ReservedBits(h.rsv));
        }
        if h.payload_len > self.config.max_frame_size {
            return Err(Violation::FrameTooLarge);
        }
        match h.opcode {
            OpCode::Continuation => {
                // RFC 6455 §5.4: a fragmented message is a first frame followed
                // by continuation frames; a continuation alone is invalid.
                let Some(msg) = self.rx.message.as_mut() else {
                    return Err(Violation::UnexpectedContinuation);
                };
                msg.size = msg.size.saturating_add(h.payload_len);
                if msg.size > self.config.max_message_size {
                    return Err(Violation::MessageTooLarge);
                }
            }
            OpCode::Text | OpCode::Binary => {
                // RFC 6455 §5.4: "The fragments of one message MUST NOT be
                // interleaved between the fragments of another message".
                if self.rx.message.is_some() {
                    return Err(Violation::ExpectedContinuation);
                }
                if h.payload_len > self.config.max_message_size {
                    return Err(Violation::MessageTooLarge);
                }
                let kind = if h.opcode == OpCode::Text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                self.rx.message = Some(Message {
                    kind,
                    size: h.payload_len,
                    utf8: Utf8Validator::new(),
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
            offset: 0,
        })
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
                if self.config.auto_pong && self.phase == Phase::Open {
                    let rng = self.rng.as_deref_mut();
                    self.out.push_pong(payload, rng);
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
