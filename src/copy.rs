//! Copies of large runs of bytes, in pieces of at most [`PIECE`] bytes.
//!
//! With its default thresholds, glibc's `memcpy` copies blocks from about
//! 2 KiB to several hundred KiB with `rep movsb`; on an AMD EPYC with glibc
//! 2.36 that ran about twenty times slower when the destination lay 1 to 31
//! bytes past the source modulo 4,096 (64 KiB at 1.7 GB/s there, 30 GB/s and
//! more elsewhere). Where a peer's bytes land relative to the buffer they
//! are copied into depends on the allocator and on frame headers, so a
//! connection could run every large copy in that window. Copies of at most
//! 2 KiB stay below those sizes, and measured about as fast otherwise (64 KiB
//! and 1 MiB copies; other `memcpy` implementations may differ).

use alloc::string::String;
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

/// Appends `text` to `out`, in pieces of at most [`PIECE`] bytes, each cut
/// on a code point boundary.
#[inline]
pub(crate) fn push_str(out: &mut String, text: &str) {
    if text.len() <= PIECE {
        out.push_str(text);
    } else {
        push_str_in_pieces(out, text);
    }
}

#[inline(never)]
fn push_str_in_pieces(out: &mut String, mut text: &str) {
    out.reserve(text.len());
    while text.len() > PIECE {
        let mut at = PIECE;
        // A boundary lies within three bytes below any index.
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let (piece, rest) = text.split_at(at);
        out.push_str(piece);
        text = rest;
    }
    out.push_str(text);
}

/// Drops the first `n` bytes of `buf`, moving the rest to the front in
/// pieces of at most [`PIECE`] bytes (the move lands `n` bytes before its
/// source).
pub(crate) fn drain_front(buf: &mut Vec<u8>, n: usize) {
    let len = buf.len() - n;
    move_to_front(buf, n);
    buf.truncate(len);
}

/// Moves the bytes of `buf` from `from` on to its front, in pieces of at
/// most [`PIECE`] bytes: each piece lands before its source, so the pieces
/// go front to back; the bytes past the moved ones are left as they were.
pub(crate) fn move_to_front(buf: &mut [u8], from: usize) {
    if from == 0 {
        return;
    }
    let len = buf.len() - from;
    let mut at = 0;
    while at < len {
        let k = PIECE.min(len - at);
        buf.copy_within(from + at..from + at + k, at);
        at += k;
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
    debug_assert_eq!(dst.len(), src.len());
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
            for n in [0, 1, len / 2, PIECE + 3, len] {
                if n <= len {
                    let mut buf = src.clone();
                    drain_front(&mut buf, n);
                    assert!(buf == src[n..], "{len} less {n}");
                    let mut moved = src.clone();
                    move_to_front(&mut moved, n);
                    assert!(moved[..len - n] == src[n..], "{len} moved {n}");
                    assert!(moved[len - n..] == src[len - n..], "{len} tail {n}");
                }
            }
        }
    }
}
