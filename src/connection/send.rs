//! The commands: data messages whole or in fragments, pings, pongs and
//! the Close, each checked against the state and queued as whole frames in
//! the output.

use super::output::Output;
use super::{Connection, Extras};
use crate::close_code::CloseCode;
use crate::error::SendError;
use crate::event::MessageKind;
use crate::frame::OpCode;
use crate::rand::MaskKeys;
use crate::role::Role;
use crate::utf8::Utf8Validator;
use alloc::boxed::Box;

/// A fragmented message we are sending.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outgoing {
    /// The first frame is still to go (it carries the opcode).
    first: bool,
    kind: MessageKind,
    utf8: Utf8Validator,
    /// The extension encodes this message (decided at the first fragment).
    encoded: bool,
}

impl Connection {
    pub(super) fn check_can_send_data(&self) -> Result<(), SendError> {
        if !self.is_open() {
            return Err(SendError::Closed);
        }
        if self.out.len() > self.settings.max_output_buffer {
            return Err(SendError::Backpressure);
        }
        Ok(())
    }

    /// OPEN (RFC 6455 §4): data may still be sent.
    pub(super) fn is_open(&self) -> bool {
        self.phase.is_open()
    }

    /// The masking key source: a client's randomness, never a server's
    /// ("A server MUST NOT mask any frames that it sends to the client").
    /// Takes the field so that `self.out` stays free to borrow.
    pub(super) fn mask_source(
        role: Role,
        rng: &mut Option<Box<MaskKeys>>,
    ) -> Option<&mut MaskKeys> {
        match role {
            Role::Client => rng.as_deref_mut(),
            Role::Server => None,
        }
    }

    /// The output and the masking key source, borrowed together.
    pub(super) fn output(&mut self) -> (&mut Output, Option<&mut MaskKeys>) {
        let rng = match self.extras.as_deref_mut() {
            Some(extras) => Self::mask_source(self.settings.role, &mut extras.rng),
            None => None,
        };
        (&mut self.out, rng)
    }

    pub(super) fn push_frame(&mut self, opcode: OpCode, fin: bool, parts: &[&[u8]]) {
        let (out, rng) = self.output();
        out.push_frame(opcode, fin, 0, parts, rng);
    }

    /// Queues a data frame, through the extension's encoder when `encoded`
    /// (its RSV bits on the message's first frame only).
    pub(super) fn push_data(&mut self, opcode: OpCode, fin: bool, encoded: bool, data: &[u8]) {
        match self.extras.as_deref_mut() {
            Some(Extras {
                codec: Some(slot),
                rng,
                ..
            }) if encoded => {
                let rsv = if opcode == OpCode::Continuation {
                    0
                } else {
                    slot.codec.rsv_bits()
                };
                let rng = Self::mask_source(self.settings.role, rng);
                let payload = slot.encode(data, fin);
                self.out.push_frame(opcode, fin, rsv, &[payload], rng);
                slot.release(self.settings.buffer_retain);
            }
            _ => self.push_frame(opcode, fin, &[data]),
        }
    }

    /// Whether the extension encodes the message that begins now.
    pub(super) fn encode_begin(&mut self, kind: MessageKind, len: Option<usize>) -> bool {
        self.extras
            .as_deref_mut()
            .and_then(|e| e.codec.as_mut())
            .is_some_and(|slot| slot.codec.encode_begin(kind, len))
    }

    /// Queues the automatic answer to a ping (coalescing when they pile up).
    pub(super) fn push_auto_pong(&mut self, payload: &[u8]) {
        if self.is_open() {
            let (out, rng) = self.output();
            out.push_pong(payload, rng);
        }
    }

    pub(super) fn push_control(&mut self, opcode: OpCode, payload: &[u8]) {
        self.push_frame(opcode, true, &[payload]);
    }

    /// Sends a whole text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.send_message(MessageKind::Text, text.as_bytes())
    }

    /// Sends a whole binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_message(MessageKind::Binary, data)
    }

    pub(super) fn send_message(&mut self, kind: MessageKind, data: &[u8]) -> Result<(), SendError> {
        self.check_can_send_data()?;
        if self.outgoing.is_some() {
            return Err(SendError::MessageInProgress);
        }
        let role = self.settings.role;
        // One look at the extras for the codec and the keys (going through
        // `output()` after a codec check costs a 16-byte send about 15
        // instructions more).
        match self.extras.as_deref_mut() {
            // A server with nothing extra: no extension, no masking (a
            // client's extras always hold its key source).
            None => {
                debug_assert!(role == Role::Server, "a client without its keys");
                self.out.push_whole(kind.opcode(), data, None);
            }
            Some(extras) if extras.codec.is_none() => {
                let keys = Self::mask_source(role, &mut extras.rng);
                self.out.push_whole(kind.opcode(), data, keys);
            }
            Some(_) => self.send_through_codec(kind, data),
        }
        Ok(())
    }

    /// [`send_message`](Self::send_message) with an extension negotiated:
    /// its encoder decides whether to transform the message.
    #[inline(never)]
    fn send_through_codec(&mut self, kind: MessageKind, data: &[u8]) {
        let encoded = self.encode_begin(kind, Some(data.len()));
        self.push_data(kind.opcode(), true, encoded, data);
    }

    /// Begins a message sent in fragments. Follow with
    /// [`send_fragment`](Self::send_fragment) calls and one
    /// [`finish_message`](Self::finish_message); control frames may be sent in
    /// between. Nothing goes out until the first fragment.
    pub fn begin_message(&mut self, kind: MessageKind) -> Result<(), SendError> {
        self.check_can_send_data()?;
        if self.outgoing.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.outgoing = Some(Outgoing {
            first: true,
            kind,
            utf8: Utf8Validator::new(),
            encoded: false,
        });
        Ok(())
    }

    /// Sends one non-final fragment of the message begun with
    /// [`begin_message`](Self::begin_message). Text fragments may cut a code
    /// point; the whole must be valid UTF-8.
    pub fn send_fragment(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.fragment(data, false)
    }

    /// Sends the final fragment (possibly empty) and ends the message.
    pub fn finish_message(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.fragment(data, true)
    }

    pub(super) fn fragment(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.check_can_send_data()?;
        let Some(mut msg) = self.outgoing else {
            return Err(SendError::NoMessageInProgress);
        };
        if msg.kind == MessageKind::Text {
            msg.utf8.feed(data).map_err(|_| SendError::InvalidUtf8)?;
            if fin && !msg.utf8.is_complete() {
                return Err(SendError::InvalidUtf8);
            }
        }
        let opcode = if msg.first {
            msg.kind.opcode()
        } else {
            OpCode::Continuation
        };
        if msg.first {
            msg.encoded = self.encode_begin(msg.kind, None);
        }
        msg.first = false;
        self.outgoing = if fin { None } else { Some(msg) };
        self.push_data(opcode, fin, msg.encoded, data);
        Ok(())
    }

    /// Sends a ping (payload at most 125 bytes).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Sends an unsolicited pong (a heartbeat; RFC 6455 §5.5.3), or answers a
    /// ping yourself when [`Config::auto_pong`](crate::Config::auto_pong) is off.
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload)
    }

    pub(super) fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), SendError> {
        if !self.is_open() {
            return Err(SendError::Closed);
        }
        // RFC 6455 §5.5: "All control frames MUST have a payload length of 125
        // bytes or less".
        if payload.len() > 125 {
            return Err(SendError::ControlTooLong);
        }
        self.push_control(opcode, payload);
        Ok(())
    }

    /// Starts the close handshake: queues a Close frame with `code` and
    /// `reason` (at most 123 bytes). Afterwards no data may be sent; incoming
    /// messages are still delivered until the peer's Close arrives, and
    /// [`Config::close_timeout`](crate::Config::close_timeout) starts.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        if !self.is_open() {
            return Err(SendError::Closed);
        }
        // RFC 6455 §7.4.1: 1005, 1006 and 1015 "MUST NOT be set as a status code
        // in a Close control frame by an endpoint".
        if !code.is_allowed_on_wire() {
            return Err(SendError::InvalidCloseCode(code.0));
        }
        if reason.len() > 123 {
            return Err(SendError::CloseReasonTooLong);
        }
        self.queue_close(Some(code), reason);
        self.phase.close_sent();
        Ok(())
    }

    /// Queues a Close frame. Nothing may follow it on the wire.
    pub(super) fn queue_close(&mut self, code: Option<CloseCode>, reason: &str) {
        let code_bytes = code.map(|c| c.0.to_be_bytes());
        let parts: [&[u8]; 2] = match &code_bytes {
            Some(c) => [c, reason.as_bytes()],
            None => [&[], &[]],
        };
        self.push_frame(OpCode::Close, true, &parts);
        self.outgoing = None;
        self.out.drop_deferred_pong();
    }
}
