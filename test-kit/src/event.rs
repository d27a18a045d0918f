//! Events copied out of the connection, so that the connection is free
//! again and events can be compared.

use wsmachine::{CloseCause, CloseCode, CloseOutcome, Event, MessageKind, ProtocolError};

/// An [`Event`] copied out of the connection's or the input's buffer.
///
/// The final event comes in two forms: [`Ev::Error`] after the peer's
/// protocol violation, [`Ev::Closed`] for every other ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    /// [`Event::Text`].
    Text(String),
    /// [`Event::Binary`].
    Binary(Vec<u8>),
    /// [`Event::Chunk`]: the kind, the bytes, whether it ends the message.
    Chunk(MessageKind, Vec<u8>, bool),
    /// [`Event::Ping`].
    Ping(Vec<u8>),
    /// [`Event::Pong`].
    Pong(Vec<u8>),
    /// [`Event::Close`]: the code, the reason.
    Close(Option<u16>, String),
    /// The final event after the peer's protocol violation: an
    /// [`Event::Closed`] whose outcome is [`violation_outcome`] of it, with
    /// the violation's reason.
    Error(ProtocolError),
    /// The final event of a connection that ended any other way.
    Closed(CloseOutcome, String),
}

impl From<Event<'_>> for Ev {
    /// Copies the event. Panics on a kind of event the kit does not know
    /// yet, and on a violation's final event that does not match
    /// [`violation_outcome`] and the violation's reason.
    fn from(e: Event<'_>) -> Ev {
        match e {
            Event::Text(t) => Ev::Text(t.to_owned()),
            Event::Binary(b) => Ev::Binary(b.to_vec()),
            Event::Chunk { kind, data, fin } => Ev::Chunk(kind, data.to_vec(), fin),
            Event::Ping(p) => Ev::Ping(p.to_vec()),
            Event::Pong(p) => Ev::Pong(p.to_vec()),
            Event::Close { code, reason } => Ev::Close(code.map(|c| c.0), reason.to_owned()),
            Event::Closed { outcome, reason } => match outcome.cause {
                CloseCause::Violation(e) => {
                    assert_eq!(outcome, violation_outcome(e));
                    assert_eq!(reason, e.reason());
                    Ev::Error(e)
                }
                _ => Ev::Closed(outcome, reason.to_owned()),
            },
            other => panic!("unexpected event {other:?}"),
        }
    }
}

impl Ev {
    /// Whether this is the final event ([`Ev::Error`] or [`Ev::Closed`]).
    pub fn is_final(&self) -> bool {
        matches!(self, Ev::Error(_) | Ev::Closed(..))
    }
}

/// How a connection that failed with `error` ended: abnormally (1006, no
/// Close frame was received), not clean.
pub fn violation_outcome(error: ProtocolError) -> CloseOutcome {
    CloseOutcome {
        code: CloseCode::ABNORMAL,
        clean: false,
        cause: CloseCause::Violation(error),
    }
}

/// The final event of a connection that ended with the close handshake.
pub fn handshake_closed(code: u16, initiated_locally: bool, reason: &str) -> Ev {
    let outcome = CloseOutcome {
        code: CloseCode(code),
        clean: true,
        cause: CloseCause::Handshake { initiated_locally },
    };
    Ev::Closed(outcome, reason.to_owned())
}

/// The event of a whole message of `kind` made of `bytes`.
///
/// # Panics
/// If text is not UTF-8.
#[track_caller]
pub fn whole_message(kind: MessageKind, bytes: Vec<u8>) -> Ev {
    match kind {
        MessageKind::Text => Ev::Text(String::from_utf8(bytes).expect("text is UTF-8")),
        MessageKind::Binary => Ev::Binary(bytes),
    }
}

/// Joins streamed chunks ([`Ev::Chunk`]) into the whole messages they make,
/// so that events delivered in chunks compare with events delivered whole.
///
/// A message still unfinished at a final event is dropped: how much of it
/// was streamed before the end depends on the reads.
///
/// # Panics
/// If the events end inside a message without a final event (a stray
/// non-final chunk), if a chunk of another kind comes in the middle of a
/// message, or if joined text is not UTF-8. For events that may stop
/// anywhere, see [`join_chunks_cut`].
#[track_caller]
pub fn join_chunks(events: Vec<Ev>) -> Vec<Ev> {
    let (joined, open) = join(events);
    assert!(open.is_none(), "a message left unfinished: {open:?}");
    joined
}

/// [`join_chunks`] for events that may end anywhere (input cut short,
/// no end of stream): a message still unfinished at the end is dropped
/// too.
#[track_caller]
pub fn join_chunks_cut(events: Vec<Ev>) -> Vec<Ev> {
    join(events).0
}

/// The joined events, and the message still open at the end.
#[track_caller]
fn join(events: Vec<Ev>) -> (Vec<Ev>, Option<(MessageKind, Vec<u8>)>) {
    let mut joined = Vec::new();
    let mut open: Option<(MessageKind, Vec<u8>)> = None;
    for ev in events {
        let Ev::Chunk(kind, data, fin) = ev else {
            if ev.is_final() {
                open = None;
            }
            joined.push(ev);
            continue;
        };
        let (open_kind, bytes) = open.get_or_insert_with(|| (kind, Vec::new()));
        assert_eq!(*open_kind, kind, "a chunk of another kind mid-message");
        bytes.extend_from_slice(&data);
        if fin {
            let (kind, bytes) = open.take().expect("the message just extended");
            joined.push(whole_message(kind, bytes));
        }
    }
    (joined, open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_join_into_whole_messages() {
        let events = vec![
            Ev::Chunk(MessageKind::Text, b"he".to_vec(), false),
            Ev::Ping(vec![1]),
            Ev::Chunk(MessageKind::Text, b"llo".to_vec(), true),
            Ev::Chunk(MessageKind::Binary, vec![7], true),
        ];
        let joined = vec![
            Ev::Ping(vec![1]),
            Ev::Text("hello".into()),
            Ev::Binary(vec![7]),
        ];
        assert_eq!(join_chunks(events.clone()), joined);
        assert_eq!(join_chunks_cut(events), joined);
    }

    #[test]
    #[should_panic(expected = "a message left unfinished")]
    fn a_stray_chunk_at_the_end_is_not_dropped_silently() {
        join_chunks(vec![
            Ev::Binary(vec![1]),
            Ev::Chunk(MessageKind::Binary, Vec::new(), false),
        ]);
    }

    #[test]
    fn events_cut_short_drop_the_open_message() {
        let events = vec![
            Ev::Binary(vec![1]),
            Ev::Chunk(MessageKind::Binary, vec![2], false),
        ];
        assert_eq!(join_chunks_cut(events), vec![Ev::Binary(vec![1])]);
    }
}
