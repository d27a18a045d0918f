//! The handshake request: parsed and checked by a server (RFC 6455 §4.2.1),
//! written by a client (§4.1).

use alloc::string::String;
use alloc::vec::Vec;

use super::error::RequestErrorKind;
use super::extensions::{format_extensions, parse_extensions_into, Extension, ExtensionParseError};
use super::headers::{
    check_field, is_token, list_elements, span_in, with_field_table, write_field, write_negotiated,
    Headers,
};
use super::key::is_valid_key;
use super::origin::origin_allowed;
use super::target::Target;
use crate::usage_error::UsageError;

/// An HTTP request as a server received it: the request line and every
/// header field.
#[derive(Clone)]
pub struct Request {
    /// Where the method and the target lie in the header block.
    method: (usize, usize),
    target: (usize, usize),
    version: u8,
    headers: Headers,
}

impl PartialEq for Request {
    fn eq(&self, other: &Request) -> bool {
        self.method() == other.method()
            && self.target() == other.target()
            && self.version == other.version
            && self.headers == other.headers
    }
}

impl Eq for Request {}

impl core::fmt::Debug for Request {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method())
            .field("target", &self.target())
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

impl Request {
    /// Gives the request the header block its ranges point into.
    pub(crate) fn with_head(mut self, head: Vec<u8>) -> Request {
        self.headers = self.headers.with_head(head);
        self
    }

    /// The method (`GET`).
    pub fn method(&self) -> &str {
        self.headers.text(self.method)
    }

    /// The request-target as sent: usually path and query (`/chat?room=1`),
    /// possibly an absolute URI.
    pub fn target(&self) -> &str {
        self.headers.text(self.target)
    }

    /// The path of the request-target, without the query; for an absolute
    /// URI (`http://host/chat`), the path in it. `/` when empty.
    pub fn path(&self) -> &str {
        let resource = self.resource();
        let path = resource.split_once('?').map_or(resource, |(p, _)| p);
        if path.is_empty() {
            "/"
        } else {
            path
        }
    }

    /// The query of the request-target, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.resource().split_once('?').map(|(_, q)| q)
    }

    /// The request-target without the scheme and authority of an absolute URI.
    fn resource(&self) -> &str {
        let t = self.target();
        match t.split_once("://") {
            Some((scheme, rest))
                if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                &rest[rest.find(['/', '?']).unwrap_or(rest.len())..]
            }
            _ => t,
        }
    }

    /// The HTTP minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Every header field.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The `Host` header field.
    pub fn host(&self) -> Option<&str> {
        self.headers.get_str("Host")
    }

    /// The `Origin` header field: the site whose page opened the connection.
    /// Browsers always send it; other clients usually do not.
    pub fn origin(&self) -> Option<&str> {
        self.headers.get_str("Origin")
    }

    /// Whether the request carries an `Origin` that is one of `allowed`
    /// (serializations such as `"https://example.com"` or
    /// `"http://localhost:8080"`).
    ///
    /// The comparison is exact on scheme, host and port, with schemes and
    /// hosts ASCII case-insensitive and a default port equal to no port; a
    /// path, a trailing slash or the origin `null` never match. A request
    /// without `Origin` is not allowed: it does not come from a browser, so
    /// a server that also serves non-browser clients checks
    /// [`origin`](Self::origin)`.is_none()` first, and authenticates those
    /// clients another way.
    ///
    /// This is the defence against Cross-Site WebSocket Hijacking: without it
    /// any web page can open a WebSocket to the server with the visitor's
    /// cookies. Refuse a request that fails it with 403.
    pub fn origin_allowed(&self, allowed: &[&str]) -> bool {
        self.origin().is_some_and(|o| origin_allowed(o, allowed))
    }
}

/// Parses a complete header block, which the request keeps.
pub(crate) fn parse(head: Vec<u8>, max_headers: usize) -> Result<Request, RequestErrorKind> {
    match parse_prefix(&head, max_headers)? {
        Some((request, _)) => Ok(request.with_head(head)),
        None => Err(RequestErrorKind::Malformed),
    }
}

/// Parses the header block at the start of `buf`: the request (without its
/// header block; give it one with [`Request::with_head`]) and the block's
/// length. `None` when `buf` does not hold the whole block.
pub(crate) fn parse_prefix(
    buf: &[u8],
    max_headers: usize,
) -> Result<Option<(Request, usize)>, RequestErrorKind> {
    with_field_table(max_headers, |fields| {
        let mut req = httparse::Request::new(fields);
        // httparse refuses obsolete line folding in requests (RFC 9112 §5.2: a
        // server "MUST either reject the message by sending a 400 (Bad Request)
        // ... or replace each received obs-fold with one or more SP").
        let len = match req.parse(buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(RequestErrorKind::TooManyHeaders),
            Err(_) => return Err(RequestErrorKind::Malformed),
        };
        let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version)
        else {
            return Err(RequestErrorKind::Malformed);
        };
        let (Some(method), Some(target)) = (
            span_in(buf, method.as_bytes()),
            span_in(buf, target.as_bytes()),
        ) else {
            return Err(RequestErrorKind::Malformed);
        };
        let headers =
            Headers::from_httparse(buf, req.headers).ok_or(RequestErrorKind::Malformed)?;
        let request = Request {
            method,
            target,
            version,
            headers,
        };
        Ok(Some((request, len)))
    })
}

/// What a valid upgrade request offers.
pub(crate) struct Offer {
    /// The key: 24 base64 characters.
    pub(crate) key: [u8; 24],
    pub(crate) subprotocols: Vec<String>,
    pub(crate) extensions: Vec<Extension>,
}

/// Checks a request against RFC 6455 §4.2.1, in the RFC's order except that
/// the version comes before the key; the first failure wins.
///
/// RFC 6455 §4.2.1: "If the server, while reading the handshake, finds that
/// the client did not send a handshake that matches the description below
/// ..., the server MUST stop processing the client's handshake and return an
/// HTTP response with an appropriate error code (such as 400 Bad Request)."
pub(crate) fn validate(req: &Request) -> Result<Offer, RequestErrorKind> {
    let f = Fields::gather(&req.headers);
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
    if req.version < 1 {
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
    let extensions = f.extensions.map_err(RequestErrorKind::InvalidExtensions)?;
    Ok(Offer {
        key,
        subprotocols: f.subprotocols,
        extensions,
    })
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
    /// The offered extensions, or the first field's parse error.
    extensions: Result<Vec<Extension>, ExtensionParseError>,
}

impl<'a> Fields<'a> {
    fn gather(h: &'a Headers) -> Fields<'a> {
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
            extensions: Ok(Vec::new()),
        };
        let has = |v: &[u8], token: &[u8]| list_elements(v).any(|e| e.eq_ignore_ascii_case(token));
        for (name, value) in h.raw() {
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
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
                    if let Ok(list) = &mut f.extensions {
                        if let Err(e) = parse_extensions_into(value, list) {
                            f.extensions = Err(e);
                        }
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

/// Writes a client's opening handshake (RFC 6455 §4.1).
pub(crate) fn write(
    out: &mut Vec<u8>,
    target: &Target,
    key: &str,
    subprotocols: &[String],
    extensions: &[Extension],
    extra: &[(String, String)],
) -> Result<(), UsageError> {
    check_subprotocols(subprotocols)?;
    let extensions = format_extensions(extensions)?;
    for (name, value) in extra {
        check_field(name, value, CLIENT_RESERVED)?;
    }
    // "The method of the request MUST be GET, and the HTTP version MUST be at
    // least 1.1."
    out.extend_from_slice(b"GET ");
    out.extend_from_slice(target.resource().as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_field(out, "Host", target.host_header().as_bytes());
    write_field(out, "Upgrade", b"websocket");
    write_field(out, "Connection", b"Upgrade");
    write_field(out, "Sec-WebSocket-Key", key.as_bytes());
    write_field(out, "Sec-WebSocket-Version", b"13");
    write_negotiated(out, &subprotocols.join(", "), &extensions, extra);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Result<Request, RequestErrorKind> {
        parse(text.as_bytes().to_vec(), 64)
    }

    #[test]
    fn path_and_query() -> Result<(), RequestErrorKind> {
        let cases = [
            ("/chat?room=1&x", "/chat", Some("room=1&x")),
            ("/", "/", None),
            ("/a?", "/a", Some("")),
            ("http://example.com/chat?q", "/chat", Some("q")),
            ("ws://example.com", "/", None),
            ("*", "*", None),
        ];
        for (target, path, query) in cases {
            let r = req(&alloc::format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n"))?;
            assert_eq!((r.target(), r.path(), r.query()), (target, path, query));
        }
        Ok(())
    }

    #[test]
    fn obsolete_line_folding_is_refused() {
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n"),
            Err(RequestErrorKind::Malformed)
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n\ttwo\r\n\r\n"),
            Err(RequestErrorKind::Malformed)
        );
    }

    #[test]
    fn values_are_trimmed() -> Result<(), RequestErrorKind> {
        let r = req("GET / HTTP/1.1\r\nHost:   a.example \t\r\n\r\n")?;
        assert_eq!(r.host(), Some("a.example"));
        Ok(())
    }

    #[test]
    fn too_many_headers() {
        let mut text = String::from("GET / HTTP/1.1\r\n");
        for i in 0..65 {
            text.push_str(&alloc::format!("X-{i}: v\r\n"));
        }
        text.push_str("\r\n");
        assert_eq!(req(&text), Err(RequestErrorKind::TooManyHeaders));
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
