//! The one check of a connection that failed on the peer's violation.

use wsmachine::{CloseCode, Connection, Violation};

use crate::{drain, feed, last_frame, server_frame, violation_outcome, Ev};

/// Feeds `wire` to `conn` in one read and checks that the connection failed
/// with `violation` and `code`, as [`assert_failed`] says. Returns the
/// events before the final one.
#[track_caller]
pub fn assert_fails(
    conn: &mut Connection,
    wire: &[u8],
    violation: Violation,
    code: CloseCode,
) -> Vec<Ev> {
    let events = feed(conn, wire);
    assert_failed(conn, &events, violation, code)
}

/// Checks that `conn` failed with `violation` and `code`, given `events`:
/// what the input calls up to the failure returned. Returns the events
/// before the final one.
///
/// - the last event is the violation's final event ([`Ev::Error`]) with
///   `violation` and `code`, and the only final event;
/// - the connection is closed with that outcome, and has no event left;
/// - the last frame queued is a Close with `code` and the violation's
///   reason (the output is taken, as a transport would);
/// - further input is ignored: no event, no output.
#[track_caller]
pub fn assert_failed(
    conn: &mut Connection,
    events: &[Ev],
    violation: Violation,
    code: CloseCode,
) -> Vec<Ev> {
    let Some((Ev::Error(e), before)) = events.split_last() else {
        panic!("expected {violation:?}, got {events:?}");
    };
    assert_eq!(e.violation(), violation, "{events:?}");
    assert_eq!(e.close_code(), code, "{violation:?}");
    assert!(
        !before.iter().any(Ev::is_final),
        "a final event before the failure: {events:?}"
    );
    assert_eq!(conn.close_outcome(), Some(violation_outcome(*e)));
    assert!(conn.is_closed());
    assert_eq!(conn.poll_event(), None, "the final event comes once");

    let output = drain(conn);
    let close = last_frame(&output).expect("whole frames queued");
    assert_eq!(close.close_code(), Some(code.0), "the last frame queued");
    assert_eq!(close.unmasked()[2..], *e.reason().as_bytes());

    assert_eq!(feed(conn, &server_frame(0x81, b"late")), [], "input after");
    assert_eq!(drain(conn), [], "output after");
    before.to_vec()
}
