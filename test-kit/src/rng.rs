//! Test randomness: a fixed sequence and a fixed pattern.

use wsmachine::Randomness;

/// A fixed-sequence generator (xorshift64*): fine for tests, fuzz targets
/// and benchmark workloads, never for real masking keys.
///
/// The same seed gives the same sequence on every run and platform. A zero
/// seed gives zeros only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRng(pub u64);

impl TestRng {
    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Randomness for TestRng {
    /// Eight bytes per number, little-endian; the rest of the last number is
    /// dropped.
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let n = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&n[..chunk.len()]);
        }
    }
}

/// Randomness that repeats a fixed pattern, each call going on where the
/// last one stopped: for tests that need known keys.
#[derive(Debug, Clone)]
pub struct FixedRng {
    pattern: &'static [u8],
    next: usize,
}

impl FixedRng {
    /// Repeats `pattern`, which must not be empty.
    pub fn new(pattern: &'static [u8]) -> FixedRng {
        assert!(!pattern.is_empty(), "an empty pattern");
        FixedRng { pattern, next: 0 }
    }

    /// Gives the handshake key of RFC 6455 §1.3, `dGhlIHNhbXBsZSBub25jZQ==`
    /// ("the sample nonce").
    pub fn sample_nonce() -> FixedRng {
        FixedRng::new(b"the sample nonce")
    }

    /// Gives the masking key of RFC 6455 §5.7, `37 fa 21 3d`, every time.
    pub fn rfc_masking_key() -> FixedRng {
        FixedRng::new(&[0x37, 0xfa, 0x21, 0x3d])
    }
}

impl Randomness for FixedRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = self.pattern[self.next % self.pattern.len()];
            self.next += 1;
        }
    }
}
