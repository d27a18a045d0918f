//! The small public wire types on their own: the frame header codec, close
//! codes and the incremental UTF-8 validator.

use wsmachine::frame::{FrameHeader, MAX_HEADER_LEN};
use wsmachine::utf8::{Utf8Error, Utf8Validator};
use wsmachine::{CloseCode, OpCode, Status};

#[test]
fn every_field_round_trips() {
    let opcodes = [
        OpCode::Continuation,
        OpCode::Text,
        OpCode::Binary,
        OpCode::Close,
        OpCode::Ping,
        OpCode::Pong,
    ];
    let mut out = [0u8; MAX_HEADER_LEN];
    for opcode in opcodes {
        for rsv in 0..8 {
            for mask in [None, Some([0xA1, 0x07, 0x5C, 0xE3])] {
                for payload_len in [0, 1, 125, 126, 0xFFFF, 0x1_0000, u64::MAX >> 1] {
                    let control = opcode.is_control();
                    if control && payload_len > 125 {
                        continue;
                    }
                    for fin in [true, false] {
                        if control && !fin {
                            continue;
                        }
                        let h = FrameHeader {
                            fin,
                            rsv,
                            opcode,
                            mask,
                            payload_len,
                        };
                        let n = h.encode(&mut out);
                        assert_eq!(FrameHeader::decode(&out[..n]), Ok(Status::Complete((h, n))));
                    }
                }
            }
        }
    }
}

#[test]
fn first_byte_layout() {
    // RSV1 is 0x40, RSV2 0x20, RSV3 0x10 (RFC 6455 §5.2).
    let mut out = [0u8; MAX_HEADER_LEN];
    for (rsv, first) in [(0b100, 0xC1), (0b010, 0xA1), (0b001, 0x91), (0b111, 0xF1)] {
        let h = FrameHeader {
            fin: true,
            rsv,
            opcode: OpCode::Text,
            mask: None,
            payload_len: 0,
        };
        assert_eq!(h.encode(&mut out), 2);
        assert_eq!(out[..2], [first, 0x00]);
    }
}

#[test]
fn close_codes_convert_and_print_as_numbers() {
    assert_eq!(u16::from(CloseCode::GOING_AWAY), 1001);
    assert_eq!(CloseCode::from(4000), CloseCode(4000));
    assert_eq!(format!("{}", CloseCode::MESSAGE_TOO_BIG), "1009");
    assert_eq!(format!("{:?}", CloseCode::NORMAL), "CloseCode(1000)");
}

/// Validates `bytes` fed in pieces cut at `cuts`, then finishes.
fn validate(bytes: &[u8], cuts: &[usize]) -> Result<(), Utf8Error> {
    let mut v = Utf8Validator::new();
    let mut start = 0;
    for &cut in cuts.iter().chain([&bytes.len()]) {
        v.feed(&bytes[start..cut])?;
        start = cut;
    }
    v.finish()
}

/// The validator's ASCII skip works on blocks of this many bytes.
const BLOCK: usize = 64;

/// Cases up to this long are cut at every pair of points.
const SHORT: usize = 80;

/// Pairs of cut points for a case of `len` bytes: every pair for a short case;
/// for a longer one, pairs from the ends, both sides of each block boundary
/// and the bytes around each of `marks` (where the non-ASCII bytes are).
fn cut_pairs(len: usize, marks: &[usize]) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = if len <= SHORT {
        (0..=len).collect()
    } else {
        let mut p = vec![0, 1, len - 1, len];
        for edge in (BLOCK..=len).step_by(BLOCK) {
            p.extend([edge - 1, edge, edge + 1]);
        }
        for &m in marks {
            p.extend(m.saturating_sub(1)..m + 5);
        }
        p
    };
    points.retain(|&c| c <= len);
    points.sort_unstable();
    points.dedup();
    let mut pairs = Vec::new();
    for (i, &a) in points.iter().enumerate() {
        pairs.extend(points[i..].iter().map(|&b| (a, b)));
    }
    pairs
}

/// Checks that `case`, whole and cut in three pieces, gives what std says.
#[track_caller]
fn agrees_with_std(case: &[u8], marks: &[usize]) {
    let expected = std::str::from_utf8(case).is_ok();
    for (a, b) in cut_pairs(case.len(), marks) {
        assert_eq!(
            validate(case, &[a, b]).is_ok(),
            expected,
            "{case:x?} cut {a},{b}"
        );
    }
}

/// The validator skips whole 64-byte blocks of ASCII before the general check;
/// text before, inside and after those blocks, and pieces cut across them,
/// must give what std says.
#[test]
fn long_ascii_runs_next_to_other_text() {
    let ascii = "0123456789abcdef".repeat(13);
    let tails: [&[u8]; 9] = [
        b"",
        b"\xC3\xA9",
        b"\xE2\x82\xAC",
        b"\xF0\x9D\x84\x9E",
        b"\x80",
        b"\xFF",
        b"\xC0\xAF",
        b"\xED\xA0\x80",
        b"\xF0\x9D\x84",
    ];
    // Runs short of one block, at, just under and just over one, two and
    // three blocks, with other text (or a code point cut short) after them.
    for prefix_len in [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 192, 193] {
        let prefix = &ascii.as_bytes()[..prefix_len];
        for tail in tails {
            agrees_with_std(&[prefix, tail, b"z"].concat(), &[prefix_len]);
            // A piece that starts with ASCII and ends inside a code point.
            agrees_with_std(&[prefix, "é".as_bytes(), tail].concat(), &[prefix_len]);
        }
    }
    // A non-ASCII sequence starting at each byte of the first block, or of the
    // block after a whole ASCII one, with a whole ASCII block after it.
    for skipped in [0, BLOCK] {
        for at in 0..BLOCK {
            for seq in &tails[1..] {
                let mut case = ascii.as_bytes()[..skipped + 2 * BLOCK].to_vec();
                case[skipped + at..skipped + at + seq.len()].copy_from_slice(seq);
                agrees_with_std(&case, &[skipped + at]);
            }
        }
    }
    // Blocks with the high bit set in every byte.
    agrees_with_std(&[0xFF; BLOCK], &[]);
    agrees_with_std(&[0x80; 2 * BLOCK + 1], &[]);
}
