//! Shared pieces of the wsmachine benchmarks: the counting allocator, an
//! in-memory stream for the peers that want one, the workloads' bytes, and
//! the interleaved A/B runner.

pub mod alloc_count;
pub mod frames;
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
