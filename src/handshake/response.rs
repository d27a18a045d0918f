//! The opening handshake's response under the WebSocket rules: the 101 a
//! server writes (RFC 6455 §4.2.2) and the checks a client makes (§4.1).
//! The HTTP response itself is parsed in [`crate::http1`].

use alloc::string::String;
use alloc::vec::Vec;

use super::error::ResponseErrorKind;
use super::key::AcceptValue;
use super::negotiate::{Agreement, Offer};
use super::request::{negotiated_fields, write_fields};
use super::view::ResponseView;
use crate::extension::{format_extensions, parse_extensions_into};
use crate::http1::{check_field_for, list_elements};
use crate::usage_error::UsageError;

/// Checks a server's answer that accepted our opening handshake (RFC 6455
/// §4.1, "The client MUST validate the server's response as follows"): a 101
/// to an HTTP/1.1 upgrade sent with `key`, or (`key` is `None`) a 2xx to an
/// extended CONNECT, which has no `Upgrade`, `Connection` or accept value
/// (RFC 8441 §5). The caller has checked the status. The agreement has no
/// codec yet: the extensions we negotiate check their answers next.
pub(crate) fn validate(
    resp: &impl ResponseView,
    key: Option<&str>,
    offer: &Offer,
) -> Result<Agreement, ResponseErrorKind> {
    if let Some(key) = key {
        check_upgrade(resp, key)?;
    }
    // "5. If the response includes a |Sec-WebSocket-Extensions| header field
    // and this header field indicates the use of an extension that was not
    // present in the client's handshake ..., the client MUST _Fail the
    // WebSocket Connection_."
    let mut extensions = Vec::new();
    for v in resp.values("Sec-WebSocket-Extensions") {
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
    let mut protocols = resp.values("Sec-WebSocket-Protocol");
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

/// The checks of a 101 that an extended CONNECT's answer does not have.
fn check_upgrade(resp: &impl ResponseView, key: &str) -> Result<(), ResponseErrorKind> {
    if resp.version() != (1, 1) {
        return Err(ResponseErrorKind::HttpVersion);
    }
    // "2. If the response lacks an |Upgrade| header field or the |Upgrade|
    // header field contains a value that is not an ASCII case-insensitive
    // match for the value "websocket", the client MUST _Fail the WebSocket
    // Connection_."
    let mut upgrades = resp.values("Upgrade");
    match (upgrades.next(), upgrades.next()) {
        (Some(v), None) if v.eq_ignore_ascii_case(b"websocket") => {}
        _ => return Err(ResponseErrorKind::UpgradeNotWebSocket),
    }
    // "3. If the response lacks a |Connection| header field or the
    // |Connection| header field doesn't contain a token that is an ASCII
    // case-insensitive match for the value "Upgrade", the client MUST _Fail
    // the WebSocket Connection_."
    if !resp
        .values("Connection")
        .flat_map(list_elements)
        .any(|e| e.eq_ignore_ascii_case(b"upgrade"))
    {
        return Err(ResponseErrorKind::ConnectionNotUpgrade);
    }
    // "4. If the response lacks a |Sec-WebSocket-Accept| header field or the
    // |Sec-WebSocket-Accept| contains a value other than the base64-encoded
    // SHA-1 of the concatenation of the |Sec-WebSocket-Key| ... with the
    // string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading
    // and trailing whitespace, the client MUST _Fail the WebSocket
    // Connection_."
    let mut accepts = resp.values("Sec-WebSocket-Accept");
    match (accepts.next(), accepts.next()) {
        (Some(v), None) if v.trim_ascii() == AcceptValue::of(key.trim().as_bytes()).as_bytes() => {
            Ok(())
        }
        _ => Err(ResponseErrorKind::InvalidAccept),
    }
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

/// Checks a server's answer that accepts before it is written: the
/// caller's header fields (`http2`: an extended CONNECT's answer, where the
/// connection-specific fields are reserved too) and the agreed extensions,
/// which it gives as the `Sec-WebSocket-Extensions` value (empty for none).
pub(crate) fn check_accepting(
    agreement: &Agreement,
    extra: &[(String, String)],
    http2: bool,
) -> Result<String, UsageError> {
    let extensions = format_extensions(&agreement.extensions)?;
    for (name, value) in extra {
        check_field_for(name, value, SERVER_RESERVED, http2)?;
    }
    Ok(extensions)
}

/// The header fields of a server's answer that accepts, in order, checked
/// by [`check_accepting`]. `accept`: the `Sec-WebSocket-Accept` value, for
/// the 101 of an HTTP/1.1 upgrade; `None` for the 2xx that accepts an
/// extended CONNECT (RFC 8441 §5), which has no `Upgrade`, `Connection` or
/// accept value.
#[cfg(any(feature = "http", test))]
pub(crate) fn accepting_fields<'v, 'a: 'v>(
    accept: Option<&'v str>,
    subprotocol: &'v str,
    extensions: &'v str,
    extra: &'a [(String, String)],
) -> impl Iterator<Item = (&'a str, &'v str)> + Clone {
    // "2. An |Upgrade| header field with value "websocket""; "3. A
    // |Connection| header field with value "Upgrade""; "4. A
    // |Sec-WebSocket-Accept| header field".
    let upgrade = accept.map(|accept| {
        [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept),
        ]
    });
    upgrade
        .into_iter()
        .flatten()
        .chain(negotiated_fields(subprotocol, extensions, extra))
}

/// The start of a 101: the status line ("1. A Status-Line with a 101
/// response code"), then the fields [`accepting_fields`] starts with, up to
/// the accept value; written in one piece.
const SWITCHING_HEAD: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";

/// Writes a server's 101 response (RFC 6455 §4.2.2 step 5: "If the server
/// chooses to accept the incoming connection, it MUST reply with a valid HTTP
/// response indicating the following"), in one allocation of its exact
/// size: the fields of [`accepting_fields`], in its order.
pub(crate) fn write_switching(
    out: &mut Vec<u8>,
    key: &[u8],
    agreement: &Agreement,
    extra: &[(String, String)],
) -> Result<(), UsageError> {
    let extensions = check_accepting(agreement, extra, false)?;
    let accept = AcceptValue::of(key);
    let subprotocol = agreement.subprotocol.as_deref().unwrap_or_default();
    let negotiated = negotiated_fields(subprotocol, &extensions, extra);
    // As `write_field` writes them: values trimmed.
    let size: usize = negotiated
        .clone()
        .map(|(n, v)| n.len() + v.trim_ascii().len() + 4)
        .sum();
    out.reserve_exact(SWITCHING_HEAD.len() + accept.as_bytes().len() + 2 + size + 2);
    out.extend_from_slice(SWITCHING_HEAD);
    out.extend_from_slice(accept.as_bytes());
    out.extend_from_slice(b"\r\n");
    write_fields(out, negotiated);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_101_is_written_in_one_piece_with_the_fields_of_an_accepting_answer() {
        let agreement = Agreement {
            subprotocol: Some(String::from("chat")),
            extensions: alloc::vec![crate::extension::Extension::new("x-ext").flag("p")],
            codec: None,
        };
        // A value with whitespace around it is written trimmed.
        let extra = [(String::from("Set-Cookie"), String::from(" a=b\t"))];
        let key = b"dGhlIHNhbXBsZSBub25jZQ==";
        let mut out = Vec::new();
        assert_eq!(write_switching(&mut out, key, &agreement, &extra), Ok(()));
        assert_eq!(out.len(), out.capacity());

        let extensions = check_accepting(&agreement, &extra, false).unwrap_or_default();
        let accept = AcceptValue::of(key);
        let fields = accepting_fields(Some(accept.as_str()), "chat", &extensions, &extra);
        let mut expected = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
        write_fields(&mut expected, fields);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected)
        );
        assert!(out
            .windows(28)
            .any(|w| w == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }
}
