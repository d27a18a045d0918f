//! One test per protocol rule the Connection enforces: each fails without its
//! check. A violation must give a `ProtocolError` with the right close code and
//! leave a Close frame with that code queued.

use wsmachine::frame::HeaderError;
use wsmachine::{CloseCode, Config, Connection, Delivery, SendError, State, Violation};
use wsmachine_testkit::*;

#[test]
fn server_rejects_unmasked_frames() {
    assert_fails(
        &mut server(),
        &server_frame(0x81, b"hi"),
        Violation::UnmaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn client_rejects_masked_frames() {
    assert_fails(
        &mut client(),
        &client_frame(0x81, b"hi"),
        Violation::MaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn reserved_bits_fail_without_an_extension() {
    for rsv in 1..8u8 {
        let first = 0x80 | (rsv << 4) | 0x2;
        assert_fails(
            &mut server(),
            &client_frame(first, b"x"),
            Violation::ReservedBits(rsv),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn reserved_opcodes_fail() {
    for op in (0x3..=0x7).chain(0xB..=0xF) {
        assert_fails(
            &mut server(),
            &client_frame(0x80 | op, b""),
            Violation::Header(HeaderError::ReservedOpcode(op)),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn control_frames_must_be_short_and_final() {
    assert_fails(
        &mut server(),
        &client_frame(0x89, &[0u8; 126]),
        Violation::Header(HeaderError::ControlTooLong),
        CloseCode::PROTOCOL_ERROR,
    );
    assert_fails(
        &mut server(),
        &client_frame(0x09, b"frag"),
        Violation::Header(HeaderError::FragmentedControl),
        CloseCode::PROTOCOL_ERROR,
    );
    // 125 bytes is the limit and is fine.
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(0x89, &[7u8; 125])),
        [Ev::Ping(vec![7; 125])]
    );
}

#[test]
fn sixty_four_bit_length_must_have_top_bit_clear() {
    let mut wire = vec![0x82, 0xFF];
    wire.extend_from_slice(&(1u64 << 63).to_be_bytes());
    wire.extend_from_slice(&[1, 2, 3, 4]);
    assert_fails(
        &mut server(),
        &wire,
        Violation::Header(HeaderError::LengthHighBit),
        CloseCode::PROTOCOL_ERROR,
    );
}

/// RFC 6455 §5.2 requires the minimal length encoding from senders. We hold
/// peers to it: a non-minimal length is a protocol error (1002).
#[test]
fn non_minimal_lengths_are_rejected() {
    let mut wire16 = vec![0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4];
    wire16.extend_from_slice(b"hello");
    assert_fails(
        &mut server(),
        &wire16,
        Violation::Header(HeaderError::NonMinimalLength),
        CloseCode::PROTOCOL_ERROR,
    );
    let mut wire64 = vec![0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 1, 2, 3, 4];
    wire64.extend_from_slice(&[0u8; 256]);
    assert_fails(
        &mut server(),
        &wire64,
        Violation::Header(HeaderError::NonMinimalLength),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn continuation_without_a_message_fails() {
    assert_fails(
        &mut server(),
        &client_frame(0x80, b"x"),
        Violation::UnexpectedContinuation,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn new_message_inside_a_fragmented_one_fails() {
    let mut wire = client_frame(0x01, b"a");
    wire.extend(client_frame(0x82, b"b"));
    assert_fails(
        &mut server(),
        &wire,
        Violation::ExpectedContinuation,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn control_frames_may_interleave_fragments() {
    let mut wire = client_frame(0x01, b"Hel");
    wire.extend(client_frame(0x89, b"p"));
    wire.extend(client_frame(0x80, b"lo"));
    let mut s = server();
    assert_eq!(
        feed(&mut s, &wire),
        [Ev::Ping(b"p".to_vec()), Ev::Text("Hello".into())]
    );
}

#[test]
fn invalid_utf8_fails_with_1007_as_soon_as_the_bad_byte_arrives() {
    // A 10-byte text frame whose third byte is invalid; only 3 payload bytes arrive.
    let whole = client_frame(0x81, b"ab\xC0defghij");
    let header_len = 6;
    let mut s = server();
    assert_fails(
        &mut s,
        &whole[..header_len + 3],
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );

    // The same in a later fragment of a fragmented message.
    let mut wire = client_frame(0x01, b"valid ");
    wire.extend(&client_frame(0x80, b"\xED\xA0\x80 surrogate")[..header_len + 2]);
    assert_fails(
        &mut server(),
        &wire,
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );

    // A message that ends inside a code point.
    assert_fails(
        &mut server(),
        &client_frame(0x81, b"ok\xE2\x82"),
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn code_point_split_across_frames_and_reads_is_accepted() {
    let euro = "€".as_bytes(); // E2 82 AC
    let mut wire = client_frame(0x01, &euro[..1]);
    wire.extend(client_frame(0x00, &euro[1..2]));
    wire.extend(client_frame(0x80, &euro[2..]));
    for cut in 0..=wire.len() {
        let mut s = server();
        assert_eq!(
            feed_split(&mut s, &wire, &[cut]),
            [Ev::Text("€".into())],
            "cut {cut}"
        );
    }
}

#[test]
fn close_payload_of_one_byte_fails() {
    assert_fails(
        &mut server(),
        &client_frame(0x88, &[0x03]),
        Violation::CloseTooShort,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn close_codes_not_allowed_on_the_wire_fail() {
    for code in [
        0u16, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        assert_fails(
            &mut server(),
            &client_frame(0x88, &code.to_be_bytes()),
            Violation::InvalidCloseCode(code),
            CloseCode::PROTOCOL_ERROR,
        );
    }
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
    ] {
        let mut s = server();
        assert_eq!(
            feed(&mut s, &client_frame(0x88, &code.to_be_bytes())),
            [
                Ev::Close(Some(code), String::new()),
                handshake_closed(code, false, "")
            ]
        );
        assert_eq!(
            sent_close_code(&drain(&mut s)),
            Some(code),
            "the reply echoes {code}"
        );
    }
}

#[test]
fn close_reason_must_be_utf8() {
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bad \xFF reason");
    assert_fails(
        &mut server(),
        &client_frame(0x88, &payload),
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn empty_close_is_answered_with_empty_close() {
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(0x88, b"")),
        [
            Ev::Close(None, String::new()),
            // No code: 1005 (RFC 6455 §7.1.5).
            handshake_closed(1005, false, "")
        ]
    );
    assert_eq!(frames(&drain(&mut s)), [(0x88, vec![])]);
    let outcome = s.close_outcome().unwrap();
    assert_eq!(outcome.code, CloseCode::NO_STATUS);
    assert!(outcome.clean);
}

#[test]
fn pings_are_answered_with_the_same_payload() {
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(0x89, b"abc")),
        [Ev::Ping(b"abc".to_vec())]
    );
    assert_eq!(frames(&drain(&mut s)), [(0x8A, b"abc".to_vec())]);
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut config = Config::default();
    config.auto_pong = false;
    let mut s = Connection::server(config);
    assert_eq!(
        feed(&mut s, &client_frame(0x89, b"abc")),
        [Ev::Ping(b"abc".to_vec())]
    );
    assert_eq!(s.pending_output_len(), 0);
    s.send_pong(b"abc").unwrap();
    assert_eq!(frames(&drain(&mut s)), [(0x8A, b"abc".to_vec())]);
}

#[test]
fn a_ping_flood_keeps_pending_output_bounded_and_answers_the_newest() {
    let mut s = server();
    let mut wire = Vec::new();
    for i in 0..10_000u32 {
        wire.extend(client_frame(0x89, &i.to_be_bytes()));
    }
    let events = feed(&mut s, &wire);
    assert_eq!(events.len(), 10_000);
    // The caller never wrote: the output stays small.
    assert!(
        s.pending_output_len() < 1024,
        "{} bytes pending",
        s.pending_output_len()
    );
    let first = frames(&drain(&mut s));
    assert!(first.iter().all(|(b0, _)| *b0 == 0x8A));
    // Once the output drained, the newest ping's pong follows.
    let second = frames(&drain(&mut s));
    assert_eq!(second, [(0x8A, 9_999u32.to_be_bytes().to_vec())]);
}

#[test]
fn frame_over_the_limit_fails_with_1009_before_its_payload() {
    let mut config = Config::default();
    config.max_frame_size = 1000;
    let mut s = Connection::server(config);
    // Only the header of a 1001-byte frame: it fails right away.
    let wire = client_frame(0x82, &[0u8; 1001]);
    assert_fails(
        &mut s,
        &wire[..8],
        Violation::FrameTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn message_over_the_limit_fails_with_1009_before_its_payload() {
    let mut config = Config::default();
    config.max_message_size = 1000;
    let mut s = Connection::server(config.clone());
    let mut wire = client_frame(0x02, &[0u8; 600]);
    wire.extend(&client_frame(0x80, &[0u8; 401])[..8]);
    assert_fails(
        &mut s,
        &wire,
        Violation::MessageTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
    assert!(s.heap_bytes() <= 1000, "{} bytes held", s.heap_bytes());
    // The limit counts in streamed delivery too.
    config.delivery = Delivery::Chunks;
    let mut s = Connection::server(config);
    assert_fails(
        &mut s,
        &client_frame(0x82, &[0u8; 1001])[..8],
        Violation::MessageTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn sending_after_close_is_a_usage_error() {
    let mut s = server();
    s.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(s.state(), State::Closing);
    assert_eq!(s.send_text("late"), Err(SendError::Closed));
    assert_eq!(s.send_binary(b"late"), Err(SendError::Closed));
    assert_eq!(s.send_ping(b""), Err(SendError::Closed));
    assert_eq!(s.close(CloseCode::NORMAL, ""), Err(SendError::Closed));
    // Only the Close went out.
    assert_eq!(frames(&drain(&mut s)), [(0x88, b"\x03\xE8bye".to_vec())]);
    // The peer's Close completes the handshake.
    assert_eq!(
        feed(&mut s, &client_frame(0x88, &1000u16.to_be_bytes())),
        [
            Ev::Close(Some(1000), String::new()),
            handshake_closed(1000, true, "")
        ]
    );
    assert!(s.is_closed());
    assert_eq!(s.pending_output_len(), 0, "no second Close");
}

#[test]
fn misuse_is_refused_without_changing_anything() {
    let mut s = server();
    assert_eq!(s.send_ping(&[0; 126]), Err(SendError::ControlTooLong));
    assert_eq!(
        s.close(CloseCode::NO_STATUS, ""),
        Err(SendError::InvalidCloseCode(1005))
    );
    assert_eq!(
        s.close(CloseCode::ABNORMAL, ""),
        Err(SendError::InvalidCloseCode(1006))
    );
    assert_eq!(
        s.close(CloseCode(1015), ""),
        Err(SendError::InvalidCloseCode(1015))
    );
    assert_eq!(
        s.close(CloseCode::NORMAL, &"x".repeat(124)),
        Err(SendError::CloseReasonTooLong)
    );
    assert_eq!(s.send_fragment(b"x"), Err(SendError::NoMessageInProgress));
    s.begin_message(wsmachine::MessageKind::Text).unwrap();
    assert_eq!(s.send_text("whole"), Err(SendError::MessageInProgress));
    assert_eq!(s.send_fragment(b"\xFF"), Err(SendError::InvalidUtf8));
    s.send_fragment(b"\xE2\x82").unwrap();
    assert_eq!(
        s.finish_message(b""),
        Err(SendError::InvalidUtf8),
        "a cut code point cannot end the message"
    );
    s.finish_message(b"\xAC").unwrap();
    assert_eq!(s.state(), State::Open);
    let sent = frames(&drain(&mut s));
    assert_eq!(
        sent,
        [(0x01, b"\xE2\x82".to_vec()), (0x80, b"\xAC".to_vec())]
    );
}

#[test]
fn sends_past_the_high_water_mark_are_refused() {
    let mut config = Config::default();
    config.max_output_buffer = 100;
    let mut s = Connection::server(config);
    s.send_binary(&[0; 90]).unwrap();
    s.send_binary(&[0; 90]).unwrap(); // 92 bytes waited: under the mark
    assert_eq!(s.send_binary(&[0; 1]), Err(SendError::Backpressure));
    assert_eq!(s.pending_output_len(), 184);
    // Control frames the protocol needs still go out, after the data.
    s.close(CloseCode::NORMAL, "").unwrap();
    let wire = drain(&mut s);
    let sent = frames(&wire);
    assert_eq!(sent.len(), 3, "{sent:x?}");
    assert_eq!(sent[..2], [(0x82, vec![0; 90]), (0x82, vec![0; 90])]);
    assert_eq!(sent_close_code(&wire), Some(1000));
}

/// The high-water mark is exact for every call that sends data: with
/// `max_output_buffer` bytes waiting each is accepted, with one more each is
/// refused. Pings fill the output: control frames are never refused for it.
#[test]
fn the_high_water_mark_is_exact_for_every_data_send() {
    use wsmachine::MessageKind;
    type Send = fn(&mut Connection) -> Result<(), SendError>;
    let sends: [(&str, Send); 5] = [
        ("send_text", |c| c.send_text("a")),
        ("send_binary", |c| c.send_binary(b"a")),
        ("begin_message", |c| c.begin_message(MessageKind::Binary)),
        ("send_fragment", |c| c.send_fragment(b"a")),
        ("finish_message", |c| c.finish_message(b"a")),
    ];
    for (name, send) in sends {
        for (waiting, expected) in [(100, Ok(())), (101, Err(SendError::Backpressure))] {
            let mut config = Config::default();
            config.max_output_buffer = 100;
            let mut s = Connection::server(config);
            if matches!(name, "send_fragment" | "finish_message") {
                s.begin_message(MessageKind::Binary).unwrap();
            }
            // A ping of 2 + n bytes.
            s.send_ping(&vec![0; waiting - 2]).unwrap();
            assert_eq!(s.pending_output_len(), waiting);
            assert_eq!(
                send(&mut s),
                expected,
                "{name} with {waiting} bytes waiting"
            );
        }
    }
}

/// The size limits of what we send are exact: a Close reason of 123 bytes
/// (125 with the code) and a ping or pong of 125 go out; one byte more is
/// refused (`misuse_is_refused_without_changing_anything`).
#[test]
fn control_payloads_at_the_limit_are_sent() {
    let mut s = server();
    s.send_ping(&[1; 125]).unwrap();
    s.send_pong(&[2; 125]).unwrap();
    let reason = "r".repeat(123);
    s.close(CloseCode::NORMAL, &reason).unwrap();
    let close = [&1000u16.to_be_bytes()[..], reason.as_bytes()].concat();
    assert_eq!(
        frames(&drain(&mut s)),
        [(0x89, vec![1; 125]), (0x8A, vec![2; 125]), (0x88, close)]
    );
}
