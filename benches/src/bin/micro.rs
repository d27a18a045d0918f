//! In-memory, single-thread benchmarks of wsmachine against tungstenite,
//! fastwebsockets and shiguredo_websocket, and against the physical limit.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin micro [-- --rounds N --mib M --only W1]
//! ```
//!
//! Prints Markdown tables: medians over interleaved rounds and the ratios
//! wsmachine/peer and wsmachine/limit (throughput ratios: above 1 means
//! wsmachine is faster).

use std::hint::black_box;

use fastwebsockets::{FragmentCollector, Frame, Payload};
use shiguredo_websocket::{
    ClientConnectionOptions, ConnectionEvent, ConnectionOutput, RandomSource,
    ServerConnectionOptions, Timestamp, WebSocketClientConnection, WebSocketServerConnection,
};
use tungstenite::protocol::{Role as TRole, WebSocket as TWebSocket, WebSocketContext};
use tungstenite::{Bytes, Message};
use wsmachine::handshake::{Accept, HandshakeConfig, ServerHandshake};
use wsmachine::{ChaChaRandom, Config, Connection, OsRandom, Status};
use wsmachine_bench::alloc_count::{live_bytes, start_counting, Counting};
use wsmachine_bench::frames::{self, Kind, SIZES};
use wsmachine_bench::idle_heap;
use wsmachine_bench::limits::{
    hs_limit, limit_copy_mask, limit_copy_then_xor, limit_memcpy, limit_per_message,
    limit_send_per_message,
};
use wsmachine_bench::mem_stream::{MemStream, READ_CHUNK};
use wsmachine_bench::runner::{self, Contender, Timings};
use wsmachine_bench::{
    block_on, consume, receive_shiguredo, receive_wsmachine, receive_wsmachine_own,
};
use wsmachine_testkit::TestRng;

#[global_allocator]
static ALLOC: Counting = Counting;

const WS: &str = "wsmachine";
/// wsmachine reading into its own buffers (`recv_buffer`).
const WS_OWN: &str = "wsmachine recv_buffer";
/// wsmachine's client masking with `ChaChaRandom` instead of `OsRandom` (W2).
const WS_CHACHA: &str = "wsmachine ChaChaRandom";
const TUNG: &str = "tungstenite";
const FAST: &str = "fastwebsockets";
const SHIG: &str = "shiguredo";
const PEERS: [&str; 3] = [TUNG, FAST, SHIG];

struct Options {
    rounds: usize,
    /// Bytes of frames per W1 row.
    total: usize,
    only: Option<String>,
    /// Run only this contender (for a profiler); the tables stay empty.
    just: Option<String>,
    /// Only this payload size (W1, W2).
    size: Option<usize>,
    /// Only this kind of message (W1): binary, ascii or multi-byte.
    kind: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        rounds: 15,
        total: 16 << 20,
        only: None,
        just: None,
        size: None,
        kind: None,
    };
    let usage = "use --rounds N, --mib M, --only W1|W2|W3|W4|MEM, --just CONTENDER, --size BYTES, --kind binary|ascii|multi-byte, --got BYTES (the most one recv_buffer read gets), --retain BYTES (buffer_retain of the recv_buffer connection)";
    runner::parse_flags(usage, |flag, value| {
        match flag {
            "--rounds" => o.rounds = value.parse().expect("--rounds N"),
            "--mib" => o.total = value.parse::<usize>().expect("--mib M") << 20,
            "--only" => o.only = Some(value),
            "--just" => o.just = Some(value),
            "--size" => o.size = Some(value.parse().expect("--size BYTES")),
            "--kind" => o.kind = Some(value),
            "--got" => wsmachine_bench::set_read_gives(value.parse().expect("--got BYTES")),
            "--retain" => wsmachine_bench::set_own_retain(value.parse().expect("--retain BYTES")),
            _ => return false,
        }
        true
    });
    o
}

/// The payload sizes to run.
fn sizes(o: &Options) -> Vec<usize> {
    SIZES
        .into_iter()
        .filter(|s| o.size.is_none_or(|only| only == *s))
        .collect()
}

fn main() {
    let o = options();
    let want = |w: &str| o.only.as_deref().is_none_or(|only| only == w);
    wsmachine_bench::print_run_header(o.rounds, o.total);
    if want("W1") {
        w1(&o);
    }
    if want("W2") {
        w2(&o);
    }
    if want("W3") {
        w3(&o);
    }
    if want("W4") {
        w4(&o);
    }
    if want("MEM") {
        memory();
    }
}

// ----- the randomness every client gets -----

/// shiguredo's masking keys come from the same source wsmachine's client uses.
struct ShiguredoRandom(OsRandom);

impl RandomSource for ShiguredoRandom {
    fn masking_key(&mut self) -> [u8; 4] {
        let mut k = [0; 4];
        wsmachine::Randomness::fill(&mut self.0, &mut k);
        k
    }
    fn nonce(&mut self) -> [u8; 16] {
        let mut k = [0; 16];
        wsmachine::Randomness::fill(&mut self.0, &mut k);
        k
    }
}

// ----- connections after their handshakes -----

/// A shiguredo server connection that accepted `request`.
fn shiguredo_server(request: &[u8]) -> WebSocketServerConnection {
    let mut conn = WebSocketServerConnection::new(ServerConnectionOptions::new());
    conn.feed_recv_buf(request)
        .expect("shiguredo parses the request");
    conn.accept_handshake_auto().expect("shiguredo accepts");
    while conn.poll_output().is_some() {}
    while conn.poll_event().is_some() {}
    conn
}

/// A shiguredo client connection after a handshake with a shiguredo server.
fn shiguredo_client() -> WebSocketClientConnection<ShiguredoRandom> {
    let mut client = WebSocketClientConnection::new(
        ClientConnectionOptions::new("server.example.com", "/chat"),
        ShiguredoRandom(OsRandom::new()),
    );
    client.connect().expect("shiguredo client starts");
    let mut request = Vec::new();
    while let Some(out) = client.poll_output() {
        if let ConnectionOutput::SendData(d) = out {
            request.extend_from_slice(&d);
        }
    }
    let mut server = WebSocketServerConnection::new(ServerConnectionOptions::new());
    server.feed_recv_buf(&request).expect("request");
    server.accept_handshake_auto().expect("accept");
    let mut response = Vec::new();
    while let Some(out) = server.poll_output() {
        if let ConnectionOutput::SendData(d) = out {
            response.extend_from_slice(&d);
        }
    }
    client
        .feed_recv_buf(&response, Timestamp::from_millis(0))
        .expect("shiguredo client takes the 101");
    while client.poll_output().is_some() {}
    while client.poll_event().is_some() {}
    client
}

// ----- W1: server receive -----

#[inline(never)]
fn w1_wsmachine(stream: &[u8], buf: &mut [u8]) -> usize {
    receive_wsmachine(&mut Connection::server(Config::default()), stream, buf)
}

#[inline(never)]
fn w1_wsmachine_own(stream: &[u8]) -> usize {
    let mut config = Config::default();
    config.buffer_retain = wsmachine_bench::own_retain();
    receive_wsmachine_own(&mut Connection::server(config), stream, READ_CHUNK)
}

#[inline(never)]
fn w1_tungstenite(stream: &[u8]) -> usize {
    let mut ws = TWebSocket::from_raw_socket(MemStream::new(stream), TRole::Server, None);
    let mut count = 0;
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => consume(&b),
            Ok(Message::Text(t)) => consume(t.as_bytes()),
            Ok(m) => panic!("unexpected {m:?}"),
            Err(_) => return count, // the end of the input
        }
        count += 1;
    }
}

#[inline(never)]
fn w1_fastwebsockets(stream: &[u8]) -> usize {
    let ws = fastwebsockets::WebSocket::after_handshake(
        MemStream::new(stream),
        fastwebsockets::Role::Server,
    );
    let mut ws = FragmentCollector::new(ws);
    block_on(async {
        let mut count = 0;
        while let Ok(frame) = ws.read_frame().await {
            consume(&frame.payload);
            count += 1;
        }
        count
    })
}

#[inline(never)]
fn w1_shiguredo(request: &[u8], stream: &[u8], buf: &mut [u8]) -> usize {
    receive_shiguredo(&mut shiguredo_server(request), stream, buf)
}

fn std_utf8(p: &[u8]) -> bool {
    core::str::from_utf8(p).is_ok()
}

fn simd_utf8(p: &[u8]) -> bool {
    simdutf8::basic::from_utf8(p).is_ok()
}

fn w1(o: &Options) {
    println!(
        "## W1 server receive (masked client frames, {} KiB reads)\n",
        READ_CHUNK >> 10
    );
    println!("| payload | kind | wsmachine MB/s | wsmachine msg/s | vs tungstenite | vs fastwebsockets | vs shiguredo | vs limit (per-message) | vs limit, simdutf8 | vs copy+xor | recv_buffer vs limit | recv_buffer vs fastwebsockets |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let request = frames::chromium_request();
    for size in sizes(o) {
        for kind in [Kind::Binary, Kind::Ascii, Kind::MultiByte] {
            if o.kind
                .as_deref()
                .is_some_and(|k| !kind.label().ends_with(k))
            {
                continue;
            }
            let s = frames::client_stream(kind, size, o.total);
            let stream = &s.bytes[..];
            let mut bufs: Vec<Vec<u8>> = (0..6).map(|_| vec![0u8; READ_CHUNK]).collect();
            let [b0, b1, b2, b3, b4, b5] = &mut bufs[..] else {
                unreachable!()
            };
            let utf8 = kind.is_text().then_some(std_utf8 as fn(&[u8]) -> bool);
            let mut cs = vec![
                Contender::new(WS, || w1_wsmachine(stream, b0)),
                Contender::new(TUNG, || w1_tungstenite(stream)),
                Contender::new(FAST, || w1_fastwebsockets(stream)),
                Contender::new(SHIG, || w1_shiguredo(&request, stream, b1)),
                Contender::new("memcpy", || limit_memcpy(stream, b2)),
                Contender::new("copy+xor", || limit_copy_then_xor(stream, b3)),
                Contender::new("per-message", || limit_per_message(&s, b4, utf8)),
            ];
            cs.push(Contender::new(WS_OWN, || w1_wsmachine_own(stream)));
            let mut expect = vec![Some(s.messages); 4];
            expect.extend([None, None, Some(s.messages), Some(s.messages)]);
            if kind.is_text() {
                cs.push(Contender::new("per-message simdutf8", || {
                    limit_per_message(&s, b5, Some(simd_utf8))
                }));
                expect.push(Some(s.messages));
            }
            let t = runner::run(cs, o.rounds, &expect, o.just.as_deref());
            print_receive_row(size, kind, &s, &t);
            details(&t, s.bytes.len(), s.messages);
        }
    }
    println!();
}

fn print_receive_row(size: usize, kind: Kind, s: &frames::ClientStream, t: &Timings) {
    let Some(ws) = t.index(WS) else { return };
    let secs = t.median(ws);
    let ratio = |name: &str| t.ratio(WS, name);
    let peers: Vec<String> = PEERS.iter().map(|p| ratio(p)).collect();
    println!(
        "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
        size_label(size),
        kind.label(),
        s.bytes.len() as f64 / secs / 1e6,
        si(s.messages as f64 / secs),
        peers.join(" | "),
        ratio("per-message"),
        ratio("per-message simdutf8"),
        ratio("copy+xor"),
        t.ratio(WS_OWN, "per-message"),
        t.ratio(WS_OWN, FAST),
    );
}

/// Every contender's median, for the detail list under the tables.
fn details(t: &Timings, bytes: usize, messages: usize) {
    let parts: Vec<String> = (0..t.names.len())
        .map(|i| {
            let s = t.median(i);
            format!(
                "{} {:.0} MB/s {}msg/s",
                t.names[i],
                bytes as f64 / s / 1e6,
                si(messages as f64 / s)
            )
        })
        .collect();
    eprintln!("    {}", parts.join("; "));
}

fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

/// 12.3 M, 456 k, 789.
fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.0} k", x / 1e3)
    } else {
        format!("{x:.0} ")
    }
}

// ----- W2 and W3: sending -----

/// Messages per send pass: the W1 bytes' worth, at most
/// [`frames::MAX_MESSAGES`].
fn send_count(o: &Options, size: usize) -> usize {
    (o.total / size).clamp(16, frames::MAX_MESSAGES)
}

#[inline(never)]
fn send_wsmachine(mut conn: Connection, payloads: &[Vec<u8>], count: usize) -> usize {
    for i in 0..count {
        conn.send_binary(&payloads[i % payloads.len()])
            .expect("send");
        let out = conn.poll_output();
        consume(out);
        let n = out.len();
        conn.advance_output(n);
    }
    count
}

#[inline(never)]
fn send_tungstenite(role: TRole, payloads: &[Bytes], count: usize) -> usize {
    let mut ws = TWebSocket::from_raw_socket(MemStream::new(&[]), role, None);
    for i in 0..count {
        ws.send(Message::Binary(payloads[i % payloads.len()].clone()))
            .expect("send");
    }
    count
}

#[inline(never)]
fn send_fastwebsockets(role: fastwebsockets::Role, payloads: &[Vec<u8>], count: usize) -> usize {
    let mut ws = fastwebsockets::WebSocket::after_handshake(MemStream::new(&[]), role);
    block_on(async {
        for i in 0..count {
            let p = &payloads[i % payloads.len()][..];
            ws.write_frame(Frame::binary(Payload::Borrowed(p)))
                .await
                .expect("send");
        }
    });
    count
}

fn drain_shiguredo(out: Option<ConnectionOutput>) -> bool {
    match out {
        Some(ConnectionOutput::SendData(d)) => {
            consume(&d);
            true
        }
        Some(_) => true,
        None => false,
    }
}

#[inline(never)]
fn send_shiguredo_client(payloads: &[Vec<u8>], count: usize) -> usize {
    let mut conn = shiguredo_client();
    for i in 0..count {
        conn.send_binary(&payloads[i % payloads.len()])
            .expect("send");
        while drain_shiguredo(conn.poll_output()) {}
    }
    count
}

#[inline(never)]
fn send_shiguredo_server(request: &[u8], payloads: &[Vec<u8>], count: usize) -> usize {
    let mut conn = shiguredo_server(request);
    for i in 0..count {
        conn.send_binary(&payloads[i % payloads.len()])
            .expect("send");
        while drain_shiguredo(conn.poll_output()) {}
    }
    count
}

/// The frames' bytes (header and payload) of `count` messages of `size`.
fn frame_bytes(size: usize, count: usize, masked: bool) -> usize {
    let header = 2 + if size < 126 {
        0
    } else if size <= 0xffff {
        2
    } else {
        8
    };
    count * (size + header + if masked { 4 } else { 0 })
}

fn send_payloads(size: usize) -> (Vec<Vec<u8>>, Vec<Bytes>) {
    let mut rng = TestRng(0x5eed ^ size as u64);
    let v: Vec<Vec<u8>> = (0..8)
        .map(|_| frames::payload(Kind::Binary, size, &mut rng))
        .collect();
    let b = v.iter().map(|p| Bytes::copy_from_slice(p)).collect();
    (v, b)
}

fn w2(o: &Options) {
    println!("## W2 client send (encode and mask binary messages into output bytes)\n");
    println!("| payload | wsmachine MB/s | wsmachine msg/s | vs tungstenite | vs fastwebsockets | vs shiguredo | vs limit (per-message) | vs copy+mask | with ChaChaRandom: vs tungstenite | vs fastwebsockets |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for size in sizes(o) {
        send_row(o, size, true);
    }
    println!();
}

fn w3(o: &Options) {
    println!("## W3 server send (16-byte binary messages, unmasked)\n");
    println!("| payload | wsmachine MB/s | wsmachine msg/s | vs tungstenite | vs fastwebsockets | vs shiguredo | vs limit (per-message) | vs memcpy |");
    println!("|---|---|---|---|---|---|---|---|");
    send_row(o, 16, false);
    println!();
}

/// One sending row, as a client (masking; W2) or a server (W3): ratios
/// against the peers, the per-message floor, and a bandwidth row (copy+mask
/// for a client, memcpy for a server).
fn send_row(o: &Options, size: usize, client: bool) {
    let count = send_count(o, size);
    let (payloads, bytes) = send_payloads(size);
    let request = frames::chromium_request();
    let out_len = frame_bytes(size, count, client);
    // The bandwidth row copies (and masks) as many bytes as the frames hold.
    let src = vec![0x5au8; out_len];
    let mut b0 = vec![0u8; READ_CHUNK];
    let (t_role, f_role, bandwidth) = if client {
        (TRole::Client, fastwebsockets::Role::Client, "copy+mask")
    } else {
        (TRole::Server, fastwebsockets::Role::Server, "memcpy")
    };
    let mut cs = vec![
        Contender::new(WS, || {
            let conn = if client {
                Connection::client(Config::default(), OsRandom::new())
            } else {
                Connection::server(Config::default())
            };
            send_wsmachine(conn, &payloads, count)
        }),
        Contender::new(TUNG, || send_tungstenite(t_role, &bytes, count)),
        Contender::new(FAST, || send_fastwebsockets(f_role, &payloads, count)),
        Contender::new(SHIG, || {
            if client {
                send_shiguredo_client(&payloads, count)
            } else {
                send_shiguredo_server(&request, &payloads, count)
            }
        }),
        Contender::new(bandwidth, || {
            if client {
                limit_copy_mask(&src, &mut b0)
            } else {
                limit_memcpy(&src, &mut b0)
            }
        }),
        Contender::new("per-message", || {
            limit_send_per_message(&payloads, count, client)
        }),
    ];
    let mut expect = vec![Some(count); 4];
    expect.extend([None, Some(count)]);
    if client {
        cs.push(Contender::new(WS_CHACHA, || {
            let conn = Connection::client(Config::default(), ChaChaRandom::new());
            send_wsmachine(conn, &payloads, count)
        }));
        expect.push(Some(count));
    }
    let t = runner::run(cs, o.rounds, &expect, o.just.as_deref());
    let Some(ws) = t.index(WS) else { return };
    let secs = t.median(ws);
    let peers: Vec<String> = PEERS.iter().map(|p| t.ratio(WS, p)).collect();
    let chacha = if client {
        format!(
            " {} | {} |",
            t.ratio(WS_CHACHA, TUNG),
            t.ratio(WS_CHACHA, FAST)
        )
    } else {
        String::new()
    };
    println!(
        "| {} | {:.0} | {} | {} | {} | {} |{chacha}",
        size_label(size),
        out_len as f64 / secs / 1e6,
        si(count as f64 / secs),
        peers.join(" | "),
        t.ratio(WS, "per-message"),
        t.ratio(WS, bandwidth),
    );
    details(&t, out_len, count);
}

// ----- W4: the opening handshake -----

#[inline(never)]
fn hs_wsmachine(request: &[u8], count: usize) -> usize {
    for _ in 0..count {
        let mut hs = ServerHandshake::new(HandshakeConfig::default());
        let Ok(Status::Complete(req)) = hs.handle_input(request) else {
            panic!("wsmachine refused the request");
        };
        let accepted = req.accept(Accept::new()).expect("accept");
        consume(&accepted.response_bytes);
    }
    count
}

#[inline(never)]
fn hs_tungstenite(request: &[u8], count: usize) -> usize {
    for _ in 0..count {
        let ws = tungstenite::accept(MemStream::new(request)).expect("tungstenite accepts");
        black_box(ws.get_ref().written);
    }
    count
}

#[inline(never)]
fn hs_shiguredo(request: &[u8], count: usize) -> usize {
    for _ in 0..count {
        let mut conn = WebSocketServerConnection::new(ServerConnectionOptions::new());
        conn.feed_recv_buf(request).expect("request");
        conn.accept_handshake_auto().expect("accept");
        while drain_shiguredo(conn.poll_output()) {}
        black_box(&conn);
    }
    count
}

fn w4(o: &Options) {
    let request = frames::chromium_request();
    let count = 20_000;
    println!(
        "## W4 server handshake ({}-byte Chromium request with a permessage-deflate offer → 101)\n",
        request.len()
    );
    println!("| wsmachine handshakes/s | vs tungstenite | vs fastwebsockets | vs shiguredo | vs limit (copy + SHA-1 + base64 + 101) |");
    println!("|---|---|---|---|---|");
    let cs = vec![
        Contender::new(WS, || hs_wsmachine(&request, count)),
        Contender::new(TUNG, || hs_tungstenite(&request, count)),
        Contender::new(SHIG, || hs_shiguredo(&request, count)),
        Contender::new("limit", || hs_limit(&request, count)),
    ];
    let t = runner::run(cs, o.rounds, &[Some(count); 4], o.just.as_deref());
    if let Some(ws) = t.index(WS) {
        println!(
            "| {} | {} | – (server upgrade needs hyper) | {} | {} |",
            si(count as f64 / t.median(ws)),
            t.ratio(WS, TUNG),
            t.ratio(WS, SHIG),
            t.ratio(WS, "limit"),
        );
    }
    details(&t, count * request.len(), count);
    println!();
}

// ----- memory -----

/// Live heap bytes `f` leaves behind while its result is alive, at two
/// points: after it returns (the idle connection) and after `then` ran.
fn heap_of<T>(make: impl FnOnce() -> T, then: impl FnOnce(&mut T)) -> (isize, isize) {
    let base = live_bytes();
    let mut conn = make();
    let idle = live_bytes() - base;
    then(&mut conn);
    let after = live_bytes() - base;
    drop(conn);
    (idle, after)
}

fn memory() {
    let request = frames::chromium_request();
    let big = frames::client_stream(Kind::Binary, 1 << 20, 1);
    assert_eq!(big.messages, 1);
    let message = &big.bytes[..];
    let mut buf = vec![0u8; READ_CHUNK];
    // Everything the measured closures free was allocated after this.
    start_counting();

    let (ws_idle, ws_after) = heap_of(idle_heap::server, |conn| {
        assert_eq!(receive_wsmachine(conn, message, &mut buf), 1);
    });
    let (tu_idle, tu_after) = heap_of(
        || tungstenite::accept(MemStream::new(&request)).expect("accept"),
        |ws| {
            ws.get_mut().reset(message);
            let m = ws.read().expect("the message");
            consume(&m.into_data());
        },
    );
    let (fa_idle, fa_after) = heap_of(
        || {
            FragmentCollector::new(fastwebsockets::WebSocket::after_handshake(
                MemStream::new(message),
                fastwebsockets::Role::Server,
            ))
        },
        |ws| {
            block_on(async {
                let f = ws.read_frame().await.expect("the message");
                consume(&f.payload);
            })
        },
    );
    let (sh_idle, sh_after) = heap_of(
        || shiguredo_server(&request),
        |conn| {
            for piece in message.chunks(READ_CHUNK) {
                conn.feed_recv_buf(piece).expect("valid");
                while let Some(e) = conn.poll_event() {
                    if let ConnectionEvent::BinaryMessage(b) = e {
                        consume(&b);
                    }
                }
            }
        },
    );

    idle_heap::print_connections(&[
        (WS, "Connection", size_of::<Connection>(), ws_idle, ws_after),
        (
            TUNG,
            "WebSocketContext",
            size_of::<WebSocketContext>(),
            tu_idle,
            tu_after,
        ),
        (
            FAST,
            "FragmentCollector<S>",
            size_of::<FragmentCollector<()>>(),
            fa_idle,
            fa_after,
        ),
        (
            SHIG,
            "WebSocketServerConnection",
            size_of::<WebSocketServerConnection>(),
            sh_idle,
            sh_after,
        ),
    ]);
    idle_heap::print_table();
}
