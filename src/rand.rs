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
#[cfg(feature = "getrandom")]
#[derive(Clone)]
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
