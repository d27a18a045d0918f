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
