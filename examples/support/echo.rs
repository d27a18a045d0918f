//! The echo behaviour of the async and event-loop servers: feed bytes to a
//! connection and send every data message back.

use wsmachine::{CloseCause, Connection, Event};

/// Feeds `input` to `conn`, taking every event, and echoes each text and
/// binary message. `message` takes the payloads that are not in `input`
/// (assembled messages), so that they are echoed without a copy. `peer`
/// names the connection in log lines.
pub(crate) fn feed(conn: &mut Connection, message: &mut Vec<u8>, input: &mut [u8], peer: &str) {
    conn.handle_all(input, message, |conn, event| {
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
    });
}
