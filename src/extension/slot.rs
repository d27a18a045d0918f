//! The codec's place in the connection: which RSV bits a frame may carry,
//! and the per-message transform in each direction.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::codec::{CodecError, Decoded, MessageCodec};
use crate::error::Violation;
use crate::frame::OpCode;

/// The codec and the buffer its outgoing output goes through before it is
/// framed (the frame header needs the encoded length first).
pub(crate) struct CodecSlot {
    pub(crate) codec: Box<dyn MessageCodec>,
    pub(crate) scratch: Vec<u8>,
    /// Bytes at the end of the last piece the codec left undecoded when it
    /// stopped at `max_chunk_size`: handed back to the caller.
    pub(crate) unconsumed: usize,
    /// The codec stopped at `max_chunk_size` having used its whole piece:
    /// it is called again (with the piece's `last`) before anything else.
    pub(crate) drain: Option<bool>,
}

impl CodecSlot {
    pub(crate) fn new(codec: Box<dyn MessageCodec>) -> Self {
        CodecSlot {
            codec,
            scratch: Vec::new(),
            unconsumed: 0,
            drain: None,
        }
    }

    /// Encodes one outgoing piece into the scratch buffer, emptied first.
    pub(crate) fn encode(&mut self, data: &[u8], fin: bool) -> &[u8] {
        self.scratch.clear();
        self.codec.encode(data, fin, &mut self.scratch);
        &self.scratch
    }

    /// Gives back a large scratch buffer once a message is out.
    pub(crate) fn release(&mut self, retain: usize) {
        self.scratch.clear();
        if self.scratch.capacity() > retain {
            self.scratch.shrink_to(retain);
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.scratch.capacity() + self.codec.heap_bytes()
    }
}

/// Checks a frame's RSV bits. Returns whether the frame starts a message the
/// codec must decode.
#[inline]
pub(crate) fn check_rsv(
    slot: Option<&CodecSlot>,
    opcode: OpCode,
    rsv: u8,
) -> Result<bool, Violation> {
    if rsv == 0 {
        return Ok(false);
    }
    // RFC 6455 §5.2: RSV bits "MUST be 0 unless an extension is negotiated
    // that defines meanings for non-zero values". RFC 7692 §6.1: "An endpoint
    // MUST NOT set the 'Per-Message Compressed' bit of control frames and
    // non-first fragments of a data message."
    let owned = match (slot, opcode) {
        (Some(slot), OpCode::Text | OpCode::Binary) => slot.codec.rsv_bits(),
        _ => 0,
    };
    if rsv & !owned != 0 {
        return Err(Violation::ReservedBits(rsv));
    }
    Ok(true)
}

/// Runs an incoming piece through the codec into `out`, which may grow to
/// `limit`, stopping after `bound` bytes. If it stops, the slot records what
/// comes next: the rest of the piece from the caller, or more output.
pub(crate) fn decode(
    slot: Option<&mut CodecSlot>,
    input: &[u8],
    fin: bool,
    out: &mut Vec<u8>,
    limit: usize,
    bound: usize,
) -> Result<Decoded, Violation> {
    let Some(slot) = slot else {
        // `check_rsv` lets no RSV bit through without a codec.
        return Err(Violation::InvalidExtensionData);
    };
    let decoded = slot
        .codec
        .decode_bounded(input, fin, out, limit, bound)
        .map_err(|e| match e {
            CodecError::TooLarge => Violation::MessageTooLarge,
            _ => Violation::InvalidExtensionData,
        })?;
    if decoded.stopped {
        slot.unconsumed = input.len().saturating_sub(decoded.consumed);
        if slot.unconsumed == 0 {
            slot.drain = Some(fin);
        }
    }
    Ok(decoded)
}
