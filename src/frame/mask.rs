//! Payload masking (RFC 6455 §5.3): byte `i` of the payload is XORed with byte
//! `i % 4` of the masking key. The same operation masks and unmasks.
//!
//! Both functions work on whole 8-byte words in safe Rust; the compiler turns
//! the word loop into vector instructions, so they run at memory bandwidth.

/// The key rotated so that it lines up with payload byte `offset`: byte
/// `offset % 4` comes first. One rotate instruction (the slice's
/// `rotate_left` is an out-of-line call).
#[inline]
pub(crate) fn rotated(key: [u8; 4], offset: usize) -> [u8; 4] {
    let shift = 8 * (offset % 4) as u32;
    u32::from_le_bytes(key).rotate_right(shift).to_le_bytes()
}

#[inline]
fn key_word(key: [u8; 4]) -> u64 {
    let mut w = [0u8; 8];
    w[..4].copy_from_slice(&key);
    w[4..].copy_from_slice(&key);
    u64::from_ne_bytes(w)
}

/// XORs `buf` with `key`, where `buf[0]` is payload byte number `offset` of the
/// frame (so a frame can be unmasked piece by piece as it arrives).
#[inline]
pub(crate) fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotated(key, offset);
    if buf.len() < 16 {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[i & 3];
        }
        return;
    }
    let word = key_word(key);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(w) ^ word).to_ne_bytes());
    }
    // Whole words keep the key aligned: the tail starts at a multiple of 8.
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// Appends `src` XORed with `key` to `dst`. Short inputs are copied, then
/// masked in place; long ones in one pass: each 256-byte block is masked into
/// a buffer on the stack (in registers and L1) and appended whole, so the
/// output is written once.
#[inline]
pub(crate) fn extend_masked(dst: &mut alloc::vec::Vec<u8>, src: &[u8], key: [u8; 4]) {
    const BLOCK: usize = 256;
    if src.len() < BLOCK {
        let start = dst.len();
        dst.extend_from_slice(src);
        apply_mask(&mut dst[start..], key, 0);
        return;
    }
    dst.reserve(src.len());
    let word = key_word(key);
    let mut blocks = src.chunks_exact(BLOCK);
    for block in &mut blocks {
        let mut out = [0u8; BLOCK];
        for (d, c) in out.chunks_exact_mut(8).zip(block.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            d.copy_from_slice(&(u64::from_ne_bytes(w) ^ word).to_ne_bytes());
        }
        dst.extend_from_slice(&out);
    }
    // The tail starts at a multiple of 256: the key is still lined up.
    let start = dst.len();
    dst.extend_from_slice(blocks.remainder());
    apply_mask(&mut dst[start..], key, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(i + offset) % 4];
        }
    }

    #[test]
    fn word_loop_matches_bytewise_for_every_length_and_offset() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in (0..70).chain([255, 256, 257, 300, 512, 517, 777]) {
            for offset in 0..8 {
                let data: Vec<u8> = (0..len).map(|b| (b as u8).wrapping_mul(31)).collect();
                let mut a = data.clone();
                let mut b = data.clone();
                apply_mask(&mut a, key, offset);
                naive(&mut b, key, offset);
                assert_eq!(a, b, "len {len} offset {offset}");
                if offset == 0 {
                    let mut out = alloc::vec![9u8; 3];
                    extend_masked(&mut out, &data, key);
                    assert_eq!(&out[..3], &[9, 9, 9]);
                    assert_eq!(&out[3..], &b[..]);
                }
            }
        }
    }

    #[test]
    fn masking_in_pieces_equals_masking_whole() {
        let key = [1, 2, 3, 4];
        let data: Vec<u8> = (0..100u8).collect();
        let mut whole = data.clone();
        apply_mask(&mut whole, key, 0);
        let mut pieces = data.clone();
        let (a, rest) = pieces.split_at_mut(7);
        let (b, c) = rest.split_at_mut(29);
        apply_mask(a, key, 0);
        apply_mask(b, key, 7);
        apply_mask(c, key, 36);
        assert_eq!(whole, pieces);
    }
}
