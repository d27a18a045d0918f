//! Limits and behaviour of a [`Connection`](crate::Connection).

use core::time::Duration;

/// How data messages are handed to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// Each text or binary message arrives whole, as one
    /// [`Event::Text`](crate::Event::Text) or [`Event::Binary`](crate::Event::Binary).
    /// The connection buffers a message that arrives in pieces, up to
    /// [`Config::max_message_size`].
    Whole,
    /// Messages arrive as [`Event::Chunk`](crate::Event::Chunk)s as their bytes
    /// come in, with a flag on the last one. Nothing is buffered, so a 1 GiB
    /// message never needs a 1 GiB buffer; a decoded (decompressed) chunk is
    /// at most [`Config::max_chunk_size`]. Text chunks are validated UTF-8 so
    /// far, but a chunk may end inside a code point.
    Chunks,
}

/// Keepalive: ping the peer after a quiet spell and give up if it stays silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Send a ping when nothing has arrived from the peer for this long.
    pub idle: Duration,
    /// After that ping, fail the connection if nothing at all arrives within
    /// this long.
    pub timeout: Duration,
}

/// Configuration of a [`Connection`](crate::Connection).
///
/// Every limit has a default chosen for a server on the open internet; each
/// exceeded limit fails the connection with a Close frame and the close code
/// the RFC asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest payload of one incoming frame. Default 16 MiB. A larger frame
    /// fails the connection with 1009 before any of its payload is buffered.
    ///
    /// The limit is on the frame's data as the application gets it, so a
    /// message fits the limits whether or not the peer compressed it. For a
    /// frame of a compressed message (permessage-deflate) it holds for the
    /// bytes the frame inflates to, checked while inflating (1009 before the
    /// excess is held); on the wire such a frame may exceed the limit by what
    /// DEFLATE can add to incompressible data, at most an eighth plus 1 KiB
    /// ([`MessageCodec::max_encoded_len`](crate::extension::MessageCodec::max_encoded_len)).
    pub max_frame_size: u64,
    /// Largest incoming message (the sum of its frames). Default 64 MiB.
    /// Exceeding it fails with 1009 before the excess is buffered. Applies in
    /// both [`Delivery`] modes; raise it for streamed transfers.
    pub max_message_size: u64,
    /// High-water mark for outgoing bytes not yet taken by the caller.
    /// Default 16 MiB. While more than this waits, data sends are refused with
    /// [`SendError::Backpressure`](crate::SendError::Backpressure); control
    /// frames the protocol requires (pongs, Close) are still queued.
    pub max_output_buffer: usize,
    /// Capacity each buffer keeps once it is empty: the message buffer after
    /// its message, the output buffer once written, the read area of
    /// [`Connection::recv_buffer`](crate::Connection::recv_buffer) once its
    /// bytes are handled. Default 0: an idle connection holds no buffer, so
    /// ten thousand quiet connections cost ten thousand structs and no
    /// more.
    ///
    /// One exception, so that small messages written one by one between
    /// waits for input do not allocate each: a written output buffer of at
    /// most 256 bytes is kept until the connection next waits for input
    /// (`recv_buffer`, `poll_event` with nothing left, a `handle_input` call
    /// that finds no event, `handle_timeout`, `handle_eof`). A driver that
    /// reads with `recv_buffer` holds nothing while it waits; one that
    /// reads into its own buffer and writes last (`handle_all`, then write,
    /// then read) may hold that buffer until its next input.
    ///
    /// A busy connection that wants to keep its capacity between messages
    /// sets this (64 KiB keeps a typical read and write buffer),
    /// and then allocates nothing in steady state. Reading binary messages
    /// with `recv_buffer`, it also zeroes nothing in steady state: the
    /// slices it lends are memory it initialized for an earlier message
    /// (set this comfortably above the size of the large messages it
    /// receives: each of its two receive buffers keeps up to that much, and
    /// one that outgrows it is shrunk after each message).
    pub buffer_retain: usize,
    /// How messages are delivered. Default [`Delivery::Whole`].
    pub delivery: Delivery,
    /// With [`Delivery::Chunks`], the most bytes one
    /// [`Event::Chunk`](crate::Event::Chunk) of a message the extension
    /// decodes (a compressed message) holds. Default 64 KiB; at least 1, at
    /// most `u32::MAX`. The decoding stops at this size and goes on at the
    /// next call, so a highly compressed frame never inflates into one large
    /// chunk; such a call may return a chunk having used no input (output
    /// held back), which is why input calls go on until they return `None`.
    /// Chunks of other messages are the payload bytes of one input as they
    /// lie.
    pub max_chunk_size: usize,
    /// Answer each ping with a pong automatically. Default `true`. When pings
    /// arrive faster than the caller writes, only the newest waiting ping is
    /// answered (RFC 6455 §5.5.3 allows it), so the output stays bounded.
    pub auto_pong: bool,
    /// After sending Close, how long to wait for the peer's Close before giving
    /// up and asking the caller to drop the transport. Default 5 s.
    pub close_timeout: Duration,
    /// Client only: after the close handshake the server should close TCP
    /// first (RFC 6455 §7.1.1); how long the client waits for that before
    /// closing itself. Default 2 s.
    pub close_linger: Duration,
    /// Optional keepalive. Default `None`.
    ///
    /// Only bytes handed to [`Connection::handle_input`](crate::Connection::handle_input)
    /// or reported with [`Connection::handle_received`](crate::Connection::handle_received)
    /// count as hearing from the peer: a driver that stops reading (for
    /// backpressure) for longer than the timeout will time out a peer that is
    /// still sending. A timed-out connection is closed without a Close frame
    /// (the peer is unresponsive; the outcome says 1006).
    pub keepalive: Option<Keepalive>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            max_output_buffer: 16 << 20,
            buffer_retain: 0,
            delivery: Delivery::Whole,
            max_chunk_size: 64 << 10,
            auto_pong: true,
            close_timeout: Duration::from_secs(5),
            close_linger: Duration::from_secs(2),
            keepalive: None,
        }
    }
}
