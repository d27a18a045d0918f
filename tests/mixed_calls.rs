//! The input calls mixed at random. A driver may switch between
//! `handle_input` and `handle_input_into`, and between the buffers it gives
//! the latter, on any call: fresh, reused, holding bytes of its own. Whatever
//! it does, the events are the messages sent (or what one `handle_input` on
//! the whole input gives, for hostile input), nothing follows the final
//! event, and the connection's heap stays bounded.
//!
//! The seeds are fewer than in the review's probes these tests come from
//! (300 per traffic test, 3000 per hostile test): the file runs in about
//! 5 s in a debug build on two busy cores.

use wsmachine::{CloseCause, Config, Connection, Delivery, MessageKind, Role, Violation};
use wsmachine_testkit::*;

/// A number below `n` (0 for 0).
fn below(rng: &mut TestRng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

/// Feeds `wire` in random reads of 1 to 300 bytes. Each call is at random
/// `handle_input` or `handle_input_into`, the latter with a fresh buffer
/// (with bytes in it) or one of three kept across calls (empty, holding
/// bytes, large), sometimes with bytes added first. Checks what the kit's
/// `feed` checks: no event means the read was used up, and nothing follows
/// the final event.
#[track_caller]
fn feed_mixed(conn: &mut Connection, wire: &[u8], rng: &mut TestRng) -> Vec<Ev> {
    let mut kept = [Vec::new(), vec![0xEE; 300], Vec::with_capacity(1 << 17)];
    let mut events: Vec<Ev> = Vec::new();
    let mut start = 0;
    while start < wire.len() {
        let end = start + 1 + below(rng, (wire.len() - start).min(300));
        let mut read = wire[start..end].to_vec();
        start = end;
        let mut pos = 0;
        loop {
            let input = &mut read[pos..];
            let (used, ev) = match below(rng, 4) {
                0 | 1 => {
                    let (used, ev) = conn.handle_input(input);
                    (used, ev.map(Ev::from))
                }
                2 => {
                    let mut fresh = vec![0x55; below(rng, 50)];
                    let (used, ev) = conn.handle_input_into(input, &mut fresh);
                    (used, ev.map(Ev::from))
                }
                _ => {
                    let out = &mut kept[below(rng, 3)];
                    if below(rng, 4) == 0 {
                        out.extend_from_slice(b"left by the caller");
                    }
                    let (used, ev) = conn.handle_input_into(input, out);
                    (used, ev.map(Ev::from))
                }
            };
            pos += used;
            let Some(ev) = ev else {
                assert_eq!(pos, read.len(), "None must mean the read was used up");
                break;
            };
            assert!(
                !events.last().is_some_and(Ev::is_final),
                "an event after the final one: {ev:?}"
            );
            events.push(ev);
        }
    }
    events
}

/// `n` bytes of text with two- and three-byte code points.
fn text(n: usize) -> Vec<u8> {
    let mut bytes = "xé€".repeat(n / 6 + 1).into_bytes();
    bytes.truncate(n);
    while std::str::from_utf8(&bytes).is_err() {
        bytes.pop();
    }
    bytes
}

/// A control payload of at most 125 bytes.
fn control_payload(rng: &mut TestRng) -> Vec<u8> {
    let start = below(rng, 256) as u8;
    (0..below(rng, 126))
        .map(|i| start.wrapping_add(i as u8))
        .collect()
}

/// Sends up to eight random messages and pings from `from`: whole text and
/// binary (now and then 70 KB, past the 16-bit length form), fragmented with
/// text cut anywhere, even inside a code point, and pings and pongs between
/// the fragments. Returns the events the peer must see.
fn send_random(from: &mut Connection, rng: &mut TestRng) -> Vec<Ev> {
    let mut expected = Vec::new();
    for _ in 0..1 + below(rng, 8) {
        match below(rng, 5) {
            0 => {
                let big = below(rng, 4) == 0;
                let n = below(rng, if big { 70_000 } else { 200 });
                let salt = rng.next_u64() as u8;
                let data: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(31) ^ salt).collect();
                from.send_binary(&data).unwrap();
                expected.push(Ev::Binary(data));
            }
            1 => {
                let t = String::from_utf8(text(below(rng, 300))).unwrap();
                from.send_text(&t).unwrap();
                expected.push(Ev::Text(t));
            }
            2 | 3 => {
                let kind = [MessageKind::Text, MessageKind::Binary][below(rng, 2)];
                let big = below(rng, 5) == 0;
                let n = below(rng, if big { 20_000 } else { 400 });
                let all = text(n);
                let mut cuts: Vec<usize> = (0..below(rng, 5))
                    .map(|_| below(rng, all.len() + 1))
                    .collect();
                cuts.sort_unstable();
                from.begin_message(kind).unwrap();
                let mut start = 0;
                for cut in cuts {
                    from.send_fragment(&all[start..cut]).unwrap();
                    start = cut;
                    if below(rng, 2) == 0 {
                        let ping = control_payload(rng);
                        from.send_ping(&ping).unwrap();
                        expected.push(Ev::Ping(ping));
                    }
                    if below(rng, 3) == 0 {
                        let pong = control_payload(rng);
                        from.send_pong(&pong).unwrap();
                        expected.push(Ev::Pong(pong));
                    }
                }
                from.finish_message(&all[start..]).unwrap();
                expected.push(whole_message(kind, all));
            }
            _ => {
                let ping = control_payload(rng);
                from.send_ping(&ping).unwrap();
                expected.push(Ev::Ping(ping));
            }
        }
    }
    expected
}

/// Message buffers are held to this between messages, low enough that most
/// messages go past it.
const RETAIN: usize = 1024;

/// For each seed, four rounds of random traffic, alternately from the client
/// and from the server, fed with mixed calls to the other end; both ends
/// with `delivery`. Each round checks the events, that the receiver queued
/// only pongs, and that the receiver's heap went back to its buffers'
/// `RETAIN` (plus `codec_heap`, the extension's state) once the round's
/// last call returned.
fn run_mixed(pair: fn(Config) -> Pair, delivery: Delivery, seeds: u64, codec_heap: usize) {
    for seed in 1..=seeds {
        let mut rng = TestRng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut config = Config::default();
        config.delivery = delivery;
        config.buffer_retain = RETAIN;
        let mut pair = pair(config);
        for round in 0..4 {
            let (from, to) = if round % 2 == 0 {
                (&mut pair.client, &mut pair.server)
            } else {
                (&mut pair.server, &mut pair.client)
            };
            let expected = send_random(from, &mut rng);
            let wire = drain(from);
            for first in walk(&wire).filter(|f| matches!(f.first_byte & 0x0F, 1 | 2)) {
                let compressed = first.first_byte & 0x40 != 0;
                assert_eq!(compressed, codec_heap > 0, "seed {seed}: RSV1");
            }
            let mut got = feed_mixed(to, &wire, &mut rng);
            if delivery == Delivery::Chunks {
                got = join_chunks(got);
            }
            if got != expected {
                let at = got.iter().zip(&expected).position(|(g, e)| g != e);
                let (n, m) = (got.len(), expected.len());
                panic!("seed {seed} round {round}: {n} events for {m}, first differing: {at:?}");
            }
            // Pongs that coalesced while the output waited are answered once
            // it is written: drained until none is left.
            while to.pending_output_len() > 0 {
                let pongs = frames(&drain(to));
                assert!(pongs.iter().all(|f| f.0 == 0x8A), "seed {seed}: {pongs:?}");
            }
            let heap = to.heap_bytes();
            assert!(
                // And the box of what a plain server does not have.
                heap <= 2 * RETAIN + codec_heap + 256,
                "seed {seed} round {round}: {heap} bytes held"
            );
        }
    }
}

/// 100 seeds (40 with permessage-deflate, whose compressor is slower) keep
/// each mixed_calls_* test under a second in a debug build.
const SEEDS: u64 = 100;
#[cfg(feature = "deflate")]
const DEFLATE_SEEDS: u64 = 40;

/// A pair with `config` at both ends.
fn plain_pair(config: Config) -> Pair {
    Pair::with(config.clone(), config)
}

#[test]
fn mixed_calls_whole() {
    run_mixed(plain_pair, Delivery::Whole, SEEDS, 0);
}

#[test]
fn mixed_calls_chunks() {
    run_mixed(plain_pair, Delivery::Chunks, SEEDS, 0);
}

/// What permessage-deflate's inflater and compressor hold: 42 KiB and
/// 312 KiB in miniz_oxide 0.9 (docs/design.md), with a little room. Each is
/// made at the first message it is needed for.
#[cfg(feature = "deflate")]
const INFLATER_HEAP: usize = 44 << 10;
#[cfg(feature = "deflate")]
const COMPRESSOR_HEAP: usize = 316 << 10;

/// permessage-deflate agreed by both ends, every message compressed (the
/// traffic check sees RSV1 on the wire).
#[cfg(feature = "deflate")]
fn deflate_pair(config: Config) -> Pair {
    let mut deflate = wsmachine::extension::deflate::DeflateConfig::default();
    deflate.threshold = 0;
    let pair = Pair::negotiated(&deflate, &deflate, config);
    assert!(pair.client.has_codec() && pair.server.has_codec());
    pair
}

#[cfg(feature = "deflate")]
#[test]
fn mixed_calls_deflate_whole() {
    run_mixed(
        deflate_pair,
        Delivery::Whole,
        DEFLATE_SEEDS,
        INFLATER_HEAP + COMPRESSOR_HEAP,
    );
}

#[cfg(feature = "deflate")]
#[test]
fn mixed_calls_deflate_chunks() {
    run_mixed(
        deflate_pair,
        Delivery::Chunks,
        DEFLATE_SEEDS,
        INFLATER_HEAP + COMPRESSOR_HEAP,
    );
}

// ----- hostile input -----

/// The limits the hostile frames run into.
fn hostile_config() -> Config {
    let mut config = Config::default();
    config.buffer_retain = 512;
    config.max_frame_size = 2000;
    config.max_message_size = 5000;
    config
}

/// A data frame of `opcode` (a continuation inside a message), final or
/// not at random; keeps `in_message` up to date.
fn data_frame(rng: &mut TestRng, in_message: &mut bool, opcode: u8) -> u8 {
    let fin = below(rng, 2) == 0;
    let first_byte = if *in_message { 0x00 } else { opcode };
    *in_message = !fin;
    first_byte | if fin { 0x80 } else { 0 }
}

/// Up to twelve frames as a client might send them, hostile ones among
/// them: fragments in and out of place, frames over the frame limit, text
/// that is not UTF-8, pings, pongs, Closes with and without a valid
/// payload, RSV1 on text. With a `compressor` (a client running
/// permessage-deflate) also messages it compressed, some of which inflate
/// past the message limit.
fn hostile_frames(rng: &mut TestRng, mut compressor: Option<&mut Connection>) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut in_message = false;
    for _ in 0..1 + below(rng, 12) {
        let big = below(rng, 6) == 0;
        let len = below(rng, if big { 3000 } else { 40 });
        let mut payload: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        if len > 0 && below(rng, 30) == 0 {
            payload[below(rng, len)] = 0xFF; // not UTF-8
        }
        let first_byte = match below(rng, 100) {
            0..=19 => data_frame(rng, &mut in_message, 0x1),
            20..=34 => data_frame(rng, &mut in_message, 0x2),
            35..=54 => 0x89,
            55..=69 => 0x8A,
            70..=72 => {
                payload.truncate(100);
                payload.splice(0..0, 1000u16.to_be_bytes());
                0x88
            }
            73 => 0x80, // a final continuation, of no message perhaps
            74 => 0xC1, // RSV1 on text: garbage to an inflater
            75 => {
                payload.truncate(1); // a Close too short for its code
                0x88
            }
            76..=89 if !in_message && compressor.is_some() => {
                let from = compressor.as_deref_mut().expect("a compressor");
                if below(rng, 4) == 0 {
                    payload = vec![b'z'; 4000 + below(rng, 4000)];
                }
                send_compressed(from, rng, &payload);
                wire.extend(drain(from));
                continue;
            }
            _ if in_message => 0x80,
            _ => 0x82,
        };
        if first_byte & 0x08 != 0 {
            payload.truncate(125);
        }
        if first_byte & 0x8F == 0x80 {
            in_message = false;
        }
        wire.extend(client_frame(first_byte, &payload));
    }
    wire
}

/// Sends `payload` from `from` (which compresses it), as text if it is
/// UTF-8, in fragments of a random size from 1 to 3000 bytes: some inflate
/// past the frame limit, some stay within it.
fn send_compressed(from: &mut Connection, rng: &mut TestRng, payload: &[u8]) {
    let kind = match std::str::from_utf8(payload) {
        Ok(_) => MessageKind::Text,
        Err(_) => MessageKind::Binary,
    };
    from.begin_message(kind).unwrap();
    for fragment in payload.chunks(1 + below(rng, 3000)) {
        from.send_fragment(fragment).unwrap();
    }
    from.finish_message(&[]).unwrap();
}

/// A server with `hostile_config`, and no client compressing for it.
fn plain_server() -> (Connection, Option<Connection>) {
    (connection(Role::Server, hostile_config()), None)
}

/// A server with `hostile_config` running permessage-deflate, and a client
/// that compresses every message for it.
#[cfg(feature = "deflate")]
fn deflate_server() -> (Connection, Option<Connection>) {
    let mut deflate = wsmachine::extension::deflate::DeflateConfig::default();
    deflate.threshold = 0;
    let (client_codec, server_codec) = agreed_codecs(&deflate, &deflate);
    let server = connection(Role::Server, hostile_config());
    let compressor = client().with_codec(Box::new(client_codec));
    (server.with_codec(Box::new(server_codec)), Some(compressor))
}

/// How hostile frames left the server.
#[derive(Debug, PartialEq)]
enum Ending {
    Open,
    Violation(Violation),
    Closed(CloseCause),
}

/// For each seed, hostile frames fed to a server with mixed calls, against
/// a reference server fed the same frames in one read (the kit's `feed`,
/// one `handle_input` call after another): the same events, the same
/// output bytes, no final event left to poll, and at most twice the message
/// limit held once the output is written, besides the codec's state
/// (`codec_heap`).
///
/// Returns every ending seen, for the caller to check that the frames reach
/// what they are meant to.
fn run_hostile(
    server: fn() -> (Connection, Option<Connection>),
    seeds: u64,
    codec_heap: usize,
) -> Vec<Ending> {
    let config = hostile_config();
    let bound = 2 * config.max_message_size as usize + config.buffer_retain + codec_heap;
    let mut endings = Vec::new();
    for seed in 1..=seeds {
        let mut rng = TestRng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let (mut reference, mut compressor) = server();
        let wire = hostile_frames(&mut rng, compressor.as_mut());
        let want = feed(&mut reference, &wire);
        let (mut s, _) = server();
        let got = feed_mixed(&mut s, &wire, &mut rng);
        assert_eq!(got, want, "seed {seed}");
        assert_eq!(poll_final(&mut s), None, "seed {seed}");
        assert_eq!(drain(&mut s), drain(&mut reference), "seed {seed}: output");
        let heap = s.heap_bytes();
        assert!(heap <= bound, "seed {seed}: {heap} bytes held");
        let ending = match want.last() {
            Some(Ev::Error(e)) => Ending::Violation(e.violation()),
            Some(Ev::Closed(outcome, _)) => Ending::Closed(outcome.cause),
            _ => Ending::Open,
        };
        if !endings.contains(&ending) {
            endings.push(ending);
        }
    }
    endings
}

/// The endings every hostile run reaches.
fn common_endings() -> Vec<Ending> {
    vec![
        Ending::Open,
        Ending::Closed(CloseCause::Handshake {
            initiated_locally: false,
        }),
        Ending::Violation(Violation::UnexpectedContinuation),
        Ending::Violation(Violation::InvalidUtf8),
        Ending::Violation(Violation::CloseTooShort),
        Ending::Violation(Violation::FrameTooLarge),
    ]
}

/// 3000 seeds (1000 with permessage-deflate) keep each hostile_mixed_* test
/// under a second in a debug build.
const HOSTILE_SEEDS: u64 = 3000;

#[test]
fn hostile_mixed_plain() {
    let endings = run_hostile(plain_server, HOSTILE_SEEDS, 0);
    let mut expected = common_endings();
    expected.push(Ending::Violation(Violation::ReservedBits(4)));
    for ending in expected {
        assert!(endings.contains(&ending), "never reached: {ending:?}");
    }
}

#[cfg(feature = "deflate")]
#[test]
fn hostile_mixed_deflate() {
    let endings = run_hostile(deflate_server, HOSTILE_SEEDS / 3, INFLATER_HEAP);
    let mut expected = common_endings();
    expected.extend([
        Ending::Violation(Violation::InvalidExtensionData),
        Ending::Violation(Violation::MessageTooLarge),
        // RSV1 on text inside a message: a compressed message begins there.
        Ending::Violation(Violation::ExpectedContinuation),
    ]);
    for ending in expected {
        assert!(endings.contains(&ending), "never reached: {ending:?}");
    }
}
