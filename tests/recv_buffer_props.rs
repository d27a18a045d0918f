//! Differential: any interleaving of recv_buffer / handle_received /
//! poll_event / handle_input / handle_input_into / handle_timeout / sends
//! gives the events handle_input gives for the same bytes.

use std::time::Duration;

use proptest::prelude::*;
use wsmachine::{Config, Connection, Delivery, MessageKind};
use wsmachine_testkit::*;

#[derive(Debug, Clone)]
enum Op {
    Text(String),
    Binary(usize, u8),
    Fragmented(MessageKind, Vec<Vec<u8>>, Option<Vec<u8>>),
    Ping(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<String>().prop_map(Op::Text),
        (0usize..300, any::<u8>()).prop_map(|(n, b)| Op::Binary(n, b)),
        (0usize..200_000, any::<u8>()).prop_map(|(n, b)| Op::Binary(n, b)),
        (
            any::<bool>(),
            proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..40),
                    (0usize..70_000).prop_map(|n| vec![b'x'; n]),
                    any::<String>().prop_map(String::into_bytes),
                ],
                1..5
            ),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=125)),
        )
            .prop_map(|(text, parts, ping)| {
                let kind = if text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let parts = if text {
                    // Cut a valid string anywhere (fragments need not be
                    // valid on their own).
                    let all: Vec<u8> = parts.concat();
                    let s = String::from_utf8_lossy(&all).into_owned().into_bytes();
                    let n = parts.len();
                    let mut out = Vec::new();
                    let step = s.len() / n + 1;
                    for c in s.chunks(step) {
                        out.push(c.to_vec());
                    }
                    if out.is_empty() {
                        out.push(Vec::new());
                    }
                    out
                } else {
                    parts
                };
                Op::Fragmented(kind, parts, ping)
            }),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Ping),
    ]
}

fn send_all(from: &mut Connection, ops: &[Op]) -> Vec<u8> {
    for op in ops {
        match op {
            Op::Text(t) => from.send_text(t).unwrap(),
            Op::Binary(n, b) => from.send_binary(&vec![*b; *n]).unwrap(),
            Op::Fragmented(kind, parts, ping) => {
                from.begin_message(*kind).unwrap();
                let (last, init) = parts.split_last().unwrap();
                for p in init {
                    from.send_fragment(p).unwrap();
                    if let Some(ping) = ping {
                        from.send_ping(ping).unwrap();
                    }
                }
                from.finish_message(last).unwrap();
            }
            Op::Ping(p) => from.send_ping(p).unwrap(),
        }
    }
    drain(from)
}

fn summary(events: &[Ev]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Ev::Text(t) => format!("Text({}, {:x})", t.len(), fx(t.as_bytes())),
            Ev::Binary(b) => format!("Binary({}, {:x})", b.len(), fx(b)),
            Ev::Chunk(k, b, f) => format!("Chunk({k:?}, {}, {f})", b.len()),
            Ev::Ping(b) => format!("Ping({})", b.len()),
            Ev::Pong(b) => format!("Pong({})", b.len()),
            other => format!("{other:?}"),
        })
        .collect()
}

fn fx(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf29ce484222325u64, |h, &x| {
        (h ^ x as u64).wrapping_mul(0x100000001b3)
    })
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// Feeds `chunk` with handle_input (or handle_input_into) until it is used.
fn by_input(conn: &mut Connection, chunk: &[u8], into: Option<&mut Vec<u8>>, out: &mut Vec<Ev>) {
    let mut buf = chunk.to_vec();
    let mut pos = 0;
    match into {
        None => loop {
            let (used, ev) = conn.handle_input(&mut buf[pos..]);
            pos += used;
            match ev {
                Some(ev) => out.push(Ev::from(ev)),
                None => {
                    assert_eq!(pos, buf.len());
                    return;
                }
            }
        },
        Some(o) => loop {
            let (used, ev) = conn.handle_input_into(&mut buf[pos..], o);
            pos += used;
            match ev {
                Some(ev) => out.push(Ev::from(ev)),
                None => {
                    assert_eq!(pos, buf.len());
                    return;
                }
            }
        },
    }
}

/// Drives `conn` over `wire` with calls chosen by `seed`; returns the events.
fn drive(conn: &mut Connection, wire: &[u8], seed: u64, eof: bool) -> Vec<Ev> {
    drive_to(conn, wire, seed, eof, usize::MAX).0
}

fn drive_to(
    conn: &mut Connection,
    wire: &[u8],
    seed: u64,
    eof: bool,
    stop: usize,
) -> (Vec<Ev>, usize) {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    let mut into = Vec::new();
    let mut pos = 0;
    let mut now = Duration::ZERO;
    let hints = [
        1usize, 2, 3, 7, 14, 64, 200, 1000, 4096, 20_000, 65_536, 300_000,
    ];
    let mut steps = 0;
    while pos < wire.len() && pos < stop {
        steps += 1;
        assert!(steps < 200_000, "stuck");
        let left = wire.len() - pos;
        match rng.below(16) {
            0..=7 => {
                let hint = hints[rng.below(hints.len() as u64) as usize];
                let slice = conn.recv_buffer(hint);
                assert!(!slice.is_empty() && slice.len() <= hint);
                let len = slice.len();
                let k = if rng.below(3) == 0 {
                    rng.below(len.min(left) as u64 + 1) as usize
                } else {
                    len.min(left)
                };
                slice[..k].copy_from_slice(&wire[pos..pos + k]);
                pos += k;
                let report = if k == len && rng.below(4) == 0 {
                    k + 5
                } else {
                    k
                };
                conn.handle_received(report);
            }
            8 => {
                let hint = hints[rng.below(hints.len() as u64) as usize];
                let _ = conn.recv_buffer(hint); // the read would block
            }
            9 | 10 => {
                for _ in 0..rng.below(3) + 1 {
                    match conn.poll_event() {
                        Some(ev) => out.push(Ev::from(ev)),
                        None => break,
                    }
                }
            }
            11 => out.extend(poll_events(conn)),
            12 => {
                let k = (rng.below(left as u64) as usize + 1).min(left);
                by_input(conn, &wire[pos..pos + k], None, &mut out);
                pos += k;
            }
            13 => {
                let k = (rng.below(left as u64) as usize + 1).min(left);
                by_input(conn, &wire[pos..pos + k], Some(&mut into), &mut out);
                pos += k;
            }
            14 => {
                now += Duration::from_millis(1);
                conn.handle_timeout(now);
            }
            _ => {
                let _ = conn.send_ping(b"x");
                drain(conn);
            }
        }
    }
    if eof {
        conn.handle_eof();
    }
    out.extend(poll_events(conn));
    (out, pos)
}

fn expected(conn: &mut Connection, wire: &[u8], eof: bool) -> Vec<Ev> {
    let mut ev = feed(conn, wire);
    if eof {
        conn.handle_eof();
        ev.extend(poll_final(conn));
    }
    ev
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn any_call_order_gives_handle_inputs_events(
        ops in proptest::collection::vec(op(), 0..8),
        seed in any::<u64>(),
        client_sends in any::<bool>(),
        chunks in any::<bool>(),
        retain in any::<bool>(),
        eof in any::<bool>(),
        corrupt in proptest::option::of((any::<usize>(), any::<u8>())),
    ) {
        let mut config = Config::default();
        if chunks {
            config.delivery = Delivery::Chunks;
        }
        if retain {
            config.buffer_retain = 64 << 10;
        }
        let make = |config: Config| if client_sends {
            Connection::server(config)
        } else {
            Connection::client(config, TestRng(5))
        };
        let mut from = if client_sends { client() } else { server() };
        let mut wire = send_all(&mut from, &ops);
        if let (Some((at, x)), false) = (corrupt, wire.is_empty()) {
            let at = at % wire.len();
            wire[at] ^= x;
        }
        let want = expected(&mut make(config.clone()), &wire, eof);
        let mut conn = make(config);
        let got = drive(&mut conn, &wire, seed, eof);
        let (got, want) = if chunks { (join_chunks_cut(got), join_chunks_cut(want)) } else { (got, want) };
        prop_assert_eq!(summary(&got), summary(&want), "wire {}", wire.len());
        while conn.pending_output_len() > 0 {
            drain(&mut conn);
        }
        // It waits for input again, as a driver has it after writing.
        let _ = conn.recv_buffer(1);
        conn.handle_received(0);
        if !retain && (corrupt.is_none() || conn.is_closed()) {
            prop_assert!(conn.heap_bytes() <= 256, "{}", conn.heap_bytes());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn close_and_eof_anywhere(
        ops in proptest::collection::vec(op(), 0..6),
        seed in any::<u64>(),
        client_sends in any::<bool>(),
        chunks in any::<bool>(),
        close in proptest::option::of((prop_oneof![Just(1000u16), Just(1001), Just(4000), Just(1005), Just(999)], ".{0,20}")),
        stop in any::<usize>(),
        more in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut config = Config::default();
        if chunks {
            config.delivery = Delivery::Chunks;
        }
        let make = |config: Config| if client_sends {
            Connection::server(config)
        } else {
            Connection::client(config, TestRng(5))
        };
        let mut from = if client_sends { client() } else { server() };
        let mut wire = send_all(&mut from, &ops);
        if let Some((code, reason)) = close {
            let _ = from.close(wsmachine::CloseCode(code), &reason);
            wire.extend(drain(&mut from));
        }
        wire.extend_from_slice(&more);
        let stop = if wire.is_empty() { 0 } else { stop % (wire.len() + 1) };
        let mut conn = make(config.clone());
        let (got, fed) = drive_to(&mut conn, &wire, seed, true, stop);
        let want = expected(&mut make(config), &wire[..fed], true);
        let (got, want) = if chunks { (join_chunks_cut(got), join_chunks_cut(want)) } else { (got, want) };
        prop_assert_eq!(summary(&got), summary(&want));
        prop_assert!(conn.is_closed());
        while conn.pending_output_len() > 0 {
            drain(&mut conn);
        }
        prop_assert!(conn.heap_bytes() <= 256, "{}", conn.heap_bytes());
    }
}

#[cfg(feature = "deflate")]
mod deflate {
    use super::*;
    use wsmachine::extension::deflate::DeflateConfig;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

        #[test]
        fn deflate_any_call_order(
            ops in proptest::collection::vec(op(), 0..6),
            seed in any::<u64>(),
            chunks in any::<bool>(),
            threshold0 in any::<bool>(),
        ) {
            let mut config = Config::default();
            if chunks {
                config.delivery = Delivery::Chunks;
            }
            let mut d = DeflateConfig::default();
            if threshold0 {
                d.threshold = 0;
            }
            let mut a = Pair::negotiated(&d, &d, config.clone());
            let mut b = Pair::negotiated(&d, &d, config);
            let wire = send_all(&mut a.client, &ops);
            let want = feed(&mut b.server, &wire);
            let got = drive(&mut a.server, &wire, seed, false);
            let (got, want) = if chunks { (join_chunks_cut(got), join_chunks_cut(want)) } else { (got, want) };
            prop_assert_eq!(summary(&got), summary(&want));
        }
    }
}
