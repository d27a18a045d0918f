//! A global allocator that counts the bytes currently allocated, so the
//! memory table can say how much heap one connection holds.
//!
//! Counting is off until [`start_counting`]: an atomic add on every
//! allocation would tax the allocation-heavy contenders in the timed rows.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Wraps the system allocator and keeps a running total of live bytes.
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ON: AtomicBool = AtomicBool::new(false);

/// Counts `delta` bytes if counting is on.
#[inline]
fn count(delta: isize) {
    if ON.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

/// Turns counting on. Only allocations made afterwards are counted, so
/// compare [`live_bytes`] readings taken after this call, and free nothing
/// allocated before it in between.
pub fn start_counting() {
    ON.store(true, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only a counter is
// updated on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Bytes allocated and not yet freed, by the whole process.
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// A byte count for a table: `512 B`, `64.0 KiB`.
pub fn kib(bytes: isize) -> String {
    if bytes.abs() >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}
