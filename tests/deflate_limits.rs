//! The size limits mean the same for a compressed message as for one sent
//! as it is: `max_frame_size` and `max_message_size` hold for the data the
//! application gets, in both roles, both delivery modes and both read calls,
//! at the limits and one byte over, for incompressible and for highly
//! compressible data.
#![cfg(feature = "deflate")]

use wsmachine::extension::deflate::DeflateConfig;
use wsmachine::extension::MessageCodec;
use wsmachine::{CloseCode, Config, Connection, Delivery, MessageKind, Role, Violation};
use wsmachine_testkit::*;

/// `max_frame_size` and `max_message_size` for the small-limit cases.
const FRAME: usize = 64 * 1024;
const MESSAGE: usize = 4 * FRAME;

/// Bytes no compressor can shrink (xorshift).
fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// `data` as DEFLATE stored blocks (RFC 1951 §3.2.4), none of them final:
/// what zlib writes for incompressible data with a sync flush, once the
/// `00 00 ff ff` tail is removed (RFC 7692 §7.2.1). Independent of the
/// library's encoder.
fn stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 0xFFFF * 5 + 5);
    for block in data.chunks(0xFFFF) {
        let n = block.len() as u16;
        out.push(0x00);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(block);
    }
    out
}

/// A receiver in `role` with permessage-deflate and the given limits.
fn receiver(server: bool, delivery: Delivery, frame: usize, message: usize) -> Connection {
    let mut config = Config::default();
    config.max_frame_size = frame as u64;
    config.max_message_size = message as u64;
    config.delivery = delivery;
    let cfg = DeflateConfig::default();
    let pair = Pair::negotiated(&cfg, &cfg, config);
    if server {
        pair.server
    } else {
        pair.client
    }
}

/// The role of a receiver that is a server or not.
fn role(server: bool) -> Role {
    if server {
        Role::Server
    } else {
        Role::Client
    }
}

/// Frames carrying the compressed `pieces` of one binary message (RSV1 on
/// the first), masked when they go to a server.
fn compressed_frames(to_server: bool, pieces: &[Vec<u8>]) -> Vec<u8> {
    let mut wire = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let fin = if i + 1 == pieces.len() { 0x80 } else { 0 };
        let first = if i == 0 { 0x42 } else { 0x00 };
        let b0 = fin | first;
        wire.extend(peer_frame(role(to_server), b0, piece));
    }
    wire
}

/// Feeds `wire` with `handle_input` or `handle_input_into`, cut into reads
/// of `step` bytes (one read for `usize::MAX`); returns the events.
fn events_in_reads(conn: &mut Connection, wire: &[u8], buffered: bool, step: usize) -> Vec<Ev> {
    let cuts: Vec<usize> = (step..wire.len()).step_by(step).collect();
    if buffered {
        feed_split_buffered(conn, wire, &cuts)
    } else {
        feed_split(conn, wire, &cuts)
    }
}

/// Feeds `wire` in one read and returns the message the events spelled out
/// (whole or in chunks).
#[track_caller]
fn receive(conn: &mut Connection, wire: &[u8], buffered: bool) -> Vec<u8> {
    receive_in_reads(conn, wire, buffered, usize::MAX)
}

/// [`receive`] with the wire cut into reads of `step` bytes.
#[track_caller]
fn receive_in_reads(conn: &mut Connection, wire: &[u8], buffered: bool, step: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for ev in events_in_reads(conn, wire, buffered, step) {
        match ev {
            Ev::Binary(b) => data.extend(b),
            Ev::Chunk(MessageKind::Binary, b, _) => data.extend(b),
            other => panic!("unexpected {other:?}"),
        }
    }
    data
}

/// Feeds `wire` in one read and checks that it fails the connection
/// with `violation` and 1009 ([`assert_failed`]), after chunks of the
/// message perhaps.
#[track_caller]
fn assert_rejects(conn: &mut Connection, wire: &[u8], buffered: bool, violation: Violation) {
    assert_rejects_in_reads(conn, wire, buffered, usize::MAX, violation);
}

/// [`assert_rejects`] with the wire cut into reads of `step` bytes.
#[track_caller]
fn assert_rejects_in_reads(
    conn: &mut Connection,
    wire: &[u8],
    buffered: bool,
    step: usize,
    violation: Violation,
) {
    let events = events_in_reads(conn, wire, buffered, step);
    for ev in assert_failed(conn, &events, violation, CloseCode::MESSAGE_TOO_BIG) {
        assert!(matches!(ev, Ev::Chunk(MessageKind::Binary, ..)), "{ev:?}");
    }
}

/// Runs `check` for every receiver: both roles, both delivery modes, both
/// read calls.
fn every_receiver(frame: usize, message: usize, check: impl Fn(&mut Connection, bool, bool)) {
    for server in [true, false] {
        for delivery in [Delivery::Whole, Delivery::Chunks] {
            for buffered in [false, true] {
                check(
                    &mut receiver(server, delivery, frame, message),
                    server,
                    buffered,
                );
            }
        }
    }
}

/// Compresses `data` as a sender with the default `DeflateConfig` would, cut
/// into the given fragment sizes; returns each fragment's compressed bytes.
fn compress(data: &[u8], fragments: &[usize]) -> Vec<Vec<u8>> {
    let cfg = DeflateConfig::default();
    let (_, mut codec) = agreed_codecs(&cfg, &cfg);
    let mut out = Vec::new();
    let mut rest = data;
    for (i, &n) in fragments.iter().enumerate() {
        let mut piece = Vec::new();
        codec.encode(&rest[..n], i + 1 == fragments.len(), &mut piece);
        out.push(piece);
        rest = &rest[n..];
    }
    assert!(rest.is_empty());
    out
}

#[test]
fn an_incompressible_frame_at_the_frame_limit_passes() {
    let data = noise(FRAME);
    for wire_payload in [stored(&data), compress(&data, &[FRAME]).remove(0)] {
        assert!(wire_payload.len() > FRAME, "expanded on the wire");
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, std::slice::from_ref(&wire_payload));
            assert_eq!(receive(conn, &wire, buffered), data);
        });
    }
}

#[test]
fn a_frame_one_byte_over_the_frame_limit_fails_compressed_or_not() {
    for data in [noise(FRAME + 1), vec![b'a'; FRAME + 1]] {
        let compressed = compress(&data, &[FRAME + 1]);
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &compressed);
            assert_rejects(conn, &wire, buffered, Violation::FrameTooLarge);
        });
    }
}

#[test]
fn a_compressible_frame_at_the_frame_limit_passes() {
    let data = vec![b'a'; FRAME];
    let compressed = compress(&data, &[FRAME]);
    assert!(compressed[0].len() < FRAME / 16);
    every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
        let wire = compressed_frames(server, &compressed);
        assert_eq!(receive(conn, &wire, buffered), data);
    });
}

#[test]
fn a_message_at_the_message_limit_passes_in_frames_at_the_frame_limit() {
    for data in [noise(MESSAGE), vec![b'a'; MESSAGE]] {
        let compressed = compress(&data, &[FRAME; 4]);
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &compressed);
            assert_eq!(receive(conn, &wire, buffered), data);
        });
    }
    // Stored blocks, cut at the frame size, one frame each.
    let data = noise(MESSAGE);
    let pieces: Vec<Vec<u8>> = data.chunks(FRAME).map(stored).collect();
    every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
        let wire = compressed_frames(server, &pieces);
        assert_eq!(receive(conn, &wire, buffered), data);
    });
}

#[test]
fn a_message_one_byte_over_the_message_limit_fails_compressed_or_not() {
    for data in [noise(MESSAGE + 1), vec![b'a'; MESSAGE + 1]] {
        let compressed = compress(&data, &[FRAME, FRAME, FRAME, FRAME, 1]);
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &compressed);
            assert_rejects(conn, &wire, buffered, Violation::MessageTooLarge);
        });
    }
}

/// On the wire a compressed frame may exceed the limit by the encoding's
/// overhead and no more: a longer header fails before its payload arrives.
#[test]
fn a_compressed_frame_longer_than_any_encoding_of_the_limit_fails_on_its_header() {
    let cfg = DeflateConfig::default();
    let (_, codec) = agreed_codecs(&cfg, &cfg);
    let allowed = codec.max_encoded_len(FRAME as u64);
    assert!(allowed > FRAME as u64 + 5 * (FRAME as u64 / 0xFFFF + 1));
    for (len, fails) in [(allowed, false), (allowed + 1, true)] {
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            // The header alone: RSV1 + binary, a 64-bit length.
            let mut wire = vec![0xC2, if server { 0xFF } else { 0x7F }];
            wire.extend_from_slice(&len.to_be_bytes());
            if server {
                wire.extend_from_slice(&[1, 2, 3, 4]);
            }
            if fails {
                assert_rejects(conn, &wire, buffered, Violation::FrameTooLarge);
            } else {
                assert_eq!(receive(conn, &wire, buffered), b"");
            }
        });
    }
    // Without compression the limit is exact.
    let mut conn = receiver(false, Delivery::Whole, FRAME, MESSAGE);
    let mut wire = vec![0x82, 0x7F];
    wire.extend_from_slice(&(FRAME as u64 + 1).to_be_bytes());
    assert_rejects(&mut conn, &wire, false, Violation::FrameTooLarge);
}

/// The defect as peers showed it: with the default `Config`, a 16 MiB
/// binary message of random bytes, compressed by the peer (as zlib does:
/// stored blocks, a little larger than the message), is taken in both roles
/// and echoed.
#[test]
fn a_16_mib_incompressible_message_is_echoed_with_the_default_config() {
    let limit = Config::default().max_frame_size as usize;
    let data = noise(limit);
    let wire_payload = stored(&data);
    assert!(wire_payload.len() > limit);
    for server in [true, false] {
        let cfg = DeflateConfig::default();
        let mut pair = Pair::negotiated(&cfg, &cfg, Config::default());
        let wire = compressed_frames(server, std::slice::from_ref(&wire_payload));
        let (receiver, sender) = if server {
            (&mut pair.server, &mut pair.client)
        } else {
            (&mut pair.client, &mut pair.server)
        };
        assert_eq!(receive(receiver, &wire, server), data);
        // The echo goes back compressed and is taken on the other side too.
        receiver.send_binary(&data).unwrap();
        let echo = drain(receiver);
        assert!(
            echo.len() > limit + 14,
            "the echo is compressed and expanded"
        );
        assert_eq!(receive(sender, &echo, !server), data);
    }
}

/// A frame over both limits at once (a message of one frame, the two limits
/// equal) fails with the frame limit, as the frame header's check reports
/// it, whether the frame is compressed or not, whole in one read or cut.
#[test]
fn a_frame_over_both_limits_reports_the_frame_limit_compressed_or_not() {
    for data in [noise(FRAME + 1), vec![b'a'; FRAME + 1]] {
        let compressed = compress(&data, &[FRAME + 1]);
        for step in [usize::MAX, 1000] {
            every_receiver(FRAME, FRAME, |conn, server, buffered| {
                let wire = compressed_frames(server, &compressed);
                let violation = Violation::FrameTooLarge;
                assert_rejects_in_reads(conn, &wire, buffered, step, violation);
            });
            every_receiver(FRAME, FRAME, |conn, server, buffered| {
                let wire = peer_frame(role(server), 0x82, &data);
                let violation = Violation::FrameTooLarge;
                assert_rejects_in_reads(conn, &wire, buffered, step, violation);
            });
        }
    }
}

/// What each read inflates counts toward its frame: a compressed frame over
/// the frame limit fails when it arrives over many reads too, and one at the
/// limit passes, as do two such frames in one message (each frame counted
/// from zero).
#[test]
fn the_frame_limit_holds_for_a_compressed_frame_read_in_pieces() {
    for data in [noise(FRAME + 1), vec![b'a'; FRAME + 1]] {
        let over = compress(&data, &[FRAME + 1]);
        let at = compress(&data[..FRAME], &[FRAME]);
        let two = compress(&[&data[..FRAME], &data[..FRAME]].concat(), &[FRAME, FRAME]);
        // Eight reads or more for each frame.
        let step = (at[0].len() / 8).max(1);
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &over);
            let violation = Violation::FrameTooLarge;
            assert_rejects_in_reads(conn, &wire, buffered, step, violation);
        });
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &at);
            let received = receive_in_reads(conn, &wire, buffered, step);
            assert_eq!(received, data[..FRAME]);
        });
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let wire = compressed_frames(server, &two);
            let received = receive_in_reads(conn, &wire, buffered, step);
            assert_eq!(received.len(), 2 * FRAME);
        });
    }
}

/// With the extension negotiated, a message sent uncompressed (no RSV1) is
/// held to the exact frame limit in its continuation frames too: the slack
/// for the encoding's overhead is only for frames the extension decodes.
#[test]
fn an_uncompressed_continuation_is_held_to_the_exact_frame_limit() {
    for (len, fails) in [(FRAME, false), (FRAME + 1, true)] {
        let data = noise(len);
        every_receiver(FRAME, MESSAGE, |conn, server, buffered| {
            let frame = |b0, payload: &[u8]| peer_frame(role(server), b0, payload);
            let wire = [frame(0x02, b"first"), frame(0x80, &data)].concat();
            if fails {
                assert_rejects(conn, &wire, buffered, Violation::FrameTooLarge);
            } else {
                let received = receive(conn, &wire, buffered);
                assert_eq!(received, [b"first", &data[..]].concat());
            }
        });
    }
}
