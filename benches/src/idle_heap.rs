//! The memory rows of an idle connection: the heap a wsmachine server
//! connection still holds after it received, sent or echoed one message of
//! 125 B, 64 KiB and 1 MiB, with every event taken and its output written.
//! Measured with the counting allocator ([`crate::alloc_count`]), which the
//! calling binary must install as its global allocator and have started.

use wsmachine::handshake::{Accept, HandshakeConfig, ServerHandshake};
use wsmachine::{Connection, Event, Status};

use crate::alloc_count::{kib, live_bytes};
use crate::frames::{self, Kind};
use crate::mem_stream::READ_CHUNK;
use crate::{consume, read_own, receive_wsmachine, receive_wsmachine_own};

/// What an idle connection may hold, by the design target.
pub const TARGET: isize = 256;

/// The message sizes of the rows.
pub const SIZES: [usize; 3] = [125, 64 << 10, 1 << 20];

/// A server connection accepted from Chromium's request, without extensions.
pub fn server() -> Connection {
    let request = frames::chromium_request();
    let mut hs = ServerHandshake::new(HandshakeConfig::default());
    let Ok(Status::Complete(req)) = hs.handle_input(&request) else {
        panic!("request refused");
    };
    req.accept(Accept::new()).expect("accept").connection
}

/// Writes the connection's output as a socket would take it: 64 KiB at a time.
fn drain(conn: &mut Connection) {
    while !conn.poll_output().is_empty() {
        let n = conn.poll_output().len().min(READ_CHUNK);
        consume(&conn.poll_output()[..n]);
        conn.advance_output(n);
    }
}

/// The heap `conn` holds after `work` ran on it: live bytes the connection
/// added, counted from before it was made, and its own `heap_bytes()`.
fn held(work: impl FnOnce(&mut Connection)) -> (isize, usize) {
    let base = live_bytes();
    let mut conn = server();
    work(&mut conn);
    let live = live_bytes() - base;
    (live, conn.heap_bytes())
}

/// What one row measured, in bytes.
pub struct Row {
    /// Heap the connection holds after receiving the message from the
    /// caller's buffer (`handle_input`).
    pub received: isize,
    /// After receiving it through its own buffers (`recv_buffer`).
    pub received_own: isize,
    /// The same, then one more `recv_buffer(4096)` with nothing read yet:
    /// what a connection holds while its driver waits in a read.
    pub waiting: isize,
    /// The same, then that read reported empty (`handle_received(0)`): what
    /// a readiness-driven loop's connection holds once its socket would
    /// block.
    pub would_block: isize,
    /// After sending it (output written).
    pub sent: isize,
    /// The same, then a read reported empty (`recv_buffer`,
    /// `handle_received(0)`): the connection waits for input again, and a
    /// small output buffer kept while it was sending goes.
    pub sent_then_waiting: isize,
    /// After echoing it (received, sent back, output written) with
    /// `handle_all`.
    pub echoed: isize,
    /// After echoing it as the examples do: read through `recv_buffer`,
    /// events taken with `poll_event_into`, then the next read would block.
    pub echoed_own: isize,
    /// `Connection::heap_bytes()` after that echo.
    pub heap_bytes: usize,
    /// The capacity of the driver's message buffer after the echo (what an
    /// example server keeps per connection besides the connection).
    pub driver_buffer: usize,
}

/// Heap held after receiving, sending and echoing one `size`-byte binary
/// message.
pub fn row(size: usize) -> Row {
    let stream = frames::client_stream(Kind::Binary, size, size);
    assert_eq!(stream.messages, 1);
    let payload = vec![0x5a; size];
    let mut buf = vec![0u8; READ_CHUNK];
    let mut input = vec![0u8; READ_CHUNK];
    let (received, _) = held(|conn| {
        assert_eq!(receive_wsmachine(conn, &stream.bytes, &mut buf), 1);
    });
    let (received_own, _) = held(|conn| {
        assert_eq!(receive_wsmachine_own(conn, &stream.bytes, READ_CHUNK), 1);
    });
    let (waiting, _) = held(|conn| {
        assert_eq!(receive_wsmachine_own(conn, &stream.bytes, READ_CHUNK), 1);
        // A read under way: a slice lent, nothing reported.
        let _ = conn.recv_buffer(4 << 10);
    });
    let (would_block, _) = held(|conn| {
        assert_eq!(receive_wsmachine_own(conn, &stream.bytes, READ_CHUNK), 1);
        let _ = conn.recv_buffer(4 << 10);
        conn.handle_received(0);
    });
    let (sent, _) = held(|conn| {
        conn.send_binary(&payload).expect("send");
        drain(conn);
    });
    let (sent_then_waiting, _) = held(|conn| {
        conn.send_binary(&payload).expect("send");
        drain(conn);
        let _ = conn.recv_buffer(4 << 10);
        conn.handle_received(0);
    });
    let mut driver_buffer = 0;
    let (echoed, _) = held(|conn| {
        // An echo with `handle_all` and the driver's message buffer,
        // output written after each read. That buffer is the driver's: it
        // is freed before the reading; its capacity is reported apart.
        let mut message = Vec::new();
        let mut echoes = 0;
        for piece in stream.bytes.chunks(READ_CHUNK) {
            input[..piece.len()].copy_from_slice(piece);
            conn.handle_all(&mut input[..piece.len()], &mut message, |conn, event| {
                if let Event::Binary(data) = event {
                    echoes += 1;
                    conn.send_binary(data).expect("echo");
                }
            });
            drain(conn);
        }
        assert_eq!(echoes, 1);
        driver_buffer = message.capacity();
    });
    let (echoed_own, heap_bytes) = held(|conn| {
        assert_eq!(echo_own(conn, &stream.bytes), 1);
        // The next read would block: the connection waits for input.
        let _ = conn.recv_buffer(4 << 10);
        conn.handle_received(0);
    });
    Row {
        received,
        received_own,
        waiting,
        would_block,
        sent,
        sent_then_waiting,
        echoed,
        echoed_own,
        heap_bytes,
        driver_buffer,
    }
}

/// Echoes every binary message in `stream` the way the example servers do:
/// each read into the connection's own buffers (64 KiB), the events taken
/// with `poll_event_into` and a message buffer of the driver's that is
/// freed at the end, the output written after each read. Returns the
/// messages echoed.
fn echo_own(conn: &mut Connection, stream: &[u8]) -> usize {
    let mut message = Vec::new();
    let (mut pos, mut echoes) = (0, 0);
    while pos < stream.len() {
        pos += read_own(conn, &stream[pos..], READ_CHUNK);
        while let Some(event) = conn.poll_event_into(&mut message) {
            if let Event::Binary(data) = event {
                echoes += 1;
                conn.send_binary(data).expect("echo");
            }
        }
        drain(conn);
    }
    echoes
}

/// Prints the table of one server connection per library: its name, its
/// connection type, `size_of` that type, the heap after the handshake and
/// after one 1 MiB message.
pub fn print_connections(rows: &[(&str, &str, usize, isize, isize)]) {
    println!("## Memory (one server connection)\n");
    println!("| library | type | size_of | heap after the handshake, idle | heap after one 1 MiB message |");
    println!("|---|---|---|---|---|");
    for &(lib, ty, size, idle, after) in rows {
        let (idle, after) = (kib(idle), kib(after));
        println!("| {lib} | `{ty}` | {size} B | {idle} | {after} |");
    }
    println!();
}

/// Prints the table of the rows.
pub fn print_table() {
    println!(
        "## Memory of an idle connection (one wsmachine server connection, counting allocator)\n"
    );
    println!("Heap the connection holds once every event is taken and its output written, after one binary message; target: at most {TARGET} B.\n");
    println!("| message | after receiving it (`handle_input`) | after receiving it (`recv_buffer`, 64 KiB) | then waiting in a read (`recv_buffer(4096)`, nothing read yet) / after it would block (`handle_received(0)`) | after sending it / then after a read that would block | after echoing it (`handle_all`) | after echoing it (`recv_buffer`, `poll_event_into`), then a read that would block | `heap_bytes()` then | the driver's message buffer after the `handle_all` echo |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for size in SIZES {
        let r = row(size);
        println!(
            "| {} | {} | {} | {} / {} | {} / {} | {} | {} | {} | {} |",
            kib(size as isize),
            kib(r.received),
            kib(r.received_own),
            kib(r.waiting),
            kib(r.would_block),
            kib(r.sent),
            kib(r.sent_then_waiting),
            kib(r.echoed),
            kib(r.echoed_own),
            kib(r.heap_bytes as isize),
            kib(r.driver_buffer as isize),
        );
    }
    println!();
}
