//! How the message buffer grows while a message is assembled (whole
//! delivery, the frame machine's path): a frame's announced length makes
//! room once, on its first piece, for the message so far and the rest of the
//! frame, up to 64 KiB or `buffer_retain` when larger; a buffer that already
//! has the room is left as it is. Each test reads `Connection::heap_bytes`
//! over what the connection holds before any input (the buffer's capacity:
//! these receivers send nothing) after every input, through `handle_input`
//! and `handle_input_into`, in both roles.

use wsmachine::{Config, Connection, Role};
use wsmachine_testkit::*;

const ROLES: [Role; 2] = [Role::Server, Role::Client];

/// Feeds `wire` cut at `cuts` and returns, for each input, the events and
/// the heap the connection holds after it, through `handle_input_into` with
/// the caller's buffer `out` when `with_buffer`, else through `handle_input`.
fn heap_per_input(
    conn: &mut Connection,
    with_buffer: bool,
    out: &mut Vec<u8>,
    wire: &[u8],
    cuts: &[usize],
) -> Vec<(Vec<Ev>, usize)> {
    let mut steps = Vec::new();
    let mut start = 0;
    // A client's randomness is in a box it holds from the start.
    let base = match conn.role() {
        Role::Client => connection(Role::Client, Config::default()).heap_bytes(),
        Role::Server => 0,
    };
    for &cut in cuts.iter().chain(std::iter::once(&wire.len())) {
        let events = if with_buffer {
            feed_buffered(conn, out, &wire[start..cut])
        } else {
            feed(conn, &wire[start..cut])
        };
        steps.push((events, conn.heap_bytes() - base));
        start = cut;
    }
    steps
}

/// The heap after each input, checking that only the last one delivered an
/// event, `expected`.
#[track_caller]
fn heaps(steps: Vec<(Vec<Ev>, usize)>, expected: &Ev) -> Vec<usize> {
    let last = steps.len() - 1;
    for (i, (events, _)) in steps.iter().enumerate() {
        let want: &[Ev] = if i == last {
            std::slice::from_ref(expected)
        } else {
            &[]
        };
        assert_eq!(events, want, "input {i}");
    }
    steps.into_iter().map(|(_, heap)| heap).collect()
}

/// A 1000-byte frame whose first input brings 10 bytes: room for all 1000 is
/// made then, and the buffer does not grow again as the rest arrives.
#[test]
fn an_announced_length_is_reserved_once_on_the_first_piece() {
    let payload: Vec<u8> = (0..1000).map(|i| i as u8).collect();
    for role in ROLES {
        let wire = peer_frame(role, 0x82, &payload);
        let header = wire.len() - payload.len();
        let cuts = [header + 10, header + 300, header + 700];
        for with_buffer in [false, true] {
            let mut conn = connection(role, Config::default());
            let mut out = Vec::new();
            let steps = heap_per_input(&mut conn, with_buffer, &mut out, &wire, &cuts);
            let held = heaps(steps, &Ev::Binary(payload.clone()));
            // The last input hands the message over, and the buffer is
            // released (`buffer_retain` is 0).
            assert_eq!(held, [1000, 1000, 1000, 0], "{role:?} {with_buffer}");
        }
    }
}

/// A continuation's announced length makes room for the fragments already
/// assembled and the whole continuation, no more.
#[test]
fn a_continuation_reserves_for_the_message_so_far_and_its_own_length() {
    let first = vec![b'a'; 100];
    let second = vec![b'b'; 1000];
    for role in ROLES {
        let head = peer_frame(role, 0x02, &first);
        let tail = peer_frame(role, 0x80, &second);
        let cut = head.len() + (tail.len() - second.len()) + 10;
        let wire = [head.clone(), tail].concat();
        let message = [first.clone(), second.clone()].concat();
        for with_buffer in [false, true] {
            let mut conn = connection(role, Config::default());
            let mut out = Vec::new();
            let cuts = [head.len(), cut];
            let steps = heap_per_input(&mut conn, with_buffer, &mut out, &wire, &cuts);
            let held = heaps(steps, &Ev::Binary(message.clone()));
            // The first fragment as it came; then 100 + 1000 at once.
            assert_eq!(held[..2], [100, 1100], "{role:?} {with_buffer}");
        }
    }
}

/// After a message the buffer keeps its capacity (up to `buffer_retain`);
/// the next message that fits in it makes no room, even one that fills it
/// exactly.
#[test]
fn a_kept_buffer_with_room_enough_is_not_grown() {
    for role in ROLES {
        for next_len in [500, 1000] {
            let first: Vec<u8> = vec![1; 1000];
            let next: Vec<u8> = vec![2; next_len];
            let a = peer_frame(role, 0x82, &first);
            let b = peer_frame(role, 0x82, &next);
            for with_buffer in [false, true] {
                let mut config = Config::default();
                config.buffer_retain = 64 << 10;
                let mut conn = connection(role, config);
                // The caller's buffer, swapped in when the first message is
                // handed over, has the same room.
                let mut out = Vec::with_capacity(1000);
                let cuts = [a.len() - 1];
                let steps = heap_per_input(&mut conn, with_buffer, &mut out, &a, &cuts);
                assert_eq!(heaps(steps, &Ev::Binary(first.clone())), [1000, 1000]);
                let header = b.len() - next.len();
                let cuts = [header + 10];
                let steps = heap_per_input(&mut conn, with_buffer, &mut out, &b, &cuts);
                let held = heaps(steps, &Ev::Binary(next.clone()));
                assert_eq!(held[0], 1000, "{role:?} {next_len} {with_buffer}");
            }
        }
    }
}

/// An announced length makes room up to 64 KiB, or up to `buffer_retain`
/// when that is larger; past that the buffer grows with the bytes.
#[test]
fn an_announced_length_makes_room_up_to_64_kib_or_buffer_retain() {
    let payload = vec![7u8; 300_000];
    for role in ROLES {
        let wire = peer_frame(role, 0x82, &payload);
        let header = wire.len() - payload.len();
        for (retain, room) in [(0, 64 << 10), (256, 64 << 10), (128 << 10, 128 << 10)] {
            for with_buffer in [false, true] {
                let mut config = Config::default();
                config.buffer_retain = retain;
                let mut conn = connection(role, config);
                let mut out = Vec::new();
                let cuts = [header + 10];
                let steps = heap_per_input(&mut conn, with_buffer, &mut out, &wire, &cuts);
                let held = heaps(steps, &Ev::Binary(payload.clone()));
                assert_eq!(held[0], room, "{role:?} {retain} {with_buffer}");
            }
        }
    }
}

/// `handle_input_into` hands an assembled message over by swapping buffers:
/// the connection keeps the caller's allocation, cut down to
/// `buffer_retain` when it is larger, kept as it is otherwise.
#[test]
fn a_caller_buffer_swapped_in_is_kept_up_to_buffer_retain() {
    let payload = vec![3u8; 100];
    for role in ROLES {
        let wire = peer_frame(role, 0x82, &payload);
        for (given, kept) in [(64 << 10, 1024), (512, 512)] {
            let mut config = Config::default();
            config.buffer_retain = 1024;
            let mut conn = connection(role, config);
            let mut out = Vec::with_capacity(given);
            let steps = heap_per_input(&mut conn, true, &mut out, &wire, &[wire.len() - 1]);
            let held = heaps(steps, &Ev::Binary(payload.clone()));
            assert_eq!(held, [100, kept], "{role:?} given {given}");
        }
    }
}
