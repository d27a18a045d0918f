//! What the connection reports to the caller.

use crate::close_code::CloseCode;
use crate::error::ProtocolError;
use crate::frame::OpCode;

/// The kind of a data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text.
    Text,
    /// Arbitrary bytes.
    Binary,
}

impl MessageKind {
    /// The kind of message a frame with `opcode` starts, if it starts one.
    #[inline]
    pub(crate) const fn of(opcode: OpCode) -> Option<MessageKind> {
        match opcode {
            OpCode::Text => Some(MessageKind::Text),
            OpCode::Binary => Some(MessageKind::Binary),
            _ => None,
        }
    }

    /// The opcode of a message's first frame.
    #[inline]
    pub(crate) const fn opcode(self) -> OpCode {
        match self {
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        }
    }
}

/// Something the peer sent, or the end of the connection, produced by
/// [`Connection::handle_input`](crate::Connection::handle_input) and the other
/// input calls.
///
/// Payloads borrow either the caller's input buffer (a frame that arrived whole
/// is unmasked in place and handed out without a copy) or the message buffer
/// (the connection's with [`Connection::handle_input`](crate::Connection::handle_input),
/// the caller's `out` with [`Connection::handle_input_into`](crate::Connection::handle_input_into)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A whole text message, validated UTF-8 ([`Delivery::Whole`](crate::Delivery::Whole)).
    Text(&'a str),
    /// A whole binary message ([`Delivery::Whole`](crate::Delivery::Whole)).
    Binary(&'a [u8]),
    /// Part of a message as it arrived ([`Delivery::Chunks`](crate::Delivery::Chunks)).
    /// For text, all bytes delivered so far are valid UTF-8 except that the
    /// last code point may continue in the next chunk.
    Chunk {
        /// Text or binary, the same for every chunk of a message.
        kind: MessageKind,
        /// The bytes, possibly empty on the final chunk.
        data: &'a [u8],
        /// This chunk ends the message.
        fin: bool,
    },
    /// A ping. With [`Config::auto_pong`](crate::Config::auto_pong) its pong is queued already.
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// The peer's Close frame. The reply Close (echoing the code) is already
    /// queued if we had not sent one; write the output out.
    /// [`Event::Closed`] follows: a server's at once, a client's when the
    /// server has closed the transport ([`Connection::handle_eof`](crate::Connection::handle_eof))
    /// or [`Config::close_linger`](crate::Config::close_linger) ran out.
    Close {
        /// The status code, or `None` for a Close frame with no payload
        /// (reported locally as 1005).
        code: Option<CloseCode>,
        /// The UTF-8 reason, possibly empty.
        reason: &'a str,
    },
    /// The connection is over: the last event, delivered exactly once,
    /// however it ended — the close handshake, the peer's protocol
    /// violation, the end of the transport, or a timeout. Write out what
    /// [`Connection::poll_output`](crate::Connection::poll_output) still
    /// holds (a Close frame, perhaps), then close the transport.
    Closed {
        /// How it ended.
        outcome: CloseOutcome,
        /// The reason that goes with it: the peer's Close reason after a
        /// close handshake, the violation's reason after a violation (also
        /// sent in our Close frame unless ours had gone out already), empty
        /// otherwise.
        reason: &'a str,
    },
}

/// Why the connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseCause {
    /// The close handshake completed. `initiated_locally` is true when our
    /// Close went out before the peer's arrived.
    Handshake {
        /// We sent Close first.
        initiated_locally: bool,
    },
    /// The peer broke the protocol. We queued a Close frame with the
    /// violation's code ([`ProtocolError::close_code`]) unless ours had gone
    /// out already (the connection was closing).
    Violation(ProtocolError),
    /// The transport ended before the close handshake completed.
    Eof,
    /// Our Close got no answer within [`Config::close_timeout`](crate::Config::close_timeout).
    CloseTimeout,
    /// Nothing arrived within the keepalive deadline.
    KeepaliveTimeout,
}

/// How a closed connection ended (RFC 6455 §7.1.4–§7.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseOutcome {
    /// _The WebSocket Connection Close Code_: the code of the first Close frame
    /// received; 1005 if it had none; 1006 if none was received.
    pub code: CloseCode,
    /// Whether the close handshake completed before the transport closed.
    pub clean: bool,
    /// Why it ended.
    pub cause: CloseCause,
}
