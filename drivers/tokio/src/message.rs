//! What travels through a [`WebSocket`](crate::WebSocket): messages, the
//! final outcome, and the errors of sending.

use std::fmt;
use std::io;

use wsmachine::{CloseCause, CloseCode, MessageKind, SendError};

/// A message received or to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A piece of a message, when the connection's
    /// [`Config::delivery`](wsmachine::Config::delivery) is
    /// [`Delivery::Chunks`](wsmachine::Delivery::Chunks): received only.
    Chunk {
        /// Text or binary.
        kind: MessageKind,
        /// The bytes of this piece (text may end inside a code point).
        data: Vec<u8>,
        /// Whether this is the last piece of the message.
        fin: bool,
    },
    /// A ping. A received one is answered by the connection already.
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// Received: the peer's Close frame (the reply is sent for you). Sent:
    /// starts the close handshake with this code and reason (`None`: 1000).
    Close(Option<(CloseCode, String)>),
}

impl Message {
    /// Payload bytes, for the inbox's accounting.
    pub(crate) fn len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
            Message::Chunk { data, .. } => data.len(),
            Message::Close(c) => c.as_ref().map_or(0, |(_, r)| r.len()),
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Self {
        Message::Binary(data)
    }
}

/// How a connection ended: given once it has ended, however it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// The close code: the peer's (or ours) after a close handshake, 1006
    /// when the transport ended without one, the code of the violation when
    /// a peer broke the protocol.
    pub code: CloseCode,
    /// The close reason, if any.
    pub reason: String,
    /// Whether the close handshake completed.
    pub clean: bool,
    /// Why it ended.
    pub cause: CloseCause,
    /// The transport's error, if a read or write failed.
    pub io_error: Option<io::ErrorKind>,
}

/// Why a message could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The connection is closing or closed: no more data can be sent.
    Closed,
    /// The connection refused the message (a control payload over 125
    /// bytes, a close code not allowed on the wire...): the caller's
    /// mistake; nothing was sent.
    Send(SendError),
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Closed => Error::Closed,
            e => Error::Send(e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Closed => f.write_str("the WebSocket is closing or closed"),
            Error::Send(e) => write!(f, "cannot send: {e}"),
        }
    }
}

impl std::error::Error for Error {}
