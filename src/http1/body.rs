//! Reading the body of a refused handshake response, so that the caller sees
//! the server's explanation (a login page, a JSON error), up to a limit.
//!
//! The body's length follows RFC 9112 §6.3: none for 1xx, 204 and 304;
//! chunked when `Transfer-Encoding` ends in `chunked`; until the transport
//! ends for another `Transfer-Encoding`; `Content-Length` otherwise; until the
//! transport ends when there is neither. Bytes past the limit are not kept:
//! the body is marked truncated and the response is handed over at once.

use alloc::vec::Vec;

use super::response::Response;

/// The longest chunk-size line kept while waiting for its end.
const MAX_CHUNK_LINE: usize = 1024;

#[derive(Debug)]
enum Framing {
    /// This many body bytes remain.
    Length(u64),
    /// Until the transport ends.
    UntilEof,
    /// Chunked transfer coding (RFC 9112 §7.1).
    Chunked(Chunk),
    /// Nothing more to read.
    Done,
}

#[derive(Debug)]
enum Chunk {
    /// Reading the chunk-size line.
    Size(Vec<u8>),
    /// This many bytes of chunk data remain.
    Data(u64),
    /// The line end after chunk data.
    DataEnd,
    /// The trailer section; `bytes` on the current line so far.
    Trailer { bytes: usize },
    /// The empty line after the trailer section came: the body is complete.
    End,
}

/// Collects a response body.
#[derive(Debug)]
pub(crate) struct BodyReader {
    framing: Framing,
    limit: usize,
}

impl BodyReader {
    /// A reader for `resp`'s body, keeping at most `limit` bytes.
    pub(crate) fn new(resp: &mut Response, limit: usize) -> BodyReader {
        let framing = framing(resp).unwrap_or_else(|| {
            // RFC 9112 §6.3: an invalid Content-Length makes the framing
            // invalid; keep no body.
            resp.body_truncated = true;
            Framing::Done
        });
        let mut reader = BodyReader { framing, limit };
        reader.settle(resp);
        reader
    }

    /// Whether the body is complete (or cut at the limit).
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.framing, Framing::Done)
    }

    /// Takes body bytes. Returns whether the body is now complete.
    pub(crate) fn feed(&mut self, resp: &mut Response, mut input: &[u8]) -> bool {
        while !input.is_empty() && !self.is_done() {
            let used = match &mut self.framing {
                Framing::Done => break,
                Framing::UntilEof => keep(resp, input, self.limit),
                Framing::Length(left) => {
                    let n = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    *left -= n as u64;
                    keep(resp, &input[..n], self.limit)
                }
                Framing::Chunked(chunk) => match chunked(chunk, resp, input, self.limit) {
                    Some(used) => used,
                    None => {
                        resp.body_truncated = true;
                        self.framing = Framing::Done;
                        break;
                    }
                },
            };
            input = &input[used..];
            self.settle(resp);
        }
        self.is_done()
    }

    /// The transport ended: whatever came is the body.
    pub(crate) fn eof(&mut self, resp: &mut Response) {
        if !matches!(self.framing, Framing::UntilEof | Framing::Done) {
            resp.body_truncated = true;
        }
        self.framing = Framing::Done;
    }

    /// Moves to Done when the body is complete, or when a byte past the
    /// limit arrived (then more of the body is certain and not kept).
    fn settle(&mut self, resp: &Response) {
        if matches!(
            self.framing,
            Framing::Length(0) | Framing::Chunked(Chunk::End)
        ) || resp.body_truncated
        {
            self.framing = Framing::Done;
        }
    }
}

/// How the body of `resp` is delimited; `None` for an invalid
/// `Content-Length`.
fn framing(resp: &Response) -> Option<Framing> {
    let h = resp.headers();
    let status = resp.status();
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Some(Framing::Done);
    }
    if let Some(last) = h.list("Transfer-Encoding").last() {
        return Some(if last.eq_ignore_ascii_case(b"chunked") {
            Framing::Chunked(Chunk::Size(Vec::new()))
        } else {
            Framing::UntilEof
        });
    }
    let mut lengths = h.list("Content-Length").map(parse_decimal);
    match lengths.next() {
        None => Some(Framing::UntilEof),
        Some(Some(first)) if lengths.all(|l| l == Some(first)) => Some(Framing::Length(first)),
        Some(_) => None,
    }
}

/// Appends what fits under the limit; all of `data` counts as used.
fn keep(resp: &mut Response, data: &[u8], limit: usize) -> usize {
    let room = limit.saturating_sub(resp.body.len());
    resp.body.extend_from_slice(&data[..data.len().min(room)]);
    if data.len() > room {
        resp.body_truncated = true;
    }
    data.len()
}

/// One step of chunked decoding. Returns the bytes used, or `None` when the
/// framing is broken.
fn chunked(chunk: &mut Chunk, resp: &mut Response, input: &[u8], limit: usize) -> Option<usize> {
    match chunk {
        Chunk::Size(line) => {
            let Some(end) = input.iter().position(|&b| b == b'\n') else {
                line.extend_from_slice(input);
                return (line.len() <= MAX_CHUNK_LINE).then_some(input.len());
            };
            line.extend_from_slice(&input[..end]);
            // chunk-size [ chunk-ext ] CRLF; extensions are ignored.
            let size = line
                .split(|&b| b == b';')
                .next()
                .unwrap_or_default()
                .trim_ascii();
            let size = parse_hex(size)?;
            *chunk = if size == 0 {
                Chunk::Trailer { bytes: 0 }
            } else {
                Chunk::Data(size)
            };
            Some(end + 1)
        }
        Chunk::Data(left) => {
            let n = usize::try_from(*left)
                .unwrap_or(usize::MAX)
                .min(input.len());
            *left -= n as u64;
            if *left == 0 {
                *chunk = Chunk::DataEnd;
            }
            Some(keep(resp, &input[..n], limit))
        }
        Chunk::DataEnd => match input.first() {
            Some(b'\r') => Some(1),
            Some(b'\n') => {
                *chunk = Chunk::Size(Vec::new());
                Some(1)
            }
            _ => None,
        },
        Chunk::End => Some(0),
        Chunk::Trailer { bytes } => {
            for (i, &b) in input.iter().enumerate() {
                match b {
                    b'\n' if *bytes == 0 => {
                        *chunk = Chunk::End;
                        return Some(i + 1);
                    }
                    b'\n' => *bytes = 0,
                    b'\r' => {}
                    _ => *bytes += 1,
                }
            }
            Some(input.len())
        }
    }
}

fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
}

fn parse_hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 15 {
        return None;
    }
    s.iter().try_fold(0u64, |n, &d| {
        Some(n * 16 + u64::from(char::from(d).to_digit(16)?))
    })
}

#[cfg(test)]
mod tests {
    use super::super::response::parse;
    use super::*;
    use alloc::string::String;

    /// Reads a refusal's body from `input` (head included); `eof` ends the
    /// transport afterwards. Returns the body, whether it is truncated, and
    /// whether it completed before the end of the transport.
    fn body(input: &[u8], limit: usize, eof: bool) -> Option<(Vec<u8>, bool, bool)> {
        let end = input.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let mut resp = parse(input[..end].to_vec(), 16).ok()?;
        let mut reader = BodyReader::new(&mut resp, limit);
        let done = reader.feed(&mut resp, &input[end..]);
        if eof {
            reader.eof(&mut resp);
        }
        Some((resp.body().to_vec(), resp.body_truncated(), done))
    }

    /// (input, end the transport after it, (body, truncated, complete)).
    type Case = (&'static [u8], bool, (&'static [u8], bool, bool));

    #[test]
    fn framing() {
        let cases: &[Case] = &[
            (b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabcdef", false, (b"abc", false, true)),
            (b"HTTP/1.1 204 No Content\r\n\r\nabc", false, (b"", false, true)),
            (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, (b"", false, true)),
            (b"HTTP/1.1 400 X\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", false, (b"ab", false, true)),
            (b"HTTP/1.1 400 X\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab", false, (b"", true, true)),
            (b"HTTP/1.1 400 X\r\nContent-Length: -1\r\n\r\nab", false, (b"", true, true)),
            (b"HTTP/1.1 400 X\r\nTransfer-Encoding: gzip\r\n\r\nab", true, (b"ab", false, false)),
            (
                b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nA; ext=1\r\n0123456789\r\n0\r\nX: y\r\n\r\nleft",
                false,
                (b"ab0123456789", false, true),
            ),
            (b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab", false, (b"", true, true)),
            (b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", false, (b"ab", true, true)),
            (b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true, (b"ab", true, false)),
            (b"HTTP/1.1 500 X\r\nContent-Length: 100\r\n\r\n0123456789", false, (b"01234", true, true)),
            (b"HTTP/1.1 500 X\r\n\r\n0123456789", false, (b"01234", true, true)),
        ];
        for (input, eof, (want, truncated, done)) in cases {
            assert_eq!(
                body(input, 5.max(want.len()), *eof),
                Some((want.to_vec(), *truncated, *done)),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
