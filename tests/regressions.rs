//! Bugs found in review, each with the test that failed before its fix.

mod common;

use std::time::Duration;

use common::*;
use wsmachine::{Config, Connection, Keepalive, Role};

/// A server given randomness through `Connection::new` masked its frames
/// (RFC 6455 §5.1: "A server MUST NOT mask any frames").
#[test]
fn server_given_randomness_does_not_mask() {
    let mut s = Connection::new(Role::Server, Config::default(), Some(Box::new(TestRng(7))));
    s.send_text("hi").unwrap();
    assert_eq!(
        feed(&mut s, &client_frame(0x89, b"p")),
        [Ev::Ping(b"p".to_vec())]
    );
    let out = drain(&mut s);
    assert_eq!(
        feed(&mut client(), &out),
        [Ev::Text("hi".into()), Ev::Pong(b"p".to_vec())],
        "wire {out:x?}"
    );
}

/// A client without randomness sent unmasked auto-pongs and keepalive pings.
#[test]
fn client_without_randomness_sends_nothing_unmasked() {
    let mut config = Config::default();
    config.keepalive = Some(Keepalive {
        idle: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
    });
    let mut c = Connection::new(Role::Client, config, None);
    assert_eq!(
        feed(&mut c, &server_frame(0x89, b"hi")),
        [Ev::Ping(b"hi".to_vec())]
    );
    c.handle_timeout(Duration::ZERO);
    c.handle_timeout(Duration::from_secs(1));
    assert_eq!(c.poll_output(), b"", "an unmasked client frame was queued");
}

/// The auto-pong budget counted pongs already written, so a sender whose
/// output never fully drained stopped answering pings.
#[test]
fn pongs_are_not_starved_while_output_never_fully_drains() {
    let mut s = server();
    s.send_binary(&[0u8; 1000]).unwrap();
    let mut written = Vec::new();
    for i in 0..10u8 {
        assert_eq!(feed(&mut s, &client_frame(0x89, &[i; 125])).len(), 1);
        // The transport takes all but one byte; the application keeps sending.
        let n = s.pending_output_len() - 1;
        written.extend_from_slice(&s.poll_output()[..n]);
        s.advance_output(n);
        s.send_binary(&[0u8; 10]).unwrap();
    }
    written.extend_from_slice(s.poll_output());
    let pongs: Vec<u8> = frames(&written)
        .iter()
        .filter(|f| f.0 == 0x8A)
        .map(|f| f.1[0])
        .collect();
    assert_eq!(pongs, (0..10).collect::<Vec<u8>>());
}

/// A message cut short by the close stayed in the buffer until the
/// connection was dropped.
#[test]
fn a_message_cut_short_by_a_failure_is_released() {
    let mut s = server();
    let mut wire = client_frame(0x02, &vec![1u8; 100_000]);
    wire.extend(client_frame(0x83, b"")); // reserved opcode: fails
    let events = feed_split(&mut s, &wire, &[50_000]);
    assert!(matches!(events.last(), Some(Ev::Error(_))));
    assert_eq!(feed(&mut s, b"more"), []);
    // What stays: the retained buffer capacity and the queued Close frame.
    assert!(
        s.heap_bytes() <= (64 << 10) + 64,
        "{} bytes held",
        s.heap_bytes()
    );
}

/// A frame header announcing a large payload made the connection reserve up
/// to 1 MiB before any of it arrived: a peer could make every connection
/// hold that much by sending a few bytes (found by the handshake fuzz target,
/// which reads the frames after the request).
#[test]
fn an_announced_length_is_not_reserved_before_it_arrives() {
    let mut s = server();
    let mut frame = client_frame(0x82, &vec![7u8; 1 << 20]);
    frame.truncate(14 + 10); // the 64-bit length header, the key, 10 bytes
    assert_eq!(feed(&mut s, &frame), []);
    // At most the retained size ahead of what arrived.
    assert!(
        s.heap_bytes() <= (64 << 10) + 10,
        "{} bytes held for 10 received",
        s.heap_bytes()
    );
}
