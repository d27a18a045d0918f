//! The DEFLATE implementations behind permessage-deflate: miniz_oxide (always,
//! `no_std`) and zlib-rs (feature `deflate-zlib-rs`, needs `std`), each as a
//! compressor that ends every call with a sync flush and a raw inflater.

use alloc::boxed::Box;
use alloc::vec::Vec;

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

#[cfg(feature = "deflate-zlib-rs")]
use super::pool;
use super::Backend;

/// Heap held by a miniz_oxide compressor: the boxed state plus the hash
/// chains and Huffman tables it allocates itself (253,614 bytes with
/// miniz_oxide 0.9, measured with a counting allocator).
const MINIZ_COMPRESSOR_HEAP: usize = core::mem::size_of::<CompressorOxide>() + 253_614;

/// Heap held by a zlib-rs 0.6 compressor besides its window (four times the
/// window: the window doubled and the chain of previous positions): the
/// 64 Ki-entry hash head, the symbol buffer and the state, measured with a
/// counting allocator at memLevel 8.
#[cfg(feature = "deflate-zlib-rs")]
const ZLIB_COMPRESSOR_FIXED: usize = 248_960;

/// Heap held by a zlib-rs 0.6 inflater besides its window: its state and
/// tables (measured with a counting allocator).
#[cfg(feature = "deflate-zlib-rs")]
const ZLIB_INFLATER_FIXED: usize = 14_784;

/// The window the zlib-rs inflater is made with: any peer's window fits.
#[cfg(feature = "deflate-zlib-rs")]
const INFLATE_BITS: u8 = 15;

/// A compressor in one of the backends.
pub(super) enum Compressor {
    Miniz(Box<CompressorOxide>),
    #[cfg(feature = "deflate-zlib-rs")]
    /// With its window bits and level.
    Zlib(zlib_rs::Deflate, u8, u8),
}

impl Compressor {
    /// A compressor at `level` with a window of `bits` (the backend's
    /// smallest native window if it has no smaller one).
    #[cfg_attr(not(feature = "deflate-zlib-rs"), allow(unused_variables))]
    pub(super) fn new(backend: Backend, level: u8, bits: u8) -> Self {
        match backend {
            Backend::MinizOxide => Compressor::Miniz(Box::new(CompressorOxide::new(
                create_comp_flags_from_zip_params(i32::from(level.min(10)), -15, 0),
            ))),
            #[cfg(feature = "deflate-zlib-rs")]
            Backend::ZlibRs => {
                let (bits, level) = (bits.clamp(9, 15), level.min(9));
                let z = pool::take_compressor(level, bits).unwrap_or_else(|| {
                    let mut c = zlib_rs::DeflateConfig::new(i32::from(level));
                    c.window_bits = -i32::from(bits);
                    zlib_rs::Deflate::new_with_config(c)
                });
                Compressor::Zlib(z, bits, level)
            }
        }
    }

    /// Done with for now: a zlib-rs compressor goes back to the pool.
    pub(super) fn release(self) {
        match self {
            Compressor::Miniz(_) => {}
            #[cfg(feature = "deflate-zlib-rs")]
            Compressor::Zlib(z, bits, level) => pool::give_compressor(level, bits, z),
        }
    }

    /// Starts afresh, with an empty window.
    pub(super) fn reset(&mut self) {
        match self {
            Compressor::Miniz(c) => c.reset(),
            #[cfg(feature = "deflate-zlib-rs")]
            Compressor::Zlib(z, ..) => z.reset(),
        }
    }

    /// Compresses `input` with a sync flush, appending to `out`.
    pub(super) fn compress(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        loop {
            let len = out.len();
            let step = input.len() + input.len() / 8 + 64;
            out.resize(len + step, 0);
            let (used, written, failed) = match self {
                Compressor::Miniz(c) => {
                    let r = miniz_oxide::deflate::stream::deflate(
                        c,
                        input,
                        &mut out[len..],
                        MZFlush::Sync,
                    );
                    (r.bytes_consumed, r.bytes_written, r.status.is_err())
                }
                #[cfg(feature = "deflate-zlib-rs")]
                Compressor::Zlib(z, ..) => {
                    let (i, o) = (z.total_in(), z.total_out());
                    let flush = zlib_rs::DeflateFlush::SyncFlush;
                    let r = z.compress(input, &mut out[len..], flush);
                    let used = (z.total_in() - i) as usize;
                    (used, (z.total_out() - o) as usize, r.is_err())
                }
            };
            out.truncate(len + written);
            input = &input[used..];
            if failed || (input.is_empty() && written < step) {
                return;
            }
        }
    }

    /// The window it compresses with natively, in bits; a smaller agreed
    /// window needs restarts (see `PerMessageDeflate::encode`).
    pub(super) fn window_bits(&self) -> u8 {
        match self {
            Compressor::Miniz(_) => 15,
            #[cfg(feature = "deflate-zlib-rs")]
            Compressor::Zlib(_, bits, _) => *bits,
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Compressor::Miniz(_) => MINIZ_COMPRESSOR_HEAP,
            #[cfg(feature = "deflate-zlib-rs")]
            Compressor::Zlib(_, bits, _) => ZLIB_COMPRESSOR_FIXED + (4 << bits),
        }
    }
}

/// What one call of [`Inflater::inflate`] did.
pub(super) struct Inflated {
    pub(super) consumed: usize,
    pub(super) written: usize,
    /// A final block ended the DEFLATE stream.
    pub(super) ended: bool,
    /// No progress is possible without more input.
    pub(super) stuck: bool,
}

/// A raw inflater in one of the backends.
pub(super) enum Inflater {
    Miniz(Box<InflateState>),
    #[cfg(feature = "deflate-zlib-rs")]
    Zlib(zlib_rs::Inflate),
}

impl Inflater {
    pub(super) fn new(backend: Backend) -> Self {
        match backend {
            Backend::MinizOxide => Inflater::Miniz(InflateState::new_boxed(DataFormat::Raw)),
            #[cfg(feature = "deflate-zlib-rs")]
            Backend::ZlibRs => Inflater::Zlib(
                pool::take_inflater().unwrap_or_else(|| zlib_rs::Inflate::new(false, INFLATE_BITS)),
            ),
        }
    }

    /// Done with for now: a zlib-rs inflater goes back to the pool.
    pub(super) fn release(self) {
        match self {
            Inflater::Miniz(_) => {}
            #[cfg(feature = "deflate-zlib-rs")]
            Inflater::Zlib(z) => pool::give_inflater(z),
        }
    }

    /// Starts a new stream with an empty window.
    pub(super) fn reset(&mut self) {
        match self {
            Inflater::Miniz(s) => s.reset(DataFormat::Raw),
            #[cfg(feature = "deflate-zlib-rs")]
            Inflater::Zlib(z) => z.reset(false),
        }
    }

    /// Inflates from `input` into `out`; `Err` on data that is not DEFLATE.
    pub(super) fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> Result<Inflated, ()> {
        match self {
            Inflater::Miniz(s) => {
                let r = miniz_oxide::inflate::stream::inflate(s, input, out, MZFlush::None);
                let (ended, stuck) = match r.status {
                    Ok(MZStatus::StreamEnd) => (true, false),
                    Ok(_) => (false, false),
                    // No progress: the input is used up inside a block.
                    Err(MZError::Buf) => (false, true),
                    Err(_) => return Err(()),
                };
                let (consumed, written) = (r.bytes_consumed, r.bytes_written);
                Ok(Inflated {
                    consumed,
                    written,
                    ended,
                    stuck,
                })
            }
            #[cfg(feature = "deflate-zlib-rs")]
            Inflater::Zlib(z) => {
                let (i, o) = (z.total_in(), z.total_out());
                let r = z.decompress(input, out, zlib_rs::InflateFlush::NoFlush);
                let consumed = (z.total_in() - i) as usize;
                let written = (z.total_out() - o) as usize;
                let (ended, stuck) = match r {
                    Ok(zlib_rs::Status::StreamEnd) => (true, false),
                    Ok(zlib_rs::Status::Ok) => (false, false),
                    Ok(zlib_rs::Status::BufError) => (false, true),
                    Err(_) => return Err(()),
                };
                Ok(Inflated {
                    consumed,
                    written,
                    ended,
                    stuck,
                })
            }
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Inflater::Miniz(_) => core::mem::size_of::<InflateState>(),
            #[cfg(feature = "deflate-zlib-rs")]
            Inflater::Zlib(_) => ZLIB_INFLATER_FIXED + (1 << INFLATE_BITS),
        }
    }
}

/// Whether the backend can start a compressor or inflater with the data
/// that came before (a preset dictionary): then nothing but that data need be
/// held between messages.
pub(super) fn can_prime(backend: Backend) -> bool {
    match backend {
        Backend::MinizOxide => false,
        #[cfg(feature = "deflate-zlib-rs")]
        Backend::ZlibRs => true,
    }
}

impl Compressor {
    /// Continues from `history`, the data last compressed (only for a
    /// backend that [`can_prime`]).
    #[cfg_attr(not(feature = "deflate-zlib-rs"), allow(unused_variables))]
    pub(super) fn prime(&mut self, history: &[u8]) {
        match self {
            Compressor::Miniz(_) => {}
            #[cfg(feature = "deflate-zlib-rs")]
            Compressor::Zlib(z, ..) => {
                if !history.is_empty() {
                    let _ = z.set_dictionary(history);
                }
            }
        }
    }
}

impl Inflater {
    /// Continues from `history`, the data last inflated (only for a backend
    /// that [`can_prime`]).
    #[cfg_attr(not(feature = "deflate-zlib-rs"), allow(unused_variables))]
    pub(super) fn prime(&mut self, history: &[u8]) {
        match self {
            Inflater::Miniz(_) => {}
            #[cfg(feature = "deflate-zlib-rs")]
            Inflater::Zlib(z) => {
                if !history.is_empty() {
                    let _ = z.set_dictionary(history);
                }
            }
        }
    }
}

/// The last bytes of a stream of data, at most `2^bits`: what a primed
/// compressor or inflater needs to continue it.
#[derive(Debug, Default)]
pub(super) struct History {
    data: Vec<u8>,
}

impl History {
    pub(super) fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// Appends `more`, keeping the last `2^bits` bytes.
    pub(super) fn push(&mut self, more: &[u8], bits: u8) {
        let window = 1usize << bits;
        let more = &more[more.len().saturating_sub(window)..];
        let drop = (self.data.len() + more.len()).saturating_sub(window);
        crate::copy::drain_front(&mut self.data, drop);
        crate::copy::extend(&mut self.data, more);
        if self.data.capacity() > window {
            self.data.shrink_to(window);
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.data.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::History;
    use alloc::vec::Vec;

    /// The history is the stream's last `2^bits` bytes, whatever the sizes
    /// of the pushes (the larger ones copied in pieces).
    #[test]
    fn the_history_is_the_last_window_of_the_stream() {
        let bits = 12;
        let window = 1 << bits;
        let mut history = History::default();
        let mut stream = Vec::new();
        for len in [0, 1, 100, 2047, 2049, window - 1, window, 3 * window + 5, 7] {
            // Each byte from its place in the stream, modulo a prime: a
            // piece copied from the wrong place shows.
            let more: Vec<u8> = (stream.len()..stream.len() + len)
                .map(|at| (at % 251) as u8)
                .collect();
            history.push(&more, bits);
            stream.extend_from_slice(&more);
            let last = &stream[stream.len().saturating_sub(window)..];
            assert!(history.as_slice() == last, "after a push of {len}");
            assert!(history.heap_bytes() <= window, "after a push of {len}");
        }
    }
}
