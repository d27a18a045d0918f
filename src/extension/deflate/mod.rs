//! permessage-deflate (RFC 7692), behind the `deflate` feature.
//!
//! Compression of whole messages with DEFLATE, negotiated in the opening
//! handshake and run by the [`Connection`](crate::Connection) as a
//! [`MessageCodec`](crate::extension::MessageCodec) on RSV1. It uses
//! [`miniz_oxide`], pure Rust that needs no `std`.
//!
//! [`DeflateConfig`] is its [`Negotiate`](crate::extension::Negotiate)
//! implementation: a server passes it to
//! [`Accept::negotiate`](crate::handshake::Accept::negotiate), which answers
//! the first acceptable offer; a client to
//! [`ClientRequest::negotiate`](crate::handshake::ClientRequest::negotiate),
//! which offers it and checks the server's answer. The trait's methods serve
//! handshakes done elsewhere (HTTP/2) as well:
//!
//! ```
//! use wsmachine::extension::deflate::DeflateConfig;
//! use wsmachine::extension::{parse_extensions, Negotiate};
//!
//! let offers = parse_extensions(b"permessage-deflate; client_max_window_bits").unwrap();
//! let (answer, codec) = DeflateConfig::default().accept_offers(&offers).unwrap();
//! assert_eq!(answer.name(), "permessage-deflate");
//! let mut server = wsmachine::Connection::server(Default::default()).with_codec(Box::new(codec));
//! assert!(server.has_codec());
//! ```
//!
//! Incoming messages are limited by
//! [`Config::max_message_size`](crate::Config::max_message_size) after
//! inflation, checked while inflating: a decompression bomb stops at the limit
//! with 1009.

mod backend;
mod codec;
mod params;
#[cfg(feature = "deflate-zlib-rs")]
mod pool;

pub use codec::PerMessageDeflate;

/// The DEFLATE implementation a connection compresses and inflates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// miniz_oxide: pure Rust without `unsafe`, `no_std`. Its compressor
    /// holds about 312 KiB and its inflater 43 KiB for as long as the
    /// connection lasts, whatever the window.
    MinizOxide,
    /// zlib-rs (feature `deflate-zlib-rs`, needs `std`): a port of zlib-ng.
    /// Compressor and inflater are made for each message and started from
    /// the data that came before, so an idle connection holds only that data
    /// (see [`DeflateConfig::held_window_bits`]).
    #[cfg(feature = "deflate-zlib-rs")]
    ZlibRs,
}

impl Default for Backend {
    /// zlib-rs when its feature is on, miniz_oxide otherwise.
    fn default() -> Self {
        #[cfg(feature = "deflate-zlib-rs")]
        return Backend::ZlibRs;
        #[cfg(not(feature = "deflate-zlib-rs"))]
        return Backend::MinizOxide;
    }
}

/// How this end uses permessage-deflate. The defaults suit most servers and
/// clients: context takeover both ways, level 1, messages under 64 bytes
/// sent as they are; with zlib-rs, 4 KiB of history held each way between
/// messages (docs/performance.md has the measurements they were chosen from).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// The DEFLATE implementation; [`Backend::default`] unless set.
    pub backend: Backend,
    /// Compression level, 0 (store) to 10 (9 with zlib-rs). The default, 1,
    /// is the fast path of either backend: miniz_oxide's greedy matcher,
    /// zlib-rs' quick deflate.
    pub level: u8,
    /// Messages sent whole that are shorter than this go uncompressed
    /// (fragmented messages are always compressed).
    pub threshold: usize,
    /// Start each outgoing message with an empty window: worse compression,
    /// but the peer need not keep our window between messages.
    pub no_context_takeover: bool,
    /// The largest window this end compresses with, 8 to 15 bits.
    pub max_window_bits: u8,
    /// With a backend that releases its state between messages (zlib-rs),
    /// how much of each direction's data this end holds between messages,
    /// 8 to 15 bits. Sent: the last `2^bits` bytes (at most the agreed
    /// window), to compress the next message against. Received, as a server:
    /// it answers `client_max_window_bits` with this when the client offered
    /// that parameter, and `client_no_context_takeover` when it did not
    /// (RFC 7692 §7.1.1.2 lets a server ask that of any client), so that it
    /// holds at most `2^bits` of the client's data; 15 asks for neither. A
    /// client holds the server's window, as agreed. Default 12 (4 KiB each
    /// way). miniz_oxide keeps its whole state and ignores this.
    pub held_window_bits: u8,
    /// Ask the peer to compress each message on its own.
    pub request_peer_no_context_takeover: bool,
    /// Ask the peer to compress with a window of at most this many bits
    /// (8 to 15). A server can ask only when the client's offer allows it.
    pub request_peer_max_window_bits: Option<u8>,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            backend: Backend::default(),
            level: 1,
            threshold: 64,
            no_context_takeover: false,
            max_window_bits: 15,
            held_window_bits: 12,
            request_peer_no_context_takeover: false,
            request_peer_max_window_bits: None,
        }
    }
}

/// The parameters both ends agreed on, from this end's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Agreement {
    /// This end compresses each message with an empty window.
    pub local_no_context_takeover: bool,
    /// This end compresses with at most this window (bits).
    pub local_max_window_bits: u8,
    /// The peer compresses each message with an empty window.
    pub peer_no_context_takeover: bool,
    /// The peer compresses with at most this window (bits).
    pub peer_max_window_bits: u8,
}

impl DeflateConfig {
    fn codec(&self, agreement: Agreement) -> PerMessageDeflate {
        PerMessageDeflate::new(agreement, self)
    }
}
