//! HTTP header fields: the parsed list, comma-separated lists in them,
//! tokens, and the checks on fields a caller adds.
//!
//! Field names compare ASCII case-insensitively (RFC 9110 §5.1: "Field names
//! are case-insensitive"); values are kept with surrounding whitespace
//! trimmed (§5.5: leading and trailing whitespace "is excluded by parsers
//! when extracting the field value").

use alloc::string::String;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use crate::usage_error::UsageError;

/// Where a field's name and value lie in the header block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    name: (usize, usize),
    value: (usize, usize),
}

/// The header fields of a request or a response, in the order they arrived,
/// repeated fields included.
///
/// Values are bytes: HTTP allows bytes outside ASCII in them.
/// [`get_str`](Self::get_str) gives a value as text when it is UTF-8.
///
/// The fields stay where they arrived: one buffer holds the header block,
/// and each field is a pair of ranges into it (two allocations in all, not
/// two per field).
#[derive(Clone, Default)]
pub struct Headers {
    /// The header block (for a request, with its request line).
    head: Vec<u8>,
    fields: Vec<Field>,
}

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl core::fmt::Debug for Headers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}

/// Header fields the parser's table holds on the stack (the default
/// [`max_headers`](crate::handshake::HandshakeConfig::max_headers) is 64).
const STACK_HEADERS: usize = 64;

/// Runs `parse` with a table for `max` parsed fields: on the stack unless
/// more are allowed.
pub(crate) fn with_field_table<'b, R>(
    max: usize,
    parse: impl FnOnce(&mut [httparse::Header<'b>]) -> R,
) -> R {
    let mut on_stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut on_heap = Vec::new();
    let fields = if max <= STACK_HEADERS {
        &mut on_stack[..max]
    } else {
        on_heap.resize(max, httparse::EMPTY_HEADER);
        &mut on_heap[..]
    };
    parse(fields)
}

/// [`with_field_table`] for a request, whose parser fills a table it is
/// given uninitialized: no 2 KiB of empty fields are written first (a tenth
/// of a server handshake's time).
pub(crate) fn with_uninit_field_table<'b, R>(
    max: usize,
    parse: impl FnOnce(&mut [MaybeUninit<httparse::Header<'b>>]) -> R,
) -> R {
    let mut on_stack = [MaybeUninit::<httparse::Header<'b>>::uninit(); STACK_HEADERS];
    let mut on_heap = Vec::new();
    let fields = if max <= STACK_HEADERS {
        &mut on_stack[..max]
    } else {
        on_heap.resize(max, MaybeUninit::uninit());
        &mut on_heap[..]
    };
    parse(fields)
}

/// Where `part`, a slice of `whole`, lies in it.
pub(crate) fn span_in(whole: &[u8], part: &[u8]) -> Option<(usize, usize)> {
    let span = offsets(whole, part);
    within(span, whole.len()).then_some(span)
}

/// `part`'s offsets from the start of `whole`, as if it lay in it; check
/// them with [`within`].
fn offsets(whole: &[u8], part: &[u8]) -> (usize, usize) {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    (start, start.wrapping_add(part.len()))
}

/// Whether [`offsets`] are those of a part that lies in a whole of `len`
/// bytes (start ≤ end ≤ `len`): a part outside gives a start past the end,
/// or an end that wrapped below its start.
fn within((start, end): (usize, usize), len: usize) -> bool {
    start <= end && end <= len
}

impl Headers {
    /// Where the fields httparse found in `head` lie; give the headers
    /// `head` itself with [`with_head`](Self::with_head). `None` if a field
    /// does not lie in `head` (never, for httparse). httparse trims the
    /// whitespace around values.
    pub(crate) fn from_httparse(head: &[u8], parsed: &[httparse::Header<'_>]) -> Option<Headers> {
        // The offsets first, then one check of them all.
        let fields: Vec<Field> = parsed
            .iter()
            .map(|h| Field {
                name: offsets(head, h.name.as_bytes()),
                value: offsets(head, h.value),
            })
            .collect();
        let len = head.len();
        fields
            .iter()
            .all(|f| within(f.name, len) && within(f.value, len))
            .then_some(Headers {
                head: Vec::new(),
                fields,
            })
    }

    /// Gives the headers the block their fields lie in.
    pub(crate) fn with_head(mut self, head: Vec<u8>) -> Headers {
        self.head = head;
        self
    }

    /// The bytes of `span` in the header block.
    pub(crate) fn bytes(&self, span: (usize, usize)) -> &[u8] {
        self.head.get(span.0..span.1).unwrap_or_default()
    }

    /// The text of `span`, which the parser found to be a token or UTF-8.
    pub(crate) fn text(&self, span: (usize, usize)) -> &str {
        core::str::from_utf8(self.bytes(span)).unwrap_or_default()
    }

    /// The fields called `name` (any case): only names are looked at until
    /// one matches.
    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| self.bytes(f.name).eq_ignore_ascii_case(name.as_bytes()))
    }

    /// How many fields there are, repeated ones counted each time.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Every field as (name, value), in order, names as they were sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields
            .iter()
            .map(|f| (self.text(f.name), self.bytes(f.value)))
    }

    /// The value of the first field called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let field = self
            .fields
            .iter()
            .find(|f| self.bytes(f.name).eq_ignore_ascii_case(name.as_bytes()))?;
        Some(self.bytes(field.value))
    }

    /// The value of the first field called `name`, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The values of every field called `name` (any case), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.named(name).map(|f| self.bytes(f.value))
    }

    /// How many fields are called `name`.
    pub fn count(&self, name: &str) -> usize {
        self.named(name).count()
    }

    /// Every field as (name, value) bytes, in order.
    pub(crate) fn raw(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields
            .iter()
            .map(|f| (self.bytes(f.name), self.bytes(f.value)))
    }

    /// The elements of a comma-separated list spread over every field called
    /// `name` (RFC 9110 §5.6.1), trimmed, empty elements skipped. For lists of
    /// tokens such as `Connection` or `Sec-WebSocket-Protocol`; it does not
    /// know about quoted strings.
    pub fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).flat_map(list_elements)
    }

    /// Whether the list in the fields called `name` has `token`, compared
    /// ASCII case-insensitively (as for `Connection: keep-alive, Upgrade`).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }
}

/// The elements of the comma-separated list in one field value, trimmed,
/// empty elements skipped.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|e| !e.is_empty())
}

/// `tchar` of RFC 9110 §5.6.2.
pub(crate) const fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// [`is_tchar`] as a table: one load per byte where tokens are scanned.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = matches!(i as u8,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z');
        i += 1;
    }
    t
};

/// A non-empty string of `tchar`s.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Checks a field a caller wants to send, and that the handshake does not
/// write it itself.
pub(crate) fn check_field(name: &str, value: &str, reserved: &[&str]) -> Result<(), UsageError> {
    if !is_token(name.as_bytes()) {
        return Err(UsageError::InvalidHeaderName);
    }
    // RFC 9110 §5.5: field values are visible characters, spaces, tabs and
    // obs-text; "a recipient of CR, LF, or NUL within a field value MUST
    // either reject the message or replace each of those characters with SP".
    // We never send them: a CR LF in a value would start a new header field.
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(UsageError::InvalidHeaderValue);
    }
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(UsageError::ReservedHeader);
    }
    Ok(())
}

/// Header fields HTTP/2 has no place for. RFC 9113 §8.2.2: "An endpoint
/// MUST NOT generate an HTTP/2 message containing connection-specific header
/// fields" (`Connection`, `Upgrade` and `Transfer-Encoding`, which the
/// handshakes reserve anyway, and these; `TE` may only be `trailers`, which a
/// WebSocket has no use for).
pub(crate) const CONNECTION_SPECIFIC: &[&str] = &["Keep-Alive", "Proxy-Connection", "TE"];

/// [`check_field`] for a message that may go over HTTP/2 (`http2`): a
/// connection-specific field is reserved there too.
pub(crate) fn check_field_for(
    name: &str,
    value: &str,
    reserved: &[&str],
    http2: bool,
) -> Result<(), UsageError> {
    check_field(name, value, reserved)?;
    if http2
        && CONNECTION_SPECIFIC
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(UsageError::ReservedHeader);
    }
    Ok(())
}

/// Appends `name: value\r\n`.
pub(crate) fn write_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.trim_ascii());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &str)]) -> Headers {
        let mut h = Headers::default();
        for (n, v) in fields {
            let at = h.head.len();
            h.head.extend_from_slice(n.as_bytes());
            h.head.extend_from_slice(v.as_bytes());
            h.fields.push(Field {
                name: (at, at + n.len()),
                value: (at + n.len(), at + n.len() + v.len()),
            });
        }
        h
    }

    #[test]
    fn names_are_case_insensitive_and_repeats_kept() {
        let h = headers(&[
            ("Connection", "keep-alive"),
            ("connection", "Upgrade"),
            ("X", "1"),
        ]);
        assert_eq!(h.get("CONNECTION"), Some(&b"keep-alive"[..]));
        assert_eq!(h.count("connection"), 2);
        assert!(h.has_token("Connection", "upgrade"));
        assert!(!h.has_token("X", "upgrade"));
    }

    #[test]
    fn lists_split_trim_and_skip_empty_elements() {
        let h = headers(&[("P", " a ,b,, c"), ("p", ","), ("P", "d")]);
        let items: Vec<&[u8]> = h.list("p").collect();
        assert_eq!(items, [&b"a"[..], b"b", b"c", b"d"]);
    }

    #[test]
    fn field_checks() {
        assert_eq!(check_field("X-Ok", "fine value\twith tab", &[]), Ok(()));
        assert_eq!(
            check_field("Bad Name", "v", &[]),
            Err(UsageError::InvalidHeaderName)
        );
        assert_eq!(
            check_field("", "v", &[]),
            Err(UsageError::InvalidHeaderName)
        );
        assert_eq!(
            check_field("X", "a\r\nInjected: 1", &[]),
            Err(UsageError::InvalidHeaderValue)
        );
        assert_eq!(
            check_field("X", "nul\0", &[]),
            Err(UsageError::InvalidHeaderValue)
        );
        assert_eq!(
            check_field("upgrade", "x", &["Upgrade"]),
            Err(UsageError::ReservedHeader)
        );
    }
}
