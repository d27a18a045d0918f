//! The opening handshake's response under the WebSocket rules: the 101 a
//! server writes (RFC 6455 §4.2.2) and the checks a client makes (§4.1).
//! The HTTP response itself is parsed in [`crate::http1`].

use alloc::string::String;
use alloc::vec::Vec;

use super::error::ResponseErrorKind;
use super::key::accept_key;
use super::negotiate::{Agreement, Offer};
use super::request::write_negotiated;
use crate::extension::{format_extensions, parse_extensions_into};
use crate::http1::{check_field, write_field, Response};
use crate::usage_error::UsageError;

/// Checks a 101 response against our request (RFC 6455 §4.1, "The client
/// MUST validate the server's response as follows"). The agreement has no
/// codec yet: the extensions we negotiate check their answers next.
pub(crate) fn validate(
    resp: &Response,
    key: &str,
    offer: &Offer,
) -> Result<Agreement, ResponseErrorKind> {
    let h = resp.headers();
    if resp.version() != 1 {
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
        offer
            .extensions
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
        (Some(v), None) => match offer.subprotocols.iter().find(|o| o.as_bytes() == v) {
            Some(p) => Some(p.clone()),
            None => return Err(ResponseErrorKind::SubprotocolNotOffered),
        },
        (Some(_), Some(_)) => return Err(ResponseErrorKind::SubprotocolNotOffered),
    };
    Ok(Agreement {
        subprotocol,
        extensions,
        codec: None,
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
    agreement: &Agreement,
    extra: &[(String, String)],
) -> Result<(), UsageError> {
    let extensions = format_extensions(&agreement.extensions)?;
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
    let subprotocol = agreement.subprotocol.as_deref().unwrap_or("");
    write_negotiated(out, subprotocol, &extensions, extra);
    Ok(())
}
