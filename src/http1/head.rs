//! Collecting an HTTP header block from input that arrives in any split.
//!
//! The reader copies input into one buffer, at most `max` bytes of it, and
//! scans only the bytes it has not scanned before for the empty line that
//! ends the block. So feeding N bytes one at a time costs O(N) in all, and
//! the (much dearer) HTTP parser runs once, on a complete block.

use alloc::vec::Vec;

/// What the reader has after an input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Head<'a> {
    /// The block has not ended yet.
    Partial,
    /// `max` bytes arrived without the block ending.
    TooLarge,
    /// The block (ending with its empty line) and the input after it. The
    /// reader is empty again.
    Complete(Vec<u8>, &'a [u8]),
}

/// Collects one header block.
#[derive(Debug, Default)]
pub(crate) struct HeadReader {
    buf: Vec<u8>,
    /// Bytes of `buf` already scanned for the end of the block. The scan
    /// resumes two bytes back, so that a line end cut by the input split is
    /// still seen.
    scanned: usize,
    /// Bytes looked at by the scan in all (for the linear-cost test).
    #[cfg(test)]
    pub(crate) examined: usize,
}

impl HeadReader {
    /// How many bytes are held.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Takes `input`, keeping at most `max` bytes in all.
    pub(crate) fn push<'a>(&mut self, mut input: &'a [u8], max: usize) -> Head<'a> {
        // RFC 9112 §2.2: "a server that is expecting to receive and parse a
        // request-line SHOULD ignore at least one empty line (CRLF) received
        // prior to the request-line".
        if self.buf.is_empty() {
            input = skip_empty_lines(input);
        }
        let old_len = self.buf.len();
        let take = input.len().min(max.saturating_sub(old_len));
        self.buf.extend_from_slice(&input[..take]);
        match self.find_end() {
            Some(end) => {
                // The end lies in the new bytes: every earlier byte had been
                // scanned without finding it.
                let rest = input.get(end.saturating_sub(old_len)..).unwrap_or_default();
                let mut head = core::mem::take(&mut self.buf);
                head.truncate(end);
                self.scanned = 0;
                Head::Complete(head, rest)
            }
            None if self.buf.len() >= max => Head::TooLarge,
            None => Head::Partial,
        }
    }

    /// Empties the reader.
    pub(crate) fn clear(&mut self) {
        self.buf = Vec::new();
        self.scanned = 0;
    }

    /// The index just past the empty line ending the block: a line feed
    /// followed by CR LF or by a bare LF (RFC 9112 §2.2 lets a recipient
    /// accept a bare LF as a line terminator).
    fn find_end(&mut self) -> Option<usize> {
        let buf = &self.buf;
        let mut i = self.scanned.saturating_sub(2);
        while let Some(lf) = find_lf(&buf[i..]) {
            i += lf;
            #[cfg(test)]
            {
                self.examined += lf + 1;
            }
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some(i + 2),
                (Some(b'\r'), Some(b'\n')) => return Some(i + 3),
                _ => {}
            }
            i += 1;
        }
        #[cfg(test)]
        {
            self.examined += buf.len() - i;
        }
        self.scanned = buf.len();
        None
    }
}

/// `input` without the empty lines (CR and LF bytes) before a request.
pub(crate) fn skip_empty_lines(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(input.len());
    &input[start..]
}

/// The index of the first line feed in `bytes`, looking at a word (8 bytes)
/// at a time: a header line is some 30 bytes long.
fn find_lf(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LF: u64 = ONES * b'\n' as u64;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        // A zero byte in `x` is a line feed in `w` (the classic test for a
        // zero byte in a word: exact about whether there is one).
        let x = u64::from_ne_bytes(w) ^ LF;
        if x.wrapping_sub(ONES) & !x & (ONES << 7) != 0 {
            return word.iter().position(|&b| b == b'\n').map(|p| at + p);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nFRAME";

    #[test]
    fn whole_and_split_inputs_find_the_same_end() {
        for split in 0..=REQ.len() {
            let mut r = HeadReader::default();
            let (a, b) = REQ.split_at(split);
            // Bytes after the block: those handed back plus the piece not fed.
            let got = match r.push(a, 1024) {
                Head::Partial => match r.push(b, 1024) {
                    Head::Complete(head, rest) => Some((head, rest.to_vec())),
                    _ => None,
                },
                Head::Complete(head, rest) => Some((head, [rest, b].concat())),
                Head::TooLarge => None,
            };
            assert_eq!(
                got,
                Some((REQ[..REQ.len() - 5].to_vec(), b"FRAME".to_vec())),
                "split {split}"
            );
        }
    }

    #[test]
    fn find_lf_finds_the_first_line_feed_anywhere() {
        for len in 0..40 {
            for at in 0..=len {
                let mut v = alloc::vec![b'a'; len];
                if at < len {
                    v[at] = b'\n';
                    if at + 3 < len {
                        v[at + 3] = b'\n';
                    }
                }
                assert_eq!(find_lf(&v), (at < len).then_some(at), "{len} {at}");
            }
        }
        // Bytes that differ from a line feed only in the high bit, or next
        // to one, are no line feed.
        assert_eq!(find_lf(&[0x8a, 0x0b, 0x09, 0x8a, 0x0a, 0, 0, 0]), Some(4));
    }

    #[test]
    fn bare_lf_and_leading_empty_lines() {
        let mut r = HeadReader::default();
        assert_eq!(
            r.push(b"\r\n\r\nGET / HTTP/1.1\nHost: a\n\nX", 1024),
            Head::Complete(b"GET / HTTP/1.1\nHost: a\n\n".to_vec(), &b"X"[..])
        );
    }

    #[test]
    fn never_holds_more_than_max() {
        let mut r = HeadReader::default();
        assert_eq!(r.push(&[b'a'; 10], 16), Head::Partial);
        assert_eq!(r.push(&[b'a'; 10], 16), Head::TooLarge);
        assert_eq!(r.len(), 16);
        // The end must arrive within the limit, its empty line included.
        let mut r = HeadReader::default();
        assert_eq!(r.push(b"GET / HTTP/1.1\r\n\r\n", 17), Head::TooLarge);
        let mut r = HeadReader::default();
        assert!(matches!(
            r.push(b"GET / HTTP/1.1\r\n\r\n", 18),
            Head::Complete(..)
        ));
    }

    #[test]
    fn bytewise_input_is_scanned_once() {
        let mut block = b"GET / HTTP/1.1\r\nCookie: ".to_vec();
        block.resize(64 * 1024 - 4, b'x');
        block.extend_from_slice(b"\r\n\r\n");
        let mut r = HeadReader::default();
        for (i, b) in block.iter().enumerate() {
            let got = r.push(core::slice::from_ref(b), 64 * 1024);
            assert_eq!(matches!(got, Head::Complete(..)), i == block.len() - 1);
        }
        // Each byte is looked at about once (plus two of look-back per push).
        assert!(r.examined <= 3 * block.len(), "examined {}", r.examined);
    }
}
