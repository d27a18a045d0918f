//! The permessage-deflate transform (RFC 7692 §7.2): DEFLATE with a sync
//! flush per message, the `00 00 ff ff` tail removed on the wire.

use alloc::vec::Vec;

use super::backend::{can_prime, Compressor, History, Inflater};
use super::{Agreement, Backend};
use crate::event::MessageKind;
use crate::extension::{CodecError, Decoded, MessageCodec, RSV1};

/// RFC 7692 §7.2.1: the sender removes these four octets from the end of the
/// compressed message; §7.2.2: the receiver appends them before inflating.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The least the output grows by for one inflate call (more for longer
/// input, and by doubling). The message buffer keeps its capacity up to
/// `buffer_retain` after the message, so a short message must not leave a
/// large one behind (32 KiB here cost every idle connection 32 KiB of RSS).
const MIN_STEP: usize = 1024;

/// A negotiated permessage-deflate extension, in one role: compresses
/// outgoing messages of at least the configured threshold, inflates incoming
/// ones with RSV1 set.
///
/// The compressor and the inflater are allocated when first used, so a
/// connection that sends and receives only small or uncompressed messages
/// holds none of their memory. With a backend that can start them from the
/// data that came before (zlib-rs), they are released after every message:
/// between messages only that data is held, the last
/// [`DeflateConfig::held_window_bits`](super::DeflateConfig::held_window_bits)
/// of what was sent and the peer's window of what was received, and nothing
/// in a direction without context takeover.
pub struct PerMessageDeflate {
    agreement: Agreement,
    backend: Backend,
    level: u8,
    threshold: usize,
    /// How much of the sent data to hold between messages, in bits.
    held_bits: u8,
    compressor: Option<Compressor>,
    /// Bytes compressed since the compressor last started afresh (for a
    /// window smaller than the compressor's, see `encode`).
    since_reset: usize,
    inflater: Option<Inflater>,
    /// The message being inflated ended with a final DEFLATE block.
    ended: bool,
    /// Bytes of the tail the inflater has taken for the message being
    /// decoded (a bounded decode may stop inside it).
    tail_used: u8,
    /// The data last sent and received, when released between messages.
    sent: History,
    received: History,
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
    pub(crate) fn new(agreement: Agreement, config: &super::DeflateConfig) -> Self {
        PerMessageDeflate {
            agreement,
            backend: config.backend,
            level: config.level.min(10),
            threshold: config.threshold,
            held_bits: super::params::clamp_bits(config.held_window_bits),
            compressor: None,
            since_reset: 0,
            inflater: None,
            ended: false,
            tail_used: 0,
            sent: History::default(),
            received: History::default(),
        }
    }

    /// Between messages only the data that came before is held.
    fn releases(&self) -> bool {
        can_prime(self.backend)
    }

    /// What the handshake agreed.
    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    /// Inflates `input` into `out`, never letting it grow past `limit + 1`
    /// nor past `stop`. Returns the input used and whether it stopped at
    /// `stop` (more output may wait).
    fn inflate_into(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
        stop: usize,
    ) -> Result<(usize, bool), CodecError> {
        let all = input.len();
        if self.ended {
            // RFC 7692 §7.2.3.4: a final block (BFINAL = 1) may end the
            // message's data; what follows it (padding, the tail) is ignored.
            return Ok((all, false));
        }
        let backend = self.backend;
        let received = &self.received;
        let state = self.inflater.get_or_insert_with(|| {
            let mut state = Inflater::new(backend);
            state.prime(received.as_slice());
            state
        });
        loop {
            let len = out.len();
            if len >= stop {
                return Ok((all - input.len(), true));
            }
            // One byte past the limit tells a message that is too large.
            let room = limit.saturating_sub(len).saturating_add(1);
            let step = room
                .min(stop - len)
                .min(input.len().saturating_mul(4).max(MIN_STEP));
            if len + step > out.capacity() {
                // Grow by doubling, but never past the limit.
                let target = (out.capacity() * 2).max(len + step).min(len + room);
                out.reserve_exact(target - len);
            }
            out.resize(len + step, 0);
            let r = state
                .inflate(input, &mut out[len..])
                .map_err(|()| CodecError::Invalid)?;
            out.truncate(len + r.written);
            input = &input[r.consumed..];
            if out.len() > limit {
                out.truncate(limit);
                return Err(CodecError::TooLarge);
            }
            if r.ended {
                // A final block (BFINAL = 1) ends the DEFLATE stream.
                self.ended = true;
                return Ok((all, false));
            }
            if r.stuck || (input.is_empty() && r.written < step) {
                return Ok((all - input.len(), false));
            }
        }
    }

    /// The incoming message is decoded: the next starts as agreed.
    fn end_message(&mut self) {
        self.tail_used = 0;
        let ended = core::mem::take(&mut self.ended);
        if ended {
            // The stream ended: the next message starts a new one.
            self.received = History::default();
        }
        // miniz_oxide keeps its window even when the peer said it would not
        // use it: a peer that breaks that promise still decodes. A released
        // state is reset when it is taken again.
        if self.releases() {
            if let Some(state) = self.inflater.take() {
                state.release();
            }
        } else if ended {
            if let Some(state) = self.inflater.as_mut() {
                state.reset();
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
        self.decode_bounded(input, fin, out, limit, usize::MAX)
            .map(|_| ())
    }

    fn decode_bounded(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
        max_out: usize,
    ) -> Result<Decoded, CodecError> {
        let at = out.len();
        let stop = at.saturating_add(max_out);
        let (consumed, mut stopped) = self.inflate_into(input, out, limit, stop)?;
        let whole = fin && !stopped && consumed == input.len();
        if whole {
            // RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the
            // tail end of the payload of the message."
            let tail = &TAIL[usize::from(self.tail_used)..];
            let (used, at_stop) = self.inflate_into(tail, out, limit, stop)?;
            self.tail_used += used as u8;
            stopped = at_stop;
        }
        if self.releases() && !self.agreement.peer_no_context_takeover {
            let bits = self.agreement.peer_max_window_bits;
            self.received.push(&out[at..], bits);
        }
        if whole && !stopped {
            self.end_message();
        }
        Ok(Decoded::new(consumed, stopped))
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
        let bits = self.agreement.local_max_window_bits;
        let held_bits = self.held_bits.min(bits);
        let takeover = !self.agreement.local_no_context_takeover;
        let releases = self.releases();
        let (backend, level, sent) = (self.backend, self.level, &self.sent);
        let since_reset = &mut self.since_reset;
        let compressor = self.compressor.get_or_insert_with(|| {
            let mut compressor = Compressor::new(backend, level, bits);
            compressor.prime(sent.as_slice());
            *since_reset = sent.as_slice().len();
            compressor
        });
        let window = 1usize << bits;
        if bits >= compressor.window_bits() {
            compressor.compress(input, out);
        } else {
            // The compressor's smallest window is larger than the agreed one
            // (miniz_oxide's is always 32 KiB). To stay within the agreed
            // window, it starts afresh every `window` bytes: no match then
            // reaches further back than the window.
            let mut rest = input;
            loop {
                if self.since_reset >= window {
                    compressor.reset();
                    self.since_reset = 0;
                }
                let take = (window - self.since_reset).min(rest.len());
                compressor.compress(&rest[..take], out);
                self.since_reset += take;
                rest = &rest[take..];
                if rest.is_empty() {
                    break;
                }
            }
        }
        if releases && takeover {
            self.sent.push(input, held_bits);
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
            if releases {
                // The next message starts from `sent` (empty without
                // context takeover).
                if let Some(compressor) = self.compressor.take() {
                    compressor.release();
                }
            } else if !takeover {
                // RFC 7692 §7.1.1: without context takeover, the next
                // message starts with an empty window.
                compressor.reset();
                self.since_reset = 0;
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        let compressor = self.compressor.as_ref().map_or(0, Compressor::heap_bytes);
        let inflater = self.inflater.as_ref().map_or(0, Inflater::heap_bytes);
        compressor + inflater + self.sent.heap_bytes() + self.received.heap_bytes()
    }
}
