//! The receiver hands out a message that arrives whole in one input, as one
//! frame between messages, straight from the input, before the frame machine
//! runs. That shortcut may take a frame only when the frame machine would
//! deliver it the same way. Each test here feeds a whole frame in one input
//! in a state or with a header the shortcut must leave to the frame machine,
//! through both `read` and `read_with_buffer`, and checks the frame machine's
//! answer; each fails if the shortcut wrongly takes the frame.

use wsmachine::{CloseCode, Config, Connection, Delivery, MessageKind, Role, Violation};
use wsmachine_testkit::*;

const ROLES: [Role; 2] = [Role::Server, Role::Client];

/// Feeds `wire`, cut into reads at `cuts`, to a new connection for `role`:
/// once through `handle_input` and once through `handle_input_into`.
/// Returns the events and the connection, for each.
fn both(role: Role, config: &Config, wire: &[u8], cuts: &[usize]) -> [(Vec<Ev>, Connection); 2] {
    let mut a = connection(role, config.clone());
    let read = feed_split(&mut a, wire, cuts);
    let mut b = connection(role, config.clone());
    let read_with_buffer = feed_split_buffered(&mut b, wire, cuts);
    [(read, a), (read_with_buffer, b)]
}

/// Checks that `wire` cut at `cuts` fails with `violation` and `code`
/// ([`assert_failed`]), through both input calls.
#[track_caller]
fn assert_fails_both_ways(
    role: Role,
    config: &Config,
    wire: &[u8],
    cuts: &[usize],
    violation: Violation,
    code: CloseCode,
) {
    for (events, mut conn) in both(role, config, wire, cuts) {
        assert_failed(&mut conn, &events, violation, code);
    }
}

/// Checks that `wire` cut at `cuts` gives `expected` and writes nothing,
/// through both input calls.
#[track_caller]
fn assert_delivers(role: Role, config: &Config, wire: &[u8], cuts: &[usize], expected: &[Ev]) {
    for (events, mut conn) in both(role, config, wire, cuts) {
        assert_eq!(events, expected, "{role:?} cuts {cuts:?}");
        assert_eq!(drain(&mut conn), [], "{role:?}: unexpected output");
    }
}

fn limits(max_frame_size: u64, max_message_size: u64) -> Config {
    let mut config = Config::default();
    config.max_frame_size = max_frame_size;
    config.max_message_size = max_message_size;
    config
}

#[test]
fn a_whole_frame_over_either_limit_fails_with_1009() {
    let payload = [b'x'; 150];
    for role in ROLES {
        for first in [0x81, 0x82] {
            let wire = peer_frame(role, first, &payload);
            // Over the frame limit only, then over the message limit only.
            let frame_limit = limits(149, 150);
            assert_fails_both_ways(
                role,
                &frame_limit,
                &wire,
                &[],
                Violation::FrameTooLarge,
                CloseCode::MESSAGE_TOO_BIG,
            );
            let message_limit = limits(150, 149);
            let violation = Violation::MessageTooLarge;
            assert_fails_both_ways(
                role,
                &message_limit,
                &wire,
                &[],
                violation,
                CloseCode::MESSAGE_TOO_BIG,
            );
        }
    }
}

#[test]
fn a_whole_frame_at_the_limits_is_delivered() {
    let payload = [b'x'; 150];
    for role in ROLES {
        for config in [limits(150, 151), limits(151, 150), limits(150, 150)] {
            let text = peer_frame(role, 0x81, &payload);
            let expected = [Ev::Text("x".repeat(150))];
            assert_delivers(role, &config, &text, &[], &expected);
            let binary = peer_frame(role, 0x82, &payload);
            let expected = [Ev::Binary(payload.to_vec())];
            assert_delivers(role, &config, &binary, &[], &expected);
        }
    }
}

/// A frame whose payload has not all arrived waits for the rest, wherever the
/// input ends: right after the header too, where no payload byte came yet.
#[test]
fn a_frame_cut_anywhere_arrives_whole() {
    for role in ROLES {
        for len in [0, 1, 2, 125, 126] {
            let payload = vec![b'x'; len];
            let wire = peer_frame(role, 0x82, &payload);
            let expected = [Ev::Binary(payload)];
            for cut in 0..=wire.len() {
                assert_delivers(role, &Config::default(), &wire, &[cut], &expected);
            }
        }
    }
}

/// The rest of a header cut by the end of an input is no header of its own,
/// even where its bytes would read as one.
#[test]
fn the_rest_of_a_cut_header_is_not_a_new_frame() {
    for role in ROLES {
        // A 16-bit length whose bytes, read as a header, announce a whole
        // final binary frame of 5 bytes, masked as `role` expects.
        let len = match role {
            Role::Server => 0x8285,
            Role::Client => 0x8205,
        };
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let first = peer_frame(role, 0x82, &payload);
        let header_len = first.len() - payload.len();
        let next = peer_frame(role, 0x81, b"next");
        let wire = [first, next].concat();
        let expected = [Ev::Binary(payload), Ev::Text("next".into())];
        for cut in 1..header_len {
            assert_delivers(role, &Config::default(), &wire, &[cut], &expected);
        }
    }
}

/// A control frame's payload is read as payload, even where it would read as
/// a whole frame.
#[test]
fn the_rest_of_a_cut_control_frame_is_not_a_new_frame() {
    let key = [0xA1, 0x07, 0x5C, 0xE3];
    for role in ROLES {
        let inner = peer_frame(role, 0x82, b"abc");
        // The ping's payload as it lies on the wire must be `inner`, so a
        // masked one is `inner` unmasked with the ping's key.
        let (ping, payload) = match role {
            Role::Server => {
                let payload: Vec<u8> = inner
                    .iter()
                    .zip(key.iter().cycle())
                    .map(|(b, k)| b ^ k)
                    .collect();
                (raw_frame(0x89, &payload, Some(key)), payload)
            }
            Role::Client => (server_frame(0x89, &inner), inner.clone()),
        };
        assert!(ping.ends_with(&inner));
        let header_len = ping.len() - inner.len();
        for (events, mut conn) in both(role, &Config::default(), &ping, &[header_len]) {
            assert_eq!(events, [Ev::Ping(payload.clone())], "{role:?}");
            assert_eq!(frames(&drain(&mut conn)), [(0x8A, payload.clone())]);
        }
    }
}

/// RFC 6455 §5.4: a new message inside a fragmented one fails, whether or not
/// the first fragment carried bytes.
#[test]
fn a_whole_frame_after_a_first_fragment_fails() {
    for role in ROLES {
        for fragment in [&b""[..], b"hel"] {
            for opcode in [0x01, 0x02] {
                let first = peer_frame(role, opcode, fragment);
                let cut = first.len();
                let wire = [first, peer_frame(role, 0x81, b"whole")].concat();
                let violation = Violation::ExpectedContinuation;
                assert_fails_both_ways(
                    role,
                    &Config::default(),
                    &wire,
                    &[cut],
                    violation,
                    CloseCode::PROTOCOL_ERROR,
                );
            }
        }
    }
}

#[test]
fn a_first_fragment_alone_is_not_a_message() {
    for role in ROLES {
        let first = peer_frame(role, 0x01, b"hel");
        let cut = first.len();
        let wire = [first, peer_frame(role, 0x80, b"lo")].concat();
        assert_delivers(
            role,
            &Config::default(),
            &wire,
            &[],
            &[Ev::Text("hello".into())],
        );
        // Alone in its input, it gives no event until its message ends.
        let expected = [Ev::Text("hello".into())];
        assert_delivers(role, &Config::default(), &wire, &[cut], &expected);
        assert_delivers(role, &Config::default(), &wire[..cut], &[], &[]);
    }
}

#[test]
fn streamed_delivery_gets_a_whole_frame_as_one_chunk() {
    let mut config = Config::default();
    config.delivery = Delivery::Chunks;
    for role in ROLES {
        let text = peer_frame(role, 0x81, b"hello");
        let expected = [Ev::Chunk(MessageKind::Text, b"hello".to_vec(), true)];
        assert_delivers(role, &config, &text, &[], &expected);
        let binary = peer_frame(role, 0x82, b"\x00\xFF");
        let expected = [Ev::Chunk(MessageKind::Binary, b"\x00\xFF".to_vec(), true)];
        assert_delivers(role, &config, &binary, &[], &expected);
    }
}

/// RFC 6455 §5.1: a server fails on an unmasked frame, a client on a masked one.
#[test]
fn a_whole_frame_masked_against_the_role_fails() {
    for first in [0x81, 0x82] {
        let unmasked = server_frame(first, b"hi");
        let violation = Violation::UnmaskedFrame;
        assert_fails_both_ways(
            Role::Server,
            &Config::default(),
            &unmasked,
            &[],
            violation,
            CloseCode::PROTOCOL_ERROR,
        );
        let masked = client_frame(first, b"hi");
        let violation = Violation::MaskedFrame;
        assert_fails_both_ways(
            Role::Client,
            &Config::default(),
            &masked,
            &[],
            violation,
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

/// RFC 6455 §5.2: RSV bits no negotiated extension defines fail.
#[test]
fn a_whole_frame_with_reserved_bits_fails() {
    for role in ROLES {
        for rsv in 1..8u8 {
            for opcode in [0x01, 0x02] {
                let wire = peer_frame(role, 0x80 | (rsv << 4) | opcode, b"hi");
                let violation = Violation::ReservedBits(rsv);
                assert_fails_both_ways(
                    role,
                    &Config::default(),
                    &wire,
                    &[],
                    violation,
                    CloseCode::PROTOCOL_ERROR,
                );
            }
        }
    }
}
