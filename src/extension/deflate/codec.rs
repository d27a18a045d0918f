//! The permessage-deflate transform (RFC 7692 §7.2): DEFLATE with a sync
//! flush per message, the `00 00 ff ff` tail removed on the wire.

use alloc::boxed::Box;
use alloc::vec::Vec;

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::Agreement;
use crate::event::MessageKind;
use crate::extension::{CodecError, MessageCodec, RSV1};

/// RFC 7692 §7.2.1: the sender removes these four octets from the end of the
/// compressed message; §7.2.2: the receiver appends them before inflating.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Heap held by a compressor: the boxed state plus the hash chains and
/// Huffman tables it allocates itself (253,614 bytes with miniz_oxide 0.9,
/// measured with a counting allocator).
const COMPRESSOR_HEAP: usize = core::mem::size_of::<CompressorOxide>() + 253_614;

/// A negotiated permessage-deflate extension, in one role: compresses
/// outgoing messages of at least the configured threshold, inflates incoming
/// ones with RSV1 set.
///
/// The compressor and the inflater are allocated when first used, so a
/// connection that sends and receives only small or uncompressed messages
/// holds none of their memory.
pub struct PerMessageDeflate {
    agreement: Agreement,
    level: u8,
    threshold: usize,
    compressor: Option<Box<CompressorOxide>>,
    /// Bytes compressed since the compressor last started afresh (for a
    /// window under 15 bits, see `encode`).
    since_reset: usize,
    inflater: Option<Box<InflateState>>,
    /// The message being inflated ended with a final DEFLATE block.
    ended: bool,
}

impl core::fmt::Debug for PerMessageDeflate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PerMessageDeflate")
            .field("agreement", &self.agreement)
            .field("level", &self.level)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl PerMessageDeflate {
    pub(crate) fn new(agreement: Agreement, level: u8, threshold: usize) -> Self {
        PerMessageDeflate {
            agreement,
            level: level.min(10),
            threshold,
            compressor: None,
            since_reset: 0,
            inflater: None,
            ended: false,
        }
    }

    /// What the handshake agreed.
    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    /// Inflates `input` into `out`, never letting it grow past `limit + 1`.
    fn inflate_into(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CodecError> {
        if self.ended {
            // RFC 7692 §7.2.3.4: a final block (BFINAL = 1) may end the
            // message's data; what follows it (padding, the tail) is ignored.
            return Ok(());
        }
        let state = self
            .inflater
            .get_or_insert_with(|| InflateState::new_boxed(DataFormat::Raw));
        loop {
            let len = out.len();
            // One byte past the limit tells a message that is too large.
            let room = limit.saturating_sub(len).saturating_add(1);
            let step = room.min(input.len().saturating_mul(4).max(32 * 1024));
            if len + step > out.capacity() {
                // Grow by doubling, but never past the limit.
                let target = (out.capacity() * 2).max(len + step).min(len + room);
                out.reserve_exact(target - len);
            }
            out.resize(len + step, 0);
            let r = inflate(state, input, &mut out[len..], MZFlush::None);
            out.truncate(len + r.bytes_written);
            input = &input[r.bytes_consumed..];
            if out.len() > limit {
                out.truncate(limit);
                return Err(CodecError::TooLarge);
            }
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    // A final block (BFINAL = 1) ends the DEFLATE stream.
                    self.ended = true;
                    return Ok(());
                }
                Ok(_) => {
                    if input.is_empty() && r.bytes_written < step {
                        return Ok(());
                    }
                }
                // No progress: the input is used up inside a block.
                Err(MZError::Buf) => return Ok(()),
                Err(_) => return Err(CodecError::Invalid),
            }
        }
    }

    /// Compresses `input` with a sync flush, appending to `out`.
    fn deflate_into(compressor: &mut CompressorOxide, mut input: &[u8], out: &mut Vec<u8>) {
        loop {
            let len = out.len();
            let step = input.len() + input.len() / 8 + 64;
            out.resize(len + step, 0);
            let r = deflate(compressor, input, &mut out[len..], MZFlush::Sync);
            out.truncate(len + r.bytes_written);
            input = &input[r.bytes_consumed..];
            if r.status.is_err() || (input.is_empty() && r.bytes_written < step) {
                return;
            }
        }
    }
}

impl MessageCodec for PerMessageDeflate {
    fn rsv_bits(&self) -> u8 {
        // RFC 7692 §6: "the 'Per-Message Compressed' bit ... is the RSV1 bit".
        RSV1
    }

    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CodecError> {
        self.inflate_into(input, out, limit)?;
        if fin {
            // RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the
            // tail end of the payload of the message."
            self.inflate_into(&TAIL, out, limit)?;
            if core::mem::take(&mut self.ended) {
                // The stream ended: the next message starts a new one.
                if let Some(state) = self.inflater.as_deref_mut() {
                    state.reset(DataFormat::Raw);
                }
            }
        }
        Ok(())
    }

    fn max_encoded_len(&self, len: u64) -> u64 {
        // Incompressible data costs DEFLATE 5 bytes per stored block of up to
        // 65,535 bytes (RFC 1951 §3.2.4), which is what zlib and miniz fall
        // back to; an encoder that codes it with the fixed Huffman codes
        // instead spends at most 9 bits per byte (§3.2.6). Allow the larger,
        // plus the blocks a sync flush adds.
        len.saturating_add(len / 8).saturating_add(1024)
    }

    fn encode_begin(&mut self, _kind: MessageKind, len: Option<usize>) -> bool {
        len.map_or(true, |n| n >= self.threshold)
    }

    fn encode(&mut self, input: &[u8], fin: bool, out: &mut Vec<u8>) {
        let start = out.len();
        let level = i32::from(self.level);
        let compressor = self.compressor.get_or_insert_with(|| {
            Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
                level, -15, 0,
            )))
        });
        let window = 1usize << self.agreement.local_max_window_bits;
        if window >= 1 << 15 {
            Self::deflate_into(compressor, input, out);
        } else {
            // The compressor's window is always 32 KiB. To stay within a
            // smaller agreed window, it starts afresh every `window` bytes:
            // no match then reaches further back than the window.
            let mut rest = input;
            loop {
                if self.since_reset >= window {
                    compressor.reset();
                    self.since_reset = 0;
                }
                let take = (window - self.since_reset).min(rest.len());
                Self::deflate_into(compressor, &rest[..take], out);
                self.since_reset += take;
                rest = &rest[take..];
                if rest.is_empty() {
                    break;
                }
            }
        }
        if fin {
            // RFC 7692 §7.2.1: "Remove 4 octets (that are 0x00 0x00 0xff 0xff)
            // from the tail end."
            if out[start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            }
            if out.len() == start {
                // §7.2.3.6: an empty block alone encodes an empty message.
                out.push(0x00);
            }
            // RFC 7692 §7.1.1: without context takeover, the next message
            // starts with an empty window.
            if self.agreement.local_no_context_takeover {
                compressor.reset();
                self.since_reset = 0;
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        let compressor = self.compressor.as_ref().map_or(0, |_| COMPRESSOR_HEAP);
        let inflater = self
            .inflater
            .as_ref()
            .map_or(0, |_| core::mem::size_of::<InflateState>());
        compressor + inflater
    }
}
