//! The handshake response: written by a server (RFC 6455 §4.2.2), parsed and
//! checked by a client (§4.1).

use alloc::string::String;
use alloc::vec::Vec;

use super::error::ResponseErrorKind;
use super::extensions::{format_extensions, parse_extensions_into, Extension};
use super::headers::{check_field, with_field_table, write_field, write_negotiated, Headers};
use super::key::accept_key;
use crate::usage_error::UsageError;

/// An HTTP response as a client received it.
///
/// A 101 response ends the handshake; any other status is handed over whole,
/// body included (up to
/// [`HandshakeConfig::max_body_size`](super::HandshakeConfig::max_body_size)),
/// in [`ResponseError::response`](super::ResponseError::response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    reason: String,
    version: u8,
    headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) body_truncated: bool,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (`Switching Protocols`), possibly empty.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The HTTP minor version: 1 for HTTP/1.1.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Every header field (`Set-Cookie`, `Location`, `WWW-Authenticate`...).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body of a refused handshake (empty for a 101).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the body is cut short: it was longer than
    /// [`HandshakeConfig::max_body_size`](super::HandshakeConfig::max_body_size),
    /// or the transport ended before all of it came.
    pub fn body_truncated(&self) -> bool {
        self.body_truncated
    }
}

/// Parses a complete header block. httparse refuses obsolete line folding in
/// responses unless told otherwise, and we do not tell it.
pub(crate) fn parse(head: Vec<u8>, max_headers: usize) -> Result<Response, ResponseErrorKind> {
    let (status, reason, version, headers) = with_field_table(max_headers, |fields| {
        let mut resp = httparse::Response::new(fields);
        match resp.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(ResponseErrorKind::TooManyHeaders),
            Ok(httparse::Status::Partial) | Err(_) => return Err(ResponseErrorKind::Malformed),
        }
        let (Some(version), Some(status)) = (resp.version, resp.code) else {
            return Err(ResponseErrorKind::Malformed);
        };
        let reason = String::from(resp.reason.unwrap_or(""));
        let headers =
            Headers::from_httparse(&head, resp.headers).ok_or(ResponseErrorKind::Malformed)?;
        Ok((status, reason, version, headers))
    })?;
    Ok(Response {
        status,
        reason,
        version,
        headers: headers.with_head(head),
        body: Vec::new(),
        body_truncated: false,
    })
}

/// What a valid 101 response agreed to.
pub(crate) struct Agreement {
    pub(crate) subprotocol: Option<String>,
    pub(crate) extensions: Vec<Extension>,
}

/// Checks a 101 response against our request (RFC 6455 §4.1, "The client
/// MUST validate the server's response as follows").
pub(crate) fn validate(
    resp: &Response,
    key: &str,
    offered_subprotocols: &[String],
    offered_extensions: &[Extension],
) -> Result<Agreement, ResponseErrorKind> {
    let h = &resp.headers;
    if resp.version != 1 {
        return Err(ResponseErrorKind::HttpVersion);
    }
    // "2. If the response lacks an |Upgrade| header field or the |Upgrade|
    // header field contains a value that is not an ASCII case-insensitive
    // match for the value "websocket", the client MUST _Fail the WebSocket
    // Connection_."
    let mut upgrades = h.get_all("Upgrade");
    match (upgrades.next(), upgrades.next()) {
        (Some(v), None) if v.eq_ignore_ascii_case(b"websocket") => {}
        _ => return Err(ResponseErrorKind::UpgradeNotWebSocket),
    }
    // "3. If the response lacks a |Connection| header field or the
    // |Connection| header field doesn't contain a token that is an ASCII
    // case-insensitive match for the value "Upgrade", the client MUST _Fail
    // the WebSocket Connection_."
    if !h.has_token("Connection", "upgrade") {
        return Err(ResponseErrorKind::ConnectionNotUpgrade);
    }
    // "4. If the response lacks a |Sec-WebSocket-Accept| header field or the
    // |Sec-WebSocket-Accept| contains a value other than the base64-encoded
    // SHA-1 of the concatenation of the |Sec-WebSocket-Key| ... with the
    // string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading
    // and trailing whitespace, the client MUST _Fail the WebSocket
    // Connection_." (Values are stored trimmed.)
    let mut accepts = h.get_all("Sec-WebSocket-Accept");
    match (accepts.next(), accepts.next()) {
        (Some(v), None) if v == accept_key(key).as_bytes() => {}
        _ => return Err(ResponseErrorKind::InvalidAccept),
    }
    // "5. If the response includes a |Sec-WebSocket-Extensions| header field
    // and this header field indicates the use of an extension that was not
    // present in the client's handshake ..., the client MUST _Fail the
    // WebSocket Connection_."
    let mut extensions = Vec::new();
    for v in h.get_all("Sec-WebSocket-Extensions") {
        parse_extensions_into(v, &mut extensions).map_err(ResponseErrorKind::InvalidExtensions)?;
    }
    if !extensions.iter().all(|e| {
        offered_extensions
            .iter()
            .any(|o| o.name().eq_ignore_ascii_case(e.name()))
    }) {
        return Err(ResponseErrorKind::ExtensionNotOffered);
    }
    // "6. If the response includes a |Sec-WebSocket-Protocol| header field and
    // this header field indicates the use of a subprotocol that was not
    // present in the client's handshake ..., the client MUST _Fail the
    // WebSocket Connection_." The server sends a single token (§4.3).
    let mut protocols = h.get_all("Sec-WebSocket-Protocol");
    let subprotocol = match (protocols.next(), protocols.next()) {
        (None, _) => None,
        (Some(v), None) => match offered_subprotocols.iter().find(|o| o.as_bytes() == v) {
            Some(p) => Some(p.clone()),
            None => return Err(ResponseErrorKind::SubprotocolNotOffered),
        },
        (Some(_), Some(_)) => return Err(ResponseErrorKind::SubprotocolNotOffered),
    };
    Ok(Agreement {
        subprotocol,
        extensions,
    })
}

/// Header fields a server's caller may not add to a 101: the handshake
/// writes them.
const SERVER_RESERVED: &[&str] = &[
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Version",
    "Content-Length",
    "Transfer-Encoding",
];

/// Writes a server's 101 response (RFC 6455 §4.2.2 step 5: "If the server
/// chooses to accept the incoming connection, it MUST reply with a valid HTTP
/// response indicating the following").
pub(crate) fn write_switching(
    out: &mut Vec<u8>,
    key: &str,
    subprotocol: Option<&str>,
    extensions: &[Extension],
    extra: &[(String, String)],
) -> Result<(), UsageError> {
    let extensions = format_extensions(extensions)?;
    for (name, value) in extra {
        check_field(name, value, SERVER_RESERVED)?;
    }
    // "1. A Status-Line with a 101 response code"; "2. An |Upgrade| header
    // field with value "websocket""; "3. A |Connection| header field with
    // value "Upgrade""; "4. A |Sec-WebSocket-Accept| header field".
    out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
    write_field(out, "Upgrade", b"websocket");
    write_field(out, "Connection", b"Upgrade");
    write_field(out, "Sec-WebSocket-Accept", accept_key(key).as_bytes());
    write_negotiated(out, subprotocol.unwrap_or(""), &extensions, extra);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obsolete_line_folding_is_refused() {
        let text = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX: a\r\n b\r\n\r\n";
        assert_eq!(parse(text.to_vec(), 16), Err(ResponseErrorKind::Malformed));
    }

    #[test]
    fn reason_and_version() -> Result<(), ResponseErrorKind> {
        let r = parse(
            b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
            16,
        )?;
        assert_eq!((r.status(), r.reason(), r.version()), (404, "Not Found", 0));
        Ok(())
    }
}
