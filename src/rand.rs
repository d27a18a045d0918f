//! Randomness is an input: the caller supplies it.
//!
//! A client needs unpredictable masking keys (RFC 6455 §5.3: "The masking key
//! needs to be unpredictable; thus, the masking key MUST be derived from a
//! strong source of entropy") and a random handshake nonce (§4.1). The library
//! has no generator of its own and never falls back to a weak one.

/// A cryptographically secure source of random bytes, supplied by the caller.
///
/// Implement it over the generator your platform has (an OS source, a
/// hardware RNG, a seeded CSPRNG). The `getrandom` feature provides
/// `OsRandom`.
pub trait Randomness: Send {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

impl<R: Randomness + ?Sized> Randomness for alloc::boxed::Box<R> {
    fn fill(&mut self, dest: &mut [u8]) {
        (**self).fill(dest)
    }
}

/// The operating system's generator, through the `getrandom` crate. It draws
/// 4 KiB at a time (1,024 masking keys), so that masking one small frame is
/// not a system call.
///
/// A clone starts with nothing drawn: it never hands out the bytes the
/// original still holds.
#[cfg(feature = "getrandom")]
pub struct OsRandom {
    buf: [u8; POOL],
    used: usize,
}

/// Bytes drawn from the operating system per system call.
#[cfg(feature = "getrandom")]
const POOL: usize = 4096;

#[cfg(feature = "getrandom")]
impl core::fmt::Debug for OsRandom {
    // Not the pool: these bytes become masking keys.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OsRandom").finish_non_exhaustive()
    }
}

#[cfg(feature = "getrandom")]
impl OsRandom {
    /// A generator with nothing drawn yet.
    pub const fn new() -> Self {
        OsRandom {
            buf: [0; POOL],
            used: POOL,
        }
    }
}

#[cfg(feature = "getrandom")]
impl Clone for OsRandom {
    /// A new generator: the original's pool is not copied (its bytes would
    /// become the same masking keys twice).
    fn clone(&self) -> Self {
        Self::new()
    }
}

#[cfg(feature = "getrandom")]
impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "getrandom")]
impl Randomness for OsRandom {
    /// # Panics
    /// If the operating system's generator fails, which `getrandom` reports
    /// only when no secure source exists: continuing would mean weak keys.
    fn fill(&mut self, mut dest: &mut [u8]) {
        while !dest.is_empty() {
            if self.used == self.buf.len() {
                #[allow(clippy::expect_used)]
                getrandom::fill(&mut self.buf)
                    .expect("the operating system has no secure random source");
                self.used = 0;
            }
            // Whole slices, not byte by byte: a masking key written a byte at
            // a time and read back as one word stalls the reader.
            let n = dest.len().min(self.buf.len() - self.used);
            let (head, rest) = core::mem::take(&mut dest).split_at_mut(n);
            head.copy_from_slice(&self.buf[self.used..self.used + n]);
            self.used += n;
            dest = rest;
        }
    }
}

/// A ChaCha20 generator (RFC 8439's stream cipher, through `rand_chacha`)
/// seeded with 32 bytes from the operating system: masking keys without a
/// system call each. Where the operating system's generator is slow (a
/// virtual machine's can give under 200 MB/s, 20 ns per masking key), it
/// makes small sends markedly faster; and it holds 320 bytes where
/// [`OsRandom`] holds its 4 KiB pool, which counts with many client
/// connections. ChaCha20 is a cryptographically secure generator, so the
/// keys stay unpredictable (RFC 6455 §5.3); the peers use the same family
/// (`rand`'s thread-local generator is ChaCha12).
///
/// Not `Clone`: a copy would hand out the same keys again.
#[cfg(feature = "chacha")]
pub struct ChaChaRandom {
    rng: rand_chacha::ChaCha20Rng,
}

#[cfg(feature = "chacha")]
impl core::fmt::Debug for ChaChaRandom {
    // Not the state: it predicts every key to come.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChaChaRandom").finish_non_exhaustive()
    }
}

#[cfg(feature = "chacha")]
impl ChaChaRandom {
    /// A generator seeded from the operating system's generator.
    ///
    /// # Panics
    /// If the operating system's generator fails, which `getrandom` reports
    /// only when no secure source exists: continuing would mean weak keys.
    pub fn new() -> Self {
        let mut seed = [0u8; 32];
        #[allow(clippy::expect_used)]
        getrandom::fill(&mut seed).expect("the operating system has no secure random source");
        Self::from_seed(seed)
    }

    /// A generator from a seed the caller drew from a secure source (a
    /// hardware generator on a target without an operating system). The
    /// same seed gives the same keys: never reuse one.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        use rand_chacha::rand_core::SeedableRng;
        ChaChaRandom {
            rng: rand_chacha::ChaCha20Rng::from_seed(seed),
        }
    }
}

#[cfg(feature = "chacha")]
impl Default for ChaChaRandom {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "chacha")]
impl Randomness for ChaChaRandom {
    #[inline]
    fn fill(&mut self, dest: &mut [u8]) {
        use rand_chacha::rand_core::RngCore;
        self.rng.fill_bytes(dest);
    }
}

/// A client connection's masking keys: drawn from the caller's
/// [`Randomness`] [`KEYS_PER_DRAW`] at a time, so that a frame's key costs
/// a copy out of this pool, not a call through the trait object.
pub(crate) struct MaskKeys {
    rng: alloc::boxed::Box<dyn Randomness>,
    pool: [u8; 4 * KEYS_PER_DRAW],
    /// Bytes of `pool` handed out already.
    used: usize,
}

/// Masking keys drawn from the caller's randomness per call: one virtual
/// call per 16 frames, 64 bytes held.
pub(crate) const KEYS_PER_DRAW: usize = 16;

impl MaskKeys {
    /// Nothing drawn yet: the first key draws.
    pub(crate) fn new(rng: alloc::boxed::Box<dyn Randomness>) -> Self {
        MaskKeys {
            rng,
            pool: [0; 4 * KEYS_PER_DRAW],
            used: 4 * KEYS_PER_DRAW,
        }
    }

    /// The next masking key.
    #[inline]
    pub(crate) fn next_key(&mut self) -> [u8; 4] {
        if self.used == self.pool.len() {
            self.refill();
        }
        let mut key = [0u8; 4];
        key.copy_from_slice(&self.pool[self.used..self.used + 4]);
        self.used += 4;
        key
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        self.rng.fill(&mut self.pool);
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::sync::Arc;
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its calls and hands out 0, 1, 2, … as bytes.
    struct Counting {
        calls: Arc<AtomicUsize>,
        next: u8,
    }

    impl Randomness for Counting {
        fn fill(&mut self, dest: &mut [u8]) {
            self.calls.fetch_add(1, Ordering::Relaxed);
            for b in dest {
                *b = self.next;
                self.next = self.next.wrapping_add(1);
            }
        }
    }

    #[test]
    fn mask_keys_come_in_order_one_draw_per_pool() {
        let calls = Arc::new(AtomicUsize::new(0));
        let rng = Counting {
            calls: calls.clone(),
            next: 0,
        };
        let mut keys = MaskKeys::new(Box::new(rng));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            0,
            "nothing drawn before a key"
        );
        for i in 0..3 * KEYS_PER_DRAW {
            let b = (4 * i) as u8;
            assert_eq!(keys.next_key(), [b, b + 1, b + 2, b + 3]);
            assert_eq!(calls.load(Ordering::Relaxed), i / KEYS_PER_DRAW + 1);
        }
    }

    #[cfg(feature = "getrandom")]
    #[test]
    fn a_cloned_os_random_does_not_repeat_the_original() {
        let mut a = OsRandom::new();
        let mut first = [0u8; 16];
        a.fill(&mut first);
        // The pool now holds drawn bytes not yet handed out.
        let mut b = a.clone();
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_ne!(x, y, "a clone handed out the original's next bytes");
    }

    #[cfg(feature = "chacha")]
    #[test]
    fn chacha_is_rfc_8439_chacha20() {
        // The keystream for the all-zero key and nonce,
        // block 0 (the test vector of §A.1, test 1).
        let mut r = ChaChaRandom::from_seed([0; 32]);
        let mut out = [0u8; 16];
        r.fill(&mut out);
        assert_eq!(
            out,
            [
                0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86,
                0xbd, 0x28
            ]
        );
    }

    #[cfg(feature = "chacha")]
    #[test]
    fn chacha_seeds_differ() {
        let (mut a, mut b) = (ChaChaRandom::new(), ChaChaRandom::new());
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_ne!(x, y);
    }
}
