//! Incremental, fail-fast UTF-8 validation for text messages.
//!
//! RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but
//! finds that the byte stream is not, in fact, a valid UTF-8 stream, that
//! endpoint MUST _Fail the WebSocket Connection_." A message arrives in pieces
//! (frames, and reads that cut frames), so the validator keeps the bytes of a
//! code point cut at a piece boundary and rejects a sequence at the first byte
//! that can no longer begin or continue a valid one: a surrogate, an overlong
//! form or a value above U+10FFFF is refused before the rest of the message
//! arrives.

use alloc::string::String;
use core::fmt;

/// The input is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utf8Error;

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid UTF-8")
    }
}

impl core::error::Error for Utf8Error {}

/// Validation state carried between pieces of one message.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Utf8Validator {
    /// Bytes of a code point cut at the end of the previous piece.
    partial: [u8; 4],
    /// How many of `partial` are in use (0 when on a boundary).
    len: u8,
}

/// Bytes in the UTF-8 sequence that starts with `lead` (0 for a byte that
/// cannot start one).
#[inline]
const fn sequence_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// `bytes` as a `&str` if they are valid UTF-8: simdutf8's validator with
/// the `simdutf8` feature (on by default, through `std`), core's without.
#[inline]
pub(crate) fn to_str(bytes: &[u8]) -> Result<&str, Utf8Error> {
    #[cfg(feature = "simdutf8")]
    let r = simdutf8::basic::from_utf8(bytes).map_err(|_| Utf8Error);
    #[cfg(not(feature = "simdutf8"))]
    let r = core::str::from_utf8(bytes).map_err(|_| Utf8Error);
    r
}

/// How many bytes at the end of `bytes` start a code point they do not
/// finish (at most 3): from the last byte that is not a continuation byte,
/// if its sequence is longer than what follows it.
#[inline]
fn cut_tail(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let b = bytes[n - back];
        if b & 0xC0 != 0x80 {
            return if sequence_len(b) > back { back } else { 0 };
        }
    }
    0
}

/// Checks a whole piece that starts on a code point boundary. Returns how many
/// bytes at the end form a valid but incomplete sequence.
#[inline]
fn check(bytes: &[u8]) -> Result<usize, Utf8Error> {
    // Most text is ASCII; skip the general validator while it is.
    let ascii = ascii_prefix(bytes);
    #[cfg(feature = "simdutf8")]
    let r = simdutf8::compat::from_utf8(&bytes[ascii..]);
    #[cfg(not(feature = "simdutf8"))]
    let r = core::str::from_utf8(&bytes[ascii..]);
    match r {
        Ok(_) => Ok(0),
        // `error_len() == None` means the input ended inside a sequence that is
        // still a valid prefix; anything else is invalid already.
        Err(e) if e.error_len().is_none() => Ok(bytes.len() - ascii - e.valid_up_to()),
        Err(_) => Err(Utf8Error),
    }
}

/// Length of the leading run of ASCII bytes, rounded down to whole 64-byte
/// blocks (eight words ORed together, one test per block).
#[inline]
fn ascii_prefix(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    for block in bytes.chunks_exact(64) {
        let mut any = 0;
        for word in block.chunks_exact(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            any |= u64::from_ne_bytes(w);
        }
        if any & HIGH != 0 {
            break;
        }
        n += 64;
    }
    n
}

/// Bytes validated at a time by [`push_checked`]: half of a first-level data
/// cache of 32 KiB, so that the copy after each check reads bytes the
/// validator has just brought in.
const CHECK_BLOCK: usize = 16 * 1024;

/// Validates `bytes` and appends them to `out` ([`CHECK_BLOCK`] bytes at a time
/// when they are longer, each block cut before a code point).
#[inline]
fn push_checked(out: &mut String, bytes: &[u8]) -> Result<(), Utf8Error> {
    if bytes.len() <= CHECK_BLOCK {
        crate::copy::push_str(out, to_str(bytes)?);
        Ok(())
    } else {
        push_checked_in_blocks(out, bytes)
    }
}

#[inline(never)]
fn push_checked_in_blocks(out: &mut String, mut bytes: &[u8]) -> Result<(), Utf8Error> {
    out.reserve(bytes.len());
    while bytes.len() > CHECK_BLOCK {
        // Cut before a code point the block would split: valid text stays
        // whole in its blocks, and invalid text fails some block's check.
        let end = CHECK_BLOCK - cut_tail(&bytes[..CHECK_BLOCK]);
        let (block, rest) = bytes.split_at(end);
        crate::copy::push_str(out, to_str(block)?);
        bytes = rest;
    }
    crate::copy::push_str(out, to_str(bytes)?);
    Ok(())
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub(crate) const fn new() -> Self {
        Utf8Validator {
            partial: [0; 4],
            len: 0,
        }
    }

    /// Whether the bytes so far end on a code point boundary.
    #[inline]
    pub(crate) fn is_complete(&self) -> bool {
        self.len == 0
    }

    /// Feeds the next piece of the message. Fails as soon as the bytes seen so
    /// far cannot be the start of valid UTF-8.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Utf8Error> {
        self.carry(&mut bytes)?;
        let tail = check(bytes)?;
        if tail > 0 {
            self.partial[..tail].copy_from_slice(&bytes[bytes.len() - tail..]);
            self.len = tail as u8;
        }
        Ok(())
    }

    /// [`feed`](Self::feed) that also appends the piece to `out`, checking
    /// each byte once: the piece up to its last whole code point is made a
    /// `&str` by the validator and pushed; a code point cut at its end is
    /// checked as a prefix (so a byte that cannot continue it fails now) and
    /// pushed when the next piece completes it.
    pub(crate) fn feed_into(
        &mut self,
        mut bytes: &[u8],
        out: &mut String,
    ) -> Result<(), Utf8Error> {
        if let Some(c) = self.carry(&mut bytes)? {
            out.push(c);
        }
        let cut = bytes.len() - cut_tail(bytes);
        push_checked(out, &bytes[..cut])?;
        let tail = &bytes[cut..];
        if !tail.is_empty() {
            match core::str::from_utf8(tail) {
                Err(e) if e.error_len().is_none() => {}
                _ => return Err(Utf8Error),
            }
            self.partial[..tail.len()].copy_from_slice(tail);
            self.len = tail.len() as u8;
        }
        Ok(())
    }

    /// Continues a code point cut at the end of the previous piece with the
    /// first bytes of `bytes`, and moves `bytes` past them. Returns the code
    /// point once it is whole; `None` when nothing was cut, or when the piece
    /// ended first (the bytes so far, still a valid prefix, are kept).
    #[inline]
    fn carry(&mut self, bytes: &mut &[u8]) -> Result<Option<char>, Utf8Error> {
        if self.len == 0 {
            return Ok(None);
        }
        let have = usize::from(self.len);
        let take = (sequence_len(self.partial[0]) - have).min(bytes.len());
        let mut seq = self.partial;
        seq[have..have + take].copy_from_slice(&bytes[..take]);
        *bytes = &bytes[take..];
        match core::str::from_utf8(&seq[..have + take]) {
            Ok(s) => {
                self.len = 0;
                Ok(s.chars().next())
            }
            Err(e) if e.error_len().is_none() => {
                self.partial = seq;
                self.len = (have + take) as u8;
                Ok(None)
            }
            Err(_) => Err(Utf8Error),
        }
    }

    /// Ends the message: a code point still cut in half is invalid.
    pub(crate) fn finish(&mut self) -> Result<(), Utf8Error> {
        let complete = self.is_complete();
        *self = Utf8Validator::new();
        if complete {
            Ok(())
        } else {
            Err(Utf8Error)
        }
    }
}

#[cfg(test)]
mod tests;
