//! The test kit checked: a helper that other checks rest on must itself be
//! right. Its frame walker agrees with the library's decoder, its failure
//! check fails when it should, its generator keeps the benchmark workloads
//! the same, and its handshake pair connects.

use wsmachine::frame::FrameHeader;
use wsmachine::handshake::{Accept, ClientHandshake, ClientRequest, HandshakeConfig};
use wsmachine::{CloseCode, Randomness, Status, Violation};
use wsmachine_testkit::*;

/// The benchmark workloads are drawn from `TestRng`: its sequence is
/// xorshift64* and must not change, or the numbers measured before and
/// after would not compare.
#[test]
fn test_rng_is_xorshift64_star() {
    let mut rng = TestRng(1);
    assert_eq!(
        [rng.next_u64(), rng.next_u64(), rng.next_u64()],
        [
            0x47E4_CE4B_896C_DD1D,
            0xABCF_A6A8_E079_651D,
            0xB9D1_0D8F_EB73_1F57
        ]
    );
    let mut bytes = [0u8; 10];
    TestRng(1).fill(&mut bytes);
    let first = 0x47E4_CE4B_896C_DD1D_u64.to_le_bytes();
    let second = 0xABCF_A6A8_E079_651D_u64.to_le_bytes();
    assert_eq!(bytes[..8], first);
    assert_eq!(bytes[8..], second[..2]);
}

#[test]
fn fixed_rng_gives_the_rfc_keys() {
    let request = ClientRequest::from_url("ws://example.com/").expect("valid url");
    let hs = ClientHandshake::new(
        request,
        HandshakeConfig::default(),
        FixedRng::sample_nonce(),
    )
    .expect("valid request");
    assert_eq!(hs.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    let mut key = FixedRng::rfc_masking_key();
    for _ in 0..3 {
        let mut k = [0; 4];
        key.fill(&mut k);
        assert_eq!(k, [0x37, 0xfa, 0x21, 0x3d]);
    }
}

/// Every length form, masked and not, walked back to what was written, and
/// read the same way by the library's header decoder.
#[test]
fn the_frame_walker_agrees_with_the_library_decoder() {
    let mut wire = Vec::new();
    let mut written = Vec::new();
    for len in [0, 1, 125, 126, 0xFFFF, 0x1_0000] {
        for key in [None, Some([9, 8, 7, 6])] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let frame = raw_frame(0x82, &payload, key);
            let Ok(Status::Complete((header, n))) = FrameHeader::decode(&frame) else {
                panic!("the library does not read the kit's frame of {len}");
            };
            assert_eq!((header.payload_len, header.mask), (len as u64, key));
            assert_eq!(n + len, frame.len());
            wire.extend_from_slice(&frame);
            written.push((0x82, payload));
        }
    }
    assert_eq!(frames(&wire), written);
    let mut walker = walk(&wire[..wire.len() - 1]);
    assert_eq!(walker.by_ref().count(), written.len() - 1);
    assert_eq!(walker.rest().len(), 0x1_0000 + 14 - 1, "the cut frame");
    assert_eq!(last_frame(&wire[..wire.len() - 1]), None);
    assert_eq!(last_frame(&[]), None);
    let close = client_frame(0x88, &[0x03, 0xE9, b'x']);
    let last = last_frame(&close).expect("a whole frame");
    assert_eq!(
        (last.close_code(), last.unmasked()),
        (Some(1001), vec![3, 0xE9, b'x'])
    );
    assert_eq!(sent_close_code(&[wire, close].concat()), Some(1001));
}

#[test]
fn peer_frames_are_masked_towards_a_server_only() {
    use wsmachine::Role;
    assert_eq!(
        peer_frame(Role::Server, 0x81, b"hi"),
        client_frame(0x81, b"hi")
    );
    assert_eq!(
        peer_frame(Role::Client, 0x81, b"hi"),
        server_frame(0x81, b"hi")
    );
    assert_eq!(server_frame(0x81, b"hi"), [0x81, 0x02, b'h', b'i']);
}

#[test]
fn assert_fails_accepts_the_failure_it_names() {
    let before = assert_fails(
        &mut server(),
        &[client_frame(0x81, b"ok"), server_frame(0x81, b"hi")].concat(),
        Violation::UnmaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
    assert_eq!(before, [Ev::Text("ok".into())]);
}

#[test]
#[should_panic(expected = "left: UnmaskedFrame")]
fn assert_fails_rejects_another_violation() {
    let wire = server_frame(0x81, b"hi");
    assert_fails(
        &mut server(),
        &wire,
        Violation::MaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
#[should_panic(expected = "left: CloseCode(1002)")]
fn assert_fails_rejects_another_code() {
    let wire = server_frame(0x81, b"hi");
    assert_fails(
        &mut server(),
        &wire,
        Violation::UnmaskedFrame,
        CloseCode(1007),
    );
}

#[test]
#[should_panic(expected = "expected UnmaskedFrame")]
fn assert_fails_rejects_no_failure() {
    let wire = client_frame(0x81, b"fine");
    assert_fails(
        &mut server(),
        &wire,
        Violation::UnmaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

/// A violation while closing queues no second Close (RFC 6455 §5.5.1
/// allows one): our earlier Close, with its own code, is no failure's.
#[test]
#[should_panic(expected = "the last frame queued")]
fn assert_failed_rejects_a_close_with_another_code() {
    let mut s = server();
    s.close(CloseCode::NORMAL, "").expect("open");
    let events = feed(&mut s, &server_frame(0x81, b"unmasked"));
    assert_failed(
        &mut s,
        &events,
        Violation::UnmaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

/// The pair that starts with the handshake: both machines, the agreed
/// subprotocol on both ends, messages both ways.
#[test]
fn a_pair_opened_by_the_handshake_exchanges_messages() {
    let request = ClientRequest::from_url("ws://localhost/chat")
        .expect("valid url")
        .subprotocol("chat");
    let hs = Handshake::run(request, Accept::new().subprotocol("chat"));
    assert!(hs.request_text.starts_with("GET /chat HTTP/1.1\r\n"));
    assert!(hs.response_text.starts_with("HTTP/1.1 101 "));
    let mut pair = hs.into_pair();
    assert_eq!(pair.client.subprotocol(), Some("chat"));
    assert_eq!(pair.server.subprotocol(), Some("chat"));
    pair.client.send_text("ping?").expect("open");
    assert_eq!(pair.client_to_server(), [Ev::Text("ping?".into())]);
    pair.server.send_binary(b"pong").expect("open");
    assert_eq!(pair.server_to_client(), [Ev::Binary(b"pong".to_vec())]);
    let mut pair = Pair::handshake(
        ClientRequest::from_url("ws://localhost/").expect("valid url"),
        Accept::new(),
    );
    pair.client.close(CloseCode::NORMAL, "bye").expect("open");
    assert_eq!(
        pair.client_to_server(),
        [
            Ev::Close(Some(1000), "bye".into()),
            handshake_closed(1000, false, "bye")
        ]
    );
}
