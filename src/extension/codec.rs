//! The per-message transform a negotiated extension runs in the connection:
//! the codec, and the RSV bits that mark its messages on the wire.

use alloc::vec::Vec;
use core::fmt;

use crate::event::MessageKind;

/// RSV1, the bit permessage-deflate uses (RFC 7692 §6).
pub const RSV1: u8 = 0b100;
/// RSV2.
pub const RSV2: u8 = 0b010;
/// RSV3.
pub const RSV3: u8 = 0b001;

/// A per-message transform negotiated as an extension.
///
/// The connection calls it only for data messages whose first frame has one of
/// [`rsv_bits`](Self::rsv_bits) set (incoming), or that
/// [`encode_begin`](Self::encode_begin) chose to transform (outgoing). It
/// enforces the message size limit on what [`decode`](Self::decode) produces.
pub trait MessageCodec: Send {
    /// The RSV bits this extension owns ([`RSV1`], [`RSV2`], [`RSV3`]). A
    /// first data frame may carry them; a continuation or control frame that
    /// does fails the connection (1002).
    fn rsv_bits(&self) -> u8;

    /// Decodes the next piece of an incoming transformed message, appending
    /// the result to `out`. `fin`: this is the message's last piece (perhaps
    /// empty). `limit`: the length `out` may reach; return
    /// [`CodecError::TooLarge`] as soon as more output would cross it, without
    /// producing it first (decompression bombs).
    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CodecError>;

    /// Like [`decode`](Self::decode), but stops once `out` has grown by
    /// `max_out` bytes, leaving the rest of `input` unconsumed: the
    /// connection bounds each [`Event::Chunk`](crate::Event::Chunk) of a
    /// decoded message this way
    /// ([`Config::max_chunk_size`](crate::Config::max_chunk_size)). When
    /// [`Decoded::stopped`], the connection calls again with
    /// `input[consumed..]` (perhaps empty) and the same `fin` before anything
    /// else. The default decodes all of `input` with `decode`, unbounded.
    fn decode_bounded(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
        max_out: usize,
    ) -> Result<Decoded, CodecError> {
        let _ = max_out;
        self.decode(input, fin, out, limit)?;
        Ok(Decoded::new(input.len(), false))
    }

    /// Whether to transform the outgoing message that begins now; `len` is its
    /// length when it is sent whole, `None` when it is sent in fragments.
    fn encode_begin(&mut self, kind: MessageKind, len: Option<usize>) -> bool;

    /// Encodes the next piece of an outgoing transformed message, appending
    /// to `out`. `fin`: this is the message's last piece.
    fn encode(&mut self, input: &[u8], fin: bool, out: &mut Vec<u8>);

    /// The longest payload an encoding of `len` bytes of message data can
    /// take on the wire. An incoming frame of this extension's data may be
    /// this long when [`Config::max_frame_size`](crate::Config::max_frame_size)
    /// is `len`: the limit holds for the decoded data, checked while
    /// decoding, so that a message fits the limits whether or not the peer
    /// encoded it. The default is `len` (an encoding that never expands).
    fn max_encoded_len(&self, len: u64) -> u64 {
        len
    }

    /// Heap bytes the codec holds (its windows and tables).
    fn heap_bytes(&self) -> usize {
        0
    }
}

/// What one call of [`MessageCodec::decode_bounded`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// Bytes of the input used.
    pub consumed: usize,
    /// Output reached the bound: more may follow from what was consumed
    /// already, before the rest of the input is decoded.
    pub stopped: bool,
}

impl Decoded {
    /// `consumed` bytes used; `stopped` at the bound.
    pub fn new(consumed: usize, stopped: bool) -> Self {
        Decoded { consumed, stopped }
    }
}

/// Why a codec could not decode a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The decoded message would exceed the size limit (1009).
    TooLarge,
    /// The payload is not valid for the extension, e.g. not DEFLATE data (1007).
    Invalid,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodecError::TooLarge => "decoded message too large",
            CodecError::Invalid => "invalid extension data",
        })
    }
}

impl core::error::Error for CodecError {}
