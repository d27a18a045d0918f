//! Errors, split by who is at fault.
//!
//! - [`ProtocolError`]: the peer broke RFC 6455 or a configured limit. The
//!   connection fails: it reports the error as the cause in its final
//!   [`Event::Closed`](crate::Event::Closed), with the close code it put in a
//!   Close frame for the caller to send.
//! - [`SendError`]: the caller asked for something the protocol or the current
//!   state does not allow. Nothing was queued and the connection is unchanged.
//!
//! A normal close is neither: it is an [`Event::Close`](crate::Event::Close)
//! (the peer's Close frame), then [`Event::Closed`](crate::Event::Closed).

use core::fmt;

use crate::close_code::CloseCode;
use crate::frame::HeaderError;

/// What the peer did wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A frame header that no endpoint may accept.
    Header(HeaderError),
    /// A server received an unmasked frame (RFC 6455 §5.1).
    UnmaskedFrame,
    /// A client received a masked frame (RFC 6455 §5.1).
    MaskedFrame,
    /// RSV bits set that no negotiated extension defines (RFC 6455 §5.2).
    ReservedBits(u8),
    /// A continuation frame with no message in progress (RFC 6455 §5.4).
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is in progress
    /// (RFC 6455 §5.4).
    ExpectedContinuation,
    /// A text message, or a Close reason, that is not valid UTF-8 (RFC 6455 §8.1).
    InvalidUtf8,
    /// A Close frame with a one-byte payload (RFC 6455 §5.5.1).
    CloseTooShort,
    /// A Close frame with a code that may not appear on the wire (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A frame over [`Config::max_frame_size`](crate::Config::max_frame_size);
    /// for a frame an extension decodes, its decoded size.
    FrameTooLarge,
    /// A message over [`Config::max_message_size`](crate::Config::max_message_size);
    /// for a message an extension decodes, its decoded size.
    MessageTooLarge,
    /// A message an extension could not decode, such as data that is not
    /// DEFLATE (RFC 7692 §6.2: the endpoint "MUST _Fail the WebSocket
    /// Connection_").
    InvalidExtensionData,
}

/// The peer violated the protocol or a configured limit: the cause of a
/// connection that failed ([`CloseCause::Violation`](crate::CloseCause::Violation)).
///
/// When the connection was open, it queued a Close frame with
/// [`close_code`](Self::close_code) and [`reason`](Self::reason). When it was
/// closing (our Close had gone out, RFC 6455 §5.5.1 allows no second one),
/// nothing more was queued. Either way: write out
/// [`Connection::poll_output`](crate::Connection::poll_output), then close
/// the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolError {
    violation: Violation,
}

impl ProtocolError {
    pub(crate) const fn new(violation: Violation) -> Self {
        ProtocolError { violation }
    }

    /// What the peer did.
    pub const fn violation(&self) -> Violation {
        self.violation
    }

    /// The close code for this violation (RFC 6455 §7.4.1), sent to the peer
    /// unless our Close had gone out already.
    pub const fn close_code(&self) -> CloseCode {
        match self.violation {
            Violation::InvalidUtf8 | Violation::InvalidExtensionData => CloseCode::INVALID_PAYLOAD,
            Violation::FrameTooLarge | Violation::MessageTooLarge => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }

    /// A short, readable reason, also sent as the Close frame's reason.
    pub const fn reason(&self) -> &'static str {
        match self.violation {
            Violation::Header(HeaderError::ReservedOpcode(_)) => "reserved opcode",
            Violation::Header(HeaderError::FragmentedControl) => "fragmented control frame",
            Violation::Header(HeaderError::ControlTooLong) => "control frame over 125 bytes",
            Violation::Header(HeaderError::LengthHighBit) => "64-bit length with high bit set",
            Violation::Header(HeaderError::NonMinimalLength) => "length not minimally encoded",
            Violation::UnmaskedFrame => "client frame not masked",
            Violation::MaskedFrame => "server frame masked",
            Violation::ReservedBits(_) => "reserved bits set",
            Violation::UnexpectedContinuation => "continuation without a message",
            Violation::ExpectedContinuation => "new message inside a fragmented one",
            Violation::InvalidUtf8 => "invalid UTF-8",
            Violation::CloseTooShort => "close payload of one byte",
            Violation::InvalidCloseCode(_) => "invalid close code",
            Violation::FrameTooLarge => "frame too large",
            Violation::MessageTooLarge => "message too large",
            Violation::InvalidExtensionData => "invalid extension data",
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "peer protocol violation ({}): {}",
            self.close_code(),
            self.reason()
        )
    }
}

impl core::error::Error for ProtocolError {}

/// The caller asked for something not allowed now. Nothing was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// A Close frame was already sent (RFC 6455 §5.5.1: "the endpoint MUST NOT
    /// send any more data frames"), or the connection is closed.
    Closed,
    /// More than [`Config::max_output_buffer`](crate::Config::max_output_buffer)
    /// bytes wait to be written. Write some out and try again.
    Backpressure,
    /// A control frame payload over 125 bytes (RFC 6455 §5.5).
    ControlTooLong,
    /// A Close code that may not be sent (1005, 1006, 1015, reserved ranges).
    InvalidCloseCode(u16),
    /// A Close reason that does not fit a control frame with its code (123 bytes).
    CloseReasonTooLong,
    /// A whole message or a new fragmented one while a fragmented message is
    /// still open (RFC 6455 §5.4: fragments of different messages MUST NOT
    /// interleave).
    MessageInProgress,
    /// A fragment with no fragmented message begun.
    NoMessageInProgress,
    /// Text fragments that are not valid UTF-8.
    InvalidUtf8,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            SendError::Closed => "a Close frame was already sent",
            SendError::Backpressure => "too many bytes wait to be written",
            SendError::ControlTooLong => "control frame payload over 125 bytes",
            SendError::InvalidCloseCode(_) => "close code not allowed on the wire",
            SendError::CloseReasonTooLong => "close reason over 123 bytes",
            SendError::MessageInProgress => "a fragmented message is in progress",
            SendError::NoMessageInProgress => "no fragmented message in progress",
            SendError::InvalidUtf8 => "text fragments are not valid UTF-8",
        };
        f.write_str(s)
    }
}

impl core::error::Error for SendError {}
