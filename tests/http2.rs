//! WebSockets over HTTP/2 (RFC 8441) against the `hyper_server` example's
//! service, with an in-process h2 client that opens extended-CONNECT streams
//! on one connection; and the same service over HTTP/1.1 through hyper.

#[path = "../examples/support/accept.rs"]
mod accept;
#[path = "../examples/support/echo.rs"]
mod echo;
#[path = "../examples/support/http_service.rs"]
mod http_service;
#[path = "http2_kit/mod.rs"]
mod kit;
#[path = "../examples/support/tokio_drive.rs"]
#[allow(dead_code)]
mod tokio_drive;

use std::time::Duration;

use kit::*;
use wsmachine::{CloseCause, CloseCode};
use wsmachine_testkit::Ev;

#[tokio::test]
async fn several_websockets_on_one_connection() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        let mut h2 = H2::connect(server.addr, None).await;
        let mut streams = Vec::new();
        for i in 0..3 {
            streams.push(h2.open(request(), i).await.expect("opened"));
        }
        // Nothing was offered, so nothing was agreed.
        assert!(streams.iter().all(|ws| ws.extensions.is_empty()));
        for (i, ws) in streams.iter_mut().enumerate() {
            let text = format!("hello on stream {i}");
            ws.conn.send_text(&text).expect("send");
            ws.flush().await;
            assert_eq!(ws.events().await, vec![Ev::Text(text)]);
            ws.conn.send_binary(&[i as u8; 300]).expect("send");
            ws.flush().await;
            assert_eq!(ws.events().await, vec![Ev::Binary(vec![i as u8; 300])]);
        }
        // Fragments and a ping between them.
        let ws = &mut streams[1];
        ws.conn
            .begin_message(wsmachine::MessageKind::Text)
            .expect("begin");
        ws.conn.send_fragment(b"frag").expect("fragment");
        ws.conn.send_ping(b"p").expect("ping");
        ws.conn.finish_message(b"mented").expect("finish");
        ws.flush().await;
        let mut got = ws.events().await;
        while got.len() < 2 {
            got.extend(ws.events().await);
        }
        assert_eq!(
            got,
            vec![Ev::Pong(b"p".to_vec()), Ev::Text("fragmented".into())]
        );
        // Every stream closes with the handshake, from our side.
        for ws in &mut streams {
            ws.close_from_client().await;
        }
        for _ in 0..3 {
            let (over, outcome) = server.outcome().await;
            assert_eq!(over, "HTTP/2");
            let outcome = outcome.expect("closed");
            assert_eq!((outcome.code, outcome.clean), (CloseCode::NORMAL, true));
        }
    })
    .await;
}

#[tokio::test]
async fn the_server_closes_first_on_a_violation() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        let mut h2 = H2::connect(server.addr, None).await;
        let mut ws = h2.open(request(), 1).await.expect("opened");
        // A text frame that is not UTF-8: the server fails the connection
        // with 1007 and its Close comes first.
        ws.send_raw(&wsmachine_testkit::client_frame(0x81, &[0xff, 0xfe]))
            .await;
        let events = ws.events_until_closed().await;
        assert!(
            events.iter().any(|e| matches!(e, Ev::Close(Some(1007), _))),
            "{events:?}"
        );
        let (_, outcome) = server.outcome().await;
        let outcome = outcome.expect("closed");
        // Failed by the server: it sent 1007 and did not wait for an answer
        // (1006: no Close received).
        assert_eq!((outcome.code, outcome.clean), (CloseCode::ABNORMAL, false));
        assert!(
            matches!(outcome.cause, CloseCause::Violation(_)),
            "{outcome:?}"
        );
        // Our side ended with END_STREAM after the handshake.
        assert!(ws.conn.is_closed());
    })
    .await;
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn permessage_deflate_over_http2() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        let mut h2 = H2::connect(server.addr, None).await;
        let offer = request().negotiate(wsmachine::extension::deflate::DeflateConfig::default());
        let mut ws = h2.open(offer, 1).await.expect("opened");
        assert_eq!(ws.extensions.len(), 1);
        assert!(ws.conn.has_codec());
        let text = "compressible ".repeat(2000);
        ws.conn.send_text(&text).expect("send");
        let sent = ws.flush().await;
        assert!(
            sent < text.len() / 10,
            "{sent} bytes on the wire for {}",
            text.len()
        );
        assert_eq!(ws.events().await, vec![Ev::Text(text)]);
        ws.close_from_client().await;
    })
    .await;
}

#[tokio::test]
async fn rst_stream_in_the_middle_of_a_message_is_an_abort() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        let mut h2 = H2::connect(server.addr, None).await;
        let mut ws = h2.open(request(), 1).await.expect("opened");
        let mut other = h2.open(request(), 2).await.expect("opened");
        ws.conn
            .begin_message(wsmachine::MessageKind::Binary)
            .expect("begin");
        ws.conn.send_fragment(&[7; 1000]).expect("fragment");
        ws.flush().await;
        ws.reset();
        let (over, outcome) = server.outcome().await;
        assert_eq!(over, "HTTP/2");
        let outcome = outcome.expect("closed");
        // Closed without a Close frame: 1006, not clean, the end of input.
        assert_eq!((outcome.code, outcome.clean), (CloseCode::ABNORMAL, false));
        assert_eq!(outcome.cause, CloseCause::Eof);
        // The other stream on the connection goes on.
        other.conn.send_text("still here").expect("send");
        other.flush().await;
        assert_eq!(other.events().await, vec![Ev::Text("still here".into())]);
        other.close_from_client().await;
    })
    .await;
}

#[tokio::test]
async fn output_goes_out_within_the_flow_control_window() {
    bounded(async {
        // Both ends grant 1 KiB per stream: each side writes in pieces.
        let mut settings = Server::settings();
        settings.stream_window = Some(1024);
        let server = Server::start(settings).await;
        let mut h2 = H2::connect(server.addr, Some(1024)).await;
        let mut ws = h2.open(request(), 1).await.expect("opened");
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        ws.conn.send_binary(&data).expect("send");
        ws.flush().await;
        assert!(ws.pieces.len() >= 20, "pieces {:?}", ws.pieces);
        assert!(
            ws.pieces.iter().all(|&n| n <= 1024),
            "pieces {:?}",
            ws.pieces
        );
        let mut got = ws.events().await;
        while got.is_empty() {
            got = ws.events().await;
        }
        assert_eq!(got, vec![Ev::Binary(data)]);
        // The echo came in DATA frames within our window.
        assert!(
            ws.received.len() >= 20 && ws.received.iter().all(|&n| n <= 1024),
            "{:?}",
            ws.received
        );
        ws.close_from_client().await;
    })
    .await;
}

#[tokio::test]
async fn refused_streams() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        let mut h2 = H2::connect(server.addr, None).await;
        // Version 8: 400 with the version to use (HTTP/2 has no 426).
        let response = h2
            .refused(request(), |r| {
                r.headers_mut()
                    .insert("sec-websocket-version", "8".parse().expect("value"));
            })
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()["sec-websocket-version"], "13");
        // An Origin that is not the server's own: 403.
        let evil = request().header("Origin", "https://evil.example");
        assert_eq!(h2.refused(evil, |_| {}).await.status(), 403);
        // The connection still serves WebSockets.
        let mut ws = h2.open(request(), 1).await.expect("opened");
        ws.close_from_client().await;
    })
    .await;
}

#[tokio::test]
async fn a_server_without_the_setting_gives_a_clear_error() {
    bounded(async {
        let mut settings = Server::settings();
        settings.connect_protocol = false;
        let server = Server::start(settings).await;
        let mut h2 = H2::connect(server.addr, None).await;
        let e = h2.open(request(), 1).await.expect_err("not advertised");
        assert!(matches!(e, OpenError::NotAdvertised), "{e:?}");
        // Sending anyway ends in a reset of the stream, not a hang.
        let e = h2.open_unchecked(request(), 1).await.expect_err("refused");
        assert!(matches!(e, OpenError::Http2(_)), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn http1_through_hyper() {
    bounded(async {
        let server = Server::start(Server::settings()).await;
        assert!(kit::http1_page(server.addr)
            .await
            .contains("<title>wsmachine echo</title>"));
        let mut ws = kit::http1_open(server.addr, request()).await;
        ws.conn.send_text("over HTTP/1.1").expect("send");
        assert_eq!(ws.exchange().await, vec![Ev::Text("over HTTP/1.1".into())]);
        ws.conn.close(CloseCode::NORMAL, "bye").expect("close");
        let events = ws.exchange_until_closed().await;
        assert!(
            events.iter().any(|e| matches!(e, Ev::Close(Some(1000), _))),
            "{events:?}"
        );
        let (over, outcome) = server.outcome().await;
        assert_eq!(over, "HTTP/1.1");
        assert_eq!(outcome.map(|o| o.clean), Some(true));
    })
    .await;
}

/// Runs a test within 20 seconds.
async fn bounded(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(20), test)
        .await
        .expect("the test finished in time");
}

/// The route of the `axum_server` example: axum 0.8 advertises extended
/// CONNECT and passes hyper's `:protocol` on, so one handler serves both.
#[tokio::test]
async fn an_axum_route_serves_http2_and_http1() {
    bounded(async {
        async fn route(req: axum::extract::Request) -> axum::response::Response {
            http_service::handle(req, None).map(axum::body::Body::new)
        }
        let app = axum::Router::new().route("/", axum::routing::any(route));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut h2 = H2::connect(addr, None).await;
        let mut ws = h2.open(request(), 1).await.expect("opened over HTTP/2");
        ws.conn.send_text("axum over HTTP/2").expect("send");
        ws.flush().await;
        assert_eq!(ws.events().await, vec![Ev::Text("axum over HTTP/2".into())]);
        ws.close_from_client().await;
        let mut ws = kit::http1_open(addr, request()).await;
        ws.conn.send_text("axum over HTTP/1.1").expect("send");
        assert_eq!(
            ws.exchange().await,
            vec![Ev::Text("axum over HTTP/1.1".into())]
        );
    })
    .await;
}
