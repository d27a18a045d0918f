//! What a server answers to each handshake request that is missing, repeats
//! or gets wrong a header field: the error kind, the status and every header
//! field of the ready response (RFC 6455 §4.2.1, RFC 9110 §15.5).

use wsmachine::extension::ExtensionParseError;
use wsmachine::handshake::RequestErrorKind as K;
use wsmachine_testkit::*;

/// The header fields of a 400 besides `Content-Type` and `Content-Length`.
const CLOSE: &[(&str, &str)] = &[("Connection", "close")];

/// The header fields of a 405. RFC 9110 §15.5.6: "The origin server MUST
/// generate an Allow header field in a 405 response".
const ALLOW_GET: &[(&str, &str)] = &[("Allow", "GET"), ("Connection", "close")];

/// The header fields of a 426. RFC 9110 §15.5.22: "The server MUST send an
/// Upgrade header field in a 426 response"; RFC 6455 §4.4: the version
/// "MUST" be listed.
const UPGRADE_REQUIRED: &[(&str, &str)] = &[
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade, close"),
    ("Sec-WebSocket-Version", "13"),
];

/// A response read by hand, independently of the library: status, header
/// fields (sorted) and body.
fn read_response(bytes: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = std::str::from_utf8(bytes).expect("ASCII response");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("end of the header block");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut fields: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(": ").expect("name: value");
            (name.to_owned(), value.to_owned())
        })
        .collect();
    fields.sort();
    (status, fields, body.to_owned())
}

/// Asserts what the server makes of `request`: the kind, the status and the
/// ready response, whose header fields are exactly `fields` plus
/// `Content-Type` and `Content-Length`.
fn check(request: impl AsRef<[u8]>, kind: K, status: u16, fields: &[(&str, &str)]) {
    let e = rejection(request.as_ref());
    assert_eq!(e.kind(), kind);
    assert_eq!((kind.status(), e.status()), (status, status));
    assert_eq!(e.is_not_upgrade(), kind == K::NotUpgrade);
    assert_eq!(e.request().is_some(), kind != K::Malformed);
    let reply = e.reply();
    assert_eq!(reply.status(), status);
    assert_eq!(reply.encode().as_ref(), Ok(&e.response_bytes()));

    let body = format!("{}\n", kind.reason());
    let length = body.len().to_string();
    let mut expected: Vec<(String, String)> = fields
        .iter()
        .chain(&[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", length.as_str()),
        ])
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(read_response(&e.response_bytes()), (status, expected, body));
}

/// One test per request: `name: request => kind, status, header fields;`.
macro_rules! answers {
    ($($name:ident: $request:expr => $kind:expr, $status:expr, $fields:expr;)*) => {$(
        #[test]
        fn $name() {
            check($request, $kind, $status, $fields);
        }
    )*};
}

/// One test per request the server accepts.
macro_rules! accepts {
    ($($name:ident: $request:expr;)*) => {$(
        #[test]
        fn $name() {
            let _ = upgrade($request.as_ref());
        }
    )*};
}

/// The reported request: a WebSocket opening that forgot `Upgrade`.
const NO_UPGRADE: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// An HTTP/2 cleartext upgrade (RFC 7540 §3.2): no sign of WebSocket.
const H2C: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\
Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";

/// A request of `name: value` lines after `GET / HTTP/1.1` and a `Host`.
fn get_with(lines: &[&str]) -> Vec<u8> {
    let mut request = String::from("GET / HTTP/1.1\r\nHost: example.com\r\n");
    for line in lines {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

// ----- no sign of a WebSocket opening: plain HTTP, any method or version -----

answers! {
    plain_get: get_with(&["Accept: text/html"]) => K::NotUpgrade, 426, UPGRADE_REQUIRED;
    plain_get_http_1_0_without_host: b"GET / HTTP/1.0\r\n\r\n" => K::NotUpgrade, 426, UPGRADE_REQUIRED;
    plain_post_with_body: b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\na=1" =>
        K::NotUpgrade, 426, UPGRADE_REQUIRED;
    upgrade_to_h2c: H2C => K::NotUpgrade, 426, UPGRADE_REQUIRED;
    connection_upgrade_alone: get_with(&["Connection: Upgrade"]) => K::NotUpgrade, 426, UPGRADE_REQUIRED;
}

// ----- a WebSocket opening that fails a check -----

answers! {
    // The method and the version (§4.2.1 item 1).
    post: request_with(&[("GET", Some("POST /chat HTTP/1.1"))], &[]) => K::MethodNotAllowed, 405, ALLOW_GET;
    put: request_with(&[("GET", Some("PUT /chat HTTP/1.1"))], &[]) => K::MethodNotAllowed, 405, ALLOW_GET;
    head: request_with(&[("GET", Some("HEAD /chat HTTP/1.1"))], &[]) => K::MethodNotAllowed, 405, ALLOW_GET;
    post_without_upgrade: request_with(&[("GET", Some("POST /chat HTTP/1.1")), ("Upgrade", None)], &[]) =>
        K::MethodNotAllowed, 405, ALLOW_GET;
    http_1_0: request_with(&[("GET", Some("GET /chat HTTP/1.0"))], &[]) => K::HttpVersion, 400, CLOSE;
    // Host (item 2; RFC 9112 §3.2).
    no_host: request_with(&[("Host", None)], &[]) => K::InvalidHost, 400, CLOSE;
    two_hosts: request_with(&[], &["Host: other.example"]) => K::InvalidHost, 400, CLOSE;
    // Upgrade (item 3): the answer says what to send.
    no_upgrade_header: request_with(&[("Upgrade", None)], &[]) => K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    the_reported_request: NO_UPGRADE => K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    upgrade_to_h2c_with_a_key: request_with(&[("Upgrade", Some("Upgrade: h2c"))], &[]) =>
        K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    only_a_key: get_with(&["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]) =>
        K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    only_a_version: get_with(&["Sec-WebSocket-Version: 13"]) => K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    only_a_subprotocol: get_with(&["Sec-WebSocket-Protocol: chat"]) => K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    only_an_extension: get_with(&["Sec-WebSocket-Extensions: permessage-deflate"]) =>
        K::UpgradeNotWebSocket, 426, UPGRADE_REQUIRED;
    // Connection (item 4).
    no_connection: request_with(&[("Connection", None)], &[]) => K::ConnectionNotUpgrade, 426, UPGRADE_REQUIRED;
    connection_keep_alive_only: request_with(&[("Connection", Some("Connection: keep-alive"))], &[]) =>
        K::ConnectionNotUpgrade, 426, UPGRADE_REQUIRED;
    only_upgrade_websocket: get_with(&["Upgrade: websocket"]) => K::ConnectionNotUpgrade, 426, UPGRADE_REQUIRED;
    // Sec-WebSocket-Version (item 6; §4.4), checked before the key.
    no_version: request_with(&[("Sec-WebSocket-Version", None)], &[]) => K::UnsupportedVersion, 426, UPGRADE_REQUIRED;
    version_8: request_with(&[("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 8"))], &[]) =>
        K::UnsupportedVersion, 426, UPGRADE_REQUIRED;
    two_versions: request_with(&[], &["Sec-WebSocket-Version: 13"]) => K::UnsupportedVersion, 426, UPGRADE_REQUIRED;
    versions_13_and_8: request_with(&[("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 13, 8"))], &[]) =>
        K::UnsupportedVersion, 426, UPGRADE_REQUIRED;
    version_8_without_a_key: request_with(&[("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 8")),
        ("Sec-WebSocket-Key", None)], &[]) => K::UnsupportedVersion, 426, UPGRADE_REQUIRED;
    // Sec-WebSocket-Key (item 5; §11.3.1).
    no_key: request_with(&[("Sec-WebSocket-Key", None)], &[]) => K::InvalidKey, 400, CLOSE;
    two_keys: request_with(&[], &["Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw=="]) => K::InvalidKey, 400, CLOSE;
    key_of_5_bytes: request_with(&[("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: c2hvcnQ="))], &[]) =>
        K::InvalidKey, 400, CLOSE;
    key_of_15_bytes: request_with(&[("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: ZmlmdGVlbiBieXRlcyEh"))], &[]) =>
        K::InvalidKey, 400, CLOSE;
    key_of_17_bytes: request_with(&[("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: c2V2ZW50ZWVuIGJ5dGVzISE="))], &[]) =>
        K::InvalidKey, 400, CLOSE;
    key_not_base64: request_with(&[("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=="))], &[]) =>
        K::InvalidKey, 400, CLOSE;
    // A body would be read as frames.
    body_by_length: request_with(&[], &["Content-Length: 5"]) => K::UnexpectedBody, 400, CLOSE;
    chunked_body: request_with(&[], &["Transfer-Encoding: chunked"]) => K::UnexpectedBody, 400, CLOSE;
    // Sec-WebSocket-Protocol (item 8) and Sec-WebSocket-Extensions (item 9; §9.1).
    bad_subprotocol: request_with(&[], &["Sec-WebSocket-Protocol: chat, a/b"]) => K::InvalidSubprotocols, 400, CLOSE;
    bad_extensions: request_with(&[], &["Sec-WebSocket-Extensions: permessage-deflate; =1"]) =>
        K::InvalidExtensions(ExtensionParseError::ExpectedToken(20)), 400, CLOSE;
}

// ----- not HTTP/1.x -----

answers! {
    obsolete_line_folding: request_with(&[], &["X-Folded: a", " b"]) => K::Malformed, 400, CLOSE;
    bad_request_line: request_with(&[("GET", Some("GET /chat HTTP/1.1 extra"))], &[]) => K::Malformed, 400, CLOSE;
    bad_header_name: request_with(&[], &["Bad Header: x"]) => K::Malformed, 400, CLOSE;
}

// ----- variations that are fine -----

accepts! {
    content_length_zero_is_no_body: request_with(&[], &["Content-Length: 0"]);
    upgrade_repeated: request_with(&[], &["Upgrade: websocket"]);
    upgrade_in_a_list: request_with(&[("Upgrade", Some("Upgrade: h2c, WebSocket"))], &[]);
    connection_keep_alive_and_upgrade: request_with(&[("Connection", Some("Connection: keep-alive, Upgrade"))], &[]);
    valid_subprotocols: request_with(&[], &["Sec-WebSocket-Protocol: chat, v2.json"]);
    valid_extensions: request_with(&[], &["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]);
}
