//! The `http` entry against the rules it must keep, and answering as the
//! byte machine does for the same request (RFC 9112, RFC 8441, RFC 9113).

use http::{Request, Version};
use wsmachine::handshake::RequestErrorKind as K;
use wsmachine::http::ServerUpgrade;
use wsmachine::Config;
use wsmachine_testkit::*;

fn parts(
    method: &str,
    uri: &str,
    version: Version,
    fields: &[(&str, &[u8])],
) -> http::request::Parts {
    let mut b = Request::builder().method(method).uri(uri).version(version);
    for (n, v) in fields {
        b = b.header(*n, http::HeaderValue::from_bytes(v).expect("value"));
    }
    b.body(()).expect("request").into_parts().0
}

/// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
/// to any HTTP/1.1 request message that lacks a Host header field". The byte
/// machine does; the entry takes an absolute-form target's authority for it.
#[test]
fn http1_absolute_form_without_host_is_refused_like_the_byte_machine() {
    let bytes = b"GET http://example.com/chat HTTP/1.1\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    let machine = server_feed(bytes)
        .map(|_| ())
        .map_err(|e| (e.kind(), e.status()));
    assert_eq!(machine, Err((K::InvalidHost, 400)));
    let p = parts(
        "GET",
        "http://example.com/chat",
        Version::HTTP_11,
        &[
            ("upgrade", b"websocket"),
            ("connection", b"Upgrade"),
            ("sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-version", b"13"),
        ],
    );
    let entry = ServerUpgrade::new(&p, None, Config::default())
        .map(|_| ())
        .map_err(|e| (e.kind(), e.status()));
    assert_eq!(entry, machine);
}

/// RFC 8441 §4: "On requests that contain the :protocol pseudo-header field,
/// the :scheme and :path pseudo-header fields of the target URI (see
/// Section 5) MUST also be included." An authority-form CONNECT (no scheme,
/// no path) is a classic CONNECT, malformed with :protocol.
#[test]
fn extended_connect_without_scheme_and_path_is_refused() {
    let p = parts(
        "CONNECT",
        "example.com:443",
        Version::HTTP_2,
        &[("sec-websocket-version", b"13")],
    );
    assert_eq!(p.uri.scheme(), None);
    let r = ServerUpgrade::new(&p, Some("websocket"), Config::default());
    assert_eq!(r.map(|_| ()).map_err(|e| e.status()), Err(400));
}

/// An `Origin` with a byte that is not visible ASCII is still an `Origin`:
/// `origin()` must not report "no Origin" (a server that lets clients
/// without an Origin through, as the example does, would skip the check).
#[test]
fn origin_with_obs_text_is_not_reported_absent() {
    let p = parts(
        "CONNECT",
        "https://example.com/chat",
        Version::HTTP_2,
        &[
            ("sec-websocket-version", b"13"),
            ("origin", "https://evil.example\u{ff}".as_bytes()),
        ],
    );
    let upgrade = ServerUpgrade::new(&p, Some("websocket"), Config::default()).expect("valid");
    assert!(!upgrade.origin_allowed(&["https://example.com"]));
    assert!(
        upgrade.origin().is_some(),
        "the request has an Origin field"
    );
}

/// The byte machine's `Request::origin` for the same field.
#[test]
fn byte_machine_origin_with_obs_text() {
    let bytes = request_with(&[], &["Origin: https://evil.example\u{ff}"]);
    let up = upgrade(&bytes);
    assert!(!up.origin_allowed(&["https://example.com"]));
    assert!(
        up.request().origin().is_some(),
        "the request has an Origin field"
    );
}

/// RFC 8441 §5: ":scheme ... MUST be https for wss-schemed WebSockets and
/// http for ws-schemed WebSockets".
#[test]
fn extended_connect_with_another_scheme_is_refused() {
    let p = parts(
        "CONNECT",
        "ftp://example.com/chat",
        Version::HTTP_2,
        &[("sec-websocket-version", b"13")],
    );
    let r = ServerUpgrade::new(&p, Some("websocket"), Config::default());
    assert_eq!(r.map(|_| ()).map_err(|e| e.status()), Err(400));
}

/// RFC 9113 §8.2.2: "An endpoint MUST NOT generate an HTTP/2 message
/// containing connection-specific header fields ... (e.g., Keep-Alive,
/// Proxy-Connection, Transfer-Encoding, and Upgrade)". `accept` refuses
/// `Connection` and `Upgrade` but lets the others into a 200 over HTTP/2,
/// which h2 then refuses to send.
#[test]
fn extended_connect_accept_refuses_connection_specific_fields() {
    use wsmachine::handshake::Accept;
    let p = parts(
        "CONNECT",
        "https://example.com/chat",
        Version::HTTP_2,
        &[("sec-websocket-version", b"13")],
    );
    for (name, value) in [
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Connection", "keep-alive"),
        ("TE", "gzip"),
    ] {
        let upgrade = ServerUpgrade::new(&p, Some("websocket"), Config::default()).expect("valid");
        let accepted = upgrade.accept(Accept::new().header(name, value));
        assert!(accepted.is_err(), "{name} accepted into an HTTP/2 response");
    }
}
