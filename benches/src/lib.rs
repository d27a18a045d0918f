//! Shared pieces of the wsmachine benchmarks: the counting allocator, an
//! in-memory stream for the peers that want one, the workloads' bytes,
//! the interleaved A/B runner and a JSON-like corpus for permessage-deflate.

pub mod alloc_count;
pub mod corpus;
pub mod frames;
pub mod limits;
pub mod mem_stream;
pub mod runner;

/// Drives a future that never waits (every stream here is in memory) to its
/// end on this thread, without a runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Hands a message to "the application": its length and first byte.
#[inline]
pub fn consume(data: &[u8]) {
    std::hint::black_box((data.len(), data.first().copied()));
}
