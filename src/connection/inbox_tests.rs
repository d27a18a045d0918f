//! The receive path into the connection's own buffers, seen from inside:
//! what it zeroes and keeps.
#![allow(clippy::panic)]

use alloc::vec::Vec;

use super::Connection;
use crate::{Config, Event};

/// A masked binary frame header announcing `len` bytes, with a zero key (the
/// payload is sent as it is).
fn binary_header(len: u64) -> Vec<u8> {
    let mut header = alloc::vec![0x82, 0x80 | 127];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[0; 4]);
    header
}

/// Reads `bytes` with one `recv_buffer(hint)`: returns how many the slice
/// took and how far that call grew (zeroed) the message buffer.
fn read(conn: &mut Connection, hint: usize, bytes: &[u8]) -> (usize, usize) {
    let before = conn.buffer.len();
    let slice = conn.recv_buffer(hint);
    let n = slice.len().min(bytes.len());
    slice[..n].copy_from_slice(&bytes[..n]);
    let grown = conn.buffer.len().saturating_sub(before);
    conn.handle_received(n);
    (n, grown)
}

#[test]
fn short_reads_into_the_message_buffer_zero_each_byte_once() {
    const LEN: usize = 200_000;
    const HINT: usize = 64 << 10;
    let payload: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let mut wire = binary_header(LEN as u64);
    wire.extend_from_slice(&payload);
    let mut conn = Connection::server(Config::default());
    // The header and the first bytes go through the read area.
    let (mut pos, _) = read(&mut conn, 100, &wire);
    assert!(conn.poll_event().is_none());
    // Then reads of 1,000 bytes into 64 KiB slices, as a socket that has
    // less than asked for gives them.
    let mut zeroed = 0;
    for _ in 0..50 {
        let (n, grown) = read(&mut conn, HINT, &wire[pos..pos + 1000]);
        assert_eq!(n, 1000);
        zeroed += grown;
        pos += n;
        assert!(conn.poll_event().is_none());
    }
    // Once per byte: the first slice, then what each read took of it.
    assert!(
        zeroed <= HINT + 50 * 1000,
        "zeroed {zeroed} bytes for 50,000"
    );
    while pos < wire.len() {
        pos += read(&mut conn, HINT, &wire[pos..]).0;
    }
    match conn.poll_event() {
        Some(Event::Binary(got)) => assert!(got == &payload[..], "the message differs"),
        other => panic!("expected the message, got {other:?}"),
    }
    assert!(conn.poll_event().is_none());
    assert_eq!(conn.rx.spare, 0, "the frame is complete");
}

#[test]
fn a_slice_taken_back_is_lent_again_without_zeroing() {
    const LEN: usize = 100_000;
    let mut wire = binary_header(LEN as u64);
    wire.extend((0..LEN).map(|i| (i % 7) as u8));
    let mut conn = Connection::server(Config::default());
    let (pos, _) = read(&mut conn, 100, &wire);
    let first = conn.recv_buffer(4096);
    first[4000] = 0xAB;
    let len = conn.buffer.len();
    // Nothing was reported (the read would block): the slice is taken back
    // and lent again as it is, not zeroed again.
    let second = conn.recv_buffer(4096);
    assert_eq!((second.len(), second[4000]), (4096, 0xAB));
    assert_eq!(conn.buffer.len(), len);
    // A caller switching to `handle_input` mid-frame appends where the
    // message ends, not after the slice.
    let mut rest = wire[pos..].to_vec();
    let n = rest.len();
    let (used, event) = conn.handle_input(&mut rest);
    assert_eq!(used, n);
    match event {
        Some(Event::Binary(got)) => {
            assert_eq!(got.len(), LEN);
            assert!(got.iter().enumerate().all(|(i, &b)| b == (i % 7) as u8));
        }
        other => panic!("expected the message, got {other:?}"),
    }
}

/// A masked frame with a zero key: `first` is FIN and the opcode.
fn small_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = alloc::vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// How many times `capacity` changed over the pieces of a message of 10,000
/// ten-byte fragments (past the 64 KiB a length reserves ahead), each cut
/// right after its header, so that its payload is read straight into the
/// message buffer when that is where it goes.
fn growth_steps(opcode: u8, capacity: impl Fn(&Connection) -> usize) -> usize {
    let mut conn = Connection::server(Config::default());
    let mut steps = 0;
    let mut last = 0;
    for i in 0..10_000 {
        let first = match (i, i == 9_999) {
            (0, _) => opcode,
            (_, true) => 0x80,
            _ => 0x00,
        };
        let frame = small_frame(first, b"abcdefghij");
        let (head, tail) = frame.split_at(6);
        for part in [head, tail] {
            let mut at = 0;
            while at < part.len() {
                at += read(&mut conn, 4096, &part[at..]).0;
            }
            while conn.poll_event().is_some() {}
            let now = capacity(&conn);
            steps += usize::from(now != last);
            last = now;
        }
    }
    steps
}

#[test]
fn a_message_of_many_small_cut_fragments_grows_by_doubling() {
    // 100,000 bytes: a few dozen steps when the room doubles, thousands
    // when each fragment's rest is added on its own.
    let binary = growth_steps(0x02, |c| c.buffer.capacity());
    assert!(binary <= 40, "{binary} steps for a binary message");
    let text = growth_steps(0x01, |c| {
        c.extras.as_deref().map_or(0, |e| e.text.capacity())
    });
    assert!(text <= 40, "{text} steps for a text message");
}

/// The bytes the connection has initialized in its two buffers (the
/// message buffer and the read area): what a read grows them by is zeroed.
fn initialized(conn: &Connection) -> usize {
    conn.buffer.len() + conn.extras.as_deref().map_or(0, |e| e.inbox.initialized())
}

/// Three binary messages of `len` bytes, each its own pattern, back to back.
fn three_messages(len: usize) -> (Vec<u8>, [Vec<u8>; 3]) {
    let payloads = [1u8, 2, 3].map(|k| (0..len).map(|i| (i % 251) as u8 ^ k).collect::<Vec<u8>>());
    let mut wire = Vec::new();
    for p in &payloads {
        wire.extend_from_slice(&binary_header(len as u64));
        wire.extend_from_slice(p);
    }
    (wire, payloads)
}

/// Keeps the binary message `event` brings: whether it brought one (any
/// other event fails the test).
fn took_binary(event: Option<Event<'_>>, got: &mut Vec<Vec<u8>>) -> bool {
    match event {
        Some(Event::Binary(b)) => {
            got.push(b.to_vec());
            true
        }
        None => false,
        Some(other) => panic!("expected a message, got {other:?}"),
    }
}

/// Reads `wire` in reads of at most 64 KiB, handing each event to `take`;
/// returns the bytes zeroed while the last message was read.
fn read_all(
    conn: &mut Connection,
    wire: &[u8],
    last_from: usize,
    mut take: impl FnMut(&mut Connection) -> bool,
) -> usize {
    let (mut pos, mut zeroed) = (0, 0);
    while pos < wire.len() {
        let before = initialized(conn);
        pos += read(conn, 64 << 10, &wire[pos..]).0;
        if pos > last_from {
            zeroed += initialized(conn).saturating_sub(before);
        }
        while take(conn) {}
    }
    zeroed
}

#[test]
fn a_busy_connection_lends_its_kept_buffers_again_without_zeroing() {
    const LEN: usize = 300_000;
    let (wire, payloads) = three_messages(LEN);
    let mut conn = Connection::server(Config {
        buffer_retain: 1 << 20,
        ..Config::default()
    });
    let mut got = Vec::new();
    let last_from = 2 * (LEN + 14);
    let zeroed = read_all(&mut conn, &wire, last_from, |conn| {
        took_binary(conn.poll_event(), &mut got)
    });
    assert!(got == payloads, "the messages differ");
    // The two buffers it keeps hold a message and a read each: by the third
    // message nothing is zeroed again (each message's bytes were zeroed
    // before, about 300 kB a message).
    assert_eq!(zeroed, 0, "zeroed for the third message");
    // What it keeps is within buffer_retain, each buffer.
    assert!(conn.buffer.capacity() <= 1 << 20);
    assert!(conn.heap_bytes() <= 2 << 20, "{}", conn.heap_bytes());
}

#[test]
fn a_kept_buffer_the_size_of_the_message_grows_only_by_its_header() {
    // `buffer_retain` equal to the message size: the kept buffer lacks only
    // the bytes of the header it was read with, and the last frame's rest
    // is all the message needs. Doubling it (as for a message of many
    // frames) reallocated a buffer of twice the message for each message.
    const LEN: usize = 300_000;
    let (wire, payloads) = three_messages(LEN);
    let mut conn = Connection::server(Config {
        buffer_retain: LEN,
        ..Config::default()
    });
    let (mut pos, mut got, mut most) = (0, Vec::new(), 0);
    while pos < wire.len() {
        pos += read(&mut conn, 64 << 10, &wire[pos..]).0;
        most = most.max(conn.buffer.capacity());
        while took_binary(conn.poll_event(), &mut got) {}
    }
    assert!(got == payloads, "the messages differ");
    let header = binary_header(LEN as u64).len();
    assert!(most <= LEN + header, "the message buffer grew to {most}");
}

#[test]
fn a_message_handed_over_from_a_kept_buffer_brings_only_its_bytes() {
    // Two 300 kB messages taken with `poll_event` leave a kept buffer of
    // 300 kB; a 100 kB message after them, taken with `poll_event_into`,
    // lies in that buffer with room after it: the `Vec` handed over holds
    // the message and nothing after it.
    const LEN: usize = 300_000;
    const SHORT: usize = 100_000;
    let (mut wire, payloads) = three_messages(LEN);
    let header = binary_header(LEN as u64).len();
    wire.truncate(2 * (header + LEN));
    let short: Vec<u8> = (0..SHORT).map(|i| (i % 7) as u8).collect();
    wire.extend_from_slice(&binary_header(SHORT as u64));
    wire.extend_from_slice(&short);
    let mut conn = Connection::server(Config {
        buffer_retain: 1 << 20,
        ..Config::default()
    });
    let (mut got, mut out) = (Vec::new(), Vec::new());
    read_all(&mut conn, &wire, 0, |conn| {
        let into = got.len() == 2;
        let event = if into {
            conn.poll_event_into(&mut out)
        } else {
            conn.poll_event()
        };
        took_binary(event, &mut got)
    });
    assert!(
        got[..2] == payloads[..2] && got[2] == short,
        "the messages differ"
    );
    // What the read area held before the message (its header) may come
    // along; nothing after it.
    assert!(out.ends_with(&short), "the handed-over bytes differ");
    assert!(
        out.len() <= header + SHORT,
        "{} bytes handed over",
        out.len()
    );
}

#[test]
fn a_message_adopted_with_room_is_handed_over_without_it() {
    // The first read is short: the read area, adopted as the message
    // buffer, brings the rest of its 64 KiB slice as room; the handed-over
    // `Vec` holds the message and nothing after it. Both with and without
    // a kept buffer.
    const LEN: usize = 20_000;
    for retain in [0, 1 << 20] {
        // A 16-bit length, as the RFC's minimal encoding has it.
        let mut wire = alloc::vec![0x82, 0x80 | 126];
        wire.extend_from_slice(&(LEN as u16).to_be_bytes());
        wire.extend_from_slice(&[0; 4]);
        let header = wire.len();
        let payload: Vec<u8> = (0..LEN).map(|i| (i % 13) as u8).collect();
        wire.extend_from_slice(&payload);
        let mut conn = Connection::server(Config {
            buffer_retain: retain,
            ..Config::default()
        });
        let (first, _) = read(&mut conn, 64 << 10, &wire[..10_000]);
        let mut out = Vec::new();
        assert!(conn.poll_event_into(&mut out).is_none());
        let mut pos = first;
        while pos < wire.len() {
            pos += read(&mut conn, 64 << 10, &wire[pos..]).0;
        }
        match conn.poll_event_into(&mut out) {
            Some(Event::Binary(got)) => assert!(got == &payload[..], "the message differs"),
            other => panic!("expected the message, got {other:?}"),
        }
        // What the read area held before the message (its header) comes
        // along; nothing after it.
        assert_eq!(out.len(), header + LEN, "retain {retain}");
    }
}

#[test]
fn a_header_that_ends_a_read_keeps_the_room() {
    // Each message's header ends a read: the empty piece after it appends
    // nothing and cuts no room off, so the third message zeroes nothing.
    const LEN: usize = 300_000;
    let (wire, payloads) = three_messages(LEN);
    let header = binary_header(LEN as u64).len();
    let mut conn = Connection::server(Config {
        buffer_retain: 1 << 20,
        ..Config::default()
    });
    let (mut got, mut zeroed, mut pos) = (Vec::new(), 0, 0);
    for i in 0..payloads.len() {
        for part in [header, LEN] {
            let end = pos + part;
            while pos < end {
                let before = initialized(&conn);
                pos += read(&mut conn, 64 << 10, &wire[pos..end]).0;
                while took_binary(conn.poll_event(), &mut got) {}
                if i == 2 {
                    zeroed += initialized(&conn).saturating_sub(before);
                }
            }
        }
    }
    assert!(got == payloads, "the messages differ");
    assert_eq!(zeroed, 0, "zeroed for the third message");
}

#[test]
fn a_busy_connection_taking_messages_into_the_callers_vec_zeroes_nothing_once_warm() {
    // Each message taken with `poll_event_into` trades buffers with the
    // caller: the `Vec` the connection gets back is room too, so once the
    // buffers it trades are all large enough, nothing is zeroed.
    const LEN: usize = 300_000;
    let mut wire = Vec::new();
    let payloads: Vec<Vec<u8>> = (0..5u8)
        .map(|k| (0..LEN).map(|i| (i % 251) as u8 ^ k).collect())
        .collect();
    for p in &payloads {
        wire.extend_from_slice(&binary_header(LEN as u64));
        wire.extend_from_slice(p);
    }
    let mut conn = Connection::server(Config {
        buffer_retain: 1 << 20,
        ..Config::default()
    });
    let (mut got, mut out) = (Vec::new(), Vec::new());
    let last_from = 4 * (LEN + 14);
    let zeroed = read_all(&mut conn, &wire, last_from, |conn| {
        took_binary(conn.poll_event_into(&mut out), &mut got)
    });
    assert!(got == payloads, "the messages differ");
    assert_eq!(zeroed, 0, "zeroed for the fifth message");
}
