//! The echo behaviour of the async and event-loop servers: feed bytes to a
//! connection and send every data message back.

use wsmachine::{Connection, Event};

/// Feeds `input` to `conn`, taking every event, and echoes each text and
/// binary message. `message` is the connection's message buffer: pass the
/// same one, untouched, on every call. `peer` names the connection in log
/// lines.
///
/// A protocol violation is logged and ends the feeding: the machine has
/// already queued the Close frame for it and is closed.
pub(crate) fn feed(conn: &mut Connection, message: &mut Vec<u8>, input: &mut [u8], peer: &str) {
    let mut pos = 0;
    loop {
        // With a message buffer of our own, an event borrows only `input`
        // and `message`, not the connection: it is echoed without a copy.
        let (used, event) = match conn.read_with_buffer(&mut input[pos..], message) {
            Ok((_, None)) => return,
            Ok((used, Some(event))) => (used, event),
            Err(violation) => {
                eprintln!("{peer}: {violation}");
                return;
            }
        };
        pos += used;
        let sent = match event {
            Event::Text(text) => conn.send_text(text),
            Event::Binary(data) => conn.send_binary(data),
            Event::Close { code, reason } => {
                let code = code.map_or_else(|| "no code".to_owned(), |c| c.to_string());
                eprintln!("{peer}: peer sent Close ({code}) {reason:?}");
                Ok(())
            }
            // A ping's pong is queued already (`Config::auto_pong`).
            _ => Ok(()),
        };
        if let Err(e) = sent {
            eprintln!("{peer}: echo not sent: {e}");
        }
    }
}
