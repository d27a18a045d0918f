//! The examples of RFC 6455 §5.7, byte for byte, in both directions.

use wsmachine::{Config, Connection, MessageKind};
use wsmachine_testkit::*;

/// A client that masks with the RFC's example key, `37 fa 21 3d`.
fn rfc_client() -> Connection {
    Connection::client(Config::default(), FixedRng::rfc_masking_key())
}

const HELLO_UNMASKED: &[u8] = &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const HELLO_MASKED: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
const HEL_LO: &[u8] = &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
const PING_HELLO: &[u8] = &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const PONG_HELLO_MASKED: &[u8] = &[
    0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];

#[test]
fn single_frame_unmasked_text() {
    let mut c = rfc_client();
    assert_eq!(feed(&mut c, HELLO_UNMASKED), [Ev::Text("Hello".into())]);
    let mut s = server();
    s.send_text("Hello").unwrap();
    assert_eq!(drain(&mut s), HELLO_UNMASKED);
}

#[test]
fn single_frame_masked_text() {
    let mut s = server();
    assert_eq!(feed(&mut s, HELLO_MASKED), [Ev::Text("Hello".into())]);
    let mut c = rfc_client();
    c.send_text("Hello").unwrap();
    assert_eq!(drain(&mut c), HELLO_MASKED);
}

#[test]
fn fragmented_unmasked_text() {
    let mut c = rfc_client();
    assert_eq!(feed(&mut c, HEL_LO), [Ev::Text("Hello".into())]);
    let mut s = server();
    s.begin_message(MessageKind::Text).unwrap();
    s.send_fragment(b"Hel").unwrap();
    s.finish_message(b"lo").unwrap();
    assert_eq!(drain(&mut s), HEL_LO);
}

#[test]
fn unmasked_ping_and_masked_pong() {
    let mut c = rfc_client();
    assert_eq!(feed(&mut c, PING_HELLO), [Ev::Ping(b"Hello".to_vec())]);
    // The auto-pong carries the same payload, masked with the RFC's key.
    assert_eq!(drain(&mut c), PONG_HELLO_MASKED);
    let mut s = server();
    assert_eq!(
        feed(&mut s, PONG_HELLO_MASKED),
        [Ev::Pong(b"Hello".to_vec())]
    );
    s.send_ping(b"Hello").unwrap();
    assert_eq!(drain(&mut s), PING_HELLO);
}

#[test]
fn binary_256_and_65536_byte_length_headers() {
    for (len, header) in [
        (256usize, &[0x82, 0x7E, 0x01, 0x00][..]),
        (
            65536,
            &[0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00][..],
        ),
    ] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut s = server();
        s.send_binary(&payload).unwrap();
        let wire = drain(&mut s);
        assert_eq!(&wire[..header.len()], header);
        assert_eq!(&wire[header.len()..], &payload[..]);
        let mut c = rfc_client();
        assert_eq!(feed(&mut c, &wire), [Ev::Binary(payload)]);
    }
}
