//! Shared pieces of the wsmachine benchmarks: the counting allocator, an
//! in-memory stream for the peers that want one, the workloads' bytes,
//! the interleaved A/B runner and a JSON-like corpus for permessage-deflate.

pub mod alloc_count;
pub mod corpus;
pub mod frames;
pub mod idle_heap;
pub mod limits;
pub mod mem_stream;
pub mod runner;
pub mod servers;
pub mod wire;

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

/// Reads `stream` into a wsmachine connection as its driver would: a copy
/// per read into `buf`, then `handle_input` until it returns `None`, each message
/// handed to [`consume`]. Returns the messages.
pub fn receive_wsmachine(conn: &mut wsmachine::Connection, stream: &[u8], buf: &mut [u8]) -> usize {
    use wsmachine::Event;
    let mut count = 0;
    for piece in stream.chunks(buf.len()) {
        let n = piece.len();
        mem_stream::socket_copy(&mut buf[..n], piece);
        let mut pos = 0;
        loop {
            let (used, event) = conn.handle_input(&mut buf[pos..n]);
            pos += used;
            match event {
                None => break,
                Some(Event::Binary(b)) => consume(b),
                Some(Event::Text(t)) => consume(t.as_bytes()),
                Some(e) => panic!("unexpected {e:?}"),
            }
            count += 1;
        }
    }
    count
}

/// The most bytes one simulated socket read gives [`read_own`], whatever
/// the slice's length: a socket that has less than asked for (`micro --got
/// BYTES`). Unlimited by default.
static READ_GIVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(usize::MAX);

/// Sets what one read gives [`read_own`] at most (at least a byte).
pub fn set_read_gives(bytes: usize) {
    READ_GIVES.store(bytes.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// `buffer_retain` of the connection that reads through its own buffers in
/// W1 (`micro --retain BYTES`): a busy connection's setting. 0 (the
/// default) unless set.
static OWN_RETAIN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sets [`own_retain`].
pub fn set_own_retain(bytes: usize) {
    OWN_RETAIN.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// `buffer_retain` for W1's `recv_buffer` connection.
pub fn own_retain() -> usize {
    OWN_RETAIN.load(std::sync::atomic::Ordering::Relaxed)
}

/// The first lines of `micro`'s output: the run's parameters.
pub fn print_run_header(rounds: usize, total: usize) {
    println!(
        "rounds: {rounds}, bytes per pass: {} MiB (at most {} messages), read size: {} KiB\n",
        total >> 20,
        frames::MAX_MESSAGES,
        mem_stream::READ_CHUNK >> 10
    );
    let gives = READ_GIVES.load(std::sync::atomic::Ordering::Relaxed);
    if gives != usize::MAX {
        println!(
            "recv_buffer reads: a 64 KiB slice asked for, at most {gives} bytes read into it\n"
        );
    }
    if own_retain() != 0 {
        println!(
            "recv_buffer connection: buffer_retain {} bytes (a busy connection's setting)\n",
            own_retain()
        );
    }
}

/// One read of at most `read` bytes from `stream` (what is left of it) into
/// the connection's own buffer, as a socket read would: the slice from
/// [`Connection::recv_buffer`](wsmachine::Connection::recv_buffer), then
/// `handle_received`. Returns the bytes read.
pub fn read_own(conn: &mut wsmachine::Connection, stream: &[u8], read: usize) -> usize {
    let slice = conn.recv_buffer(read);
    let gives = READ_GIVES.load(std::sync::atomic::Ordering::Relaxed);
    let n = slice.len().min(stream.len()).min(gives);
    mem_stream::socket_copy(&mut slice[..n], &stream[..n]);
    conn.handle_received(n);
    n
}

/// The same reads through the connection's own buffers: each read asks
/// [`Connection::recv_buffer`](wsmachine::Connection::recv_buffer) for
/// `read` bytes and copies what the stream has into the slice (as a socket
/// read would), then takes the events with `poll_event`.
pub fn receive_wsmachine_own(
    conn: &mut wsmachine::Connection,
    stream: &[u8],
    read: usize,
) -> usize {
    use wsmachine::Event;
    let mut count = 0;
    let mut pos = 0;
    while pos < stream.len() {
        pos += read_own(conn, &stream[pos..], read);
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Binary(b) => consume(b),
                Event::Text(t) => consume(t.as_bytes()),
                e => panic!("unexpected {e:?}"),
            }
            count += 1;
        }
    }
    count
}

/// The same for a shiguredo_websocket server connection: the same reads fed
/// with `feed_recv_buf`, events polled, output drained.
pub fn receive_shiguredo(
    conn: &mut shiguredo_websocket::WebSocketServerConnection,
    stream: &[u8],
    buf: &mut [u8],
) -> usize {
    use shiguredo_websocket::ConnectionEvent;
    let mut count = 0;
    for piece in stream.chunks(buf.len()) {
        let n = piece.len();
        mem_stream::socket_copy(&mut buf[..n], piece);
        conn.feed_recv_buf(&buf[..n]).expect("valid frames");
        while let Some(event) = conn.poll_event() {
            match event {
                ConnectionEvent::BinaryMessage(b) => consume(&b),
                ConnectionEvent::TextMessage(t) => consume(t.as_bytes()),
                e => panic!("unexpected {e:?}"),
            }
            count += 1;
        }
        while conn.poll_output().is_some() {}
    }
    count
}
