//! Hostile input: each test asserts the outcome and the memory high-water
//! mark.
//!
//! Memory is measured with the library's own accounting: the capacities of
//! the buffers a machine holds ([`Connection::heap_bytes`],
//! [`ServerHandshake::buffered_len`]), read after every step. A counting
//! global allocator would need `unsafe`, which the package forbids for every
//! target; the fuzz targets (fuzz/) measure the real allocator peak instead.

use std::time::{Duration, Instant};

use wsmachine::handshake::{
    ClientError, ClientHandshake, ClientRequest, HandshakeConfig, RequestErrorKind,
    ResponseErrorKind, ServerHandshake,
};
use wsmachine::{CloseCode, Config, Connection, Delivery, Status, Violation};
use wsmachine_testkit::*;

/// The largest value a reading gave.
#[derive(Default)]
struct HighWater(usize);

impl HighWater {
    fn see(&mut self, v: usize) {
        self.0 = self.0.max(v);
    }
}

/// Feeds `wire` in reads of `step` bytes, tracking the connection's heap;
/// returns the events (stopping at an error) and the high-water mark.
fn feed_tracked(conn: &mut Connection, wire: &[u8], step: usize) -> (Vec<Ev>, usize) {
    let mut high = HighWater::default();
    let mut events = Vec::new();
    for piece in wire.chunks(step) {
        events.extend(feed(conn, piece));
        high.see(conn.heap_bytes());
        if matches!(events.last(), Some(Ev::Error(_))) {
            break;
        }
    }
    (events, high.0)
}

// ----- the handshake -----

const REQUEST_START: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n";

/// A valid request whose header block is `len` bytes (a long cookie).
fn request_of_len(len: usize) -> Vec<u8> {
    let mut r = REQUEST_START.to_vec();
    r.extend_from_slice(b"Cookie: ");
    r.resize(len - 4, b'c');
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// Feeds `request` one byte at a time; returns the time taken and the most
/// bytes the machine held.
fn slowloris(request: &[u8], max_head_size: usize) -> (Duration, usize) {
    let mut config = HandshakeConfig::default();
    config.max_head_size = max_head_size;
    let mut hs = ServerHandshake::new(config);
    let mut high = HighWater::default();
    let start = Instant::now();
    let mut done = false;
    for b in request {
        match hs.handle_input(std::slice::from_ref(b)) {
            Ok(Status::Partial) => high.see(hs.buffered_len()),
            Ok(Status::Complete(req)) => {
                assert_eq!(req.request().path(), "/chat");
                done = true;
            }
            Err(e) => panic!("refused: {e:?}"),
        }
    }
    assert!(done, "the request never completed");
    (start.elapsed(), high.0)
}

/// A request sent one byte at a time costs time linear in its length: eight
/// times the bytes take about eight times as long, not sixty-four. (The unit
/// test in src/handshake/server.rs counts the bytes scanned,
/// deterministically; this checks the whole machine end to end, by the wall
/// clock, with a margin for a loaded machine: the two sizes run in turns, so
/// that a burst of load weighs on both, the fastest run of each counts, and
/// the bound, 32, is four times the linear ratio and half the quadratic one.
/// With four times the bytes and a bound of 10, it failed twice at a load
/// average of 9–14.)
#[test]
fn slowloris_handshake_costs_linear_time_and_bounded_memory() {
    const N: usize = 64 * 1024;
    let run = |len: usize| {
        let (t, high) = slowloris(&request_of_len(len), 8 * N);
        assert!(high <= len, "held {high} bytes of a {len}-byte request");
        t
    };
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..7 {
        small = small.min(run(N));
        large = large.min(run(8 * N));
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 32.0,
        "8x the bytes took {ratio:.1}x the time ({small:?} vs {large:?})"
    );
}

#[test]
fn a_one_megabyte_header_line_is_refused_at_the_limit() {
    let mut line = b"GET /chat HTTP/1.1\r\nX-Big: ".to_vec();
    line.resize(1 << 20, b'x');
    let limit = HandshakeConfig::default().max_head_size;
    // In 4 KiB reads: refused by the read that crosses the limit.
    let mut hs = ServerHandshake::default();
    let mut high = HighWater::default();
    let mut refused_at = None;
    for (i, piece) in line.chunks(4096).enumerate() {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => high.see(hs.buffered_len()),
            Ok(Status::Complete(_)) => panic!("no request here"),
            Err(e) => {
                assert_eq!(e.kind(), RequestErrorKind::HeadTooLarge);
                assert_eq!(e.status(), 431);
                refused_at = Some((i + 1) * 4096);
                break;
            }
        }
    }
    assert_eq!(refused_at, Some(limit));
    assert!(high.0 <= limit, "held {}", high.0);
    assert_eq!(hs.buffered_len(), 0, "the refused bytes are released");
    // In one read: refused at once, holding nothing afterwards.
    let mut hs = ServerHandshake::default();
    let e = hs.handle_input(&line).expect_err("too large");
    assert_eq!(e.kind(), RequestErrorKind::HeadTooLarge);
    assert_eq!(hs.buffered_len(), 0);
    // The client refuses a 1 MB response header line the same way.
    let mut hs = ClientHandshake::new(
        ClientRequest::from_url("ws://example.com/").expect("valid url"),
        HandshakeConfig::default(),
        TestRng(1),
    )
    .expect("valid request");
    let mut response = b"HTTP/1.1 101 Switching Protocols\r\nX-Big: ".to_vec();
    response.resize(1 << 20, b'x');
    match hs.handle_input(&response) {
        Err(ClientError::Response(r)) => assert_eq!(r.kind(), ResponseErrorKind::HeadTooLarge),
        other => panic!("expected HeadTooLarge, got {other:?}"),
    }
}

#[test]
fn ten_thousand_headers_are_refused() {
    let mut request = REQUEST_START.to_vec();
    for i in 0..10_000 {
        request.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    // With the default limits the block is too large before it is too many.
    let e = ServerHandshake::default()
        .handle_input(&request)
        .expect_err("refused");
    assert_eq!(e.kind(), RequestErrorKind::HeadTooLarge);
    // With room for the bytes, the field count refuses it: 431 either way.
    let mut config = HandshakeConfig::default();
    config.max_head_size = 1 << 20;
    let mut hs = ServerHandshake::new(config.clone());
    let mut high = HighWater::default();
    let mut result = None;
    for piece in request.chunks(1000) {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => high.see(hs.buffered_len()),
            other => {
                result = Some(other);
                break;
            }
        }
    }
    let e = result.expect("an answer").expect_err("refused");
    assert_eq!(
        (e.kind(), e.status()),
        (RequestErrorKind::TooManyHeaders, 431)
    );
    assert!(high.0 <= request.len());
    assert_eq!(hs.buffered_len(), 0);
    // A response with 10,000 fields fails the client the same way.
    let mut hs = ClientHandshake::new(
        ClientRequest::from_url("ws://example.com/").expect("valid url"),
        config,
        TestRng(1),
    )
    .expect("valid request");
    let mut response = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
    response.extend_from_slice(&request[REQUEST_START.len()..]);
    match hs.handle_input(&response) {
        Err(ClientError::Response(r)) => assert_eq!(r.kind(), ResponseErrorKind::TooManyHeaders),
        other => panic!("expected TooManyHeaders, got {other:?}"),
    }
}

// ----- frame lengths -----

/// A masked header with a 64-bit length field and no payload.
fn header_claiming(first_byte: u8, len: u64) -> Vec<u8> {
    let mut h = vec![first_byte, 0x80 | 127];
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[1, 2, 3, 4]);
    h
}

#[test]
fn a_header_claiming_two_to_the_63_bytes_fails_before_any_payload() {
    for delivery in [Delivery::Whole, Delivery::Chunks] {
        let mut config = Config::default();
        config.delivery = delivery;
        // 2^63 sets the top bit: a protocol error (1002).
        let mut s = Connection::server(config.clone());
        let (events, high) = feed_tracked(&mut s, &header_claiming(0x82, 1 << 63), 1);
        let violation = Violation::Header(wsmachine::frame::HeaderError::LengthHighBit);
        assert_failed(&mut s, &events, violation, CloseCode::PROTOCOL_ERROR);
        assert!(high <= 256, "{high} bytes held");
        // 2^63 - 1 is a valid length, far over the frame limit (1009).
        let mut s = Connection::server(config);
        let mut wire = header_claiming(0x82, (1 << 63) - 1);
        wire.extend_from_slice(&[0; 4096]);
        let (events, high) = feed_tracked(&mut s, &wire, 7);
        let violation = Violation::FrameTooLarge;
        assert_failed(&mut s, &events, violation, CloseCode::MESSAGE_TOO_BIG);
        assert!(high <= 256, "{high} bytes held");
    }
}

#[test]
fn a_message_just_over_the_limit_fails_and_one_at_the_limit_arrives() {
    const LIMIT: usize = 64 * 1024;
    let mut config = Config::default();
    config.max_message_size = LIMIT as u64;
    config.max_frame_size = 1 << 20;
    // One frame one byte over: refused on its header, nothing buffered.
    let mut s = Connection::server(config.clone());
    let (events, high) = feed_tracked(&mut s, &header_claiming(0x82, LIMIT as u64 + 1), 1);
    let violation = Violation::MessageTooLarge;
    assert_failed(&mut s, &events, violation, CloseCode::MESSAGE_TOO_BIG);
    assert!(high <= 256, "{high} bytes held");
    // Four 16 KiB fragments fill the limit; a one-byte fifth goes over.
    let part = vec![7u8; LIMIT / 4];
    let mut wire = client_frame(0x02, &part);
    for _ in 0..3 {
        wire.extend(client_frame(0x00, &part));
    }
    let at_limit = [wire.clone(), client_frame(0x80, b"")].concat();
    wire.extend(client_frame(0x80, b"x"));
    let mut s = Connection::server(config.clone());
    let (events, high) = feed_tracked(&mut s, &wire, 1000);
    assert_failed(&mut s, &events, violation, CloseCode::MESSAGE_TOO_BIG);
    // The buffer held the accepted 64 KiB (grown by doubling) and no more.
    assert!(high <= 2 * LIMIT, "{high} bytes held");
    let mut s = Connection::server(config.clone());
    let (events, high) = feed_tracked(&mut s, &at_limit, 1000);
    assert_eq!(events, [Ev::Binary(vec![7u8; LIMIT])]);
    assert!(high <= 2 * LIMIT, "{high} bytes held");
    // One frame of exactly the limit arrives too, and one of exactly the
    // frame limit.
    let mut s = Connection::server(config.clone());
    let (events, _) = feed_tracked(&mut s, &client_frame(0x82, &[7u8; LIMIT]), 1000);
    assert_eq!(events, [Ev::Binary(vec![7u8; LIMIT])]);
    config.max_frame_size = 1000;
    let mut s = Connection::server(config);
    let (events, _) = feed_tracked(&mut s, &client_frame(0x82, &[7u8; 1000]), 100);
    assert_eq!(events, [Ev::Binary(vec![7u8; 1000])]);
}

#[test]
fn a_million_one_byte_fragments() {
    const N: usize = 1_000_000;
    let mut wire = Vec::with_capacity(7 * N);
    wire.extend(client_frame(0x02, &[0]));
    for i in 1..N - 1 {
        wire.extend(client_frame(0x00, &[i as u8]));
    }
    wire.extend(client_frame(0x80, &[(N - 1) as u8]));
    let expected: Vec<u8> = (0..N).map(|i| i as u8).collect();
    // Assembled: one message, the buffer at most twice its size.
    let mut s = Connection::server(Config::default());
    let (events, high) = feed_tracked(&mut s, &wire, 64 * 1024);
    assert_eq!(events, [Ev::Binary(expected)]);
    assert!(high <= 2 * N, "{high} bytes held");
    // Streamed: a chunk per fragment, nothing buffered.
    let mut config = Config::default();
    config.delivery = Delivery::Chunks;
    let mut s = Connection::server(config.clone());
    let (events, high) = feed_tracked(&mut s, &wire, 64 * 1024);
    assert_eq!(events.len(), N);
    assert_eq!(
        events.last(),
        Some(&Ev::Chunk(
            wsmachine::MessageKind::Binary,
            vec![(N - 1) as u8],
            true
        ))
    );
    assert!(high <= 1024, "{high} bytes held");
    // Under a smaller message limit, the fragment that crosses it fails.
    config.max_message_size = 100_000;
    let mut s = Connection::server(config);
    let (events, _) = feed_tracked(&mut s, &wire, 64 * 1024);
    assert_eq!(events.len(), 100_001);
    let violation = Violation::MessageTooLarge;
    assert_failed(&mut s, &events, violation, CloseCode::MESSAGE_TOO_BIG);
}

// ----- pings -----

#[test]
fn a_ping_flood_while_the_caller_never_writes_keeps_output_bounded() {
    const PINGS: usize = 100_000;
    let mut wire = Vec::new();
    for i in 0..PINGS {
        let mut payload = [b'p'; 125];
        payload[..4].copy_from_slice(&(i as u32).to_be_bytes());
        wire.extend(client_frame(0x89, &payload));
    }
    for step in [wire.len(), 1000, 7] {
        let mut s = server();
        let mut pending = HighWater::default();
        let mut heap = HighWater::default();
        let mut pings = 0;
        for piece in wire.chunks(step) {
            pings += feed(&mut s, piece).len();
            pending.see(s.pending_output_len());
            heap.see(s.heap_bytes());
        }
        assert_eq!(pings, PINGS);
        // Pongs are queued until four pongs' worth (of 139 bytes at most)
        // wait; the newer pings coalesce.
        assert!(pending.0 <= 5 * (125 + 14), "{} bytes pending", pending.0);
        assert!(heap.0 <= 2048, "{} heap bytes", heap.0);
        // Once the caller writes, only the newest ping is answered.
        let first = frames(&drain(&mut s));
        assert!(first.len() <= 5 && first.iter().all(|f| f.0 == 0x8A));
        let second = frames(&drain(&mut s));
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].1[..4], ((PINGS - 1) as u32).to_be_bytes());
    }
}

// ----- close frames -----

/// The close codes RFC 6455 §7.4 and the IANA registry allow on the wire,
/// written out independently of the library.
fn allowed_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[test]
fn every_close_code_not_allowed_on_the_wire_fails_with_1002() {
    for code in 0..=u16::MAX {
        let mut s = server();
        let events = feed(&mut s, &client_frame(0x88, &code.to_be_bytes()));
        if allowed_on_wire(code) {
            assert_eq!(
                events,
                [
                    Ev::Close(Some(code), String::new()),
                    handshake_closed(code, false, "")
                ]
            );
            let reply = sent_close_code(&drain(&mut s));
            assert_eq!(reply, Some(code), "the reply echoes {code}");
        } else {
            let violation = Violation::InvalidCloseCode(code);
            assert_failed(&mut s, &events, violation, CloseCode::PROTOCOL_ERROR);
        }
        assert!(s.heap_bytes() <= 256);
    }
}

#[test]
fn a_close_reason_that_is_not_utf8_fails_with_1007_at_any_split() {
    for reason in [
        &b"bad \xFF byte"[..],
        b"cut at the end \xE2\x82",
        b"surrogate \xED\xA0\x80",
        b"overlong \xC0\xAF",
        b"too high \xF4\x90\x80\x80",
    ] {
        let payload = [&1000u16.to_be_bytes()[..], reason].concat();
        let wire = client_frame(0x88, &payload);
        for cut in 0..=wire.len() {
            let mut s = server();
            let events = feed_split(&mut s, &wire, &[cut]);
            let violation = Violation::InvalidUtf8;
            assert_failed(&mut s, &events, violation, CloseCode::INVALID_PAYLOAD);
            assert!(s.heap_bytes() <= 512);
        }
    }
    // A valid multi-byte reason is fine at any split.
    let payload = [&1001u16.to_be_bytes()[..], "au revoir, €".as_bytes()].concat();
    let wire = client_frame(0x88, &payload);
    for cut in 0..=wire.len() {
        let events = feed_split(&mut server(), &wire, &[cut]);
        assert_eq!(
            events,
            [
                Ev::Close(Some(1001), "au revoir, €".into()),
                handshake_closed(1001, false, "au revoir, €")
            ]
        );
    }
}

// ----- invalid text -----

/// Invalid sequences with the index of their first byte that no valid text
/// can have there.
const INVALID: &[(&str, &[u8], usize)] = &[
    ("overlong 2-byte", b"\xC0\xAF", 0),
    ("overlong 3-byte", b"\xE0\x80\xAF", 1),
    ("overlong 4-byte", b"\xF0\x80\x80\xAF", 1),
    ("surrogate", b"\xED\xA0\x80", 1),
    ("above U+10FFFF", b"\xF4\x90\x80\x80", 1),
    ("above U+10FFFF, lead byte", b"\xF5\x80\x80\x80", 0),
];

/// `payload` sent as a text message in fragments cut at `cuts`, with the wire
/// offset of each payload byte.
fn fragmented_text(payload: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<usize>) {
    let mut wire = Vec::new();
    let mut offsets = Vec::new();
    let mut start = 0;
    let ends: Vec<usize> = cuts.iter().copied().chain([payload.len()]).collect();
    for (i, &end) in ends.iter().enumerate() {
        let opcode = if i == 0 { 0x01 } else { 0x00 };
        let fin = if i == ends.len() - 1 { 0x80 } else { 0 };
        let frame = client_frame(fin | opcode, &payload[start..end]);
        let header = frame.len() - (end - start);
        offsets.extend((0..end - start).map(|k| wire.len() + header + k));
        wire.extend(frame);
        start = end;
    }
    (wire, offsets)
}

#[test]
fn invalid_text_is_rejected_at_the_first_invalid_byte() {
    for (what, bad, at) in INVALID {
        let payload = [b"ab", *bad, b"cd"].concat();
        let bad_offset_in_payload = 2 + at;
        for delivery in [Delivery::Whole, Delivery::Chunks] {
            let mut config = Config::default();
            config.delivery = delivery;
            for a in 0..=payload.len() {
                for b in a..=payload.len() {
                    let (wire, offsets) = fragmented_text(&payload, &[a, b]);
                    let bad_at = offsets[bad_offset_in_payload];
                    // One byte per read: the error comes with the bad byte.
                    let mut s = Connection::server(config.clone());
                    let mut failure = None;
                    for i in 0..wire.len() {
                        let events = feed(&mut s, &wire[i..=i]);
                        if matches!(events.last(), Some(Ev::Error(_))) {
                            failure = Some((i, events));
                            break;
                        }
                    }
                    let (failed_at, events) = failure.unwrap_or_else(|| {
                        panic!("no failure: {what}, fragments at {a},{b}, {delivery:?}")
                    });
                    assert_eq!(
                        failed_at, bad_at,
                        "{what}, fragments at {a},{b}, {delivery:?}"
                    );
                    let violation = Violation::InvalidUtf8;
                    assert_failed(&mut s, &events, violation, CloseCode::INVALID_PAYLOAD);
                    // Two reads cut anywhere: the read holding the bad byte fails.
                    for cut in 0..=wire.len() {
                        let mut s = Connection::server(config.clone());
                        let first = feed(&mut s, &wire[..cut]);
                        let failed_first = matches!(first.last(), Some(Ev::Error(_)));
                        assert_eq!(failed_first, cut > bad_at, "{what}, {a},{b}, cut {cut}");
                        let events = if failed_first {
                            first
                        } else {
                            feed(&mut s, &wire[cut..])
                        };
                        let violation = Violation::InvalidUtf8;
                        assert_failed(&mut s, &events, violation, CloseCode::INVALID_PAYLOAD);
                        assert!(s.heap_bytes() <= 512);
                    }
                }
            }
        }
    }
}
