//! Edge cases of reading into the connection's own buffers: the end of the
//! transport and the clock given behind bytes not yet handled, reports that
//! do not match the slice, and what a peer can make the connection hold.

use std::time::Duration;

use wsmachine::{CloseCode, Config, Connection, Keepalive};
use wsmachine_testkit::*;

/// The connection's events now: only the final one, an abnormal closure
/// (1006).
#[track_caller]
fn assert_ends_abnormally(conn: &mut Connection) {
    let events = poll_events(conn);
    assert!(
        matches!(events.as_slice(), [Ev::Closed(o, _)] if o.code == CloseCode::ABNORMAL),
        "{events:?}"
    );
}

/// One read of up to `hint` bytes of `bytes`; events not polled.
fn put(conn: &mut Connection, hint: usize, bytes: &[u8]) -> usize {
    let slice = conn.recv_buffer(hint);
    let n = slice.len().min(bytes.len());
    slice[..n].copy_from_slice(&bytes[..n]);
    conn.handle_received(n);
    n
}

/// The transport ends while a slice into the message buffer is lent; the
/// driver reports the end first and then the read (0 bytes).
#[test]
fn eof_reported_while_a_message_slice_is_lent_is_not_lost() {
    let wire = client_frame(0x82, &[7; 3000]);
    let mut conn = server();
    put(&mut conn, 1000, &wire);
    assert_eq!(poll_events(&mut conn), []);
    let _ = conn.recv_buffer(1000); // lies in the message buffer
    conn.handle_eof();
    conn.handle_received(0);
    assert_ends_abnormally(&mut conn);
}

/// The same with the read area lent (between messages).
#[test]
fn eof_reported_while_the_read_area_is_lent_is_not_lost() {
    let mut conn = server();
    let _ = conn.recv_buffer(1000);
    conn.handle_eof();
    conn.handle_received(0);
    assert_ends_abnormally(&mut conn);
}

/// The transport delivers its last bytes and its end in one completion;
/// the driver reports the end, then the bytes (into the message buffer).
#[test]
fn eof_reported_before_bytes_read_into_the_message_buffer_is_not_lost() {
    let wire = client_frame(0x82, &[7; 3000]);
    let mut conn = server();
    let n = put(&mut conn, 1000, &wire);
    assert_eq!(poll_events(&mut conn), []);
    let slice = conn.recv_buffer(1000);
    slice[..10].copy_from_slice(&wire[n..n + 10]);
    conn.handle_eof();
    conn.handle_received(10);
    assert_ends_abnormally(&mut conn);
}

/// Bytes reported with handle_received count as hearing from the peer
/// (Config::keepalive says so), even before poll_event runs them.
#[test]
fn received_bytes_count_for_keepalive_before_they_are_polled() {
    let mut config = Config::default();
    config.keepalive = Some(Keepalive {
        idle: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
    });
    let mut conn = Connection::server(config);
    conn.handle_timeout(Duration::ZERO);
    conn.handle_timeout(Duration::from_secs(10)); // ping sent
    drain(&mut conn);
    // The pong arrives; the driver reads, then gives the clock, then polls.
    let pong = client_frame(0x8A, b"");
    put(&mut conn, 4096, &pong);
    conn.handle_timeout(Duration::from_secs(15));
    let events = poll_events(&mut conn);
    assert_eq!(events, [Ev::Pong(vec![])], "{events:?}");
    assert!(!conn.is_closed());
}

/// A frame header announcing 16 MiB and nothing more: how much does the
/// connection reserve for a bulk driver's 1 MiB read?
#[test]
fn an_announced_length_alone_reserves_at_most_the_minimum() {
    let mut conn = server();
    // Header of a 16 MiB binary frame, masked, no payload yet.
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&(16u64 << 20).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    put(&mut conn, 1 << 20, &header);
    assert_eq!(poll_events(&mut conn), []);
    // The read would block: nothing reported.
    let _ = conn.recv_buffer(1 << 20);
    assert_eq!(poll_events(&mut conn), []);
    let held = conn.heap_bytes();
    assert!(
        held <= (64 << 10) + 512,
        "{held} bytes held for a 14-byte header"
    );
}

/// A peer that sends one byte per read of a frame it announced: how many
/// bytes are zeroed per byte received.
#[test]
fn a_trickled_frame_does_not_keep_the_buffer_growing() {
    let payload = vec![5u8; 200_000];
    let wire = client_frame(0x82, &payload);
    let mut conn = server();
    let mut pos = put(&mut conn, 64 << 10, &wire[..20]);
    assert_eq!(poll_events(&mut conn), []);
    let mut max_held = 0;
    for _ in 0..2000 {
        pos += put(&mut conn, 64 << 10, &wire[pos..pos + 1]);
        assert_eq!(poll_events(&mut conn), []);
        max_held = max_held.max(conn.heap_bytes());
    }
    assert!(max_held <= (64 << 10) + 4096, "{max_held}");
    let rest = feed_received(&mut conn, &wire[pos..], &[64 << 10]);
    assert_eq!(rest, [Ev::Binary(payload)]);
}

/// `handle_received(n)` with `n` larger than the slice counts as the slice's
/// length (its doc says so), not as bytes of the read area past the slice.
#[test]
fn over_reporting_counts_as_the_slice_length() {
    let mut config = Config::default();
    config.buffer_retain = 64 << 10;
    let mut conn = Connection::server(config);
    // A first read leaves the read area 4 KiB long, holding old bytes.
    let old = client_frame(0x81, b"hello");
    put(&mut conn, 4096, &old);
    assert_eq!(poll_events(&mut conn), [Ev::Text("hello".into())]);
    // One byte of the next frame into a one-byte slice, reported as two.
    let next = client_frame(0x81, b"hi");
    let slice = conn.recv_buffer(1);
    assert_eq!(slice.len(), 1);
    slice[0] = next[0];
    conn.handle_received(2);
    assert_eq!(poll_events(&mut conn), []);
    // The rest of the frame, from its second byte.
    assert_eq!(
        feed_received(&mut conn, &next[1..], &[4096]),
        [Ev::Text("hi".into())]
    );
}

/// The first bytes of a small message end a read into a large read area:
/// the whole area becomes the message buffer while the message is cut.
#[test]
fn a_few_bytes_of_a_small_message_do_not_pin_the_read_area() {
    let mut conn = server();
    let wire = client_frame(0x82, &[3; 100]);
    // Header (6 bytes) and one payload byte, read with a bulk hint.
    put(&mut conn, 1 << 20, &wire[..7]);
    assert_eq!(poll_events(&mut conn), []);
    let held = conn.heap_bytes();
    assert!(
        held <= 64 << 10,
        "{held} bytes held for 7 bytes of a 100-byte message"
    );
}

/// The usual read loop: read, report, poll, until the read would block. The
/// slice lent for the read that would block holds the read area until it is
/// reported: `handle_received(0)` gives it back at once.
#[test]
fn a_read_that_would_block_gives_the_read_area_back_when_reported_empty() {
    let mut conn = server();
    let wire = client_frame(0x81, b"hello");
    put(&mut conn, 64 << 10, &wire);
    assert_eq!(poll_events(&mut conn), [Ev::Text("hello".into())]);
    let _ = conn.recv_buffer(64 << 10); // the read would block
    conn.handle_received(0);
    let held = conn.heap_bytes();
    assert!(
        held <= 256,
        "idle after handle_received(0), {held} bytes held"
    );
    assert_eq!(poll_events(&mut conn), []);
}

/// The read area after an empty read is released once polled.
#[test]
fn an_empty_read_then_poll_releases_the_read_area() {
    let mut conn = server();
    let _ = conn.recv_buffer(64 << 10);
    conn.handle_received(0);
    assert_eq!(poll_events(&mut conn), []);
    let held = conn.heap_bytes();
    assert!(held <= 256, "idle, {held} bytes held");
}

/// The documented order: the last bytes are reported, the transport ends,
/// then the events are polled. The last read ends inside a data frame (the
/// peer went away mid-message), so its bytes are adopted as the message
/// buffer: the end must still be applied.
#[test]
fn eof_behind_the_first_bytes_of_a_message_is_not_lost() {
    let wire = client_frame(0x82, &[1; 100]);
    let mut conn = server();
    put(&mut conn, 4096, &wire[..50]);
    conn.handle_eof();
    assert_ends_abnormally(&mut conn);
}

/// Pings that fill a read, then the header of a 16 MiB frame and one byte of
/// it: the message holds one byte, yet the handled pings before it count as
/// what the peer paid for the reservation (the read area, adopted, keeps them
/// as a dead prefix).
#[test]
fn handled_bytes_before_an_adopted_message_do_not_pay_for_its_reservation() {
    let mut conn = server();
    let mut wire = Vec::new();
    for _ in 0..500 {
        wire.extend(client_frame(0x8A, &[0; 125])); // pongs: no replies
    }
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&(16u64 << 20).to_be_bytes());
    header.extend_from_slice(&[0; 4]);
    wire.extend(&header);
    wire.push(0);
    assert_eq!(put(&mut conn, wire.len(), &wire), wire.len());
    assert_eq!(poll_events(&mut conn).len(), 500);
    let _ = conn.recv_buffer(64 << 10); // would block
    assert_eq!(poll_events(&mut conn), []);
    let held = conn.heap_bytes();
    assert!(
        held <= wire.len() + (64 << 10) + 512,
        "{held} bytes held for one byte of a message"
    );
}

/// The peer's Close arrives (reported) before the close timeout is given,
/// and is polled after it: the clock applies after the Close.
#[test]
fn a_close_reported_before_the_close_timeout_is_not_dropped() {
    let mut conn = server();
    conn.handle_timeout(Duration::ZERO);
    conn.close(CloseCode::NORMAL, "").unwrap();
    conn.handle_timeout(Duration::from_secs(1)); // the close timer starts
    drain(&mut conn);
    put(&mut conn, 4096, &client_frame(0x88, &1000u16.to_be_bytes()));
    conn.handle_timeout(Duration::from_secs(6));
    let events = poll_events(&mut conn);
    assert_eq!(
        events.first(),
        Some(&Ev::Close(Some(1000), String::new())),
        "{events:?}"
    );
}

/// Slices lent again and again, never reported, do not grow the buffers.
#[test]
fn repeated_recv_buffer_without_reports_does_not_grow() {
    let wire = client_frame(0x82, &[7; 300_000]);
    let mut conn = server();
    put(&mut conn, 1000, &wire);
    for i in 0..1000 {
        let _ = conn.recv_buffer(1 + (i * 7919) % (128 << 10));
    }
    assert!(conn.heap_bytes() <= 300 << 10, "{}", conn.heap_bytes());
    // Between messages: the read area.
    let mut conn = server();
    for i in 0..1000 {
        let _ = conn.recv_buffer(1 + (i * 7919) % (128 << 10));
    }
    // The read area is zeroed up to the largest slice (128 KiB), with an
    // eighth more of capacity (see `recv_buffer`); not twice that.
    assert!(
        conn.heap_bytes() <= (128 << 10) * 9 / 8 + 1024,
        "{}",
        conn.heap_bytes()
    );
}
