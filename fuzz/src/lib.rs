//! Support for the fuzz targets: a counting global allocator that gives the
//! heap high-water mark of one input, the decoding of "bytes in arbitrary
//! splits" inputs, and the connection driver of the connection targets.
//! Randomness, the frame walker and agreed extension codecs come from the
//! test kit (`wsmachine-testkit`), shared with the tests and benchmarks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wsmachine_testkit::{agreed_codecs, connection, last_frame};

// ----- counting allocator -----

/// The system allocator, counting the bytes it has handed out.
///
/// `unsafe` is forbidden in the library, not here: this is the fuzz crate.
/// Every method forwards to `System` unchanged and only updates the counters.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(n: usize) {
    CURRENT.fetch_sub(n, Ordering::Relaxed);
}

// SAFETY: each method calls `System` with the caller's arguments, so the
// `GlobalAlloc` contract is `System`'s; the counters do not touch memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            // Counted as a copy: old and new blocks both live for a moment.
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the most heap bytes in use at any
/// moment during the call, above what was in use when it started (memory
/// freed inside `f` below the starting level does not make room).
pub fn peak_heap<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = CURRENT.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed) - start)
}

/// Heap memory allowed on top of the configured limits for everything of
/// fixed size: the boxed randomness, the auto-pong budget (4 pongs of at most
/// 139 bytes) and a deferred pong, a Close frame, and growth rounding of
/// those small buffers. Measured peaks for inputs with no message stay under
/// 2 KiB; 4 KiB leaves room without hiding anything proportional to input.
pub const FIXED_SLACK: usize = 4 * 1024;

/// Heap bytes a parsed handshake may take per byte of its header block.
/// The densest lists are `Sec-WebSocket-Extensions` parameters and entries
/// and `Sec-WebSocket-Protocol` entries: two bytes (`;a` or `,a`) make a
/// 48-byte record (two `String`s or a `String` and a `Vec`), 24 bytes per
/// header byte. A vector grown by doubling briefly holds its old and its new
/// block, up to 3 times its length: 72 bytes per header byte. The 1-byte
/// names, the header fields, the method and the target copy the block about
/// twice more.
pub const PARSE_FACTOR: usize = 76;

/// The heap a `Connection` may use for `config`: the message buffer holds at
/// most one message plus one cut control payload; a `Vec` grown by doubling
/// has at most twice its length in capacity, and while it grows the old and
/// the new block are both allocated (3× in all).
pub fn connection_bound(config: &wsmachine::Config) -> usize {
    let message = usize::try_from(config.max_message_size).unwrap_or(usize::MAX);
    3 * (message + 125) + FIXED_SLACK
}

/// The heap of the caller's buffer that `handle_input_into` hands payloads
/// over in: the last one handed over, at most a message (or a control
/// payload), in a buffer grown by doubling.
pub fn handed_over_bound(config: &wsmachine::Config) -> usize {
    let message = usize::try_from(config.max_message_size).unwrap_or(usize::MAX);
    2 * (message + 125)
}

// ----- split inputs -----

/// An input for the targets that take "bytes in arbitrary splits":
///
/// ```text
/// flags: u8 | n: u8 | n cut points: u16 LE each | the bytes
/// ```
///
/// The bytes stay contiguous, so a seed is a byte stream with a 2-byte
/// prefix (`flags 0x00, n 0x00`: one read, default options) and the
/// mutator works on the stream itself. `n` is taken modulo 16.
pub struct SplitInput<'a> {
    pub flags: u8,
    pub cuts: Vec<usize>,
    pub bytes: &'a [u8],
}

impl<'a> SplitInput<'a> {
    pub fn parse(data: &'a [u8]) -> Option<SplitInput<'a>> {
        let (&flags, rest) = data.split_first()?;
        let (&n, rest) = rest.split_first()?;
        let n = usize::from(n % 16);
        if rest.len() < 2 * n {
            return None;
        }
        let (raw, bytes) = rest.split_at(2 * n);
        let mut cuts: Vec<usize> = raw
            .chunks_exact(2)
            .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (bytes.len() + 1))
            .collect();
        cuts.sort_unstable();
        Some(SplitInput { flags, cuts, bytes })
    }

    /// The pieces of `bytes` between the cut points (some may be empty).
    pub fn pieces(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        let ends = self
            .cuts
            .iter()
            .copied()
            .chain(std::iter::once(bytes.len()));
        let mut start = 0;
        ends.map(move |end| {
            let piece = &bytes[start..end];
            start = end;
            piece
        })
    }

    pub fn flag(&self, bit: u8) -> bool {
        self.flags & (1 << bit) != 0
    }
}

// ----- a connection fed arbitrary bytes -----

/// Options of [`run_connection`], from the flags byte of a [`SplitInput`]:
///
/// | bit | meaning |
/// |---|---|
/// | 0 | `Delivery::Chunks` |
/// | 1 | `handle_input_into` with a caller-owned buffer; with an odd number of cut points, reads into the connection's own buffers instead (`recv_buffer`, each piece read in as few reads as the connection's slices allow) |
/// | 2 | `auto_pong` off |
/// | 3 | the caller never writes: output only piles up |
/// | 4 | end of file after the last piece |
/// | 5 | keepalive on; the clock moves 700 ms between pieces |
/// | 6–7 | limits: frame/message 16K/64K, 125/256, 1K/4K, 64K/16K |
pub fn connection_config(flags: u8) -> wsmachine::Config {
    use std::time::Duration;
    let mut config = wsmachine::Config::default();
    let (frame, message) = match flags >> 6 {
        0 => (16 << 10, 64 << 10),
        1 => (125, 256),
        2 => (1 << 10, 4 << 10),
        _ => (64 << 10, 16 << 10),
    };
    config.max_frame_size = frame;
    config.max_message_size = message;
    config.max_output_buffer = 64 << 10;
    config.buffer_retain = 4 << 10;
    if flags & 1 != 0 {
        config.delivery = wsmachine::Delivery::Chunks;
        // Small enough that inflated messages cross it often: 1 KiB, 7 B,
        // 64 B, 4 KiB.
        config.max_chunk_size = usize::try_from(frame / 16).unwrap_or(1).max(7);
    }
    config.auto_pong = flags & (1 << 2) == 0;
    if flags & (1 << 5) != 0 {
        config.keepalive = Some(wsmachine::Keepalive {
            idle: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        });
    }
    config
}

/// Feeds `data` (a [`SplitInput`]) to a connection in `role` and checks:
/// no panic; `None` means the input was used up; every event consumed input
/// (so no endless loop); no event once closed or after the peer's Close; a
/// protocol error closes the connection and queues a Close frame carrying
/// its code; messages and control payloads respect the limits; streamed text
/// is UTF-8 at the end of each message; and the heap peak stays under
/// [`connection_bound`].
pub fn run_connection(role: wsmachine::Role, data: &[u8]) {
    run_connection_with(role, data, None);
}

/// Heap of the permessage-deflate inflater, with room to spare: miniz_oxide
/// 0.9 holds a 32 KiB window and its tables (43,296 bytes); zlib-rs 0.6 its
/// inflater (47,552 bytes) while a message passes, and up to 32 KiB of the
/// peer's data between messages. A connection that only receives never
/// allocates the compressor.
pub fn inflater_heap(backend: wsmachine::extension::deflate::Backend) -> usize {
    match backend {
        wsmachine::extension::deflate::Backend::MinizOxide => 48 * 1024,
        _ => 96 * 1024,
    }
}

/// The room an announced frame length may reserve in a connection's
/// message buffer ahead of its bytes: 64 KiB, or `buffer_retain` when
/// larger.
pub fn announced_length_room(config: &wsmachine::Config) -> usize {
    config.buffer_retain.max(64 << 10)
}

/// [`run_connection`] with permessage-deflate negotiated: messages with RSV1
/// are inflated, and the inflated size must stay within the limits.
pub fn run_deflate_connection(
    role: wsmachine::Role,
    backend: wsmachine::extension::deflate::Backend,
    data: &[u8],
) {
    run_connection_with(role, data, Some(backend));
}

fn run_connection_with(
    role: wsmachine::Role,
    data: &[u8],
    deflate: Option<wsmachine::extension::deflate::Backend>,
) {
    let Some(input) = SplitInput::parse(data) else {
        return;
    };
    let config = connection_config(input.flags);
    let handed_over = if recv_mode(&input) {
        // The read area holds at most the bytes given to it, and an eighth
        // more of capacity when it grows (room for a frame whose header
        // shifted it, see `Inbox::room`).
        input.bytes.len() + input.bytes.len() / 8
    } else if input.flag(1) {
        handed_over_bound(&config)
    } else {
        0
    };
    let bound = connection_bound(&config) + deflate.map_or(0, inflater_heap);
    let peak_bound = bound + handed_over;
    let pieces: Vec<Vec<u8>> = input.pieces().map(<[u8]>::to_vec).collect();
    let ((), peak) = peak_heap(|| drive(role, config, &input, pieces, deflate, bound));
    assert!(
        peak <= peak_bound,
        "heap peak {peak} over the bound {peak_bound}"
    );
}

/// The codec both ends agree on for the default offer and answer, on
/// `backend`.
fn deflate_codec(
    role: wsmachine::Role,
    backend: wsmachine::extension::deflate::Backend,
) -> Box<dyn wsmachine::extension::MessageCodec> {
    let mut config = wsmachine::extension::deflate::DeflateConfig::default();
    config.backend = backend;
    let (client, server) = agreed_codecs(&config, &config);
    match role {
        wsmachine::Role::Server => Box::new(server),
        wsmachine::Role::Client => Box::new(client),
    }
}

/// What an event said, copied out so that the connection is free again:
/// lengths rather than payloads. The kit's `Ev` copies payloads; here the
/// copies would count in the heap peak the targets bound (a whole message
/// on top of the connection's own buffer) and cost time on every input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Text(usize),
    Binary(usize),
    Chunk(wsmachine::MessageKind, Vec<u8>, bool),
    Control(usize),
    Close(Option<u16>, usize),
    Closed(wsmachine::CloseOutcome, String),
}

impl Seen {
    pub fn of(event: wsmachine::Event<'_>) -> Seen {
        use wsmachine::Event;
        match event {
            Event::Text(t) => Seen::Text(t.len()),
            Event::Binary(b) => Seen::Binary(b.len()),
            Event::Chunk { kind, data, fin } => Seen::Chunk(kind, data.to_vec(), fin),
            Event::Ping(p) | Event::Pong(p) => Seen::Control(p.len()),
            Event::Close { code, reason } => Seen::Close(code.map(|c| c.0), reason.len()),
            Event::Closed { outcome, reason } => Seen::Closed(outcome, reason.to_owned()),
            other => panic!("an event of a new kind: {other:?}"),
        }
    }
}

/// Checks the final event: once, on a closed connection, agreeing with
/// `close_outcome`; a violation's Close frame is the last one queued (output
/// is drained whole after each piece, so what waits is whole frames).
pub fn check_final(conn: &wsmachine::Connection, outcome: wsmachine::CloseOutcome, reason: &str) {
    assert!(conn.is_closed(), "the final event from an open connection");
    assert_eq!(conn.close_outcome(), Some(outcome));
    if let wsmachine::CloseCause::Violation(e) = outcome.cause {
        assert!(!outcome.clean);
        assert_eq!(reason, e.reason());
        assert_eq!(
            last_frame(conn.poll_output()).and_then(|f| f.close_code()),
            Some(e.close_code().0),
            "no Close frame with the error's code"
        );
    }
}

/// Whether the bytes go through the connection's own buffers.
fn recv_mode(input: &SplitInput) -> bool {
    input.flag(1) && input.cuts.len() % 2 == 1
}

/// The next event from `piece` read into the connection's own buffers: the
/// events of bytes read earlier first, then reads until one gives an event
/// or the piece is used up. Returns how many bytes of `piece` were read.
fn recv_step(conn: &mut wsmachine::Connection, piece: &[u8]) -> (usize, Option<Seen>) {
    if let Some(event) = conn.poll_event() {
        return (0, Some(Seen::of(event)));
    }
    let mut used = 0;
    while used < piece.len() {
        let slice = conn.recv_buffer(piece.len() - used);
        assert!(!slice.is_empty() && slice.len() <= piece.len() - used);
        let n = slice.len();
        slice.copy_from_slice(&piece[used..used + n]);
        conn.handle_received(n);
        used += n;
        if let Some(event) = conn.poll_event() {
            return (used, Some(Seen::of(event)));
        }
    }
    (used, None)
}

fn drive(
    role: wsmachine::Role,
    config: wsmachine::Config,
    input: &SplitInput,
    pieces: Vec<Vec<u8>>,
    deflate: Option<wsmachine::extension::deflate::Backend>,
    bound: usize,
) {
    use std::time::Duration;
    use wsmachine::{Delivery, MessageKind};

    let max_message = usize::try_from(config.max_message_size).unwrap_or(usize::MAX);
    let max_held_chunks = max_message / config.max_chunk_size.max(1) + 2;
    let mut held_chunks = 0usize;
    let chunks = config.delivery == Delivery::Chunks;
    let mut conn = connection(role, config);
    if let Some(backend) = deflate {
        conn.set_codec(deflate_codec(role, backend));
    }
    let mut buffer = Vec::new();
    let mut now = Duration::ZERO;
    let mut streamed: Option<(MessageKind, Vec<u8>)> = None;
    let mut peer_closed = false;
    let mut reported = false;
    for mut piece in pieces {
        let mut pos = 0;
        let mut events = 0usize;
        let len = piece.len();
        loop {
            let was_closed = conn.is_closed();
            let (used, event) = if recv_mode(input) {
                recv_step(&mut conn, &piece[pos..])
            } else if input.flag(1) {
                let (used, event) = conn.handle_input_into(&mut piece[pos..], &mut buffer);
                (used, event.map(Seen::of))
            } else {
                let (used, event) = conn.handle_input(&mut piece[pos..]);
                (used, event.map(Seen::of))
            };
            assert!(used <= len - pos);
            pos += used;
            let Some(event) = event else {
                assert_eq!(pos, len, "None before the input was used up");
                break;
            };
            assert!(!reported, "an event after the final one: {event:?}");
            if recv_mode(input) {
                // Events of bytes read earlier come with no new input, as do
                // chunks a codec held back: only an endless run is wrong.
                events += 1;
                assert!(
                    events <= (len + 1) * (max_held_chunks + 1),
                    "endless events"
                );
            } else if used == 0 && matches!(event, Seen::Chunk(..)) {
                // A chunk of an inflated message may come from output the
                // codec held back at `max_chunk_size`, with no new input; at
                // most a message's worth in a row.
                held_chunks += 1;
                assert!(
                    held_chunks <= max_held_chunks,
                    "endless chunks without input"
                );
            } else {
                // Every other event uses input.
                held_chunks = 0;
                events += 1;
                assert!(events <= len + 1, "more events than input bytes");
            }
            if let Seen::Closed(outcome, reason) = &event {
                check_final(&conn, *outcome, reason);
                reported = true;
                continue;
            }
            assert!(!was_closed, "an event from a closed connection");
            assert!(!peer_closed, "an event after the peer's Close: {event:?}");
            match event {
                Seen::Text(n) | Seen::Binary(n) => assert!(!chunks && n <= max_message),
                Seen::Chunk(kind, data, fin) => {
                    assert!(chunks);
                    let (k, all) = streamed.get_or_insert_with(|| (kind, Vec::new()));
                    assert_eq!(*k, kind, "kind changed within a message");
                    all.extend_from_slice(&data);
                    assert!(all.len() <= max_message);
                    if fin {
                        if kind == MessageKind::Text {
                            assert!(std::str::from_utf8(all).is_ok(), "streamed text not UTF-8");
                        }
                        streamed = None;
                    }
                }
                Seen::Control(n) => assert!(n <= 125),
                Seen::Close(code, reason) => {
                    assert!(reason <= 123);
                    assert!(code.is_some() || reason == 0);
                    peer_closed = true;
                }
                Seen::Closed(..) => unreachable!(),
            }
        }
        assert!(conn.heap_bytes() <= bound);
        assert!(buffer.capacity() <= handed_over_bound(&conn.config()));
        if input.flags & (1 << 3) == 0 {
            // Writing everything may release one deferred pong; writing
            // that empties the output.
            for _ in 0..2 {
                let n = conn.poll_output().len();
                conn.advance_output(n);
            }
            assert!(conn.poll_output().is_empty());
        }
        if input.flag(5) {
            now += Duration::from_millis(700);
            conn.handle_timeout(now);
        }
    }
    if input.flag(4) {
        conn.handle_eof();
        assert!(conn.is_closed());
        assert!(conn.poll_timeout().is_none());
    }
    // However it ended, a closed connection reported it once.
    if conn.is_closed() {
        let last = conn.poll_event().map(Seen::of);
        assert_eq!(last.is_some(), !reported, "the final event: {last:?}");
        if let Some(Seen::Closed(outcome, reason)) = last {
            // A violation is reported by the input call that finds it.
            assert!(!matches!(
                outcome.cause,
                wsmachine::CloseCause::Violation(_)
            ));
            check_final(&conn, outcome, &reason);
        }
        assert!(conn.poll_event().is_none(), "a second final event");
    }
}
