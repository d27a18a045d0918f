//! The echo behaviour of the async and event-loop servers: feed bytes to a
//! connection and send every data message back.

use wsmachine::{Connection, Event};

/// Feeds `input` to `conn`, taking every event, and echoes each text and
/// binary message. `peer` names the connection in log lines.
///
/// A protocol violation is logged and ends the feeding: the machine has
/// already queued the Close frame for it and is closed.
pub(crate) fn feed(conn: &mut Connection, input: &mut [u8], peer: &str) {
    let mut pos = 0;
    loop {
        // An event borrows `input` or the connection: copy out what is sent
        // back before calling the connection again.
        let (used, reply) = match conn.read(&mut input[pos..]) {
            Ok((_, None)) => return,
            Ok((used, Some(event))) => (used, reply_to(event, peer)),
            Err(violation) => {
                eprintln!("{peer}: {violation}");
                return;
            }
        };
        pos += used;
        let sent = match reply {
            Some(Reply::Text(text)) => conn.send_text(&text),
            Some(Reply::Binary(data)) => conn.send_binary(&data),
            None => Ok(()),
        };
        if let Err(e) = sent {
            eprintln!("{peer}: echo not sent: {e}");
        }
    }
}

/// An owned copy of a message to send back.
enum Reply {
    Text(String),
    Binary(Vec<u8>),
}

fn reply_to(event: Event<'_>, peer: &str) -> Option<Reply> {
    match event {
        Event::Text(text) => Some(Reply::Text(text.to_owned())),
        Event::Binary(data) => Some(Reply::Binary(data.to_vec())),
        // Its pong is queued already (`Config::auto_pong`).
        Event::Ping(_) => None,
        Event::Close { code, reason } => {
            let code = code.map_or_else(|| "no code".to_owned(), |c| c.to_string());
            eprintln!("{peer}: peer sent Close ({code}) {reason:?}");
            None
        }
        _ => None,
    }
}
