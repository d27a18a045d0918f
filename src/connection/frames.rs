//! The frame machine: frame headers → payload (unmasked in place) →
//! messages (assembled or streamed, text validated), each rule checked in
//! one place. [`recv`](super::recv) turns what it finds into events.

use alloc::vec::Vec;

use super::reserve::{append_piece, reserve_ahead};
use super::Connection;
use crate::config::Delivery;
use crate::error::Violation;
use crate::event::MessageKind;
use crate::extension::slot::{check_rsv, decode, CodecSlot};
use crate::frame::mask::{apply_mask, rotated};
use crate::frame::OpCode;
use crate::frame::{FrameHeader, MAX_HEADER_LEN};
use crate::utf8::Utf8Validator;
use crate::Status;

/// Unmasks a piece of payload in place (`key` lined up with its first byte).
#[inline]
fn unmask(piece: &mut [u8], key: Option<[u8; 4]>) {
    if let Some(key) = key {
        apply_mask(piece, key, 0);
    }
}

/// What the last event borrowed from the message buffer, to drop first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Release {
    #[default]
    Nothing,
    /// The buffer's bytes from the start: a whole assembled message, or a
    /// decoded chunk.
    Message,
    /// A control payload kept after the message bytes.
    Control,
    /// The assembled text in the extras' string.
    Text,
}

/// Where the payload of the event to deliver lies.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    /// `input[start..end]`.
    Input(usize, usize),
    /// `buffer[start..end]`.
    Buffer(usize, usize),
    /// The extras' text string, whole: an assembled text message.
    Text,
}

/// The event to deliver, before its payload is borrowed.
#[derive(Clone, Copy)]
pub(crate) enum Pending {
    Whole(MessageKind, Source),
    Chunk(MessageKind, Source, bool),
    Control(OpCode, Source),
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
    pub(super) kind: MessageKind,
    /// Payload bytes announced by its frame headers so far; for a message the
    /// extension decodes, decoded bytes so far.
    size: u64,
    pub(super) utf8: Utf8Validator,
    /// The negotiated extension decodes this message (RSV bit on its first
    /// frame).
    pub(super) decoded: bool,
    /// For a decoded message: decoded bytes of its current frame, held to
    /// `max_frame_size` as they are produced.
    frame_size: u64,
}

impl Message {
    /// RFC 6455 §8.1: invalid UTF-8 MUST fail the connection; checking each
    /// piece as it comes fails as soon as the offending byte arrives.
    #[inline]
    fn validate(&mut self, piece: &[u8], last: bool) -> Result<(), Violation> {
        if self.kind == MessageKind::Text {
            self.utf8.feed(piece).map_err(|_| Violation::InvalidUtf8)?;
            if last {
                self.utf8.finish().map_err(|_| Violation::InvalidUtf8)?;
            }
        }
        Ok(())
    }
}

/// Receive-side state. Payload bytes that must outlive one input live in the
/// connection's message buffer: first the message being assembled, then a
/// control payload cut by the end of an input.
#[derive(Default)]
pub(crate) struct Receiver {
    /// A header cut by the end of an input.
    header: [u8; MAX_HEADER_LEN],
    header_len: u8,
    frame: Option<Frame>,
    pub(super) message: Option<Message>,
    /// Bytes of the message being assembled, in the buffer (from the start
    /// the read area gives it, when it was adopted: see `inbox.rs`) or, for
    /// text, in its string (see `text.rs`).
    pub(super) buffered: usize,
    /// Where the receive path into the connection's own buffers stands.
    pub(super) own: OwnRead,
    /// Bytes of a cut control payload after them (at most 125).
    pub(super) control: u8,
    /// Initialized bytes at the end of the message buffer that hold no
    /// message: a slice lent and not read into, or room a busy connection
    /// kept. The message ends this far before the buffer's length (see
    /// "Reading into the connection's own buffers" in `docs/design.md`); a
    /// binary piece is written into it when it fits, anything else cuts it
    /// off first. At most 1 GiB (`MAX_SPARE` in `reserve.rs`).
    pub(super) spare: u32,
    /// What the last event borrowed from the message buffer, to drop first.
    pub(super) release: Release,
    /// Input arrived since the last clock reading (for keepalive).
    pub(crate) seen: bool,
}

impl Receiver {
    /// The payload bytes still to come of the frame being read, and whether
    /// it is its message's final frame (none: 0, final).
    pub(super) fn frame_rest(&self) -> (u64, bool) {
        self.frame.map_or((0, true), |f| (f.remaining, f.fin))
    }
}

/// The receive path into the connection's own buffers (see `inbox.rs`):
/// an idle state and three moments that never overlap, in one byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum OwnRead {
    #[default]
    Idle,
    /// The input being read is the connection's read area, which may become
    /// the message buffer rather than be copied into it.
    FromInbox,
    /// ... and it did: the message's first bytes stay where they were read,
    /// at the end of the input.
    Adopted,
    /// The message was completed by bytes read straight into the message
    /// buffer, for [`poll_event`](Connection::poll_event) to hand out.
    Complete,
}

/// The part of a frame's payload that one input holds: `input[start..end]`.
#[derive(Clone, Copy)]
pub(super) struct Piece {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The masking key lined up with `start`.
    pub(super) key: Option<[u8; 4]>,
    /// The frame's payload starts here (no earlier input had any of it).
    pub(super) first: bool,
    /// The frame's payload ends here.
    pub(super) done: bool,
    /// ... and the frame is its message's final one.
    pub(super) last: bool,
    /// Payload bytes still to come after this piece.
    pub(super) rest: u64,
}

impl Connection {
    /// Runs the frame machine over `input` until an event is ready or the
    /// input is used up; returns how much it consumed.
    #[inline(always)]
    pub(super) fn step(
        &mut self,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> Result<(usize, Option<Pending>), Violation> {
        if let Some((used, whole)) = self.whole_message(input)? {
            return Ok((used, Some(whole)));
        }
        if let Some(last) = self.codec_mut().and_then(|c| c.drain.take()) {
            if let Some(chunk) = self.decode_piece(&[], last, buffer)? {
                return Ok((0, Some(chunk)));
            }
            // A codec that stopped with nothing to give is not called again
            // for it: the end of the transport would wait on it.
            self.stop_decoding();
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
            let rest = frame.remaining - avail as u64;
            let piece = Piece {
                start: pos,
                end: pos + avail,
                key: frame.mask,
                first: !frame.started,
                done: rest == 0,
                last: rest == 0 && frame.fin,
                rest,
            };
            pos += avail;
            self.rx.frame = (rest > 0).then(|| Frame {
                remaining: rest,
                mask: frame.mask.map(|key| rotated(key, avail)),
                started: true,
                ..frame
            });
            let pending = if frame.opcode.is_control() {
                self.control_piece(frame.opcode, piece, input, buffer)?
            } else {
                self.data_piece(piece, input, buffer)?
            };
            let back = self
                .codec_mut()
                .map_or(0, |c| core::mem::take(&mut c.unconsumed));
            if back > 0 {
                pos = self.give_back(input, piece, frame, back);
            }
            if pending.is_some() || !piece.done {
                return Ok((pos, pending));
            }
        }
    }

    fn codec_mut(&mut self) -> Option<&mut CodecSlot> {
        self.extras.as_deref_mut()?.codec.as_mut()
    }

    /// The codec holds no more output of bytes already used (see
    /// [`decoding`](Self::decoding)).
    pub(super) fn stop_decoding(&mut self) {
        if let Some(codec) = self.codec_mut() {
            codec.drain = None;
        }
    }

    /// The last `back` bytes of `piece`, which the codec left when it
    /// stopped at `max_chunk_size`, go back to the caller as they came
    /// (masked again) and the frame resumes where it stopped. Returns the
    /// input used.
    fn give_back(&mut self, input: &mut [u8], piece: Piece, frame: Frame, back: usize) -> usize {
        let used = piece.end - back - piece.start;
        if let Some(key) = piece.key {
            apply_mask(
                &mut input[piece.end - back..piece.end],
                rotated(key, used),
                0,
            );
        }
        self.rx.frame = Some(Frame {
            remaining: piece.rest + back as u64,
            mask: frame.mask.map(|key| rotated(key, used)),
            started: true,
            ..frame
        });
        piece.end - back
    }

    /// A piece of a control frame: handed on from the input when the whole
    /// payload is there, otherwise kept in the buffer until it is.
    fn control_piece(
        &mut self,
        opcode: OpCode,
        p: Piece,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> Result<Option<Pending>, Violation> {
        let bytes = &mut input[p.start..p.end];
        unmask(bytes, p.key);
        if p.done && p.first {
            let src = Source::Input(p.start, p.end);
            return self.control_frame(opcode, src, bytes).map(Some);
        }
        self.trim_spare(buffer);
        buffer.extend_from_slice(bytes);
        // Control payloads are at most 125 bytes (checked with the header).
        self.rx.control += bytes.len() as u8;
        if !p.done {
            return Ok(None);
        }
        let at = self.held_end();
        let len = usize::from(core::mem::take(&mut self.rx.control));
        self.rx.release = Release::Control;
        let src = Source::Buffer(at, at + len);
        self.control_frame(opcode, src, &buffer[at..]).map(Some)
    }

    /// A piece of a data frame: handed out where it lies, streamed, decoded
    /// by the extension, or added to the message being assembled.
    #[inline(always)]
    fn data_piece(
        &mut self,
        p: Piece,
        input: &mut [u8],
        buffer: &mut Vec<u8>,
    ) -> Result<Option<Pending>, Violation> {
        let whole = self.settings.delivery == Delivery::Whole;
        let fill = self.reserve_fill();
        // `begin_frame` made sure a message is in progress.
        let Some(msg) = self.rx.message.as_mut() else {
            return Err(Violation::UnexpectedContinuation);
        };
        let kind = msg.kind;
        let range = p.start..p.end;
        if msg.decoded {
            unmask(&mut input[range.clone()], p.key);
            return self.decode_piece(&input[range], p.last, buffer);
        }
        if !whole {
            unmask(&mut input[range.clone()], p.key);
            msg.validate(&input[range], p.last)?;
            if p.last {
                self.rx.message = None;
            }
            let src = Source::Input(p.start, p.end);
            return Ok((p.end > p.start || p.last).then_some(Pending::Chunk(kind, src, p.last)));
        }
        if p.last && p.first && self.rx.buffered == 0 {
            // A message whose bytes all arrived in this input is handed out
            // as it lies (text validated in the pass that makes the `&str`).
            self.rx.message = None;
            unmask(&mut input[range], p.key);
            return Ok(Some(Pending::Whole(kind, Source::Input(p.start, p.end))));
        }
        if kind == MessageKind::Text {
            unmask(&mut input[range.clone()], p.key);
            if p.end > p.start || p.last {
                // Its string may take the buffer's allocation.
                self.trim_spare(buffer);
            }
            return self.text_piece(&input[range], p, buffer);
        }
        if p.first
            && !p.done
            && p.end > p.start
            && self.rx.own == OwnRead::FromInbox
            // The message buffer holds nothing but room.
            && buffer.len() == self.rx.spare as usize
        {
            // The message's first bytes end the read area: it becomes the
            // message buffer, so they are not copied (see `adopt`).
            unmask(&mut input[range.clone()], p.key);
            msg.validate(&input[range], false)?;
            self.rx.buffered = p.end - p.start;
            self.rx.own = OwnRead::Adopted;
            return Ok(None);
        }
        // The message ends before the room kept after it (`spare`).
        let at = buffer.len() - self.rx.spare as usize;
        let n = p.end - p.start;
        if p.first {
            reserve_ahead(buffer, at + n, p.rest, fill);
        }
        append_piece(buffer, &mut self.rx.spare, &input[range], p.key);
        msg.validate(&buffer[at..at + n], p.last)?;
        self.rx.buffered += n;
        Ok(p.last.then(|| self.finish_assembled(kind)))
    }

    /// How many of the next bytes the transport may put straight into the
    /// message buffer: the rest of a data frame being assembled, at most
    /// `want`. `None` when the next bytes are not all that frame's payload
    /// (headers, control frames, decoded or streamed messages), or when the
    /// message is text (appended to its string as it is checked).
    pub(super) fn direct_room(&self, want: usize) -> Option<usize> {
        let frame = self.rx.frame?;
        let msg = self.rx.message.as_ref()?;
        let assembling = self.settings.delivery == Delivery::Whole
            && msg.kind == MessageKind::Binary
            && !msg.decoded
            && !frame.opcode.is_control()
            && self.rx.control == 0;
        let rest = usize::try_from(frame.remaining).unwrap_or(usize::MAX);
        // What the peer sent of the message pays for the room it gets: at
        // most sixteen times that (or the room an announced length makes),
        // however large the driver's read.
        let held = self.rx.buffered;
        let budget = held.saturating_mul(16).max(self.reserve_fill()) - held;
        (assembling && rest > 0).then(|| rest.min(want).min(budget.max(1)))
    }

    /// `buffer[at..]` holds bytes the transport put straight into the message
    /// buffer: the next payload bytes of the frame being assembled (at most
    /// its rest, as [`direct_room`](Self::direct_room) allowed) of a binary
    /// message. Unmasked where they lie; a completed message is marked
    /// [`OwnRead::Complete`] for `poll_event`.
    pub(super) fn direct_payload(&mut self, buffer: &mut [u8], at: usize) -> Result<(), Violation> {
        let (Some(frame), Some(msg)) = (self.rx.frame, self.rx.message.as_mut()) else {
            return Ok(());
        };
        let piece = &mut buffer[at..];
        let n = piece.len();
        unmask(piece, frame.mask);
        let rest = frame.remaining.saturating_sub(n as u64);
        let last = rest == 0 && frame.fin;
        msg.validate(piece, last)?;
        self.rx.buffered += n;
        self.rx.frame = (rest > 0).then(|| Frame {
            remaining: rest,
            mask: frame.mask.map(|key| rotated(key, n)),
            started: true,
            ..frame
        });
        if last {
            self.rx.own = OwnRead::Complete;
        }
        Ok(())
    }

    /// The message [`direct_payload`](Self::direct_payload) completed, if any.
    pub(super) fn take_complete(&mut self) -> Option<Pending> {
        if self.rx.own != OwnRead::Complete {
            return None;
        }
        self.rx.own = OwnRead::Idle;
        let kind = self.rx.message.as_ref()?.kind;
        Some(self.finish_assembled(kind))
    }

    /// The assembled message is complete: handed out from the buffer, which
    /// is released before the next call.
    fn finish_assembled(&mut self, kind: MessageKind) -> Pending {
        self.rx.message = None;
        self.rx.release = Release::Message;
        let len = core::mem::take(&mut self.rx.buffered);
        let start = self.take_msg_start();
        Pending::Whole(kind, Source::Buffer(start, start + len))
    }

    /// The common case on its own: the input starts with a whole message in
    /// one frame, between messages, nothing stashed. Unmasked where it lies
    /// and handed out, with no frame or message state kept. The header is
    /// held to the same rules as any ([`check_header`](Self::check_header));
    /// anything else is left to the frame machine.
    #[inline(always)]
    pub(super) fn whole_message(
        &mut self,
        input: &mut [u8],
    ) -> Result<Option<(usize, Pending)>, Violation> {
        let rx = &self.rx;
        if rx.frame.is_some()
            || rx.message.is_some()
            || rx.header_len != 0
            || rx.buffered != 0
            || self.settings.delivery != Delivery::Whole
        {
            return Ok(None);
        }
        let Ok(Status::Complete((h, n))) = FrameHeader::decode(input) else {
            return Ok(None);
        };
        let Some(kind) = MessageKind::of(h.opcode) else {
            return Ok(None);
        };
        if !h.fin || ((input.len() - n) as u64) < h.payload_len || self.check_header(&h)? {
            // Cut short, fragmented, or for the extension to decode.
            return Ok(None);
        }
        let end = n + h.payload_len as usize;
        unmask(&mut input[n..end], h.mask);
        Ok(Some((end, Pending::Whole(kind, Source::Input(n, end)))))
    }

    /// Runs a piece of a message the extension decodes through the codec,
    /// then on as for any message: validated, assembled or streamed.
    fn decode_piece(
        &mut self,
        piece: &[u8],
        last: bool,
        buffer: &mut Vec<u8>,
    ) -> Result<Option<Pending>, Violation> {
        self.trim_spare(buffer);
        let Some(msg) = self.rx.message.as_mut() else {
            return Err(Violation::UnexpectedContinuation);
        };
        // RFC 7692 §8.1: the size limits apply to the decoded data, checked
        // while decoding (the codec stops at `limit`): the message's, and
        // the frame's for the frame this piece belongs to.
        let at = buffer.len();
        let message_left = self.settings.max_message_size.saturating_sub(msg.size);
        let frame_left = self.settings.max_frame_size.saturating_sub(msg.frame_size);
        // Both crossed at once is the frame's limit, as `check_header` has it.
        let too_large = if frame_left <= message_left {
            Violation::FrameTooLarge
        } else {
            Violation::MessageTooLarge
        };
        let left = message_left.min(frame_left);
        let limit = at.saturating_add(usize::try_from(left).unwrap_or(usize::MAX));
        let chunks = self.settings.delivery == Delivery::Chunks;
        let bound = if chunks {
            self.settings.max_chunk_size()
        } else {
            usize::MAX
        };
        let slot = self.extras.as_deref_mut().and_then(|e| e.codec.as_mut());
        let decoded = decode(slot, piece, last, buffer, limit, bound).map_err(|v| match v {
            Violation::MessageTooLarge => too_large,
            other => other,
        })?;
        let last = last && !decoded.stopped;
        let produced = &buffer[at..];
        msg.size += produced.len() as u64;
        msg.frame_size += produced.len() as u64;
        msg.validate(produced, last)?;
        let kind = msg.kind;
        if chunks {
            if last {
                self.rx.message = None;
            } else if produced.is_empty() {
                return Ok(None);
            }
            // Streamed from the buffer: dropped before the next call.
            self.rx.release = Release::Message;
            return Ok(Some(Pending::Chunk(
                kind,
                Source::Buffer(at, buffer.len()),
                last,
            )));
        }
        self.rx.buffered = buffer.len();
        Ok(last.then(|| self.finish_assembled(kind)))
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

    /// Checks a header against the connection's rules, in every path that
    /// takes a frame. Returns whether the frame starts a message the
    /// extension decodes.
    #[inline(always)]
    fn check_header(&self, h: &FrameHeader) -> Result<bool, Violation> {
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a
        // frame that is not masked" and "A client MUST close a connection if it
        // detects a masked frame."
        match (self.settings.role.expects_masked_input(), h.mask.is_some()) {
            (true, false) => return Err(Violation::UnmaskedFrame),
            (false, true) => return Err(Violation::MaskedFrame),
            _ => {}
        }
        let decoded = h.rsv != 0 && check_rsv(self.codec(), h.opcode, h.rsv)?;
        let message = self.rx.message.as_ref();
        if h.payload_len > self.settings.max_frame_size {
            let continues_decoded = message.is_some_and(|m| m.decoded);
            let compressed = decoded || (h.opcode == OpCode::Continuation && continues_decoded);
            self.check_frame_size(h.payload_len, compressed)?;
        }
        let max_message = self.settings.max_message_size;
        match h.opcode {
            OpCode::Continuation => {
                // RFC 6455 §5.4: a fragmented message is a first frame followed
                // by continuation frames; a continuation alone is invalid.
                let Some(msg) = message else {
                    return Err(Violation::UnexpectedContinuation);
                };
                // A decoded message is measured as it is decoded.
                if !msg.decoded && msg.size.saturating_add(h.payload_len) > max_message {
                    return Err(Violation::MessageTooLarge);
                }
            }
            OpCode::Text | OpCode::Binary => {
                // RFC 6455 §5.4: "The fragments of one message MUST NOT be
                // interleaved between the fragments of another message".
                if message.is_some() {
                    return Err(Violation::ExpectedContinuation);
                }
                if !decoded && h.payload_len > max_message {
                    return Err(Violation::MessageTooLarge);
                }
            }
            // Length and FIN were checked with the header.
            OpCode::Close | OpCode::Ping | OpCode::Pong => {}
        }
        Ok(decoded)
    }

    /// Checks a header and starts its frame (and its message).
    #[inline(always)]
    fn begin_frame(&mut self, h: FrameHeader) -> Result<Frame, Violation> {
        let decoded = self.check_header(&h)?;
        if let Some(kind) = MessageKind::of(h.opcode) {
            self.rx.message = Some(Message {
                kind,
                size: if decoded { 0 } else { h.payload_len },
                utf8: Utf8Validator::new(),
                decoded,
                frame_size: 0,
            });
        } else if let (OpCode::Continuation, Some(msg)) = (h.opcode, self.rx.message.as_mut()) {
            msg.frame_size = 0;
            if !msg.decoded {
                msg.size += h.payload_len;
            }
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
    #[cold]
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
}
