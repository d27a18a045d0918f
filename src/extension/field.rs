//! The `Sec-WebSocket-Extensions` header field value (RFC 6455 §9.1).
//!
//! An extension offer or answer is a name and a list of parameters, each a
//! name with an optional value. This module knows no extension in
//! particular: permessage-deflate (RFC 7692) and others are built on
//! [`Extension`] by reading and writing their own parameters.
//!
//! The grammar (RFC 6455 §9.1, with the "implied *LWS rule" of RFC 2616,
//! that is optional whitespace around the separators):
//!
//! ```text
//! extension-list = 1#extension
//! extension      = extension-token *( ";" extension-param )
//! extension-token = registered-token
//! registered-token = token
//! extension-param = token [ "=" (token | quoted-string) ]
//!     ; When using the quoted-string syntax variant, the value
//!     ; after quoted-string unescaping MUST conform to the
//!     ; 'token' ABNF.
//! ```
//!
//! [`parse_extensions`] is a pure function over bytes, suitable for a fuzz
//! target; [`format_extensions`] writes a list back, and parsing what it
//! writes gives the same list.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::http1::{is_tchar, is_token};
use crate::usage_error::UsageError;

/// One parameter of an extension: `name` or `name=value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionParam {
    name: String,
    value: Option<String>,
}

impl ExtensionParam {
    /// A parameter with a value (`client_max_window_bits=10`) or without
    /// (`server_no_context_takeover`).
    pub fn new(name: impl Into<String>, value: Option<String>) -> Self {
        ExtensionParam {
            name: name.into(),
            value,
        }
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's value, unquoted; `None` for a parameter without one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// An extension as offered by a client or accepted by a server: a name and
/// its parameters, in order.
///
/// ```
/// use wsmachine::extension::Extension;
/// let offer = Extension::new("permessage-deflate").flag("client_max_window_bits");
/// let answer = Extension::new("permessage-deflate").param("server_max_window_bits", "10");
/// assert_eq!(answer.param_value("server_max_window_bits"), Some(Some("10")));
/// assert_eq!(offer.param_value("client_max_window_bits"), Some(None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    name: String,
    params: Vec<ExtensionParam>,
}

impl Extension {
    /// An extension with no parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Extension {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter with a value.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params
            .push(ExtensionParam::new(name, Some(value.into())));
        self
    }

    /// Adds a parameter without a value.
    #[must_use]
    pub fn flag(mut self, name: impl Into<String>) -> Self {
        self.params.push(ExtensionParam::new(name, None));
        self
    }

    /// The extension's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters, in order; a name may repeat.
    pub fn params(&self) -> &[ExtensionParam] {
        &self.params
    }

    /// The first parameter called `name` (ASCII case-insensitive): `None` when
    /// absent, `Some(None)` when present without a value.
    pub fn param_value(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(ExtensionParam::value)
    }

    /// Whether the name and every parameter are tokens, so that the extension
    /// can be written.
    pub fn is_valid(&self) -> bool {
        is_token(self.name.as_bytes())
            && self.params.iter().all(|p| {
                is_token(p.name.as_bytes())
                    && p.value.as_ref().map_or(true, |v| is_token(v.as_bytes()))
            })
    }
}

/// Where and why a `Sec-WebSocket-Extensions` value failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionParseError {
    /// A token (extension or parameter name, or value) was expected at this
    /// byte offset.
    ExpectedToken(usize),
    /// A byte that no rule allows here.
    Unexpected(usize),
    /// A quoted string that never ends, or holds a byte it may not.
    BadQuotedString(usize),
    /// A quoted value that is not a token once unquoted (the grammar's MUST).
    QuotedNotToken(usize),
}

impl ExtensionParseError {
    /// The byte offset in the field value where parsing stopped.
    pub fn offset(&self) -> usize {
        match *self {
            Self::ExpectedToken(at)
            | Self::Unexpected(at)
            | Self::BadQuotedString(at)
            | Self::QuotedNotToken(at) => at,
        }
    }
}

impl fmt::Display for ExtensionParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Self::ExpectedToken(_) => "expected a token",
            Self::Unexpected(_) => "unexpected byte",
            Self::BadQuotedString(_) => "bad quoted string",
            Self::QuotedNotToken(_) => "quoted value is not a token",
        };
        write!(
            f,
            "Sec-WebSocket-Extensions: {what} at byte {}",
            self.offset()
        )
    }
}

impl core::error::Error for ExtensionParseError {}

/// Parses one `Sec-WebSocket-Extensions` field value into its extensions, in
/// order. Empty list elements (`a, , b`) are skipped, as RFC 9110 §5.6.1
/// requires of a recipient, so an empty value gives an empty list.
///
/// ```
/// use wsmachine::extension::parse_extensions;
/// let exts = parse_extensions(b"permessage-deflate; client_max_window_bits, x-foo; a=\"1\"").unwrap();
/// assert_eq!(exts.len(), 2);
/// assert_eq!(exts[0].param_value("client_max_window_bits"), Some(None));
/// assert_eq!(exts[1].param_value("a"), Some(Some("1")));
/// ```
pub fn parse_extensions(value: &[u8]) -> Result<Vec<Extension>, ExtensionParseError> {
    let mut out = Vec::new();
    parse_extensions_into(value, &mut out)?;
    Ok(out)
}

/// Parses one field value and appends its extensions to `out` (the header
/// field may be repeated; RFC 6455 §9.1: "this header field MAY be split or
/// combined across multiple lines"). On an error, `out` may hold part of
/// the value.
pub(crate) fn parse_extensions_into(
    value: &[u8],
    out: &mut Vec<Extension>,
) -> Result<(), ExtensionParseError> {
    visit_extensions(value, |piece| match piece {
        Piece::Name(name) => out.push(Extension::new(ascii(name))),
        Piece::Param(name, value) => {
            if let Some(ext) = out.last_mut() {
                ext.params.push(ExtensionParam {
                    name: String::from(ascii(name)),
                    value: value.map(Value::unquoted),
                });
            }
        }
    })
}

/// Checks one field value against the grammar, building nothing: a server
/// that declines every extension never pays for the parsed offer.
pub(crate) fn check_extensions(value: &[u8]) -> Result<(), ExtensionParseError> {
    visit_extensions(value, |_| {})
}

/// The text of a token (tokens are ASCII).
fn ascii(token: &[u8]) -> &str {
    core::str::from_utf8(token).unwrap_or_default()
}

/// Whether one field value (checked already) offers an extension called
/// `name` (ASCII case-insensitive), found without building the list.
pub(crate) fn offers_name(value: &[u8], name: &str) -> bool {
    let mut found = false;
    let _ = visit_extensions(value, |piece| {
        if let Piece::Name(offered) = piece {
            found |= offered.eq_ignore_ascii_case(name.as_bytes());
        }
    });
    found
}

/// A piece of an extension list, in the order the parser meets it, as it
/// lies in the field.
enum Piece<'a> {
    /// An extension's name: a new extension starts.
    Name(&'a [u8]),
    /// A parameter of the extension named last, with its value.
    Param(&'a [u8], Option<Value<'a>>),
}

/// A parameter's value as it lies in the field.
#[derive(Clone, Copy)]
enum Value<'a> {
    Token(&'a [u8]),
    /// The inside of a quoted string, whose unescaped form is a token.
    Quoted(&'a [u8]),
}

impl Value<'_> {
    /// The value without quotes and escapes.
    fn unquoted(self) -> String {
        match self {
            Value::Token(token) => String::from(ascii(token)),
            // Unescaped, the inside is a token, and a token has no
            // backslash: every backslash starts a quoted-pair.
            Value::Quoted(inside) => ascii(inside).chars().filter(|&c| c != '\\').collect(),
        }
    }
}

/// Walks one field value, giving each piece to `visit`; the one parser
/// behind [`parse_extensions_into`] and [`check_extensions`].
fn visit_extensions<'a>(
    value: &'a [u8],
    mut visit: impl FnMut(Piece<'a>),
) -> Result<(), ExtensionParseError> {
    let mut p = Cursor { s: value, at: 0 };
    loop {
        p.skip_ows();
        match p.peek() {
            None => return Ok(()),
            Some(b',') => {
                p.at += 1;
                continue;
            }
            Some(_) => {}
        }
        visit(Piece::Name(p.token()?));
        loop {
            p.skip_ows();
            if p.peek() != Some(b';') {
                break;
            }
            p.at += 1;
            p.skip_ows();
            let name = p.token()?;
            p.skip_ows();
            let value = if p.peek() == Some(b'=') {
                p.at += 1;
                p.skip_ows();
                Some(p.value()?)
            } else {
                None
            };
            visit(Piece::Param(name, value));
        }
        match p.peek() {
            None => return Ok(()),
            Some(b',') => p.at += 1,
            Some(_) => return Err(ExtensionParseError::Unexpected(p.at)),
        }
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.s.get(start..end).unwrap_or_default()
    }

    fn token(&mut self) -> Result<&'a [u8], ExtensionParseError> {
        let start = self.at;
        let rest = self.s.get(start..).unwrap_or_default();
        self.at += rest.iter().take_while(|&&b| is_tchar(b)).count();
        if self.at == start {
            return Err(ExtensionParseError::ExpectedToken(start));
        }
        Ok(self.slice(start, self.at))
    }

    fn value(&mut self) -> Result<Value<'a>, ExtensionParseError> {
        if self.peek() != Some(b'"') {
            return self.token().map(Value::Token);
        }
        let start = self.at;
        self.at += 1;
        let inside = self.at;
        // Whether every character, unescaped, is a tchar.
        let mut token = true;
        loop {
            match self.peek() {
                None => return Err(ExtensionParseError::BadQuotedString(start)),
                Some(b'"') => break,
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || b >= 0x20 && b != 0x7f => token &= is_tchar(b),
                        _ => return Err(ExtensionParseError::BadQuotedString(self.at)),
                    }
                    self.at += 1;
                }
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                Some(b) if b == b'\t' || b >= 0x20 && b != 0x7f => {
                    token &= is_tchar(b);
                    self.at += 1;
                }
                Some(_) => return Err(ExtensionParseError::BadQuotedString(self.at)),
            }
        }
        let end = self.at;
        self.at += 1;
        // "the value after quoted-string unescaping MUST conform to the
        // 'token' ABNF": not empty, tchars only.
        if !token || end == inside {
            return Err(ExtensionParseError::QuotedNotToken(start));
        }
        Ok(Value::Quoted(self.slice(inside, end)))
    }
}

/// Writes extensions as one `Sec-WebSocket-Extensions` value
/// (`a; x=1, b; y`). Fails if a name or a parameter is not a token.
pub fn format_extensions(extensions: &[Extension]) -> Result<String, UsageError> {
    let mut out = String::new();
    for (i, ext) in extensions.iter().enumerate() {
        if !ext.is_valid() {
            return Err(UsageError::InvalidExtension);
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&ext.name);
        for p in &ext.params {
            out.push_str("; ");
            out.push_str(&p.name);
            if let Some(v) = &p.value {
                out.push('=');
                out.push_str(v);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    macro_rules! ext_ok {
        ($($name:ident: $input:expr => [$($ext:expr),* $(,)?];)*) => {$(
            #[test]
            fn $name() {
                let expected: Vec<Extension> = alloc::vec![$($ext),*];
                assert_eq!(parse_extensions($input), Ok(expected));
                assert_eq!(check_extensions($input), Ok(()));
            }
        )*};
    }

    macro_rules! ext_err {
        ($($name:ident: $input:expr => $err:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(parse_extensions($input), Err($err));
                assert_eq!(check_extensions($input), Err($err));
            }
        )*};
    }

    ext_ok! {
        chromium: b"permessage-deflate; client_max_window_bits" =>
            [Extension::new("permessage-deflate").flag("client_max_window_bits")];
        several_offers: b"permessage-deflate; client_max_window_bits=10, permessage-deflate" => [
            Extension::new("permessage-deflate").param("client_max_window_bits", "10"),
            Extension::new("permessage-deflate"),
        ];
        quoted_value: b"x; a=\"15\"; b=\"t\\ok\"" => [Extension::new("x").param("a", "15").param("b", "tok")];
        whitespace_everywhere: b" \tfoo ;\tbar = 1 ; baz ,qux\t" =>
            [Extension::new("foo").param("bar", "1").flag("baz"), Extension::new("qux")];
        empty_elements: b", a,, ,b," => [Extension::new("a"), Extension::new("b")];
        empty_value: b"" => [];
    }

    ext_err! {
        missing_name: b"; a" => ExtensionParseError::ExpectedToken(0);
        missing_param_name: b"a; =1" => ExtensionParseError::ExpectedToken(3);
        missing_value: b"a; b=" => ExtensionParseError::ExpectedToken(5);
        junk_after_name: b"a b" => ExtensionParseError::Unexpected(2);
        separator_in_name: b"a/b" => ExtensionParseError::Unexpected(1);
        unterminated_quote: b"a; b=\"12" => ExtensionParseError::BadQuotedString(5);
        quoted_not_token: b"a; b=\"1 2\"" => ExtensionParseError::QuotedNotToken(5);
        empty_quoted: b"a; b=\"\"" => ExtensionParseError::QuotedNotToken(5);
        control_in_quote: b"a; b=\"\x01\"" => ExtensionParseError::BadQuotedString(6);
    }

    #[test]
    fn format_checks_tokens() {
        assert_eq!(
            format_extensions(&[Extension::new("a b")]),
            Err(UsageError::InvalidExtension)
        );
        assert_eq!(
            format_extensions(&[Extension::new("a").param("b", "")]),
            Err(UsageError::InvalidExtension)
        );
        assert_eq!(
            format_extensions(&[
                Extension::new("a").param("b", "1").flag("c"),
                Extension::new("d")
            ])
            .as_deref(),
            Ok("a; b=1; c, d")
        );
    }

    fn token() -> impl Strategy<Value = String> {
        "[!#$%&'*+.^_`|~0-9a-zA-Z-]{1,8}"
    }

    fn extension() -> impl Strategy<Value = Extension> {
        (
            token(),
            proptest::collection::vec((token(), proptest::option::of(token())), 0..4),
        )
            .prop_map(|(name, ps)| {
                let mut e = Extension::new(name);
                e.params = ps
                    .into_iter()
                    .map(|(n, v)| ExtensionParam::new(n, v))
                    .collect();
                e
            })
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(exts in proptest::collection::vec(extension(), 0..4)) {
            let text = format_extensions(&exts).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
            prop_assert_eq!(parse_extensions(text.as_bytes()), Ok(exts));
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_extensions(&input);
        }

        /// The check a server makes when it reads a request accepts and
        /// refuses what the parser does, at the same byte.
        #[test]
        fn the_check_agrees_with_the_parser(input in proptest::collection::vec(
            proptest::sample::select(&b"ab=;, \t\"\\\x01\x80"[..]), 0..24)
        ) {
            prop_assert_eq!(check_extensions(&input), parse_extensions(&input).map(|_| ()));
        }
    }
}
