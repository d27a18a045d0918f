//! The `Sec-WebSocket-Extensions` parser on arbitrary bytes: no panic, an
//! error offset inside the input, and what parses formats back to a value
//! that parses to the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::extension::{format_extensions, parse_extensions};
use wsmachine_fuzz::PARSE_FACTOR;

fuzz_target!(|data: &[u8]| {
    let ((), peak) = wsmachine_fuzz::peak_heap(|| check(data));
    // Two parsed lists are live at once (the value and its re-parse), each at
    // most PARSE_FACTOR bytes per input byte, and the formatted value (at
    // most 2 bytes per input byte, 3x while it grows).
    let bound = (2 * PARSE_FACTOR + 6) * data.len() + 1024;
    assert!(peak <= bound, "heap peak {peak} over {bound}");
});

fn check(data: &[u8]) {
    match parse_extensions(data) {
        Err(e) => assert!(e.offset() <= data.len()),
        Ok(list) => {
            let text = format_extensions(&list).expect("parsed extensions are valid");
            let again = parse_extensions(text.as_bytes()).expect("formatted value parses");
            assert_eq!(list, again, "format and parse do not round-trip");
            assert!(text.len() <= 2 * data.len() + 2);
        }
    }
}
