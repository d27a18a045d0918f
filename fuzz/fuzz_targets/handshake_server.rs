//! The server handshake fed arbitrary request bytes in arbitrary splits.
//!
//! Checks: no panic; never more than `max_head_size` bytes held; any split
//! gives the same outcome as one read (the same request or error, and the
//! same bytes after the header block); an error's ready response has its
//! status line; an accepted request renders a 101 and a connection that
//! takes the bytes that followed; and the heap peak is bounded by the
//! limits and the input size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::{Accept, HandshakeConfig, ServerHandshake};
use wsmachine::Status;
use wsmachine_fuzz::{peak_heap, SplitInput, FIXED_SLACK};

const MAX_HEAD: usize = 4096;
const MAX_HEADERS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Some(input) = SplitInput::parse(data) else {
        return;
    };
    let pieces: Vec<&[u8]> = input.pieces().collect();
    let (split, peak) = peak_heap(|| outcome(&pieces, input.flags));
    let whole = outcome(&[input.bytes], input.flags);
    assert_eq!(split, whole, "a split changed the outcome");
    // The reader holds at most MAX_HEAD bytes (×3 for growth by doubling);
    // the parsed request copies the block (×2 more, as strings and header
    // fields); httparse's field array is MAX_HEADERS entries of 32 bytes;
    // the bytes after the block are copied once (and once more by the
    // connection's message buffer when they carry a message, bounded by
    // the piece); the rendered responses are under 1 KiB.
    let bound = 5 * MAX_HEAD + 32 * MAX_HEADERS + 4 * input.bytes.len() + FIXED_SLACK;
    assert!(peak <= bound, "heap peak {peak} over {bound}");
});

/// What the machine made of the pieces, as text to compare.
fn outcome(pieces: &[&[u8]], flags: u8) -> String {
    let mut config = HandshakeConfig::default();
    config.max_head_size = MAX_HEAD;
    config.max_headers = MAX_HEADERS;
    let mut hs = ServerHandshake::new(config);
    for (i, piece) in pieces.iter().enumerate() {
        let rest: Vec<u8> = pieces[i + 1..].concat();
        match hs.handle_input(piece) {
            Ok(Status::Partial) => assert!(hs.buffered_len() <= MAX_HEAD),
            Ok(Status::Complete(req)) => {
                let trailing = [req.trailing(), &rest].concat();
                let summary = format!(
                    "ok {:?} {:?} {:?} {:?} {:?} {:?}",
                    req.request(),
                    req.key(),
                    req.subprotocols(),
                    req.extensions(),
                    req.origin(),
                    trailing
                );
                let mut accept = Accept::new();
                if flags & 1 != 0 {
                    if let Some(p) = req.subprotocols().first() {
                        accept = accept.subprotocol(p.clone());
                    }
                }
                if flags & 2 != 0 {
                    if let Some(e) = req.extensions().first() {
                        accept = accept.extension(e.clone());
                    }
                }
                match req.accept(accept) {
                    Ok(mut accepted) => {
                        assert!(accepted
                            .response
                            .starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
                        assert!(accepted.response.ends_with(b"\r\n\r\n"));
                        let mut stream = [&accepted.trailing[..], &rest].concat();
                        let mut pos = 0;
                        while let Ok((used, Some(_))) = accepted.connection.read(&mut stream[pos..])
                        {
                            pos += used;
                        }
                    }
                    // Offered extensions need not be valid to write back.
                    Err(e) => assert!(flags & 2 != 0, "accept failed: {e:?}"),
                }
                return summary;
            }
            Err(e) => {
                let response = e.response();
                let status_line = format!("HTTP/1.1 {} ", e.status());
                assert!(response.starts_with(status_line.as_bytes()));
                assert!((400..500).contains(&e.status()));
                assert_eq!(hs.buffered_len(), 0);
                let trailing = [e.trailing(), &rest].concat();
                return format!("err {:?} {:?} {:?}", e.kind(), e.request(), trailing);
            }
        }
    }
    "partial".to_string()
}
