//! The client handshake fed arbitrary response bytes in arbitrary splits.
//!
//! With flag bit 0 the input follows a valid 101 status line and accept
//! value for the client's key, so the fuzzer reaches the checks after it
//! (subprotocol, extensions, trailing frames) without having to guess SHA-1.
//! With flag bit 1 the transport ends after the last piece.
//!
//! Checks: no panic; any split gives the same outcome as one read; a
//! connection gets exactly the bytes after the response; a refusal's body
//! is bounded by `max_body_size`; and the heap peak is bounded by the limits
//! and the input size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::extension::Extension;
use wsmachine::handshake::{
    accept_key, ClientError, ClientHandshake, ClientRequest, Connected, HandshakeConfig,
};
use wsmachine::Status;
use wsmachine_fuzz::{announced_length_room, peak_heap, SplitInput, FIXED_SLACK, PARSE_FACTOR};
use wsmachine_testkit::TestRng;

const MAX_HEAD: usize = 4096;
const MAX_HEADERS: usize = 32;
const MAX_BODY: usize = 4096;

enum Outcome {
    Partial,
    /// The connection and the index of the piece that completed it.
    Connected(Box<Connected>, usize),
    Failed(ClientError),
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = SplitInput::parse(data) else {
        return;
    };
    let mut bytes = Vec::new();
    if input.flag(0) {
        let key = new_client().key().to_owned();
        bytes.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ");
        bytes.extend_from_slice(accept_key(&key).as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let prefix = bytes.len();
    bytes.extend_from_slice(input.bytes);
    let mut ends: Vec<usize> = input.cuts.iter().map(|c| c + prefix).collect();
    ends.push(bytes.len());
    let mut pieces = Vec::new();
    let mut start = 0;
    for end in ends {
        pieces.push(&bytes[start..end]);
        start = end;
    }
    let eof = input.flag(1);
    let hs = new_client();
    let (split, peak) = peak_heap(|| read(hs, &pieces, eof));
    // The head reader (3x while it grows), the parsed response, httparse's
    // fields, the body up to MAX_BODY (3x while it grows), and the bytes
    // after the response in the last piece.
    let bound =
        (3 + PARSE_FACTOR) * MAX_HEAD + 32 * MAX_HEADERS + 3 * MAX_BODY + bytes.len() + FIXED_SLACK;
    assert!(peak <= bound, "heap peak {peak} over {bound}");
    let whole = read(new_client(), &[&bytes], eof);
    assert_eq!(
        summary(&split, &pieces),
        summary(&whole, &[&bytes]),
        "a split changed the outcome"
    );
    if let Outcome::Connected(mut connected, at) = split {
        let mut rest: Vec<u8> = pieces[at + 1..].concat();
        let ((), peak) = peak_heap(|| {
            for stream in [&mut connected.trailing[..], &mut rest[..]] {
                connected
                    .connection
                    .handle_all(stream, &mut Vec::new(), |_, _| {});
            }
        });
        // The message buffer holds at most `buffer_retain` (the room made
        // for an announced length) or twice the bytes in it, and while it
        // grows its old block too: 3x the input, or a block earlier bytes
        // paid for plus `buffer_retain`.
        // An announced length makes room ahead of its bytes.
        let retain = announced_length_room(&wsmachine::Config::default());
        let bound = 3 * bytes.len() + retain + FIXED_SLACK;
        assert!(
            peak <= bound,
            "heap peak {peak} in the connection, over {bound}"
        );
    }
});

fn new_client() -> ClientHandshake {
    let request = ClientRequest::from_url("ws://example.com/chat")
        .expect("valid url")
        .subprotocol("chat")
        .subprotocol("superchat")
        .extension(Extension::new("permessage-deflate").flag("client_max_window_bits"));
    let mut config = HandshakeConfig::default();
    config.max_head_size = MAX_HEAD;
    config.max_headers = MAX_HEADERS;
    config.max_body_size = MAX_BODY;
    ClientHandshake::new(request, config, TestRng(0x9E37_79B9_7F4A_7C15)).expect("valid request")
}

fn read(mut hs: ClientHandshake, pieces: &[&[u8]], eof: bool) -> Outcome {
    for (i, piece) in pieces.iter().enumerate() {
        match hs.handle_input(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(connected)) => return Outcome::Connected(Box::new(connected), i),
            Err(e) => return Outcome::Failed(e),
        }
    }
    if eof {
        return Outcome::Failed(hs.handle_eof());
    }
    Outcome::Partial
}

fn summary(outcome: &Outcome, pieces: &[&[u8]]) -> String {
    match outcome {
        Outcome::Partial => "partial".to_string(),
        Outcome::Connected(c, at) => format!(
            "ok {:?} {:?} {:?} {:?}",
            c.response,
            c.connection.subprotocol(),
            c.extensions,
            [&c.trailing[..], &pieces[at + 1..].concat()].concat()
        ),
        Outcome::Failed(ClientError::Response(r)) => {
            if let Some(resp) = r.response() {
                assert!(resp.body().len() <= MAX_BODY, "body over the limit");
            }
            // What follows a failed response is not handed over.
            format!("err {:?} {:?}", r.kind(), r.response())
        }
        Outcome::Failed(e) => format!("err {e:?}"),
    }
}
