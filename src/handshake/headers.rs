//! HTTP header fields: the parsed list, comma-separated lists in them, and
//! the checks on fields a caller adds.
//!
//! Field names compare ASCII case-insensitively (RFC 9110 §5.1: "Field names
//! are case-insensitive"); values are kept with surrounding whitespace
//! trimmed (§5.5: leading and trailing whitespace "is excluded by parsers
//! when extracting the field value").

use alloc::string::String;
use alloc::vec::Vec;

use super::error::UsageError;

/// The header fields of a request or a response, in the order they arrived,
/// repeated fields included.
///
/// Values are bytes: HTTP allows bytes outside ASCII in them.
/// [`get_str`](Self::get_str) gives a value as text when it is UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, Vec<u8>)>,
}

impl Headers {
    pub(crate) fn from_httparse(parsed: &[httparse::Header<'_>]) -> Headers {
        let fields = parsed
            .iter()
            .map(|h| (String::from(h.name), h.value.trim_ascii().to_vec()))
            .collect();
        Headers { fields }
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
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The value of the first field called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The value of the first field called `name`, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The values of every field called `name` (any case), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// How many fields are called `name`.
    pub fn count(&self, name: &str) -> usize {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The elements of a comma-separated list spread over every field called
    /// `name` (RFC 9110 §5.6.1), trimmed, empty elements skipped. For lists of
    /// tokens such as `Connection` or `Sec-WebSocket-Protocol`; it does not
    /// know about quoted strings.
    pub fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|e| !e.is_empty())
    }

    /// Whether the list in the fields called `name` has `token`, compared
    /// ASCII case-insensitively (as for `Connection: keep-alive, Upgrade`).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }
}

/// `tchar` of RFC 9110 §5.6.2.
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

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

/// Appends `name: value\r\n`.
pub(crate) fn write_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.trim_ascii());
    out.extend_from_slice(b"\r\n");
}

/// Writes the negotiated fields both handshake messages end with, then the
/// blank line that ends the header block.
pub(crate) fn write_negotiated(
    out: &mut Vec<u8>,
    subprotocols: &str,
    extensions: &str,
    extra: &[(alloc::string::String, alloc::string::String)],
) {
    if !subprotocols.is_empty() {
        write_field(out, "Sec-WebSocket-Protocol", subprotocols.as_bytes());
    }
    if !extensions.is_empty() {
        write_field(out, "Sec-WebSocket-Extensions", extensions.as_bytes());
    }
    for (name, value) in extra {
        write_field(out, name, value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &str)]) -> Headers {
        Headers {
            fields: fields
                .iter()
                .map(|(n, v)| (String::from(*n), v.as_bytes().to_vec()))
                .collect(),
        }
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
