//! The limit rows: the same bytes moved with nothing but the work no
//! implementation can skip. Each returns the messages it handed over (0 for
//! the pure bandwidth rows).

use std::hint::black_box;

use crate::consume;
use crate::frames::ClientStream;
use crate::mem_stream::{socket_copy, READ_CHUNK};

/// Copies `src` in read-sized pieces into `buf` (a socket read's copy).
pub fn limit_memcpy(src: &[u8], buf: &mut [u8]) -> usize {
    for piece in src.chunks(buf.len()) {
        socket_copy(&mut buf[..piece.len()], piece);
        black_box(&mut buf[..piece.len()]);
    }
    0
}

fn key_word(key: [u8; 4]) -> u64 {
    let k = u32::from_ne_bytes(key) as u64;
    k | (k << 32)
}

/// XOR with a key over u64 words, in place.
fn xor_words(buf: &mut [u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let w = u64::from_ne_bytes(c.try_into().unwrap_or_default()) ^ word;
        c.copy_from_slice(&w.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// A read's copy, then an unmask in place over u64 words: two passes.
pub fn limit_copy_then_xor(src: &[u8], buf: &mut [u8]) -> usize {
    for piece in src.chunks(buf.len()) {
        let dst = &mut buf[..piece.len()];
        socket_copy(dst, piece);
        xor_words(dst, [0x37, 0xfa, 0x21, 0x3d]);
        black_box(dst);
    }
    0
}

/// The floor for a receiver that hands out messages one at a time: a read's
/// copy into a 64 KiB buffer, then each payload unmasked in place where it
/// lies, validated with `utf8` (text), and handed over — with the frame
/// boundaries known for free (no header parsed, no rule checked). A frame cut
/// by the end of a read is unmasked and validated piece by piece and never
/// assembled.
#[inline(never)]
pub fn limit_per_message(
    s: &ClientStream,
    buf: &mut [u8],
    utf8: Option<fn(&[u8]) -> bool>,
) -> usize {
    let mut frames = s.frames.iter().peekable();
    let mut count = 0;
    let mut at = 0;
    while at < s.bytes.len() {
        let end = (at + buf.len()).min(s.bytes.len());
        let chunk = &mut buf[..end - at];
        socket_copy(chunk, &s.bytes[at..end]);
        while let Some(f) = frames.peek() {
            let from = f.start.max(at);
            let to = (f.start + f.len).min(end);
            if from >= to && f.len > 0 {
                break;
            }
            let p = &mut chunk[from - at..to - at];
            let mut key = f.key;
            key.rotate_left((from - f.start) % 4);
            xor_words(p, key);
            let whole = from == f.start && to == f.start + f.len;
            if let Some(valid) = utf8 {
                if !valid(p) && whole {
                    return count;
                }
            }
            consume(p);
            if to < f.start + f.len {
                break;
            }
            count += 1;
            frames.next();
        }
        at = end;
    }
    count
}

/// Copies `src` into `dst` (of the same length) masked with `key`, in one
/// pass over u64 words.
fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        let w = u64::from_ne_bytes(s.try_into().unwrap_or_default()) ^ word;
        d.copy_from_slice(&w.to_ne_bytes());
    }
    for (i, (d, s)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *d = s ^ key[i & 3];
    }
}

/// Copy and mask in one pass, in read-sized pieces.
pub fn limit_copy_mask(src: &[u8], buf: &mut [u8]) -> usize {
    for piece in src.chunks(buf.len()) {
        let dst = &mut buf[..piece.len()];
        copy_masked(dst, piece, [0x37, 0xfa, 0x21, 0x3d]);
        black_box(dst);
    }
    0
}

/// The floor for a sender that takes messages one at a time: each frame's
/// header and payload (masked in the copy for a client) appended to an
/// output buffer that is handed over whenever it fills. The key is a counter,
/// not random.
#[inline(never)]
pub fn limit_send_per_message(payloads: &[Vec<u8>], count: usize, masked: bool) -> usize {
    let size = payloads[0].len();
    let mut out = vec![0u8; (size + 14).max(READ_CHUNK)];
    let mut at = 0;
    for i in 0..count {
        let p = &payloads[i % payloads.len()];
        if at + 14 + p.len() > out.len() {
            consume(&out[..at]);
            at = 0;
        }
        out[at] = 0x82;
        let mask_bit = if masked { 0x80 } else { 0 };
        at += match p.len() {
            n if n < 126 => {
                out[at + 1] = mask_bit | n as u8;
                2
            }
            n if n <= 0xffff => {
                out[at + 1] = mask_bit | 126;
                out[at + 2..at + 4].copy_from_slice(&(n as u16).to_be_bytes());
                4
            }
            n => {
                out[at + 1] = mask_bit | 127;
                out[at + 2..at + 10].copy_from_slice(&(n as u64).to_be_bytes());
                10
            }
        };
        if masked {
            let key = (i as u32).to_ne_bytes();
            out[at..at + 4].copy_from_slice(&key);
            at += 4;
            copy_masked(&mut out[at..at + p.len()], p, key);
        } else {
            // In pieces, as wsmachine's own large copies (see `socket_copy`).
            socket_copy(&mut out[at..at + p.len()], p);
        }
        at += p.len();
    }
    consume(&out[..at]);
    count
}

/// The work no server can skip: take the request's bytes, hash the key with
/// the GUID (SHA-1) and encode the answer (base64), write a 101.
#[inline(never)]
pub fn hs_limit(request: &[u8], count: usize) -> usize {
    use base64::Engine;
    use sha1::Digest;
    let mut buf = vec![0u8; 1024];
    for _ in 0..count {
        buf[..request.len()].copy_from_slice(request);
        let mut h = sha1::Sha1::new();
        h.update(b"dGhlIHNhbXBsZSBub25jZQ==");
        h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        let mut key = [0u8; 28];
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(h.finalize(), &mut key)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(160);
        out.extend_from_slice(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
        );
        out.extend_from_slice(&key[..n]);
        out.extend_from_slice(b"\r\n\r\n");
        consume(black_box(&buf[..request.len()]));
        consume(&out);
    }
    count
}
