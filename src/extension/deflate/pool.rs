//! A process-wide cache of idle zlib-rs compressors and inflaters (feature
//! `deflate-zlib-rs`, which has `std`).
//!
//! Connections on zlib-rs hold no compressor or inflater between messages.
//! Making a fresh one for every message and freeing it after works, but with
//! glibc's allocator the freed 300 KiB blocks end up as holes between the
//! small blocks connections keep, and the process grows by about 260 KiB per
//! idle connection all the same (docs/performance.md). So released states
//! wait here, reset, for the next message of any connection: a server holds
//! as many as it compresses or inflates messages at once, at most
//! [`KEEP`] of each (a compressor with a 15-bit window holds 371 KiB, an
//! inflater 46 KiB: at most 3.3 MiB for the process).

extern crate std;

use alloc::vec::Vec;
use std::sync::Mutex;

/// Idle states kept, of each kind.
pub(super) const KEEP: usize = 8;

/// Idle compressors, with the level and window bits they were made with.
static COMPRESSORS: Mutex<Vec<(u8, u8, zlib_rs::Deflate)>> = Mutex::new(Vec::new());
/// Idle inflaters (all with a 15-bit window).
static INFLATERS: Mutex<Vec<zlib_rs::Inflate>> = Mutex::new(Vec::new());

/// A compressor for `level` and `bits`, reset, or `None` if none is idle.
pub(super) fn take_compressor(level: u8, bits: u8) -> Option<zlib_rs::Deflate> {
    let mut idle = COMPRESSORS.lock().ok()?;
    let i = idle
        .iter()
        .rposition(|&(l, b, _)| l == level && b == bits)?;
    let (_, _, mut z) = idle.swap_remove(i);
    drop(idle);
    z.reset();
    Some(z)
}

/// Gives a compressor back (dropped if [`KEEP`] are idle already).
pub(super) fn give_compressor(level: u8, bits: u8, z: zlib_rs::Deflate) {
    if let Ok(mut idle) = COMPRESSORS.lock() {
        if idle.len() < KEEP {
            idle.push((level, bits, z));
        }
    }
}

/// An inflater ready for a new stream, or `None` if none is idle.
pub(super) fn take_inflater() -> Option<zlib_rs::Inflate> {
    let mut z = INFLATERS.lock().ok()?.pop()?;
    z.reset(false);
    Some(z)
}

/// Gives an inflater back (dropped if [`KEEP`] are idle already).
pub(super) fn give_inflater(z: zlib_rs::Inflate) {
    if let Ok(mut idle) = INFLATERS.lock() {
        if idle.len() < KEEP {
            idle.push(z);
        }
    }
}
