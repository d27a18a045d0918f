//! permessage-deflate (RFC 7692): compression ratio, throughput and memory
//! of wsmachine on each backend (miniz_oxide, feature `deflate`; zlib-rs,
//! `deflate-zlib-rs`) against shiguredo_websocket (its built-in noflate), on
//! a JSON-like corpus.
//! tungstenite 0.30 and fastwebsockets 0.10 have no permessage-deflate.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin deflate [-- --rounds N --mib M]
//! ```
//!
//! Send: a server compresses and frames text messages (a fresh connection
//! per pass, context takeover on, as both libraries default to). Receive: a
//! server inflates and delivers the frames a wsmachine client compressed
//! (the same bytes for all, compressed with the 12-bit window a zlib-rs
//! server asks for), fed in 64 KiB reads.

use shiguredo_websocket::{
    ConnectionOutput, PerMessageDeflateConfig, ServerConnectionOptions, WebSocketServerConnection,
};
use wsmachine::extension::deflate::{Backend, DeflateConfig};
use wsmachine::handshake::{Accept, HandshakeConfig, ServerHandshake};
use wsmachine::{Connection, Status};
use wsmachine_bench::alloc_count::{kib, live_bytes, start_counting, Counting};
use wsmachine_bench::corpus::json_messages;
use wsmachine_bench::frames;
use wsmachine_bench::mem_stream::READ_CHUNK;
use wsmachine_bench::runner::{self, Contender};
use wsmachine_bench::wire::deflate_client;
use wsmachine_bench::{consume, receive_shiguredo, receive_wsmachine};

#[global_allocator]
static ALLOC: Counting = Counting;

const MINIZ: &str = "wsmachine miniz_oxide";
const ZLIB: &str = "wsmachine zlib-rs";
const SHIG: &str = "shiguredo";

/// Message sizes of the rows.
const SIZES: [usize; 4] = [125, 1 << 10, 16 << 10, 128 << 10];

fn deflate_config(level: u8, backend: Backend) -> DeflateConfig {
    let mut c = DeflateConfig::default();
    c.level = level;
    c.backend = backend;
    c
}

/// A wsmachine server that accepted the browser's request with
/// permessage-deflate at `level` on `backend`.
fn our_server(request: &[u8], level: u8, backend: Backend) -> Connection {
    let mut hs = ServerHandshake::new(HandshakeConfig::default());
    let Ok(Status::Complete(req)) = hs.handle_input(request) else {
        panic!("request refused");
    };
    let accepted = req
        .accept(Accept::new().negotiate(deflate_config(level, backend)))
        .expect("accept");
    assert_eq!(accepted.extensions.len(), 1, "permessage-deflate agreed");
    accepted.connection
}

/// A shiguredo server that accepted the same request with permessage-deflate.
fn their_server(request: &[u8]) -> WebSocketServerConnection {
    let options = ServerConnectionOptions::new().deflate(PerMessageDeflateConfig::new());
    let mut conn = WebSocketServerConnection::new(options);
    conn.feed_recv_buf(request).expect("request");
    conn.accept_handshake_auto().expect("accept");
    let mut response = Vec::new();
    while let Some(out) = conn.poll_output() {
        if let ConnectionOutput::SendData(d) = out {
            response.extend_from_slice(&d);
        }
    }
    assert!(
        String::from_utf8_lossy(&response).contains("permessage-deflate"),
        "shiguredo agreed to permessage-deflate"
    );
    while conn.poll_event().is_some() {}
    conn
}

/// The frames a wsmachine client with permessage-deflate at `level` sends
/// for `messages` (masked and compressed).
fn client_stream(messages: &[String], level: u8) -> Vec<u8> {
    let mut client = deflate_client(level);
    let mut wire = Vec::new();
    for m in messages {
        client.send_text(m).expect("send");
        wire.extend_from_slice(client.poll_output());
        let n = client.pending_output_len();
        client.advance_output(n);
    }
    wire
}

/// Sends every message; returns the bytes written.
fn send_ours(conn: &mut Connection, messages: &[String]) -> usize {
    let mut bytes = 0;
    for m in messages {
        conn.send_text(m).expect("send");
        let out = conn.poll_output();
        consume(out);
        bytes += out.len();
        conn.advance_output(out.len());
    }
    bytes
}

fn send_theirs(conn: &mut WebSocketServerConnection, messages: &[String]) -> usize {
    let mut bytes = 0;
    for m in messages {
        conn.send_text(m).expect("send");
        while let Some(out) = conn.poll_output() {
            if let ConnectionOutput::SendData(d) = out {
                consume(&d);
                bytes += d.len();
            }
        }
    }
    bytes
}

struct Options {
    rounds: usize,
    total: usize,
}

fn options() -> Options {
    let mut o = Options {
        rounds: 15,
        total: 4 << 20,
    };
    runner::parse_flags("use --rounds N, --mib M", |flag, value| {
        match flag {
            "--rounds" => o.rounds = value.parse().expect("--rounds N"),
            "--mib" => o.total = value.parse::<usize>().expect("--mib M") << 20,
            _ => return false,
        }
        true
    });
    o
}

fn size_label(size: usize) -> String {
    if size < 1024 {
        format!("{size} B")
    } else {
        format!("{} KiB", size >> 10)
    }
}

fn main() {
    let o = options();
    let request = frames::chromium_request();
    println!(
        "## permessage-deflate: JSON-like records, {} MiB of messages per pass\n",
        o.total >> 20
    );
    println!("Compressed size / original (frame headers included) and throughput of the original bytes, with each backend's default settings at the level; ratios above 1: zlib-rs is faster. shiguredo_websocket compresses with noflate at its one level.\n");
    println!("| level | message | compressed: miniz_oxide | zlib-rs | shiguredo | send MB/s, zlib-rs | send zlib-rs vs miniz_oxide | vs shiguredo | receive MB/s, zlib-rs | receive zlib-rs vs miniz_oxide | vs shiguredo |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for level in [1, 6] {
        for size in SIZES {
            row(&o, &request, level, size);
        }
    }
    println!();
    memory(&request);
}

/// One row: sizes outside the timed passes, then send and receive passes of
/// the three contenders interleaved.
fn row(o: &Options, request: &[u8], level: u8, size: usize) {
    let count = (o.total / size).max(8);
    let messages = json_messages(size, count);
    let original: usize = messages.iter().map(String::len).sum();
    let server = |backend| our_server(request, level, backend);
    let miniz = send_ours(&mut server(Backend::MinizOxide), &messages);
    let zlib = send_ours(&mut server(Backend::ZlibRs), &messages);
    let theirs = send_theirs(&mut their_server(request), &messages);
    let send = runner::run(
        vec![
            Contender::new(MINIZ, || {
                send_ours(&mut server(Backend::MinizOxide), &messages);
                count
            }),
            Contender::new(ZLIB, || {
                send_ours(&mut server(Backend::ZlibRs), &messages);
                count
            }),
            Contender::new(SHIG, || {
                send_theirs(&mut their_server(request), &messages);
                count
            }),
        ],
        o.rounds,
        &[Some(count); 3],
        None,
    );
    let stream = client_stream(&messages, level);
    let mut bufs = [(); 3].map(|_| vec![0u8; READ_CHUNK]);
    let [b0, b1, b2] = &mut bufs;
    let recv = runner::run(
        vec![
            Contender::new(MINIZ, || {
                receive_wsmachine(&mut server(Backend::MinizOxide), &stream, b0)
            }),
            Contender::new(ZLIB, || {
                receive_wsmachine(&mut server(Backend::ZlibRs), &stream, b1)
            }),
            Contender::new(SHIG, || {
                receive_shiguredo(&mut their_server(request), &stream, b2)
            }),
        ],
        o.rounds,
        &[Some(count); 3],
        None,
    );
    let mbs = |t: &runner::Timings, i| original as f64 / t.median(i) / 1e6;
    let part = |n: usize| n as f64 / original as f64;
    println!(
        "| {level} | {} | {:.3} | {:.3} | {:.3} | {:.0} | {} | {} | {:.0} | {} | {} |",
        size_label(size),
        part(miniz),
        part(zlib),
        part(theirs),
        mbs(&send, 1),
        send.ratio(ZLIB, MINIZ),
        send.ratio(ZLIB, SHIG),
        mbs(&recv, 1),
        recv.ratio(ZLIB, MINIZ),
        recv.ratio(ZLIB, SHIG),
    );
}

/// Live heap bytes of one deflate server connection: idle after the
/// handshake, after sending one message, after receiving one, for a short
/// and a large message. A connection on each backend has run first, so that
/// what stays allocated for the process (zlib-rs' cache of idle states) is
/// not counted for the measured one.
fn memory(request: &[u8]) {
    println!("## permessage-deflate memory (one server connection, counting allocator)\n");
    println!("| library | message | idle after the handshake | after sending one message | after also receiving one | `Connection::heap_bytes()` after send / both |");
    println!("|---|---|---|---|---|---|");
    let mut buf = vec![0u8; READ_CHUNK];
    start_counting();
    for size in [125, 128 << 10] {
        let messages = json_messages(size, 1);
        let stream = client_stream(&messages, 1);
        for (name, backend) in [
            ("miniz_oxide", Backend::MinizOxide),
            ("zlib-rs", Backend::ZlibRs),
        ] {
            let mut warm = our_server(request, 1, backend);
            send_ours(&mut warm, &messages);
            receive_wsmachine(&mut warm, &stream, &mut buf);
            drop(warm);
            let base = live_bytes();
            let mut ours = our_server(request, 1, backend);
            let idle = live_bytes() - base;
            send_ours(&mut ours, &messages);
            let sent = live_bytes() - base;
            let sent_reported = ours.heap_bytes();
            receive_wsmachine(&mut ours, &stream, &mut buf);
            let both = live_bytes() - base;
            let both_reported = ours.heap_bytes();
            drop(ours);
            println!(
                "| wsmachine {name} (level 1) | {} | {} | {} | {} | {} / {} |",
                size_label(size),
                kib(idle),
                kib(sent),
                kib(both),
                kib(sent_reported as isize),
                kib(both_reported as isize)
            );
        }
        let base = live_bytes();
        let mut theirs = their_server(request);
        let t_idle = live_bytes() - base;
        send_theirs(&mut theirs, &messages);
        let t_sent = live_bytes() - base;
        receive_shiguredo(&mut theirs, &stream, &mut buf);
        let t_both = live_bytes() - base;
        drop(theirs);
        println!(
            "| shiguredo | {} | {} | {} | {} | – |",
            size_label(size),
            kib(t_idle),
            kib(t_sent),
            kib(t_both)
        );
    }
    println!();
}
