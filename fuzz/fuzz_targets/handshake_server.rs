//! The server handshake fed arbitrary request bytes in arbitrary splits.
//!
//! Checks: no panic; never more than `max_head_size` bytes held; any split
//! gives the same outcome as one read (the same request or error, and the
//! same bytes after the header block); an error's ready response has its
//! status line; an accepted request renders a 101 and a connection that
//! takes the bytes that followed; and the heap peaks of reading and of
//! accepting are bounded by the limits and the input size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::{
    Accept, HandshakeConfig, RequestError, ServerHandshake, UpgradeRequest,
};
use wsmachine::Status;
use wsmachine_fuzz::{announced_length_room, peak_heap, SplitInput, FIXED_SLACK, PARSE_FACTOR};

const MAX_HEAD: usize = 4096;
const MAX_HEADERS: usize = 32;

/// What the machine returned, and the index of the piece that completed it.
enum Outcome {
    Partial,
    Request(Box<UpgradeRequest>, usize),
    Refused(RequestError, usize),
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = SplitInput::parse(data) else {
        return;
    };
    let pieces: Vec<&[u8]> = input.pieces().collect();
    let (split, peak) = peak_heap(|| read(&pieces));
    // The reader holds at most MAX_HEAD bytes (3x while it grows by
    // doubling); the parsed request takes at most PARSE_FACTOR bytes per
    // header byte; httparse's field array is MAX_HEADERS entries of 32
    // bytes; the bytes after the block in the last piece are copied once.
    let bound = (3 + PARSE_FACTOR) * MAX_HEAD + 32 * MAX_HEADERS + input.bytes.len() + FIXED_SLACK;
    assert!(
        peak <= bound,
        "heap peak {peak} while reading, over {bound}"
    );
    let whole = read(&[input.bytes]);
    assert_eq!(
        summary(&split, &pieces),
        summary(&whole, &[input.bytes]),
        "a split changed the outcome"
    );

    match split {
        Outcome::Partial => {}
        Outcome::Refused(e, _) => {
            let response = e.response_bytes();
            let status_line = format!("HTTP/1.1 {} ", e.status());
            assert!(response.starts_with(status_line.as_bytes()));
            assert!((400..500).contains(&e.status()));
        }
        Outcome::Request(req, at) => {
            let mut rest: Vec<u8> = pieces[at + 1..].concat();
            let mut accept = Accept::new();
            if input.flag(0) {
                if let Some(p) = req.subprotocols().first() {
                    accept = accept.subprotocol(p.clone());
                }
            }
            if input.flag(1) {
                if let Some(e) = req.extensions().first() {
                    accept = accept.extension(e.clone());
                }
            }
            let ((), peak) = peak_heap(|| match req.accept(accept) {
                Ok(mut accepted) => {
                    assert!(accepted
                        .response_bytes
                        .starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
                    assert!(accepted.response_bytes.ends_with(b"\r\n\r\n"));
                    for stream in [&mut accepted.trailing[..], &mut rest[..]] {
                        accepted
                            .connection
                            .handle_all(stream, &mut Vec::new(), |_, _| {});
                    }
                }
                // Offered extensions need not be valid to write back.
                Err(e) => assert!(input.flag(1), "accept failed: {e:?}"),
            });
            // The response writes the agreed extension (taken from the
            // request) with a space after each separator, at most 2 bytes per
            // request byte, first into a String and then into the response,
            // each 3x while it grows; the connection's message buffer holds
            // at most `buffer_retain` (the room made for an announced length)
            // or twice the bytes in it, 3x the input while it grows.
            // An announced length makes room ahead of its bytes.
            let retain = announced_length_room(&wsmachine::Config::default());
            let bound = 12 * MAX_HEAD + 3 * input.bytes.len() + retain + FIXED_SLACK;
            assert!(
                peak <= bound,
                "heap peak {peak} while accepting, over {bound}"
            );
        }
    }
});

fn read(pieces: &[&[u8]]) -> Outcome {
    let mut config = HandshakeConfig::default();
    config.max_head_size = MAX_HEAD;
    config.max_headers = MAX_HEADERS;
    let mut hs = ServerHandshake::new(config);
    for (i, piece) in pieces.iter().enumerate() {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => assert!(hs.buffered_len() <= MAX_HEAD),
            Ok(Status::Complete(req)) => return Outcome::Request(Box::new(req), i),
            Err(e) => {
                assert_eq!(hs.buffered_len(), 0);
                return Outcome::Refused(e, i);
            }
        }
    }
    Outcome::Partial
}

/// The outcome as text, with every byte after the header block: those the
/// machine handed over and the pieces it was not given.
fn summary(outcome: &Outcome, pieces: &[&[u8]]) -> String {
    match outcome {
        Outcome::Partial => "partial".to_string(),
        Outcome::Request(req, at) => format!(
            "ok {:?} {:?} {:?} {:?} {:?}",
            req.request(),
            req.key(),
            req.subprotocols(),
            req.extensions(),
            [req.trailing(), &pieces[at + 1..].concat()].concat()
        ),
        Outcome::Refused(e, at) => format!(
            "err {:?} {:?} {:?}",
            e.kind(),
            e.request(),
            [e.trailing(), &pieces[at + 1..].concat()].concat()
        ),
    }
}
