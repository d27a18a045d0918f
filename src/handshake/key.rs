//! The handshake's key and accept values (RFC 6455 §4.1, §4.2.2).

use alloc::string::String;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::rand::Randomness;

/// The GUID of RFC 6455 §1.3.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` value.
///
/// RFC 6455 §4.2.2: "The value of this header field is constructed by
/// concatenating /key/ ... with the string
/// "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", taking the SHA-1 hash of this
/// concatenated value to obtain a 20-byte value and base64-encoding ... this
/// 20-byte hash."
///
/// ```
/// assert_eq!(
///     wsmachine::handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
pub fn accept_key(key: &str) -> String {
    String::from(AcceptValue::of(key.trim().as_bytes()).as_str())
}

/// The `Sec-WebSocket-Accept` value, on the stack: a SHA-1 digest (20
/// bytes) is 28 base64 characters.
pub(crate) struct AcceptValue([u8; 28]);

impl AcceptValue {
    /// The value for a `Sec-WebSocket-Key` value, without surrounding
    /// whitespace.
    pub(crate) fn of(key: &[u8]) -> AcceptValue {
        let digest = match <&[u8; 24]>::try_from(key) {
            Ok(key) => digest_of_valid_key(key),
            Err(_) => {
                let mut sha = Sha1::new();
                sha.update(key);
                sha.update(GUID);
                sha.finalize().into()
            }
        };
        let mut text = [0u8; 28];
        // Never fails: 20 bytes encode to exactly 28 characters.
        let _ = STANDARD.encode_slice(digest, &mut text);
        AcceptValue(text)
    }

    /// The value as text (base64 is ASCII).
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }
}

/// The SHA-1 digest of a key of the valid length (24 characters) and the
/// GUID: 60 bytes, padded by hand to their two blocks (FIPS 180-4 §5.1.1:
/// the bit 1, zeros, and the message's length in bits as 64 bits, big
/// endian) and given to the compression function, without the hasher's
/// buffering.
fn digest_of_valid_key(key: &[u8; 24]) -> [u8; 20] {
    let mut first = [0u8; 64];
    first[..24].copy_from_slice(key);
    first[24..60].copy_from_slice(GUID);
    first[60] = 0x80;
    let mut second = [0u8; 64];
    second[56..].copy_from_slice(&(60u64 * 8).to_be_bytes());
    // FIPS 180-4 §5.3.1: the initial hash value.
    let mut state = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    sha1::compress(&mut state, &[first.into(), second.into()]);
    let mut digest = [0u8; 20];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Whether a `Sec-WebSocket-Key` value is valid.
///
/// RFC 6455 §4.2.1: "A |Sec-WebSocket-Key| header field with a base64-encoded
/// ... value that, when decoded, is 16 bytes in length." Sixteen bytes encode
/// to exactly 24 characters ending in `==`; non-canonical trailing bits are
/// refused, as base64's decoder refuses them.
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    // 16 bytes are 21 whole base64 characters, one that carries the last 2
    // bits (its 4 low bits zero: `A`, `Q`, `g` or `w`) and `==`; checked
    // without decoding.
    let Ok(key) = <&[u8; 24]>::try_from(key) else {
        return false;
    };
    key[..21].iter().all(|&b| is_base64(b))
        && matches!(key[21], b'A' | b'Q' | b'g' | b'w')
        && key[22..] == *b"=="
}

/// A character of the standard base64 alphabet (RFC 4648 §4), not padding.
fn is_base64(b: u8) -> bool {
    BASE64[usize::from(b)]
}

/// [`is_base64`] as a table: one load per character of a key.
const BASE64: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        i += 1;
    }
    t
};

/// A fresh `Sec-WebSocket-Key`.
///
/// RFC 6455 §4.1: "The value of this header field MUST be a nonce consisting
/// of a randomly selected 16-byte value that has been base64-encoded".
pub(crate) fn new_key(rng: &mut dyn Randomness) -> String {
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce);
    STANDARD.encode(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The digest padded by hand is the hasher's, for any 24 bytes.
        #[test]
        fn a_valid_key_is_digested_as_the_hasher_digests_it(key in any::<[u8; 24]>()) {
            let mut sha = Sha1::new();
            sha.update(key);
            sha.update(GUID);
            let expected: [u8; 20] = sha.finalize().into();
            prop_assert_eq!(digest_of_valid_key(&key), expected);
        }
    }

    #[test]
    fn accept_values_of_the_rfc_and_of_other_lengths() {
        // RFC 6455 §1.3's sample.
        assert_eq!(
            AcceptValue::of(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        // Not 24 bytes: the hasher's path, checked against a value computed
        // independently (Python: base64(sha1(key + GUID))).
        assert_eq!(
            AcceptValue::of(b"").as_str(),
            "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="
        );
    }

    #[test]
    fn key_validity() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(is_valid_key(b"AQIDBAUGBwgJCgsMDQ4PEA=="));
        // RFC 6455 §4.1 prints this example with non-zero trailing bits.
        assert!(!is_valid_key(b"AQIDBAUGBwgJCgsMDQ4PEC=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ")); // no padding
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZXM=")); // 17 bytes
        assert!(!is_valid_key(b"")); // empty
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ==AAAA"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZ!=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j-Q==")); // URL-safe alphabet
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=A"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZ===")); // 15 bytes
    }

    /// The check without decoding agrees with base64's decoder on every
    /// character in every position that decides.
    #[test]
    fn key_validity_matches_the_decoder() {
        let mut key = *b"dGhlIHNhbXBsZSBub25jZQ==";
        for at in [0, 20, 21, 22, 23] {
            for b in 0..=255u8 {
                let mut k = key;
                k[at] = b;
                let mut out = [0u8; 18];
                let decodes = matches!(STANDARD.decode_slice(k, &mut out), Ok(16));
                assert_eq!(is_valid_key(&k), decodes, "{at} {b}");
            }
        }
        key[0] = b'+';
        assert!(is_valid_key(&key));
    }

    #[test]
    fn new_keys_are_valid() {
        struct Counter(u8);
        impl Randomness for Counter {
            fn fill(&mut self, dest: &mut [u8]) {
                for b in dest {
                    self.0 = self.0.wrapping_add(1);
                    *b = self.0;
                }
            }
        }
        let key = new_key(&mut Counter(0));
        assert_eq!(key, "AQIDBAUGBwgJCgsMDQ4PEA==");
        assert!(is_valid_key(key.as_bytes()));
    }
}
