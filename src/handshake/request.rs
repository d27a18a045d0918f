//! The opening handshake's request under the WebSocket rules: the checks a
//! server makes (RFC 6455 §4.2.1) and the request a client writes (§4.1).
//! The HTTP request itself is parsed in [`crate::http1`].

use alloc::string::String;
use alloc::vec::Vec;

use super::error::RequestErrorKind;
use super::key::is_valid_key;
use super::negotiate::Offer;
use super::target::Target;
use super::view::RequestView;
use crate::extension::{check_extensions, format_extensions, ExtensionParseError};
use crate::http1::{check_field_for, is_token, list_elements, write_field};
use crate::usage_error::UsageError;

/// Checks a request against RFC 6455 §4.2.1, in the RFC's order except that
/// the version comes before the key; the first failure wins. A valid request
/// gives its key (24 base64 characters) and what it offers.
///
/// RFC 6455 §4.2.1: "If the server, while reading the handshake, finds that
/// the client did not send a handshake that matches the description below
/// ..., the server MUST stop processing the client's handshake and return an
/// HTTP response with an appropriate error code (such as 400 Bad Request)."
///
/// The extension offer is checked, not kept: [`offered_extensions`] parses
/// it when it is asked for.
///
/// [`offered_extensions`]: super::negotiate::offered_extensions
pub(crate) fn validate(
    req: &impl RequestView,
) -> Result<([u8; 24], Vec<String>), RequestErrorKind> {
    let f = Fields::gather(req.fields());
    // Only a request that shows no sign of a WebSocket opening is plain HTTP,
    // which the caller may want to answer itself. One with a sign is a
    // handshake, and when it does not match the list below the server "MUST
    // ... return an HTTP response with an appropriate error code": its own
    // status, never the caller's page.
    if !f.websocket_sign() {
        return Err(RequestErrorKind::NotUpgrade);
    }
    // "1. An HTTP/1.1 or higher GET request"
    if req.method() != "GET" {
        return Err(RequestErrorKind::MethodNotAllowed);
    }
    if req.version() < (1, 1) {
        return Err(RequestErrorKind::HttpVersion);
    }
    // "2. A |Host| header field containing the server's authority." RFC 9112
    // §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any
    // request message that contains more than one Host header field line".
    if f.host != 1 {
        return Err(RequestErrorKind::InvalidHost);
    }
    // "3. An |Upgrade| header field containing the value "websocket", treated
    // as an ASCII case-insensitive value."
    if !f.upgrade_websocket {
        return Err(RequestErrorKind::UpgradeNotWebSocket);
    }
    // "4. A |Connection| header field that includes the token "Upgrade",
    // treated as an ASCII case-insensitive value."
    if !f.connection_upgrade {
        return Err(RequestErrorKind::ConnectionNotUpgrade);
    }
    let key = check_version_and_key(&f)?;
    Ok((key, check_offer(f)?))
}

/// Checks an extended CONNECT that opens a WebSocket over HTTP/2 (RFC 8441
/// §4–5) or HTTP/3 (RFC 9220), with the same rules as [`validate`] where
/// they apply: no `Upgrade`, `Connection` or key (the stream is the
/// WebSocket), the same version, subprotocols and extensions.
#[cfg(feature = "http")]
pub(crate) fn validate_connect(req: &impl RequestView) -> Result<Vec<String>, RequestErrorKind> {
    let f = Fields::gather(req.fields());
    let protocol = req.protocol();
    if protocol.is_none() && !f.websocket_sign() {
        return Err(RequestErrorKind::NotUpgrade);
    }
    // RFC 8441 §4: "A new pseudo-header field :protocol MAY be included on
    // request HEADERS indicating the desired protocol to be spoken on the
    // tunnel created by CONNECT."
    if req.method() != "CONNECT" {
        return Err(RequestErrorKind::MethodNotAllowed);
    }
    // §5: "The :protocol pseudo-header field MUST be included in the CONNECT
    // request, and it MUST have a value of "websocket"".
    match protocol {
        Some(p) if p.eq_ignore_ascii_case(b"websocket") => {}
        // Another protocol on the tunnel, and nothing of a WebSocket: not
        // ours to answer.
        Some(_) if !f.websocket_sign() => return Err(RequestErrorKind::NotUpgrade),
        _ => return Err(RequestErrorKind::UpgradeNotWebSocket),
    }
    // The authority is the `:authority` pseudo-header (RFC 9113 §8.5); a
    // view that has none reports it as a `Host` field.
    if f.host != 1 {
        return Err(RequestErrorKind::InvalidHost);
    }
    // RFC 8441 §5: the |Sec-WebSocket-Key| and |Sec-WebSocket-Accept| header
    // fields are not used; the version is, as in RFC 6455 §4.1.
    if f.versions != 1 || f.version != Some(b"13") {
        return Err(RequestErrorKind::UnsupportedVersion);
    }
    check_offer(f)
}

/// The checks both forms share after the version: no body, then what the
/// request offers. Gives the offered subprotocols.
fn check_offer(f: Fields<'_>) -> Result<Vec<String>, RequestErrorKind> {
    // A body would be read as WebSocket frames.
    if f.body {
        return Err(RequestErrorKind::UnexpectedBody);
    }
    // "8. Optionally, a |Sec-WebSocket-Protocol| header field, with a list of
    // values" (ABNF: 1#token).
    if !f.subprotocols_valid {
        return Err(RequestErrorKind::InvalidSubprotocols);
    }
    // "9. Optionally, a |Sec-WebSocket-Extensions| header field" (§9.1).
    f.extensions.map_err(RequestErrorKind::InvalidExtensions)?;
    Ok(f.subprotocols)
}

/// Checks the version, then the key, which it returns.
fn check_version_and_key(f: &Fields<'_>) -> Result<[u8; 24], RequestErrorKind> {
    // "6. A |Sec-WebSocket-Version| header field, with a value of 13." Checked
    // before the key: a client of another version may send another kind of
    // key, and the 426 answer tells it which version to use (§4.4).
    if f.versions != 1 || f.version != Some(b"13") {
        return Err(RequestErrorKind::UnsupportedVersion);
    }
    // "5. A |Sec-WebSocket-Key| header field with a base64-encoded ... value
    // that, when decoded, is 16 bytes in length." §11.3.1: it "MUST NOT appear
    // more than once in an HTTP request".
    let key = match (f.keys, f.key) {
        (1, Some(k)) if is_valid_key(k) => k,
        _ => return Err(RequestErrorKind::InvalidKey),
    };
    <[u8; 24]>::try_from(key).map_err(|_| RequestErrorKind::InvalidKey)
}

/// The fields §4.2.1 looks at, gathered in one pass over the header fields
/// (each name compared once, not once per rule).
struct Fields<'a> {
    /// An `Upgrade` field lists `websocket`.
    upgrade_websocket: bool,
    host: usize,
    /// A `Connection` field lists `Upgrade`.
    connection_upgrade: bool,
    /// `Sec-WebSocket-Version` fields and the first one's value.
    versions: usize,
    version: Option<&'a [u8]>,
    keys: usize,
    key: Option<&'a [u8]>,
    /// A `Sec-WebSocket-Protocol` or `Sec-WebSocket-Extensions` field, even
    /// an empty one.
    offer_fields: bool,
    /// A `Transfer-Encoding`, or a `Content-Length` other than 0.
    body: bool,
    subprotocols: Vec<String>,
    subprotocols_valid: bool,
    /// The first extension offer field's parse error, if any.
    extensions: Result<(), ExtensionParseError>,
}

impl<'a> Fields<'a> {
    fn gather(fields: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> Fields<'a> {
        let mut f = Fields {
            upgrade_websocket: false,
            host: 0,
            connection_upgrade: false,
            versions: 0,
            version: None,
            keys: 0,
            key: None,
            offer_fields: false,
            body: false,
            subprotocols: Vec::new(),
            subprotocols_valid: true,
            extensions: Ok(()),
        };
        // Values come trimmed, so a value without a comma is a list of one.
        let has = |v: &[u8], token: &[u8]| {
            is_word(v, token) || v.contains(&b',') && list_elements(v).any(|e| is_word(e, token))
        };
        for (name, value) in fields {
            // Names usually come in the RFC's case: an exact match first.
            let is = |n: &str| name == n.as_bytes() || name.eq_ignore_ascii_case(n.as_bytes());
            // The length picks the candidates; one comparison decides.
            match name.len() {
                4 if is("Host") => f.host += 1,
                7 if is("Upgrade") => f.upgrade_websocket |= has(value, b"websocket"),
                10 if is("Connection") => f.connection_upgrade |= has(value, b"upgrade"),
                14 if is("Content-Length") => f.body |= value != b"0",
                17 if is("Transfer-Encoding") => f.body = true,
                17 if is("Sec-WebSocket-Key") => {
                    f.keys += 1;
                    f.key = f.key.or(Some(value));
                }
                21 if is("Sec-WebSocket-Version") => {
                    f.versions += 1;
                    f.version = f.version.or(Some(value));
                }
                22 if is("Sec-WebSocket-Protocol") => {
                    f.offer_fields = true;
                    for p in list_elements(value) {
                        if !is_token(p) {
                            f.subprotocols_valid = false;
                        }
                        // A token is ASCII.
                        let p = core::str::from_utf8(p).unwrap_or_default();
                        f.subprotocols.push(String::from(p));
                    }
                }
                24 if is("Sec-WebSocket-Extensions") => {
                    f.offer_fields = true;
                    if f.extensions.is_ok() {
                        f.extensions = check_extensions(value);
                    }
                }
                _ => {}
            }
        }
        f
    }

    /// Whether the request shows a sign of a WebSocket opening: an `Upgrade`
    /// field listing `websocket`, or any of the request fields RFC 6455 §11.3
    /// defines (`Sec-WebSocket-Key`, `-Version`, `-Protocol`, `-Extensions`).
    fn websocket_sign(&self) -> bool {
        self.upgrade_websocket || self.keys > 0 || self.versions > 0 || self.offer_fields
    }
}

/// Whether `value` is `lower`, a word of lowercase ASCII letters (only
/// such words: the two tokens `Fields::gather` looks for), in any case. A
/// byte ORed with 0x20 equals a lowercase letter only when it is that
/// letter in either case, so the comparison is one OR per byte, with no
/// branch.
fn is_word(value: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower.iter().all(u8::is_ascii_lowercase));
    value.len() == lower.len()
        && value
            .iter()
            .zip(lower)
            .fold(0, |differ, (v, l)| differ | ((v | 0x20) ^ l))
            == 0
}

/// Header fields a client's caller may not add: the handshake writes them.
const CLIENT_RESERVED: &[&str] = &[
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Content-Length",
    "Transfer-Encoding",
];

/// Checks a client's subprotocol offer. RFC 6455 §4.1: "The elements that
/// comprise this value MUST be non-empty strings with characters in the range
/// U+0021 to U+007E not including separator characters ... and MUST all be
/// unique strings."
pub(crate) fn check_subprotocols(protocols: &[String]) -> Result<(), UsageError> {
    for (i, p) in protocols.iter().enumerate() {
        if !is_token(p.as_bytes()) || protocols[..i].contains(p) {
            return Err(UsageError::InvalidSubprotocol);
        }
    }
    Ok(())
}

/// The header fields of a client's opening handshake, in order, after
/// checking the caller's. `key`: the `Sec-WebSocket-Key` of an HTTP/1.1
/// upgrade; `None` for an extended CONNECT (RFC 8441 §5), which has no
/// `Host`, `Upgrade`, `Connection` or key (the authority is a
/// pseudo-header).
pub(crate) fn opening_fields<'a>(
    target: &Target,
    key: Option<&str>,
    offer: &Offer,
    extra: &'a [(String, String)],
) -> Result<Vec<(&'a str, String)>, UsageError> {
    check_subprotocols(&offer.subprotocols)?;
    let extensions = format_extensions(&offer.extensions)?;
    for (name, value) in extra {
        // Without a key: an extended CONNECT's message, over HTTP/2.
        check_field_for(name, value, CLIENT_RESERVED, key.is_none())?;
    }
    let mut fields = Vec::with_capacity(7 + extra.len());
    if let Some(key) = key {
        fields.push(("Host", target.host_header()));
        fields.push(("Upgrade", String::from("websocket")));
        fields.push(("Connection", String::from("Upgrade")));
        fields.push(("Sec-WebSocket-Key", String::from(key)));
    }
    fields.push(("Sec-WebSocket-Version", String::from("13")));
    let subprotocols = offer.subprotocols.join(", ");
    let negotiated = negotiated_fields(&subprotocols, &extensions, extra);
    fields.extend(negotiated.map(|(name, value)| (name, String::from(value))));
    Ok(fields)
}

/// Writes a client's opening handshake (RFC 6455 §4.1).
pub(crate) fn write(
    out: &mut Vec<u8>,
    target: &Target,
    key: &str,
    offer: &Offer,
    extra: &[(String, String)],
) -> Result<(), UsageError> {
    let fields = opening_fields(target, Some(key), offer, extra)?;
    // "The method of the request MUST be GET, and the HTTP version MUST be at
    // least 1.1."
    out.extend_from_slice(b"GET ");
    out.extend_from_slice(target.resource().as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_fields(
        out,
        fields.iter().map(|(name, value)| (*name, value.as_str())),
    );
    Ok(())
}

/// The negotiated fields both handshake messages end with: the
/// subprotocols, the extensions (each left out when empty), then the
/// caller's own fields. Borrowed: nothing is copied until written.
pub(crate) fn negotiated_fields<'v, 'a: 'v>(
    subprotocols: &'v str,
    extensions: &'v str,
    extra: &'a [(String, String)],
) -> impl Iterator<Item = (&'a str, &'v str)> + Clone {
    let subprotocols =
        (!subprotocols.is_empty()).then_some(("Sec-WebSocket-Protocol", subprotocols));
    let extensions = (!extensions.is_empty()).then_some(("Sec-WebSocket-Extensions", extensions));
    subprotocols.into_iter().chain(extensions).chain(
        extra
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
}

/// Writes header fields, then the blank line that ends the header block.
pub(crate) fn write_fields<'f>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = (&'f str, &'f str)>,
) {
    for (name, value) in fields {
        write_field(out, name, value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_in_any_case_and_nothing_else() {
        assert!(is_word(b"WebSocket", b"websocket"));
        assert!(is_word(b"UPGRADE", b"upgrade"));
        assert!(!is_word(b"upgrad", b"upgrade"));
        assert!(!is_word(b"upgradee", b"upgrade"));
        // Every byte against every letter: only its two cases match.
        for l in b'a'..=b'z' {
            for b in 0..=255u8 {
                let expected = b == l || b == l.to_ascii_uppercase();
                assert_eq!(is_word(&[b], &[l]), expected, "{b:#x} against {l:#x}");
            }
        }
    }

    #[test]
    fn subprotocol_offers() {
        let s = |v: &[&str]| v.iter().map(|p| String::from(*p)).collect::<Vec<_>>();
        assert_eq!(check_subprotocols(&s(&["chat", "v2.json"])), Ok(()));
        assert_eq!(
            check_subprotocols(&s(&["chat", "chat"])),
            Err(UsageError::InvalidSubprotocol)
        );
        assert_eq!(
            check_subprotocols(&s(&[""])),
            Err(UsageError::InvalidSubprotocol)
        );
        assert_eq!(
            check_subprotocols(&s(&["a b"])),
            Err(UsageError::InvalidSubprotocol)
        );
        assert_eq!(
            check_subprotocols(&s(&["a,b"])),
            Err(UsageError::InvalidSubprotocol)
        );
    }
}
