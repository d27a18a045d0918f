//! Bytes into a connection, events and bytes out, as a driver would move
//! them.

use wsmachine::Connection;

use crate::Ev;

/// Feeds `input` (as one read, through [`Connection::handle_input`]) and
/// returns every event, up to the final one.
///
/// Checks that "no event" means the input was used up, and that nothing
/// follows the final event.
#[track_caller]
pub fn feed(conn: &mut Connection, input: &[u8]) -> Vec<Ev> {
    feed_with(input, |buf| {
        let (used, ev) = conn.handle_input(buf);
        (used, ev.map(Ev::from))
    })
}

/// Like [`feed`], through [`Connection::handle_input_into`] with `buffer`
/// kept by the caller.
#[track_caller]
pub fn feed_buffered(conn: &mut Connection, buffer: &mut Vec<u8>, input: &[u8]) -> Vec<Ev> {
    feed_with(input, |buf| {
        let (used, ev) = conn.handle_input_into(buf, buffer);
        (used, ev.map(Ev::from))
    })
}

/// Calls `handle` on the rest of `input` until it returns no event.
#[track_caller]
fn feed_with(input: &[u8], mut handle: impl FnMut(&mut [u8]) -> (usize, Option<Ev>)) -> Vec<Ev> {
    let mut buf = input.to_vec();
    let mut pos = 0;
    let mut out: Vec<Ev> = Vec::new();
    loop {
        let (used, ev) = handle(&mut buf[pos..]);
        pos += used;
        let Some(ev) = ev else {
            assert_eq!(pos, buf.len(), "None must mean all input was consumed");
            return out;
        };
        assert_nothing_after_final(&out, &ev);
        out.push(ev);
    }
}

#[track_caller]
fn assert_nothing_after_final(before: &[Ev], ev: &Ev) {
    assert!(
        !before.last().is_some_and(Ev::is_final),
        "an event after the final one: {ev:?}"
    );
}

/// Feeds `input` split into reads at the cut points `cuts` (ascending, each
/// clamped to the input), through [`Connection::handle_input`].
///
/// Reads after the final event are still made: they must give nothing.
#[track_caller]
pub fn feed_split(conn: &mut Connection, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    split_with(input, cuts, |piece| feed(conn, piece))
}

/// Like [`feed_split`], through [`Connection::handle_input_into`] with one
/// buffer for all reads.
#[track_caller]
pub fn feed_split_buffered(conn: &mut Connection, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut buffer = Vec::new();
    split_with(input, cuts, |piece| feed_buffered(conn, &mut buffer, piece))
}

#[track_caller]
fn split_with(input: &[u8], cuts: &[usize], mut read: impl FnMut(&[u8]) -> Vec<Ev>) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(start, input.len());
        for ev in read(&input[start..cut]) {
            assert_nothing_after_final(&out, &ev);
            out.push(ev);
        }
        start = cut;
    }
    out
}

/// Feeds `input` through the connection's own buffers, as a driver that
/// reads the transport into [`Connection::recv_buffer`] does: each read asks
/// for the next of `hints` (taken in turn; 4 KiB when there are none) and
/// fills as much of the slice as the input has left, then reports it with
/// [`Connection::handle_received`] and takes the events with
/// [`Connection::poll_event`].
#[track_caller]
pub fn feed_received(conn: &mut Connection, input: &[u8], hints: &[usize]) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    let mut pos = 0;
    for read in 0.. {
        if pos == input.len() {
            break;
        }
        let hint = match hints {
            [] => 4096,
            _ => hints[read % hints.len()].max(1),
        };
        let slice = conn.recv_buffer(hint);
        assert!(
            !slice.is_empty() && slice.len() <= hint,
            "a slice of 1..={hint} bytes, not {}",
            slice.len()
        );
        let n = slice.len().min(input.len() - pos);
        slice[..n].copy_from_slice(&input[pos..pos + n]);
        pos += n;
        conn.handle_received(n);
        while let Some(ev) = conn.poll_event() {
            let ev = Ev::from(ev);
            assert_nothing_after_final(&out, &ev);
            out.push(ev);
        }
    }
    out
}

/// Every event [`Connection::poll_event`] has now, in order (the events of
/// bytes given with [`Connection::handle_received`], then the final one).
pub fn poll_events(conn: &mut Connection) -> Vec<Ev> {
    let mut events = Vec::new();
    while let Some(ev) = conn.poll_event() {
        events.push(Ev::from(ev));
    }
    events
}

/// The final event a connection has after an input that is not bytes (end
/// of file, the clock), if it has closed. Checks that it comes once.
#[track_caller]
pub fn poll_final(conn: &mut Connection) -> Option<Ev> {
    let ev = conn.poll_event().map(Ev::from);
    assert_eq!(conn.poll_event(), None, "the final event comes once");
    ev
}

/// Takes all pending output, as a transport that accepts everything.
pub fn drain(conn: &mut Connection) -> Vec<u8> {
    let out = conn.poll_output().to_vec();
    conn.advance_output(out.len());
    out
}
