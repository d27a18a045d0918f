//! The echo behaviour of the async and event-loop servers: feed bytes to a
//! connection and send every data message back.

use wsmachine::{CloseCause, Connection, Event};

/// Feeds `input` to `conn`, taking every event, and echoes each text and
/// binary message. `message` takes the payloads that are not in `input`
/// (assembled messages), so that they are echoed without a copy. `peer`
/// names the connection in log lines.
#[allow(dead_code)] // Not every example reads from its own buffer.
pub(crate) fn feed(conn: &mut Connection, message: &mut Vec<u8>, input: &mut [u8], peer: &str) {
    conn.handle_all(input, message, |conn, event| respond(conn, event, peer));
}

/// Takes the events of bytes read into the connection's own buffers
/// (`recv_buffer` / `handle_received`) and echoes each message, as
/// [`feed`] does. `message` is released when it holds a large message, so
/// that an idle connection keeps no buffer.
#[allow(dead_code)]
pub(crate) fn received(conn: &mut Connection, message: &mut Vec<u8>, peer: &str) {
    while let Some(event) = conn.poll_event_into(message) {
        respond(conn, event, peer);
    }
    if message.capacity() > 4096 {
        *message = Vec::new();
    }
}

/// Echoes a data message, logs the end.
fn respond(conn: &mut Connection, event: Event<'_>, peer: &str) {
    let sent = match event {
        Event::Text(text) => conn.send_text(text),
        Event::Binary(data) => conn.send_binary(data),
        Event::Close { code, reason } => {
            let code = code.map_or_else(|| "no code".to_owned(), |c| c.to_string());
            eprintln!("{peer}: peer sent Close ({code}) {reason:?}");
            Ok(())
        }
        Event::Closed { outcome, .. } => {
            if let CloseCause::Violation(violation) = outcome.cause {
                // Its Close frame is queued; the driver writes it out.
                eprintln!("{peer}: {violation}");
            }
            Ok(())
        }
        // A ping's pong is queued already (`Config::auto_pong`).
        _ => Ok(()),
    };
    if let Err(e) = sent {
        eprintln!("{peer}: echo not sent: {e}");
    }
}

/// The size of the next read into a connection's own buffers: small while
/// reads come back short (many quiet connections then cost little), doubled
/// while they fill the slice (a bulk transfer then reads in large pieces).
pub(crate) struct ReadSize(usize);

impl ReadSize {
    const MIN: usize = 4 << 10;
    const MAX: usize = 256 << 10;

    pub(crate) fn new() -> ReadSize {
        ReadSize(Self::MIN)
    }

    pub(crate) fn get(&self) -> usize {
        self.0
    }

    /// A read of `n` bytes into a slice of `len`.
    pub(crate) fn after(&mut self, n: usize, len: usize) {
        self.0 = if n == len {
            (self.0 * 2).min(Self::MAX)
        } else {
            Self::MIN
        };
    }
}
