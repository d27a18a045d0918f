//! The client handshake fed arbitrary response bytes in arbitrary splits.
//!
//! With flag bit 0 the input follows a valid 101 status line and accept
//! value for the client's key, so the fuzzer reaches the checks after it
//! (subprotocol, extensions, trailing frames) without having to guess SHA-1.
//!
//! Checks: no panic; any split gives the same outcome as one read; a
//! connection gets exactly the bytes after the response; a refusal's body
//! is bounded by `max_body_size`; end of input afterwards is handled; and the
//! heap peak is bounded by the limits and the input size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::{
    accept_key, ClientError, ClientHandshake, ClientRequest, Extension, HandshakeConfig,
};
use wsmachine::Status;
use wsmachine_fuzz::{peak_heap, FuzzRng, SplitInput, FIXED_SLACK};

const MAX_HEAD: usize = 4096;
const MAX_HEADERS: usize = 32;
const MAX_BODY: usize = 4096;

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
    let (split, peak) = peak_heap(|| outcome(&pieces, input.flag(1)));
    let whole = outcome(&[&bytes], input.flag(1));
    assert_eq!(split, whole, "a split changed the outcome");
    // Head reader ×3 (growth), the parsed response ×2, httparse's fields,
    // the body up to MAX_BODY ×3, the bytes after the response (and the
    // connection's copy of a message in them), and the request rendered by
    // `new`.
    let bound = 5 * MAX_HEAD + 32 * MAX_HEADERS + 3 * MAX_BODY + 4 * bytes.len() + FIXED_SLACK;
    assert!(peak <= bound, "heap peak {peak} over {bound}");
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
    ClientHandshake::new(request, config, FuzzRng(0x9E37_79B9_7F4A_7C15)).expect("valid request")
}

fn outcome(pieces: &[&[u8]], eof: bool) -> String {
    let mut hs = new_client();
    for (i, piece) in pieces.iter().enumerate() {
        let rest: Vec<u8> = pieces[i + 1..].concat();
        match hs.handle_input(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(connected)) => {
                let mut stream = [&connected.trailing[..], &rest].concat();
                let summary = format!(
                    "ok {:?} {:?} {:?} {:?}",
                    connected.response,
                    connected.connection.subprotocol(),
                    connected.extensions,
                    stream
                );
                let mut conn = connected.connection;
                let mut pos = 0;
                while let Ok((used, Some(_))) = conn.read(&mut stream[pos..]) {
                    pos += used;
                }
                return summary;
            }
            Err(e) => return summary_of_error(&e),
        }
    }
    if eof {
        return summary_of_error(&hs.handle_eof());
    }
    "partial".to_string()
}

fn summary_of_error(e: &ClientError) -> String {
    if let ClientError::Response(r) = e {
        if let Some(resp) = r.response() {
            assert!(resp.body().len() <= MAX_BODY, "body over the limit");
        }
        // What follows a failed response is not handed over.
        return format!("err {:?} {:?}", r.kind(), r.response());
    }
    format!("err {e:?}")
}
