//! `Randomness` for the examples, read from the operating system's
//! `/dev/urandom` (the library's `getrandom` feature offers `OsRandom` for
//! applications).

#![allow(unreachable_pub, dead_code)]

use std::fs::File;
use std::io::Read;

use wsmachine::Randomness;

/// Reads 256 random bytes at a time from `/dev/urandom`.
pub struct Urandom {
    file: File,
    buf: [u8; 256],
    used: usize,
}

impl Urandom {
    pub fn open() -> std::io::Result<Urandom> {
        Ok(Urandom {
            file: File::open("/dev/urandom")?,
            buf: [0; 256],
            used: 256,
        })
    }
}

impl Randomness for Urandom {
    fn fill(&mut self, dest: &mut [u8]) {
        for byte in dest {
            if self.used == self.buf.len() {
                self.file
                    .read_exact(&mut self.buf)
                    .expect("/dev/urandom is readable");
                self.used = 0;
            }
            *byte = self.buf[self.used];
            self.used += 1;
        }
    }
}
