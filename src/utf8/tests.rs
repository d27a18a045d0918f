//! The validator against std's, at every kind of cut, and its ASCII blocks.

use super::*;
use alloc::vec;
use alloc::vec::Vec;

fn feed_split(bytes: &[u8], at: &[usize]) -> Result<(), Utf8Error> {
    let mut v = Utf8Validator::new();
    let mut start = 0;
    for &cut in at {
        v.feed(&bytes[start..cut])?;
        start = cut;
    }
    v.feed(&bytes[start..])?;
    v.finish()
}

#[test]
fn the_error_reads_as_text() {
    use alloc::string::ToString;
    assert_eq!(Utf8Error.to_string(), "invalid UTF-8");
    let e: &dyn core::error::Error = &Utf8Error;
    assert!(e.source().is_none());
}

#[test]
fn valid_text_passes_at_every_split() {
    let s = "κόσμε ascii 𝄞 \u{10FFFF} \u{FFFD} end".as_bytes();
    for a in 0..=s.len() {
        for b in a..=s.len() {
            assert_eq!(feed_split(s, &[a, b]), Ok(()), "{a} {b}");
        }
    }
}

#[test]
fn invalid_sequences_fail_at_the_first_bad_byte() {
    // (bytes, index of the byte at which validation must fail)
    let cases: &[(&[u8], usize)] = &[
        (b"\xC0\xAF", 0),                  // overlong, C0 can never start a sequence
        (b"\xE0\x80\xAF", 1),              // overlong three-byte form
        (b"\xED\xA0\x80", 1),              // surrogate U+D800
        (b"\xF4\x90\x80\x80", 1),          // above U+10FFFF
        (b"\xF5", 0),                      // no such lead byte
        (b"ab\x80", 2),                    // stray continuation
        (b"\xCE\xBA\xE1\xBD", usize::MAX), // valid prefix, cut: only finish fails
    ];
    for &(bytes, bad) in cases {
        // Fed one byte at a time, the error must come exactly at `bad`.
        let mut v = Utf8Validator::new();
        let mut failed_at = usize::MAX;
        for (i, b) in bytes.iter().enumerate() {
            if v.feed(core::slice::from_ref(b)).is_err() {
                failed_at = i;
                break;
            }
        }
        assert_eq!(failed_at, bad, "{bytes:x?}");
        if bad == usize::MAX {
            assert_eq!(v.finish(), Err(Utf8Error));
        }
        // Fed whole, the result is the same.
        let mut w = Utf8Validator::new();
        let whole = w.feed(bytes).and_then(|_| w.finish());
        assert_eq!(whole, Err(Utf8Error));
    }
}

#[test]
fn agrees_with_std_on_all_short_inputs() {
    // Every 1- and 2-byte input, and 3-byte ones built from interesting bytes.
    let interesting = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED,
        0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ];
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let s = [a, b];
            let expect = core::str::from_utf8(&s).is_ok();
            assert_eq!(feed_split(&s, &[]).is_ok(), expect);
            assert_eq!(feed_split(&s, &[1]).is_ok(), expect);
        }
    }
    for &a in &interesting {
        for &b in &interesting {
            for &c in &interesting {
                for &d in &interesting {
                    let s = [a, b, c, d];
                    let expect = core::str::from_utf8(&s).is_ok();
                    for cut in 0..=4 {
                        assert_eq!(feed_split(&s, &[cut]).is_ok(), expect, "{s:x?} {cut}");
                    }
                }
            }
        }
    }
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

/// Feeds `bytes` in pieces cut at `cuts` with `feed` and with `feed_into`:
/// both fail at the same piece (or neither does), and `feed_into` rebuilds
/// the text of every piece accepted.
#[track_caller]
fn feed_into_agrees(bytes: &[u8], cuts: &[usize]) {
    let mut plain = Utf8Validator::new();
    let mut into = Utf8Validator::new();
    let mut out = alloc::string::String::new();
    let mut start = 0;
    for &cut in cuts.iter().chain([&bytes.len()]) {
        let piece = &bytes[start..cut];
        let a = plain.feed(piece);
        let b = into.feed_into(piece, &mut out);
        assert_eq!(a, b, "{bytes:x?} cut {cuts:?} piece at {start}");
        if a.is_err() {
            return;
        }
        start = cut;
    }
    assert_eq!(plain.finish(), into.finish(), "{bytes:x?} cut {cuts:?}");
    if core::str::from_utf8(bytes).is_ok() {
        assert_eq!(out.as_bytes(), bytes, "cut {cuts:?}");
    }
}

#[test]
fn feed_into_fails_where_feed_does_and_rebuilds_the_text() {
    let interesting = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED,
        0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ];
    for &a in &interesting {
        for &b in &interesting {
            for &c in &interesting {
                for &d in &interesting {
                    let s = [a, b, c, d];
                    for x in 0..=4 {
                        for y in x..=4 {
                            feed_into_agrees(&s, &[x, y]);
                        }
                    }
                    feed_into_agrees(&s, &[1, 2, 3]);
                }
            }
        }
    }
    let text = "κόσμε ascii 𝄞 \u{10FFFF} \u{FFFD} end".repeat(3);
    let text = text.as_bytes();
    for (a, b) in cut_pairs(text.len(), &[]) {
        feed_into_agrees(text, &[a, b]);
    }
    let cuts: Vec<usize> = (1..text.len()).collect();
    feed_into_agrees(text, &cuts);
}

#[test]
fn feed_into_pushes_long_text_cut_only_on_code_points() {
    // Pieces longer than the 2 KiB copies, whose code points of one to four
    // bytes fall across every copy boundary.
    let unit = "a\u{e9}\u{20ac}\u{1f600}";
    let text: alloc::string::String = unit.repeat(1_000);
    for skip in 0..4 {
        let bytes = &text.as_bytes()[skip..];
        let start = (0..4)
            .find(|&i| core::str::from_utf8(&bytes[i..]).is_ok())
            .unwrap_or(0);
        let bytes = &bytes[start..];
        let mut out = alloc::string::String::new();
        let mut v = Utf8Validator::new();
        assert!(v.feed_into(bytes, &mut out).is_ok());
        assert!(v.finish().is_ok());
        assert!(out.as_bytes() == bytes, "skip {skip}");
    }
}

#[test]
fn feed_into_checks_long_pieces_block_by_block_as_one() {
    // A piece over two check blocks, with code points of one to four bytes
    // across every block boundary, and bad bytes placed around them: the
    // blocks accept what std accepts of the whole piece, and rebuild it.
    // ASCII before the text puts each byte of the ten-byte unit on the
    // cut, the last byte of its four-byte code point among them (a cut
    // moved back by three).
    let unit = "a\u{e9}\u{20ac}\u{1f600}";
    let edges = [CHECK_BLOCK, 2 * CHECK_BLOCK];
    for pad in 0..unit.len() {
        let text = "x".repeat(pad) + &unit.repeat(3 * CHECK_BLOCK / unit.len());
        let valid = text.as_bytes();
        let mut cases = vec![valid.to_vec()];
        for edge in edges {
            for at in edge - 4..edge + 4 {
                for bad in [
                    &[0x80][..],
                    &[0xFF],
                    &[0x80, 0x80, 0x80, 0x80],
                    &[0xED, 0xA0, 0x80],
                ] {
                    let mut case = valid.to_vec();
                    case[at..at + bad.len()].copy_from_slice(bad);
                    cases.push(case);
                }
            }
        }
        for case in &cases {
            let mut out = alloc::string::String::new();
            let got = Utf8Validator::new().feed_into(case, &mut out);
            let std = core::str::from_utf8(case);
            assert_eq!(
                got.is_ok(),
                std.is_ok() || std.is_err_and(|e| e.error_len().is_none())
            );
            if std.is_ok() {
                assert!(out.as_bytes() == &case[..], "pad {pad}");
            }
        }
    }
}
