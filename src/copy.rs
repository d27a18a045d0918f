//! Copies of large runs of bytes, in pieces of at most [`PIECE`] bytes.
//!
//! Some `memcpy` implementations copy a few KiB and more with `rep movsb`,
//! which some processors run about twenty times slower when the destination
//! lies a few bytes (up to 31) past the source modulo 4,096: glibc 2.36 on AMD
//! EPYC copies 64 KiB at 1.7 GB/s there and at 30 GB/s and more elsewhere.
//! Where a peer's bytes land relative to the buffer they are copied into
//! depends on the allocator and on frame headers, so a connection could run
//! every large copy in that window. Copies of at most 2 KiB stay below the
//! sizes that take `rep movsb`, at the same speed otherwise.

use alloc::vec::Vec;

/// The largest copy made at once.
pub(crate) const PIECE: usize = 2048;

/// Appends `src` to `dst`, in pieces of at most [`PIECE`] bytes.
#[inline]
pub(crate) fn extend(dst: &mut Vec<u8>, src: &[u8]) {
    if src.len() <= PIECE {
        dst.extend_from_slice(src);
    } else {
        extend_in_pieces(dst, src);
    }
}

#[inline(never)]
fn extend_in_pieces(dst: &mut Vec<u8>, src: &[u8]) {
    dst.reserve(src.len());
    for piece in src.chunks(PIECE) {
        dst.extend_from_slice(piece);
    }
}

/// Copies `src` into `dst` (of the same length), in pieces of at most
/// [`PIECE`] bytes.
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    if src.len() <= PIECE {
        dst.copy_from_slice(src);
    } else {
        for (d, s) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE)) {
            d.copy_from_slice(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_in_pieces_are_the_bytes() {
        for len in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 5] {
            let src: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut grown = alloc::vec![9u8; 3];
            extend(&mut grown, &src);
            assert!(grown[..3] == [9, 9, 9] && grown[3..] == src[..], "{len}");
            let mut into = alloc::vec![0u8; len];
            copy(&mut into, &src);
            assert!(into == src, "{len}");
        }
    }
}
