//! The opening handshake machines against real requests and responses, every
//! rejection path, every input split, and a full client/server round trip.

use wsmachine::extension::Extension;
use wsmachine::handshake::{
    accept_key, Accept, ClientError, ClientHandshake, ClientRequest, Connected, HandshakeConfig,
    Reply, RequestErrorKind, ResponseErrorKind, ServerHandshake, Target, UsageError,
};
use wsmachine::Status;
use wsmachine_testkit::*;

// ----- helpers -----

/// A client handshake machine whose key is RFC 6455's sample.
fn client_handshake(request: ClientRequest) -> ClientHandshake {
    ClientHandshake::new(
        request,
        HandshakeConfig::default(),
        FixedRng::sample_nonce(),
    )
    .expect("valid request")
}

fn local_client() -> ClientHandshake {
    client_handshake(ClientRequest::from_url("ws://localhost:8080/chat").expect("valid url"))
}

fn connected(hs: &mut ClientHandshake, input: &[u8]) -> Connected {
    match hs.handle_input(input) {
        Ok(Status::Complete(c)) => c,
        other => panic!("expected a connection, got {other:?}"),
    }
}

fn client_error(hs: &mut ClientHandshake, input: &[u8]) -> ClientError {
    match hs.handle_input(input) {
        Err(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn response_kind(e: &ClientError) -> ResponseErrorKind {
    match e {
        ClientError::Response(r) => r.kind(),
        other => panic!("expected a response error, got {other:?}"),
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("ASCII response")
}

// ----- real traffic -----

/// A request as Chromium sends it (header order and values as on the wire).
const CHROMIUM: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:8080\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

/// A 101 as Node's `ws` server writes it.
const NODE_WS_101: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
\r\n";

/// A 101 as Python's `websockets` server writes it, with permessage-deflate.
const PYTHON_WEBSOCKETS_101: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Date: Mon, 06 May 2024 10:00:00 GMT\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12\r\n\
Server: Python/3.12 websockets/12.0\r\n\
\r\n";

#[test]
fn seed_accept_values() {
    assert_eq!(
        accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(
        accept_key("x3JJHMbDL1EzLkh9GBhXDw=="),
        "HSmrc0sMlYUkAGmm5OPpG2HaGWk="
    );
}

#[test]
fn chromium_request_is_read_whole() {
    let req = upgrade(CHROMIUM);
    assert_eq!(
        (
            req.request().path(),
            req.request().query(),
            req.request().host()
        ),
        ("/chat", None, Some("localhost:8080"))
    );
    assert_eq!(req.request().origin(), Some("http://localhost:8080"));
    assert_eq!(req.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(req.request().method(), "GET");
    assert_eq!(req.request().headers().len(), 12);
    assert_eq!(
        req.request()
            .headers()
            .get_str("user-agent")
            .map(|ua| ua.starts_with("Mozilla/5.0")),
        Some(true)
    );
    assert_eq!(
        req.request().headers().get_str("ACCEPT-LANGUAGE"),
        Some("en-US,en;q=0.9")
    );
    assert_eq!(req.request().headers().get_str("pragma"), Some("no-cache"));
    assert!(req.subprotocols().is_empty());
    assert_eq!(
        req.extensions(),
        [Extension::new("permessage-deflate").flag("client_max_window_bits")]
    );
    assert!(req.origin_allowed(&["http://localhost:8080"]));
    assert!(req.origin_allowed(&["HTTP://LOCALHOST:8080"]));
    assert!(!req.origin_allowed(&["https://localhost:8080", "http://localhost"]));
    assert!(req.trailing().is_empty());

    let accepted = req.accept(Accept::new()).expect("accept");
    assert_eq!(text(&accepted.response_bytes), text(NODE_WS_101));
    assert_eq!(accepted.connection.subprotocol(), None);
    assert!(accepted.extensions.is_empty());
}

#[test]
fn node_ws_response_connects() {
    let mut hs =
        client_handshake(ClientRequest::from_url("ws://localhost:8080/chat").expect("url"));
    assert_eq!(hs.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    let c = connected(&mut hs, NODE_WS_101);
    assert_eq!(c.response.status(), 101);
    assert_eq!(c.response.reason(), "Switching Protocols");
    assert!(c.trailing.is_empty() && c.extensions.is_empty());
    assert_eq!(c.connection.subprotocol(), None);
}

#[test]
fn python_websockets_response_with_permessage_deflate() {
    let request = ClientRequest::from_url("ws://localhost:8765/")
        .expect("url")
        .extension(Extension::new("permessage-deflate").flag("client_max_window_bits"));
    let mut hs = client_handshake(request);
    let c = connected(&mut hs, PYTHON_WEBSOCKETS_101);
    assert_eq!(
        c.extensions,
        [Extension::new("permessage-deflate")
            .param("server_max_window_bits", "12")
            .param("client_max_window_bits", "12")]
    );
    assert_eq!(
        c.response.headers().get_str("server"),
        Some("Python/3.12 websockets/12.0")
    );
}

#[test]
fn client_request_bytes() {
    let request = ClientRequest::new(Target::parse("wss://example.com/chat?room=1").expect("url"))
        .subprotocol("chat.v2")
        .subprotocol("chat.v1")
        .extension(Extension::new("permessage-deflate").flag("client_max_window_bits"))
        .header("Origin", "https://example.com")
        .header("Cookie", "a=1");
    let hs = client_handshake(request);
    assert_eq!(
        text(hs.poll_output()),
        "GET /chat?room=1 HTTP/1.1\r\n\
         Host: example.com\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: chat.v2, chat.v1\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
         Origin: https://example.com\r\n\
         Cookie: a=1\r\n\
         \r\n"
    );
    // The request is valid for our own server.
    let req = upgrade(hs.poll_output());
    assert_eq!(req.subprotocols(), ["chat.v2", "chat.v1"]);
    assert_eq!(
        req.pick_subprotocol(&["chat.v1", "chat.v2"]),
        Some("chat.v2")
    );
}

#[test]
fn partial_writes_of_the_request() {
    let mut hs = local_client();
    let total = hs.poll_output().len();
    let mut written = Vec::new();
    while !hs.poll_output().is_empty() {
        let n = hs.poll_output().len().min(7);
        written.extend_from_slice(&hs.poll_output()[..n]);
        hs.advance_output(n);
    }
    assert_eq!(written.len(), total);
    assert!(written.ends_with(b"\r\n\r\n"));
}

// ----- server rejections (the table of every one is in handshake_status.rs) -----

#[test]
fn header_names_and_tokens_are_case_insensitive_lists() {
    let req = upgrade(&request_with(
        &[
            ("Upgrade", Some("upgrade: WebSocket")),
            ("Connection", Some("connection: keep-alive, UPGRADE")),
        ],
        &[],
    ));
    assert_eq!(req.request().path(), "/chat");
    // Repeated Connection fields are one list.
    let _ = upgrade(&request_with(
        &[("Connection", Some("Connection: keep-alive"))],
        &["Connection: Upgrade"],
    ));
    // Repeated protocol and extension fields are concatenated, in order.
    let req = upgrade(&request_with(
        &[],
        &[
            "Sec-WebSocket-Protocol: a, b",
            "Sec-WebSocket-Protocol:  c ",
            "Sec-WebSocket-Extensions: x; p=\"1\", y",
            "Sec-WebSocket-Extensions: z; q",
        ],
    ));
    assert_eq!(req.subprotocols(), ["a", "b", "c"]);
    assert_eq!(
        req.extensions(),
        [
            Extension::new("x").param("p", "1"),
            Extension::new("y"),
            Extension::new("z").flag("q")
        ]
    );
}

#[test]
fn plain_http_request_is_visible_to_the_caller() {
    let e = rejection(
        b"GET /index.html?lang=en HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\n\r\n",
    );
    assert!(e.is_not_upgrade());
    let req = e.request().expect("the parsed request");
    assert_eq!(
        (req.path(), req.query(), req.host()),
        ("/index.html", Some("lang=en"), Some("example.com"))
    );
    assert_eq!(req.headers().get_str("accept"), Some("text/html"));
    // A server answers it with a page of its own.
    let page = Reply::new(200)
        .header("Content-Type", "text/html; charset=utf-8")
        .body("<h1>echo</h1>");
    assert_eq!(
        text(&page.encode().expect("valid reply")),
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<h1>echo</h1>"
    );
    // Any method, any version: still "not an upgrade".
    assert!(rejection(b"POST /form HTTP/1.0\r\nContent-Length: 0\r\n\r\n").is_not_upgrade());
}

#[test]
fn refusals_chosen_by_the_server() {
    let cases = [
        (
            Reply::new(401).header("WWW-Authenticate", "Bearer realm=\"ws\""),
            "HTTP/1.1 401 Unauthorized\r\n",
        ),
        (
            Reply::new(403).body("origin not allowed"),
            "HTTP/1.1 403 Forbidden\r\n",
        ),
        (Reply::new(404), "HTTP/1.1 404 Not Found\r\n"),
        (
            Reply::new(429).header("Retry-After", "30"),
            "HTTP/1.1 429 Too Many Requests\r\n",
        ),
        (
            Reply::new(302).header("Location", "wss://other.example/chat"),
            "HTTP/1.1 302 Found\r\n",
        ),
    ];
    for (reply, status_line) in cases {
        let bytes = reply.encode().expect("valid reply");
        assert!(text(&bytes).starts_with(status_line));
        assert!(text(&bytes).contains("\r\nConnection: close\r\n"));
    }
}

#[test]
fn oversize_and_too_many_headers() {
    let mut config = HandshakeConfig::default();
    config.max_head_size = 1024;
    config.max_headers = 8;
    // A header block that never ends: refused at the limit, holding no more.
    let mut hs = ServerHandshake::new(config.clone());
    let mut refused = None;
    for _ in 0..100 {
        match hs.handle_input(&[b'a'; 100]) {
            Ok(Status::Partial) => assert!(hs.buffered_len() <= 1024),
            Ok(Status::Complete(_)) => panic!("no request"),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let e = refused.expect("refused");
    assert_eq!(
        (e.kind(), e.status()),
        (RequestErrorKind::HeadTooLarge, 431)
    );
    assert!(
        text(&e.response_bytes()).starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")
    );
    assert_eq!(hs.buffered_len(), 0);
    // One big input is cut at the limit too.
    let mut big = request_with(&[], &[]);
    big.splice(
        20..20,
        format!("X-Big: {}\r\n", "b".repeat(2000)).into_bytes(),
    );
    let e = ServerHandshake::new(config.clone())
        .handle_input(&big)
        .expect_err("too large");
    assert_eq!(e.kind(), RequestErrorKind::HeadTooLarge);
    // Too many fields.
    let many: Vec<String> = (0..4).map(|i| format!("X-{i}: v")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let e = ServerHandshake::new(config)
        .handle_input(&request_with(&[], &many))
        .expect_err("too many");
    assert_eq!(
        (e.kind(), e.status()),
        (RequestErrorKind::TooManyHeaders, 431)
    );
}

// ----- any split -----

/// The observable outcome of a server handshake fed `input` in pieces ending
/// at `splits`: what it returned, and the bytes after the request (those it
/// handed over plus the pieces not fed, which go to the connection).
fn server_in_pieces(input: &[u8], splits: &[usize]) -> (String, Vec<u8>) {
    let mut hs = ServerHandshake::default();
    let mut start = 0;
    for &end in splits.iter().chain([&input.len()]) {
        let (outcome, mut trailing) = match hs.handle_input(&input[start..end]) {
            Ok(Status::Partial) => {
                start = end;
                continue;
            }
            Ok(Status::Complete(req)) => (
                format!("{:?} {:?}", req.request(), req.extensions()),
                req.trailing().to_vec(),
            ),
            Err(e) => (
                format!("{:?} {:?}", e.kind(), e.request()),
                e.trailing().to_vec(),
            ),
        };
        trailing.extend_from_slice(&input[end..]);
        return (outcome, trailing);
    }
    ("partial".into(), Vec::new())
}

#[test]
fn every_split_of_a_request_gives_the_same_result() {
    let mut pipelined = CHROMIUM.to_vec();
    pipelined.extend(client_frame(0x81, b"first"));
    let invalid = request_with(
        &[("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 8"))],
        &[],
    );
    for input in [CHROMIUM.to_vec(), pipelined, invalid] {
        let whole = server_in_pieces(&input, &[]);
        assert_ne!(whole.0, "partial");
        for i in 0..=input.len() {
            assert_eq!(server_in_pieces(&input, &[i]), whole, "split at {i}");
        }
        for i in 0..input.len() {
            for j in (i..=input.len()).step_by(37) {
                assert_eq!(
                    server_in_pieces(&input, &[i, j]),
                    whole,
                    "split at {i}, {j}"
                );
            }
        }
        let bytewise: Vec<usize> = (1..input.len()).collect();
        assert_eq!(server_in_pieces(&input, &bytewise), whole);
    }
}

#[test]
fn every_split_of_a_response_gives_the_same_result() {
    let mut with_frame = NODE_WS_101.to_vec();
    with_frame.extend(server_frame(0x81, b"hi"));
    let refused = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nnope!".to_vec();
    let chunked = b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n".to_vec();
    for input in [with_frame, refused, chunked] {
        let run = |splits: &[usize]| {
            let mut hs = local_client();
            let mut start = 0;
            for &end in splits.iter().chain([&input.len()]) {
                match hs.handle_input(&input[start..end]) {
                    Ok(Status::Partial) => start = end,
                    Ok(Status::Complete(c)) => {
                        let mut trailing = c.trailing.clone();
                        trailing.extend_from_slice(&input[end..]);
                        return format!("{:?} {:?}", c.response, trailing);
                    }
                    Err(e) => return format!("{e:?}"),
                }
            }
            format!("partial; at eof: {:?}", hs.handle_eof())
        };
        let whole = run(&[]);
        assert!(!whole.starts_with("partial"), "{whole}");
        for i in 0..=input.len() {
            assert_eq!(run(&[i]), whole, "split at {i}");
        }
        let bytewise: Vec<usize> = (1..input.len()).collect();
        assert_eq!(run(&bytewise), whole);
    }
}

// ----- bytes after the handshake -----

#[test]
fn frames_pipelined_behind_the_request_reach_the_connection() {
    let mut input = CHROMIUM.to_vec();
    input.extend(client_frame(0x81, b"hello"));
    input.extend(client_frame(0x81, b"world"));
    let req = upgrade(&input);
    assert_eq!(req.trailing().len(), 22);
    let mut accepted = req.accept(Accept::new()).expect("accept");
    assert_eq!(
        feed(&mut accepted.connection, &accepted.trailing),
        [Ev::Text("hello".into()), Ev::Text("world".into())]
    );
}

#[test]
fn frames_right_behind_the_101_reach_the_connection() {
    let mut input = NODE_WS_101.to_vec();
    input.extend(server_frame(0x81, b"welcome"));
    input.extend(&server_frame(0x81, b"second")[..3]); // cut: the rest comes later
    let mut hs = local_client();
    let mut c = connected(&mut hs, &input);
    assert_eq!(
        feed(&mut c.connection, &c.trailing),
        [Ev::Text("welcome".into())]
    );
    assert_eq!(
        feed(&mut c.connection, &server_frame(0x81, b"second")[3..]),
        [Ev::Text("second".into())]
    );
}

// ----- client: refusals and violations -----

#[test]
fn refused_responses_are_handed_over_with_their_body() {
    // By Content-Length.
    let mut hs = local_client();
    let e = client_error(&mut hs, b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 12\r\n\r\nlog in first");
    assert_eq!(response_kind(&e), ResponseErrorKind::Refused);
    let resp = e.response().expect("response");
    assert_eq!(
        (resp.status(), resp.body(), resp.body_truncated()),
        (401, &b"log in first"[..], false)
    );
    assert_eq!(resp.headers().get_str("www-authenticate"), Some("Bearer"));
    // A redirect.
    let mut hs = local_client();
    let e = client_error(
        &mut hs,
        b"HTTP/1.1 302 Found\r\nLocation: wss://example.com/\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(
        e.response().and_then(|r| r.headers().get_str("location")),
        Some("wss://example.com/")
    );
    // Chunked.
    let mut hs = local_client();
    let e = client_error(
        &mut hs,
        b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n",
    );
    assert_eq!(e.response().map(|r| r.body()), Some(&b"busy"[..]));
    // Until the end of the transport.
    let mut hs = local_client();
    assert!(matches!(
        hs.handle_input(b"HTTP/1.1 500 Internal Server Error\r\n\r\nsomething "),
        Ok(Status::Partial)
    ));
    assert!(matches!(hs.handle_input(b"broke"), Ok(Status::Partial)));
    let e = hs.handle_eof();
    assert_eq!(response_kind(&e), ResponseErrorKind::Refused);
    assert_eq!(
        e.response()
            .map(|r| (r.status(), r.body(), r.body_truncated())),
        Some((500, &b"something broke"[..], false))
    );
    // Cut short by the transport.
    let mut hs = local_client();
    assert!(matches!(
        hs.handle_input(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\nno"),
        Ok(Status::Partial)
    ));
    let e = hs.handle_eof();
    assert_eq!(
        e.response().map(|r| (r.body(), r.body_truncated())),
        Some((&b"no"[..], true))
    );
}

#[test]
fn refused_body_is_bounded() {
    let mut config = HandshakeConfig::default();
    config.max_body_size = 8;
    let mut hs = ClientHandshake::new(
        ClientRequest::from_url("ws://a/").expect("url"),
        config,
        FixedRng::sample_nonce(),
    )
    .expect("valid");
    // Handed over at the limit, without waiting for the rest.
    let e = client_error(
        &mut hs,
        b"HTTP/1.1 500 Oops\r\nContent-Length: 1000000\r\n\r\n0123456789",
    );
    assert_eq!(
        e.response().map(|r| (r.body(), r.body_truncated())),
        Some((&b"01234567"[..], true))
    );
}

#[test]
fn interim_responses_are_skipped() {
    let mut hs = local_client();
    let mut input = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
    input.extend_from_slice(NODE_WS_101);
    assert_eq!(connected(&mut hs, &input).response.status(), 101);
}

#[test]
fn invalid_101_responses_fail() {
    let ok_accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    let cases: &[(&str, ResponseErrorKind)] = &[
        ("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nACCEPT\r\n\r\n", ResponseErrorKind::UpgradeNotWebSocket),
        ("HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nACCEPT\r\n\r\n", ResponseErrorKind::UpgradeNotWebSocket),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nACCEPT\r\n\r\n", ResponseErrorKind::ConnectionNotUpgrade),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", ResponseErrorKind::InvalidAccept),
        (
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n\r\n",
            ResponseErrorKind::InvalidAccept,
        ),
        (
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nACCEPT\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
            ResponseErrorKind::SubprotocolNotOffered,
        ),
        (
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nACCEPT\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            ResponseErrorKind::ExtensionNotOffered,
        ),
        (
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nACCEPT\r\nSec-WebSocket-Extensions: ;\r\n\r\n",
            ResponseErrorKind::InvalidExtensions(wsmachine::extension::ExtensionParseError::ExpectedToken(0)),
        ),
        ("HTTP/1.0 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nACCEPT\r\n\r\n", ResponseErrorKind::HttpVersion),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nX: a\r\n b\r\nACCEPT\r\n\r\n", ResponseErrorKind::Malformed),
        ("SSH-2.0-OpenSSH_9.6\r\n\r\n", ResponseErrorKind::Malformed),
    ];
    for (response, kind) in cases {
        let response = response.replace("ACCEPT", ok_accept);
        let mut hs = local_client();
        let e = client_error(&mut hs, response.as_bytes());
        assert_eq!(response_kind(&e), *kind, "{response}");
        // The machine is spent.
        assert_eq!(
            hs.handle_input(b"").map(|_| ()),
            Err(ClientError::Usage(UsageError::Finished))
        );
    }
    // The accept value is compared after trimming; case matters in base64.
    let mut hs = local_client();
    let _ = connected(&mut hs, b"HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \r\n\r\n");
}

#[test]
fn agreed_subprotocol_reaches_the_connection() {
    let request = ClientRequest::from_url("ws://localhost:8080/chat")
        .expect("url")
        .subprotocol("a")
        .subprotocol("b");
    let mut hs = client_handshake(request);
    let mut response = NODE_WS_101[..NODE_WS_101.len() - 2].to_vec();
    response.extend_from_slice(b"Sec-WebSocket-Protocol: b\r\n\r\n");
    assert_eq!(
        connected(&mut hs, &response).connection.subprotocol(),
        Some("b")
    );
}

#[test]
fn eof_before_the_response() {
    let mut hs = local_client();
    assert!(matches!(
        hs.handle_input(b"HTTP/1.1 101 Swi"),
        Ok(Status::Partial)
    ));
    assert_eq!(
        response_kind(&hs.handle_eof()),
        ResponseErrorKind::UnexpectedEof
    );
    assert_eq!(hs.handle_eof(), ClientError::Usage(UsageError::Finished));
}

// ----- caller misuse -----

#[test]
fn server_misuse_is_a_usage_error() {
    let offer = request_with(
        &[],
        &[
            "Sec-WebSocket-Protocol: chat",
            "Sec-WebSocket-Extensions: x-one",
        ],
    );
    let cases: Vec<(Accept, UsageError)> = vec![
        (
            Accept::new().subprotocol("superchat"),
            UsageError::SubprotocolNotOffered,
        ),
        (
            Accept::new().extension(Extension::new("permessage-deflate")),
            UsageError::ExtensionNotOffered,
        ),
        (
            Accept::new()
                .extension(Extension::new("x-one"))
                .extension(Extension::new("X-ONE")),
            UsageError::DuplicateExtension,
        ),
        (
            Accept::new().extension(Extension::new("x-one").param("p", "a b")),
            UsageError::InvalidExtension,
        ),
        (
            Accept::new().header("Sec-WebSocket-Accept", "forged"),
            UsageError::ReservedHeader,
        ),
        (
            Accept::new().header("connection", "close"),
            UsageError::ReservedHeader,
        ),
        (
            Accept::new().header("Set-Cookie", "a=1\r\nX-Injected: 1"),
            UsageError::InvalidHeaderValue,
        ),
        (
            Accept::new().header("Set Cookie", "a=1"),
            UsageError::InvalidHeaderName,
        ),
    ];
    for (accept, err) in cases {
        assert_eq!(
            upgrade(&offer)
                .accept(accept)
                .map(|a| a.response_bytes)
                .expect_err("misuse"),
            err
        );
    }
    let accepted = upgrade(&offer)
        .accept(
            Accept::new()
                .subprotocol("chat")
                .extension(Extension::new("x-one"))
                .header("Set-Cookie", "a=1"),
        )
        .expect("valid");
    let response = text(&accepted.response_bytes);
    assert!(response.contains("\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: x-one\r\nSet-Cookie: a=1\r\n\r\n"));
    assert_eq!(accepted.connection.subprotocol(), Some("chat"));
}

#[test]
fn client_misuse_is_a_usage_error() {
    let base = || ClientRequest::from_url("ws://a/").expect("url");
    let cases = [
        (base().subprotocol("a b"), UsageError::InvalidSubprotocol),
        (
            base().subprotocol("a").subprotocol("a"),
            UsageError::InvalidSubprotocol,
        ),
        (
            base().extension(Extension::new("")),
            UsageError::InvalidExtension,
        ),
        (base().header("Host", "other"), UsageError::ReservedHeader),
        (
            base().header("sec-websocket-key", "x"),
            UsageError::ReservedHeader,
        ),
        (
            base().header("Cookie", "a\nb"),
            UsageError::InvalidHeaderValue,
        ),
    ];
    for (request, err) in cases {
        assert_eq!(
            ClientHandshake::new(
                request,
                HandshakeConfig::default(),
                FixedRng::sample_nonce()
            )
            .map(|_| ()),
            Err(err)
        );
    }
}

// ----- round trip -----

#[test]
fn client_and_server_exchange_messages() {
    let request = ClientRequest::from_url("ws://[::1]:9001/echo?x=1")
        .expect("url")
        .subprotocol("echo.v1")
        .extension(Extension::new("x-test").param("level", "3"))
        .header("Origin", "http://[::1]:9001");
    let mut client = ClientHandshake::new(
        request,
        HandshakeConfig::default(),
        FixedRng::new(&[7, 1, 9, 200, 3]),
    )
    .expect("valid");
    let mut server = ServerHandshake::default();

    // Client → server, written in two pieces.
    let req = {
        let out = client.poll_output().to_vec();
        assert!(matches!(
            server.handle_input(&out[..10]),
            Ok(Status::Partial)
        ));
        match server.handle_input(&out[10..]) {
            Ok(Status::Complete(req)) => req,
            other => panic!("{other:?}"),
        }
    };
    client.advance_output(usize::MAX);
    assert_eq!(
        (
            req.request().path(),
            req.request().query(),
            req.request().host()
        ),
        ("/echo", Some("x=1"), Some("[::1]:9001"))
    );
    assert!(req.origin_allowed(&["http://[::1]:9001"]));
    let protocol = req
        .pick_subprotocol(&["echo.v1"])
        .map(String::from)
        .expect("offered");
    let ext = req.extensions()[0].clone();
    let mut accepted = req
        .accept(Accept::new().subprotocol(protocol).extension(ext))
        .expect("accept");

    // Server → client: the 101 with a first message right behind it.
    accepted.connection.send_text("hello client").expect("send");
    let mut wire = accepted.response_bytes.clone();
    wire.extend_from_slice(accepted.connection.poll_output());
    let n = accepted.connection.poll_output().len();
    accepted.connection.advance_output(n);
    let mut c = connected(&mut client, &wire);
    assert_eq!(c.connection.subprotocol(), Some("echo.v1"));
    assert_eq!(c.extensions, [Extension::new("x-test").param("level", "3")]);
    assert_eq!(
        feed(&mut c.connection, &c.trailing),
        [Ev::Text("hello client".into())]
    );

    // Client → server: masked with the handshake's randomness.
    c.connection.send_text("hello server").expect("send");
    let frame = c.connection.poll_output().to_vec();
    assert_eq!(frame[1] & 0x80, 0x80, "client frames are masked");
    assert_eq!(
        feed(&mut accepted.connection, &frame),
        [Ev::Text("hello server".into())]
    );
}
