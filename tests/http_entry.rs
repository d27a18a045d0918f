//! The `http` feature's entry points: requests and responses of the `http`
//! crate, over HTTP/1.1 (upgrade) and HTTP/2 (extended CONNECT, RFC 8441),
//! through the same checks and negotiation as the byte-level machines.

use http::{Request, Response, Version};
use wsmachine::handshake::{Accept, ClientRequest, RequestErrorKind as K, ResponseErrorKind};
use wsmachine::http::{ClientUpgrade, Rejection, ServerUpgrade};
use wsmachine::Config;
use wsmachine_testkit::*;

/// An HTTP/1.1 request, parsed from bytes with httparse into `http` parts
/// (as hyper would), independently of the library.
fn parts_of(bytes: &[u8]) -> http::request::Parts {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut fields);
    assert!(req.parse(bytes).expect("parses").is_complete());
    let mut builder = Request::builder()
        .method(req.method.expect("method"))
        .uri(req.path.expect("path"))
        .version(match req.version {
            Some(0) => Version::HTTP_10,
            _ => Version::HTTP_11,
        });
    for h in req.headers.iter() {
        builder = builder.header(h.name, h.value);
    }
    builder.body(()).expect("request").into_parts().0
}

/// An extended CONNECT as h2 hands it over, with `fields` (name, value).
fn connect(method: &str, authority: bool, fields: &[(&str, &str)]) -> http::request::Parts {
    let uri = if authority {
        "https://example.com/chat"
    } else {
        "/chat"
    };
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .version(Version::HTTP_2);
    for (n, v) in fields {
        b = b.header(*n, *v);
    }
    b.body(()).expect("request").into_parts().0
}

fn h2_reject(parts: &http::request::Parts, protocol: Option<&str>) -> Rejection {
    ServerUpgrade::new(parts, protocol, Config::default()).expect_err("rejected")
}

#[test]
fn http1_requests_get_what_the_byte_machine_answers() {
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
    let cases: Vec<Vec<u8>> = vec![
        request_with(&[], &[]),
        request_with(&[("Upgrade", None)], &[]),
        request_with(&[("Upgrade", Some("Upgrade: h2c"))], &[]),
        request_with(&[("Connection", Some("Connection: keep-alive"))], &[]),
        request_with(
            &[("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 8"))],
            &[],
        ),
        request_with(&[("Sec-WebSocket-Version", None)], &[]),
        request_with(&[("Sec-WebSocket-Key", None)], &[]),
        request_with(
            &[("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: abc"))],
            &[],
        ),
        request_with(&[], &[key]),
        request_with(&[("Host", None)], &[]),
        request_with(&[], &["Host: other.example"]),
        request_with(&[("GET", Some("POST /chat HTTP/1.1"))], &[]),
        request_with(&[("GET", Some("GET /chat HTTP/1.0"))], &[]),
        request_with(&[], &["Content-Length: 5"]),
        request_with(&[], &["Sec-WebSocket-Protocol: a b"]),
        request_with(&[], &["Sec-WebSocket-Extensions: ;x"]),
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".to_vec(),
    ];
    for bytes in cases {
        let machine = server_feed(&bytes)
            .map(|_| ())
            .map_err(|e| (e.kind(), e.status()));
        let entry = ServerUpgrade::new(&parts_of(&bytes), None, Config::default())
            .map(|_| ())
            .map_err(|e| (e.kind(), e.status()));
        assert_eq!(machine, entry, "{}", String::from_utf8_lossy(&bytes));
        if let Err(e) = ServerUpgrade::new(&parts_of(&bytes), None, Config::default()) {
            let response = e.response();
            assert_eq!(response.status(), e.status());
            assert_eq!(response.body(), &format!("{}\n", e.kind().reason()));
        }
    }
}

#[test]
fn http1_accept_is_the_rfc_101() {
    let parts = parts_of(&request_with(
        &[],
        &["Sec-WebSocket-Protocol: chat, superchat"],
    ));
    let upgrade = ServerUpgrade::new(&parts, None, Config::default()).expect("valid");
    assert!(!upgrade.is_extended_connect());
    let protocol = upgrade.pick_subprotocol(&["superchat"]).map(String::from);
    let accepted = upgrade
        .accept(Accept::new().subprotocol(protocol.expect("offered")))
        .expect("accepted");
    let r = &accepted.response;
    assert_eq!(r.status(), 101);
    // RFC 6455 §1.3's sample key and accept value.
    assert_eq!(
        r.headers()["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(r.headers()["upgrade"], "websocket");
    assert_eq!(r.headers()["connection"], "Upgrade");
    assert_eq!(r.headers()["sec-websocket-protocol"], "superchat");
    assert_eq!(accepted.connection.subprotocol(), Some("superchat"));
}

/// An offer spread over two fields reads the same through both entries,
/// in order, and an accepted offer from the second field is answered.
#[test]
fn an_extension_offer_over_two_fields_reads_as_the_byte_machine_reads_it() {
    let bytes = request_with(
        &[],
        &[
            "Sec-WebSocket-Extensions: x-one; a=1, x-two",
            "Sec-WebSocket-Extensions: x-three; b=\"2\"; c",
        ],
    );
    let mut machine = wsmachine::ServerHandshake::default();
    let Ok(wsmachine::Status::Complete(request)) = machine.handle_input(&bytes) else {
        panic!("the byte machine refused the request");
    };
    let upgrade = ServerUpgrade::new(&parts_of(&bytes), None, Config::default()).expect("valid");
    let offered = upgrade.extensions();
    assert_eq!(offered, request.extensions());
    let names: Vec<&str> = offered.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["x-one", "x-two", "x-three"]);
    assert_eq!(offered[2].param_value("b"), Some(Some("2")));

    let accepted = upgrade
        .accept(Accept::new().extension(offered[2].clone()))
        .expect("accepted");
    assert_eq!(
        accepted.response.headers()["sec-websocket-extensions"],
        "x-three; b=2; c"
    );
    // A malformed second field refuses the request on both entries.
    let bad = request_with(
        &[],
        &[
            "Sec-WebSocket-Extensions: x-one",
            "Sec-WebSocket-Extensions: x-two; =",
        ],
    );
    let refused = ServerUpgrade::new(&parts_of(&bad), None, Config::default());
    let kind = refused.map(|_| ()).map_err(|r| r.kind());
    assert!(matches!(kind, Err(K::InvalidExtensions(_))), "{kind:?}");
    let mut machine = wsmachine::ServerHandshake::default();
    let refused = machine.handle_input(&bad).map(|_| ()).map_err(|e| e.kind());
    assert_eq!(refused, kind);
}

#[test]
fn extended_connect_is_answered_200_without_accept() {
    let parts = connect(
        "CONNECT",
        true,
        &[
            ("sec-websocket-version", "13"),
            ("origin", "https://example.com"),
        ],
    );
    let upgrade = ServerUpgrade::new(&parts, Some("websocket"), Config::default()).expect("valid");
    assert!(upgrade.is_extended_connect());
    assert!(upgrade.origin_allowed(&["https://example.com"]));
    assert!(!upgrade.origin_allowed(&["https://other.example"]));
    let accepted = upgrade.accept(Accept::new()).expect("accepted");
    assert_eq!(accepted.response.status(), 200);
    assert_eq!(accepted.response.version(), Version::HTTP_2);
    // RFC 8441 §5: no key, no accept, and no connection-specific fields.
    assert!(accepted.response.headers().is_empty());
}

/// A request, its `:protocol`, and the kind, status and one header field
/// of the answer.
type Case = (
    http::request::Parts,
    Option<&'static str>,
    K,
    u16,
    Option<(&'static str, &'static str)>,
);

#[test]
fn extended_connect_rejections() {
    let v13 = ("sec-websocket-version", "13");
    let cases: Vec<Case> = vec![
        // A wrong version: 400, not HTTP/1.1's 426 (HTTP/2 has no Upgrade).
        (
            connect("CONNECT", true, &[("sec-websocket-version", "8")]),
            Some("websocket"),
            K::UnsupportedVersion,
            400,
            Some(("sec-websocket-version", "13")),
        ),
        (
            connect("CONNECT", true, &[]),
            Some("websocket"),
            K::UnsupportedVersion,
            400,
            Some(("sec-websocket-version", "13")),
        ),
        // A WebSocket field on a GET over HTTP/2: only CONNECT opens one.
        (
            connect("GET", true, &[v13]),
            None,
            K::MethodNotAllowed,
            405,
            Some(("allow", "CONNECT")),
        ),
        // CONNECT with WebSocket fields but no :protocol.
        (
            connect("CONNECT", true, &[v13]),
            None,
            K::UpgradeNotWebSocket,
            400,
            Some(("sec-websocket-version", "13")),
        ),
        (
            connect("CONNECT", false, &[v13]),
            Some("websocket"),
            K::InvalidHost,
            400,
            None,
        ),
        (
            connect("CONNECT", true, &[v13, ("content-length", "3")]),
            Some("websocket"),
            K::UnexpectedBody,
            400,
            None,
        ),
        (
            connect("CONNECT", true, &[v13, ("sec-websocket-protocol", "a b")]),
            Some("websocket"),
            K::InvalidSubprotocols,
            400,
            None,
        ),
        // Plain requests and other tunnels are the caller's.
        (connect("GET", true, &[]), None, K::NotUpgrade, 400, None),
        (
            connect("CONNECT", true, &[]),
            Some("webtransport"),
            K::NotUpgrade,
            400,
            None,
        ),
    ];
    for (parts, protocol, kind, status, field) in cases {
        let e = h2_reject(&parts, protocol);
        assert_eq!((e.kind(), e.status()), (kind, status), "{parts:?}");
        let response = e.response();
        assert_eq!(response.status(), status);
        assert!(response.headers().get("upgrade").is_none());
        assert!(response.headers().get("connection").is_none());
        if let Some((name, value)) = field {
            assert_eq!(response.headers()[name], value);
        }
    }
}

/// The client's request, the server's answer and both connections, over
/// `version`, negotiating `chat` and (with the feature) permessage-deflate.
fn open(version: Version) -> (Response<()>, wsmachine::Connection, wsmachine::Connection) {
    let request = ClientRequest::from_url("wss://example.com:8443/chat?room=1")
        .expect("url")
        .subprotocol("chat")
        .header("Origin", "https://example.com");
    #[cfg(feature = "deflate")]
    let request = request.negotiate(wsmachine::extension::deflate::DeflateConfig::default());
    let (http_request, client) =
        ClientUpgrade::new(request, version, Config::default(), TestRng(7)).expect("request");
    let (parts, ()) = http_request.into_parts();
    let protocol = (version == Version::HTTP_2).then_some("websocket");
    let upgrade = ServerUpgrade::new(&parts, protocol, Config::default()).expect("valid");
    let accept = Accept::new().subprotocol("chat");
    #[cfg(feature = "deflate")]
    let accept = accept.negotiate(wsmachine::extension::deflate::DeflateConfig::default());
    let accepted = upgrade.accept(accept).expect("accepted");
    let connected = client
        .handle_response(&accepted.response)
        .expect("connected");
    #[cfg(feature = "deflate")]
    assert_eq!(connected.extensions.len(), 1);
    (accepted.response, connected.connection, accepted.connection)
}

#[test]
fn client_requests_for_both_versions() {
    let request = ClientRequest::from_url("wss://example.com:8443/chat?room=1").expect("url");
    let (r, client) = ClientUpgrade::new(
        request.clone(),
        Version::HTTP_11,
        Config::default(),
        TestRng(1),
    )
    .expect("request");
    assert_eq!(
        (r.method(), r.uri().to_string()),
        (&http::Method::GET, "/chat?room=1".into())
    );
    assert_eq!(r.headers()["host"], "example.com:8443");
    assert_eq!(r.headers()["upgrade"], "websocket");
    assert_eq!(r.headers()["sec-websocket-key"], client.key().expect("key"));
    let (r, client) = ClientUpgrade::new(request, Version::HTTP_2, Config::default(), TestRng(1))
        .expect("request");
    assert_eq!(r.method(), http::Method::CONNECT);
    assert_eq!(r.uri().to_string(), "https://example.com:8443/chat?room=1");
    assert_eq!(r.headers()["sec-websocket-version"], "13");
    assert!(client.key().is_none());
    for name in ["host", "upgrade", "connection", "sec-websocket-key"] {
        assert!(r.headers().get(name).is_none(), "{name}");
    }
}

#[test]
fn both_versions_open_connections_that_talk() {
    for version in [Version::HTTP_11, Version::HTTP_2] {
        let (_, mut client, mut server) = open(version);
        assert_eq!(client.subprotocol(), Some("chat"));
        client.send_text("hello over the stream").expect("send");
        let wire = drain(&mut client);
        assert_eq!(
            feed(&mut server, &wire),
            vec![Ev::Text("hello over the stream".into())]
        );
        server.send_binary(&[1, 2, 3]).expect("send");
        let wire = drain(&mut server);
        assert_eq!(feed(&mut client, &wire), vec![Ev::Binary(vec![1, 2, 3])]);
    }
}

#[test]
fn client_checks_the_answer() {
    let upgrade = |version| {
        let request = ClientRequest::from_url("ws://example.com/")
            .expect("url")
            .subprotocol("chat");
        ClientUpgrade::new(request, version, Config::default(), TestRng(3))
            .expect("request")
            .1
    };
    let answer = |status: u16, version, fields: &[(&str, &str)]| {
        let mut b = Response::builder().status(status).version(version);
        for (n, v) in fields {
            b = b.header(*n, *v);
        }
        b.body(()).expect("response")
    };
    let kind =
        |u: ClientUpgrade, r: &Response<()>| u.handle_response(r).map(|_| ()).map_err(|e| e.kind());
    let h2 = Version::HTTP_2;
    assert_eq!(kind(upgrade(h2), &answer(200, h2, &[])), Ok(()));
    assert_eq!(
        kind(upgrade(h2), &answer(403, h2, &[])),
        Err(ResponseErrorKind::Refused)
    );
    assert_eq!(
        kind(upgrade(h2), &answer(101, h2, &[])),
        Err(ResponseErrorKind::Refused)
    );
    assert_eq!(
        kind(
            upgrade(h2),
            &answer(200, h2, &[("sec-websocket-protocol", "other")])
        ),
        Err(ResponseErrorKind::SubprotocolNotOffered)
    );
    assert_eq!(
        kind(
            upgrade(h2),
            &answer(200, h2, &[("sec-websocket-extensions", "x-unknown")])
        ),
        Err(ResponseErrorKind::ExtensionNotOffered)
    );
    let h1 = Version::HTTP_11;
    assert_eq!(
        kind(upgrade(h1), &answer(200, h1, &[])),
        Err(ResponseErrorKind::Refused)
    );
    let fields = [
        ("upgrade", "websocket"),
        ("connection", "upgrade"),
        ("sec-websocket-accept", "wrong"),
    ];
    assert_eq!(
        kind(upgrade(h1), &answer(101, h1, &fields)),
        Err(ResponseErrorKind::InvalidAccept)
    );
}
