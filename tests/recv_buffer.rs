//! Reading into the connection's own buffers: `recv_buffer` lends the slice
//! the next bytes should go to, `handle_received` says how many arrived,
//! `poll_event` hands out the events. A large message is read into its
//! place in the message buffer and unmasked there; an idle connection holds
//! no buffer. (tests/props.rs checks that any messages and any read sizes
//! give the same events as `handle_input`.)

use std::time::Duration;

use wsmachine::{CloseCode, Config, Connection, Role};
use wsmachine_testkit::*;

/// One read: asks for `hint` bytes, copies as many of `bytes` as fit, and
/// returns how many it took and the events that followed.
fn read(conn: &mut Connection, hint: usize, bytes: &[u8]) -> (usize, Vec<Ev>) {
    let slice = conn.recv_buffer(hint);
    let n = slice.len().min(bytes.len());
    slice[..n].copy_from_slice(&bytes[..n]);
    conn.handle_received(n);
    (n, poll_events(conn))
}

/// What an idle connection of `role` holds before any traffic (a client's
/// box of per-connection extras).
fn base(role: Role) -> usize {
    connection(role, Config::default()).heap_bytes()
}

/// After the frame's first read, each slice is at most the rest of the
/// frame's payload: the bytes go straight to the message, and the last read
/// of the message ends where the frame does.
#[test]
fn a_large_message_is_read_into_its_place_one_frame_rest_at_a_time() {
    let payload: Vec<u8> = (0..(1 << 20) + 1000).map(|i| (i * 7) as u8).collect();
    for role in [Role::Server, Role::Client] {
        let wire = peer_frame(role, 0x82, &payload);
        let mut conn = connection(role, Config::default());
        let mut pos = 0;
        let mut lens = Vec::new();
        let mut events = Vec::new();
        while pos < wire.len() {
            let (n, evs) = read(&mut conn, 64 << 10, &wire[pos..]);
            lens.push(n);
            events.extend(evs);
            pos += n;
        }
        assert_eq!(events, [Ev::Binary(payload.clone())], "{role:?}");
        // 64 KiB reads, then the rest of the frame: 1 MiB + 1000 bytes of
        // payload and a 10- or 14-byte header.
        let last = (wire.len() % (64 << 10)).max(1);
        assert_eq!(lens.last(), Some(&last), "{role:?}");
        assert!(lens[..lens.len() - 1].iter().all(|&n| n == 64 << 10));
        assert!(
            conn.heap_bytes() <= base(role).max(256),
            "{role:?} {}",
            conn.heap_bytes()
        );
    }
}

/// A message whose first bytes end a read stays where it was read: the
/// read area becomes the message buffer, the rest of the frame is read
/// behind them, and the event's payload is the bytes the transport wrote.
#[test]
fn a_message_cut_by_a_read_is_not_copied() {
    let payload: Vec<u8> = (0..100).collect();
    let wire = client_frame(0x82, &payload);
    let header = wire.len() - payload.len();
    let mut conn = server();
    // The transport had 50 bytes for a 4 KiB read.
    let first = conn.recv_buffer(4096);
    let start = first.as_ptr() as usize;
    first[..50].copy_from_slice(&wire[..50]);
    conn.handle_received(50);
    assert_eq!(conn.poll_event(), None);
    // The rest of the frame, exactly, right behind the first 50 bytes.
    let rest = conn.recv_buffer(4096);
    assert_eq!(rest.len(), wire.len() - 50);
    assert_eq!(rest.as_ptr() as usize, start + 50);
    rest.copy_from_slice(&wire[50..]);
    conn.handle_received(wire.len() - 50);
    match conn.poll_event() {
        Some(wsmachine::Event::Binary(data)) => {
            assert_eq!(data, &payload[..]);
            assert_eq!(data.as_ptr() as usize, start + header, "unmasked in place");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(conn.poll_event(), None);
}

/// Invalid UTF-8 read straight into the message buffer fails the connection
/// as soon as it arrives (RFC 6455 §8.1), not when the frame ends.
#[test]
fn invalid_text_read_into_the_message_fails_at_once() {
    let mut text = vec![b'a'; 10_000];
    text[6000] = 0xFF;
    let wire = client_frame(0x81, &text);
    let mut conn = server();
    let (n, events) = read(&mut conn, 4096, &wire);
    assert!(events.is_empty());
    let (m, events) = read(&mut conn, 4096, &wire[n..]);
    assert!(m <= 4096);
    assert_eq!(events.len(), 1, "{events:?}");
    let Ev::Error(e) = events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(e.close_code(), CloseCode::INVALID_PAYLOAD);
    assert_eq!(sent_close_code(&drain(&mut conn)), Some(1007));
}

/// The end of the transport reported behind bytes not handled yet comes
/// after their events.
#[test]
fn the_end_of_input_comes_after_the_bytes_read_before_it() {
    let wire = [client_frame(0x81, b"last words"), client_frame(0x89, b"p")].concat();
    let mut conn = server();
    let slice = conn.recv_buffer(4096);
    slice[..wire.len()].copy_from_slice(&wire);
    conn.handle_received(wire.len());
    conn.handle_eof();
    let events = poll_events(&mut conn);
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0], Ev::Text("last words".into()));
    assert_eq!(events[1], Ev::Ping(b"p".to_vec()));
    let Ev::Closed(outcome, _) = &events[2] else {
        panic!("{events:?}")
    };
    assert_eq!(outcome.code, CloseCode::ABNORMAL);
    // Closed: no buffer but the pong still to write, and the extras box.
    assert!(conn.heap_bytes() <= 256, "{}", conn.heap_bytes());
}

/// `handle_input` after bytes given to `handle_received` hands out their
/// events first, taking none of its own input meanwhile.
#[test]
fn handle_input_hands_out_the_received_bytes_first() {
    let mut conn = server();
    let first = client_frame(0x81, b"first");
    let slice = conn.recv_buffer(64);
    slice[..first.len()].copy_from_slice(&first);
    conn.handle_received(first.len());
    let mut second = client_frame(0x81, b"second");
    let (used, ev) = conn.handle_input(&mut second);
    assert_eq!(
        (used, ev.map(Ev::from)),
        (0, Some(Ev::Text("first".into())))
    );
    assert_eq!(feed(&mut conn, &second), [Ev::Text("second".into())]);
}

/// A slice lent and not reported (the read would block) is taken back: the
/// next call lends the same place, and no byte of it counts as read.
#[test]
fn a_slice_not_reported_is_taken_back() {
    let payload = vec![9u8; 5000];
    let wire = client_frame(0x82, &payload);
    let mut conn = server();
    let (n, _) = read(&mut conn, 1000, &wire);
    // Mid-frame: the slice lies in the message buffer.
    let lent = conn.recv_buffer(1000).as_ptr();
    let again = conn.recv_buffer(1000);
    assert_eq!(again.as_ptr(), lent);
    assert!(conn.poll_event().is_none());
    assert_eq!(feed(&mut conn, &wire[n..]), [Ev::Binary(payload)]);
}

/// A connection closed by the clock while a slice is lent: reporting bytes
/// into it then is harmless.
#[test]
fn bytes_reported_after_a_timeout_closed_the_connection_are_ignored() {
    let mut conn = server();
    let wire = client_frame(0x82, &[1; 3000]);
    let (n, _) = read(&mut conn, 1000, &wire);
    conn.close(CloseCode::NORMAL, "").unwrap();
    conn.handle_timeout(Duration::ZERO);
    let slice = conn.recv_buffer(1000);
    let m = slice.len().min(wire.len() - n);
    slice[..m].copy_from_slice(&wire[n..n + m]);
    conn.handle_timeout(Duration::from_secs(60));
    conn.handle_received(m);
    let Some(Ev::Closed(outcome, _)) = conn.poll_event().map(Ev::from) else {
        panic!("not closed")
    };
    assert_eq!(outcome.code, CloseCode::ABNORMAL);
    assert_eq!(conn.poll_event(), None);
}

/// What a connection holds once it has delivered its messages and written
/// its output, after a message of each size in each direction: nothing for
/// a plain server, the box of per-connection extras for a client (at most
/// 256 bytes all told) with the default `buffer_retain` of 0, and what
/// `buffer_retain` keeps otherwise.
#[test]
fn an_idle_connection_holds_no_buffer_after_traffic() {
    for size in [125, 64 << 10, 1 << 20] {
        for retain in [0, 64 << 10] {
            let mut config = Config::default();
            config.buffer_retain = retain;
            let mut s = Connection::server(config.clone());
            let mut c = Connection::client(config, TestRng(1));
            // Client to server, read into the server's buffers, and echoed.
            c.send_binary(&vec![1; size]).unwrap();
            let wire = drain(&mut c);
            let events = feed_received(&mut s, &wire, &[16 << 10]);
            assert_eq!(events, [Ev::Binary(vec![1; size])]);
            s.send_binary(&vec![2; size]).unwrap();
            let echo = drain(&mut s);
            // Server to client, through the client's own buffers too.
            assert_eq!(
                feed_received(&mut c, &echo, &[16 << 10]),
                [Ev::Binary(vec![2; size])]
            );
            // The server waits for input again, as a driver has it after
            // writing: a small output buffer is kept until then.
            let _ = s.recv_buffer(1);
            s.handle_received(0);
            if retain == 0 {
                // A plain server's box of extras goes with its read area.
                assert_eq!(s.heap_bytes(), 0, "server after {size} B");
            }
            for (conn, role) in [(&s, Role::Server), (&c, Role::Client)] {
                let held = conn.heap_bytes();
                // The read area, the message buffer and the output buffer
                // each keep up to `buffer_retain`.
                let bound = 256 + 3 * retain;
                assert!(
                    held <= bound,
                    "{role:?} after {size} B, retain {retain}: {held} bytes"
                );
            }
        }
    }
}

/// `poll_event_into` lets the caller reply while it holds the event (an
/// echo): the event borrows only the caller's buffer, a message read into
/// the message buffer is handed over in it, a payload in the read area is
/// copied into it.
#[test]
fn poll_event_into_lets_the_caller_echo_while_it_holds_the_event() {
    let big: Vec<u8> = (0..300_000).map(|i| (i % 251) as u8).collect();
    let mut c = client();
    c.send_text("small").unwrap();
    c.send_binary(&big).unwrap();
    c.send_ping(b"p").unwrap();
    let wire = drain(&mut c);
    let mut s = server();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < wire.len() {
        let slice = s.recv_buffer(16 << 10);
        let n = slice.len().min(wire.len() - pos);
        slice[..n].copy_from_slice(&wire[pos..pos + n]);
        s.handle_received(n);
        pos += n;
        while let Some(event) = s.poll_event_into(&mut out) {
            match event {
                wsmachine::Event::Text(t) => s.send_text(t).unwrap(),
                wsmachine::Event::Binary(b) => s.send_binary(b).unwrap(),
                _ => {}
            }
        }
    }
    let echoed = feed(&mut c, &drain(&mut s));
    assert_eq!(
        echoed,
        [
            Ev::Text("small".into()),
            Ev::Binary(big),
            Ev::Pong(b"p".to_vec())
        ]
    );
}
