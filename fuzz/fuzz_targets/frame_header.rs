//! The frame header decoder on arbitrary bytes: no panic; a decoded header
//! re-encodes to the bytes it came from (lengths are minimal, so the
//! encoding is unique); every shorter prefix is `Partial` or the same error;
//! and the RFC's header-only rules hold for every accepted header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::frame::{FrameHeader, MAX_HEADER_LEN};
use wsmachine::Status;

fuzz_target!(|data: &[u8]| {
    let ((), peak) = wsmachine_fuzz::peak_heap(|| check(data));
    // The decoder never allocates.
    assert_eq!(peak, 0, "the header decoder allocated");
});

fn check(data: &[u8]) {
    let result = FrameHeader::decode(data);
    match result {
        Ok(Status::Partial) => assert!(data.len() < MAX_HEADER_LEN),
        Ok(Status::Complete((h, n))) => {
            assert!((2..=MAX_HEADER_LEN).contains(&n) && n <= data.len());
            let mut out = [0u8; MAX_HEADER_LEN];
            let m = h.encode(&mut out);
            assert_eq!(&out[..m], &data[..n], "re-encoding differs");
            assert!(h.payload_len >> 63 == 0);
            if h.opcode.is_control() {
                assert!(h.fin && h.payload_len <= 125);
            }
        }
        Err(_) => {}
    }
    // Decoding is a function of the header bytes alone: any prefix is
    // Partial, or fails the same way once the failing byte is in.
    let end = match result {
        Ok(Status::Complete((_, n))) => n,
        _ => data.len().min(MAX_HEADER_LEN),
    };
    for cut in 0..end {
        match FrameHeader::decode(&data[..cut]) {
            Ok(Status::Partial) => {}
            Err(e) => assert_eq!(
                Err(e),
                result.map(|_| ()),
                "prefix {cut} failed differently"
            ),
            Ok(Status::Complete(_)) => panic!("a prefix of {cut} bytes was a whole header"),
        }
    }
}
