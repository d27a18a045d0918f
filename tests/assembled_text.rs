//! Assembled text: a text message cut by reads or split into fragments is
//! appended to a string as each piece is checked, and handed out from it.
//! Every input path gives the same events; a control payload cut in the
//! middle of the message, the code points cut at every place, and the
//! memory the string leaves behind.

use wsmachine::{Config, Connection, Event};
use wsmachine_testkit::*;

/// A text message in three fragments, a ping cut anywhere between the first
/// two, multi-byte code points at the fragment edges.
fn fragmented_text() -> (Vec<u8>, String) {
    let parts = ["κόσμε 𝄞", "日本語の\u{10FFFF}", "end ✓"];
    let mut wire = client_frame(0x01, parts[0].as_bytes());
    wire.extend(client_frame(0x89, b"ping"));
    wire.extend(client_frame(0x00, parts[1].as_bytes()));
    wire.extend(client_frame(0x80, parts[2].as_bytes()));
    (wire, parts.concat())
}

/// [`feed_received`] taking the events with `poll_event_into`.
fn received_into(conn: &mut Connection, wire: &[u8], hints: &[usize]) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut events = Vec::new();
    let mut pos = 0;
    for hint in hints.iter().cycle() {
        if pos == wire.len() {
            break;
        }
        let slice = conn.recv_buffer(*hint);
        let n = slice.len().min(wire.len() - pos);
        slice[..n].copy_from_slice(&wire[pos..pos + n]);
        pos += n;
        conn.handle_received(n);
        while let Some(event) = conn.poll_event_into(&mut out) {
            events.push(Ev::from(event));
        }
    }
    events
}

#[test]
fn text_cut_at_any_two_places_arrives_whole_on_every_input_path() {
    let (wire, text) = fragmented_text();
    let expected = vec![Ev::Ping(b"ping".to_vec()), Ev::Text(text)];
    for a in 0..=wire.len() {
        for b in (a..=wire.len()).step_by(3) {
            let cuts = [a, b];
            assert_eq!(
                feed_split(&mut server(), &wire, &cuts),
                expected,
                "{cuts:?}"
            );
            let got = feed_split_buffered(&mut server(), &wire, &cuts);
            assert_eq!(got, expected, "into, {cuts:?}");
        }
        let hints = [a.max(1), 7, 3];
        let got = feed_received(&mut server(), &wire, &hints);
        assert_eq!(got, expected, "recv_buffer, {hints:?}");
        let got = received_into(&mut server(), &wire, &hints);
        assert_eq!(got, expected, "recv_buffer and poll_event_into, {hints:?}");
    }
}

#[test]
fn a_code_point_cut_by_every_read_still_fails_at_its_first_bad_byte() {
    // U+D800 (a surrogate) is refused at its second byte, before the rest
    // of the message arrives, however the reads cut it.
    let mut payload = "ok κ".as_bytes().to_vec();
    payload.extend_from_slice(b"\xED\xA0\x80 and more");
    let wire = client_frame(0x81, &payload);
    let bad = wire.len() - payload.len() + 6; // the 0xA0
    for cut in 1..=bad {
        let mut conn = server();
        let head = wire[..cut].to_vec();
        let events = feed(&mut conn, &head);
        assert!(events.is_empty(), "cut {cut}: {events:?}");
        let rest = wire[cut..=bad].to_vec();
        let events = feed(&mut conn, &rest);
        assert!(
            matches!(events.last(), Some(Ev::Error(_))),
            "cut {cut}: {events:?}"
        );
        assert_eq!(sent_close_code(&drain(&mut conn)), Some(1007));
    }
}

#[test]
fn assembled_text_leaves_no_heap_once_handed_out() {
    let (wire, text) = fragmented_text();
    let mut conn = server();
    let mut events = Vec::new();
    for piece in wire.chunks(5) {
        events.extend(feed(&mut conn, piece));
    }
    assert_eq!(events.last(), Some(&Ev::Text(text)));
    // The next call releases what the event borrowed; the pong goes out.
    assert!(conn.handle_input(&mut []).1.is_none());
    assert_eq!(frames(&drain(&mut conn)), [(0x8A, b"ping".to_vec())]);
    // The written output's small buffer (the pong's) is kept until the
    // next input; the message's string is gone already.
    assert!(conn.heap_bytes() <= 256, "{}", conn.heap_bytes());
    let _ = conn.recv_buffer(1);
    conn.handle_received(0);
    assert_eq!(conn.heap_bytes(), 0);
}

#[test]
fn text_and_binary_share_one_retained_buffer() {
    const RETAIN: usize = 64 << 10;
    let mut config = Config::default();
    config.buffer_retain = RETAIN;
    let mut conn = connection(wsmachine::Role::Server, config);
    let text = "ж".repeat(20_000);
    let binary = vec![7u8; 40_000];
    let mut wire = client_frame(0x81, text.as_bytes());
    wire.extend(client_frame(0x82, &binary));
    wire.extend(client_frame(0x81, text.as_bytes()));
    let mut kinds = Vec::new();
    for piece in wire.chunks(1000) {
        let mut piece = piece.to_vec();
        let mut pos = 0;
        loop {
            let (used, event) = conn.handle_input(&mut piece[pos..]);
            pos += used;
            let seen = match event {
                Some(Event::Text(t)) => Some(("text", t == text)),
                Some(Event::Binary(b)) => Some(("binary", b == &binary[..])),
                Some(other) => panic!("unexpected {other:?}"),
                None => None,
            };
            // After every call, mid-message too: one buffer at most,
            // whichever kind holds it (a message is at most 40,000 bytes;
            // the box of extras while text is there).
            assert!(conn.heap_bytes() <= RETAIN + 1024, "{}", conn.heap_bytes());
            match seen {
                Some(seen) => kinds.push(seen),
                None => break,
            }
        }
    }
    assert_eq!(kinds, [("text", true), ("binary", true), ("text", true)]);
    assert!(conn.handle_input(&mut []).1.is_none());
    assert!(conn.heap_bytes() <= RETAIN, "{}", conn.heap_bytes());
}

#[test]
fn an_empty_first_fragment_leaves_nothing_behind() {
    // The text ends whole in a later input: nothing was assembled, and
    // nothing stays allocated for it.
    let mut wire = client_frame(0x01, b"");
    wire.extend(client_frame(0x80, "ж".as_bytes()));
    let mut conn = server();
    let (head, tail) = wire.split_at(6);
    assert_eq!(feed(&mut conn, head), []);
    assert_eq!(feed(&mut conn, tail), [Ev::Text("ж".into())]);
    assert!(conn.handle_input(&mut []).1.is_none());
    assert_eq!(conn.heap_bytes(), 0);
}
