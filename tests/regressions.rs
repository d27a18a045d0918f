//! Bugs found in review, each with the test that failed before its fix.

use wsmachine::frame::HeaderError;
use wsmachine::{CloseCode, Config, Connection, Violation};
use wsmachine_testkit::*;

// Two bugs of the kind "a connection built without the randomness its role
// needs" (a server given some masked its frames; a client without any sent
// unmasked pongs) can no longer be written: a client is created with its
// randomness and a server takes none.

/// The auto-pong budget counted pongs already written, so a sender whose
/// output never fully drained stopped answering pings.
#[test]
fn pongs_are_not_starved_while_output_never_fully_drains() {
    let mut s = server();
    s.send_binary(&[0u8; 1000]).unwrap();
    let mut written = Vec::new();
    for i in 0..10u8 {
        assert_eq!(feed(&mut s, &client_frame(0x89, &[i; 125])).len(), 1);
        // The transport takes all but one byte; the application keeps sending.
        let n = s.pending_output_len() - 1;
        written.extend_from_slice(&s.poll_output()[..n]);
        s.advance_output(n);
        s.send_binary(&[0u8; 10]).unwrap();
    }
    written.extend_from_slice(s.poll_output());
    let pongs: Vec<u8> = frames(&written)
        .iter()
        .filter(|f| f.0 == 0x8A)
        .map(|f| f.1[0])
        .collect();
    assert_eq!(pongs, (0..10).collect::<Vec<u8>>());
}

/// A message cut short by the close stayed in the buffer until the
/// connection was dropped.
#[test]
fn a_message_cut_short_by_a_failure_is_released() {
    let mut s = server();
    let mut wire = client_frame(0x02, &vec![1u8; 100_000]);
    wire.extend(client_frame(0x83, b"")); // reserved opcode: fails
    let events = feed_split(&mut s, &wire, &[50_000]);
    assert!(matches!(events.last(), Some(Ev::Error(_))));
    assert_eq!(feed(&mut s, b"more"), []);
    // What stays: the retained buffer capacity and the queued Close frame.
    assert!(
        s.heap_bytes() <= (64 << 10) + 64,
        "{} bytes held",
        s.heap_bytes()
    );
    let violation = Violation::Header(HeaderError::ReservedOpcode(3));
    assert_failed(&mut s, &events, violation, CloseCode::PROTOCOL_ERROR);
}

/// A frame header announcing a large payload made the connection reserve up
/// to 1 MiB before any of it arrived: a peer could make every connection
/// hold that much by sending a few bytes (found by the handshake fuzz target,
/// which reads the frames after the request).
#[test]
fn an_announced_length_is_not_reserved_before_it_arrives() {
    let mut s = server();
    let mut frame = client_frame(0x82, &vec![7u8; 1 << 20]);
    frame.truncate(14 + 10); // the 64-bit length header, the key, 10 bytes
    assert_eq!(feed(&mut s, &frame), []);
    // At most the retained size ahead of what arrived.
    assert!(
        s.heap_bytes() <= (64 << 10) + 10,
        "{} bytes held for 10 received",
        s.heap_bytes()
    );
}

/// The frames after the 101 in a handshake fuzz target finding: a whole text
/// message, then a text message in fragments (1 byte, 85 bytes, none) whose
/// fourth frame announces 65,535 bytes, of which 232 arrive, the first of
/// them not UTF-8.
fn announced_after_fragments() -> Vec<u8> {
    let mut wire = vec![0x81, 2, b'h', b'i', 0x01, 1, 5, 0x00, 85];
    wire.extend_from_slice(b"pgrade");
    wire.extend_from_slice(&[0; 74]);
    wire.extend_from_slice(&[b' ', 0, 0, 0, 0]);
    wire.extend_from_slice(&[0x00, 0, 0x00, 126, 0xFF, 0xFF]);
    wire.extend_from_slice(&[0xFF; 5]);
    wire.extend_from_slice(&[0; 16]);
    wire.extend_from_slice(b"bsocket\r\nConnection: Up\t");
    wire.extend_from_slice(&[0; 57]);
    wire.push(b'W');
    wire.extend_from_slice(&[0xC4; 8]);
    wire.extend_from_slice(b"SSSSS");
    wire.extend_from_slice(&[0xC4; 110]);
    wire.extend_from_slice(b"ebSock");
    wire
}

/// A frame's announced length was reserved on top of the fragments already
/// assembled (86 + 65,535 bytes, past `buffer_retain` with 318 received), and
/// the failure that dropped the message shrank the buffer back to
/// `buffer_retain`, which briefly holds both blocks: the handshake client
/// fuzz target saw a heap peak of 131,186 bytes for a 461-byte response (its
/// input is fuzz/corpus/handshake_client/finding-9e6c4c489e35). An announced
/// length now fills the buffer only up to `buffer_retain`; past it the buffer
/// grows with the bytes that arrive, so it holds at most `buffer_retain` or
/// twice the bytes in it, through `read` and `read_with_buffer` alike.
#[test]
fn fuzz_client_heap_bound_an_announced_length_fills_only_buffer_retain() {
    use wsmachine::extension::Extension;
    use wsmachine::handshake::{accept_key, ClientHandshake, ClientRequest, HandshakeConfig};
    use wsmachine::Status;

    for with_buffer in [false, true] {
        // The fuzz target's request and randomness: the same 461 response
        // bytes, in one piece.
        let request = ClientRequest::from_url("ws://example.com/chat")
            .unwrap()
            .subprotocol("chat")
            .subprotocol("superchat")
            .extension(Extension::new("permessage-deflate").flag("client_max_window_bits"));
        let rng = TestRng(0x9E37_79B9_7F4A_7C15);
        let mut hs = ClientHandshake::new(request, HandshakeConfig::default(), rng).unwrap();
        let mut response = b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ".to_vec();
        response.extend_from_slice(accept_key(hs.key()).as_bytes());
        response.extend_from_slice(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        let wire = announced_after_fragments();
        response.extend_from_slice(&wire);
        let Ok(Status::Complete(connected)) = hs.handle_input(&response) else {
            panic!("no connection");
        };
        assert_eq!(connected.trailing, wire);
        let mut conn = connected.connection;
        // The most an announced length makes room for at once.
        let retain = (64 << 10).max(conn.config().buffer_retain);
        // A client's box of extras (its randomness, the read area).
        let extras = conn.heap_bytes();
        let mut buffer = Vec::new();
        let mut high = 0;
        let mut events = Vec::new();
        // The frames after the response, then the pieces after it: none.
        for mut input in [wire, Vec::new()] {
            let mut pos = 0;
            loop {
                let (used, event) = if with_buffer {
                    let (used, event) = conn.handle_input_into(&mut input[pos..], &mut buffer);
                    (used, event.map(Ev::from))
                } else {
                    let (used, event) = conn.handle_input(&mut input[pos..]);
                    (used, event.map(Ev::from))
                };
                high = high.max(conn.heap_bytes() + buffer.capacity());
                pos += used;
                match event {
                    Some(event) => events.push(event),
                    None => break,
                }
            }
        }
        let violation = Violation::InvalidUtf8;
        let before = assert_failed(&mut conn, &events, violation, CloseCode::INVALID_PAYLOAD);
        assert_eq!(before, [Ev::Text("hi".into())]);
        // 318 bytes in the buffer: at most that room, plus the Close.
        assert!(
            high <= retain + 64 + extras,
            "{high} bytes held for 318 received (read_with_buffer: {with_buffer})"
        );
    }
}

/// After a message of `buffer_retain` bytes the buffer keeps that capacity;
/// the next frame's announced length was reserved on top of what its first
/// piece brought, and `Vec::reserve` doubled the retained buffer: 128 KiB
/// held for 10 bytes received.
#[test]
fn a_retained_buffer_is_not_doubled_for_an_announced_length() {
    for with_buffer in [false, true] {
        let mut config = Config::default();
        config.buffer_retain = 64 << 10;
        let mut s = Connection::server(config);
        let retain = s.config().buffer_retain;
        let mut buffer = Vec::new();
        let feed_one = |s: &mut Connection, buffer: &mut Vec<u8>, wire: &[u8]| {
            if with_buffer {
                feed_buffered(s, buffer, wire)
            } else {
                feed(s, wire)
            }
        };
        let first = client_frame(0x82, &vec![7u8; retain]);
        let (a, b) = first.split_at(first.len() / 2);
        assert_eq!(feed_one(&mut s, &mut buffer, a), []);
        assert_eq!(feed_one(&mut s, &mut buffer, b).len(), 1);
        let mut second = client_frame(0x82, &vec![7u8; 1 << 20]);
        second.truncate(14 + 10); // the 64-bit length header, the key, 10 bytes
        let before = buffer.capacity();
        assert_eq!(feed_one(&mut s, &mut buffer, &second), []);
        // The caller's buffer holds the first message, as it was handed over.
        assert_eq!(buffer.capacity(), before);
        let held = s.heap_bytes();
        assert!(
            held <= retain,
            "{held} bytes held for 10 received (handle_input_into: {with_buffer})"
        );
    }
}

/// With `buffer_retain` above 1 MiB, a retained buffer was doubled for a
/// header's announced length up to `buffer_retain`, past the 1 MiB that a
/// length alone may reserve: a 10 MB header after a 600 KB message held
/// 1.2 MB for one byte received.
#[test]
fn a_header_alone_reserves_at_most_1_mib_above_a_large_buffer_retain() {
    let mut config = Config::default();
    config.buffer_retain = 8 << 20;
    let mut s = Connection::server(config);
    let first = client_frame(0x82, &vec![1u8; 600_000]);
    let events = feed_split(&mut s, &first, &[20]); // assembled
    assert_eq!(events.len(), 1);
    let retained = s.heap_bytes();
    assert!(
        retained > 1 << 19,
        "doubled, {retained} retained would pass 1 MiB"
    );
    let mut second = client_frame(0x82, &vec![1u8; 10_000_000]);
    second.truncate(14 + 1); // the 64-bit length header, the key, 1 byte
    assert_eq!(feed(&mut s, &second), []);
    let held = s.heap_bytes();
    assert!(held <= 1 << 20, "{held} bytes held for 1 received");
}
