//! Client and server over ws:// on loopback: messages both ways, and every
//! way a connection ends, observed from both ends and from the wire.

mod support;

use std::time::Duration;

use support::*;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;
use wsmachine_tokio::wsmachine::{CloseCause, CloseCode, Keepalive};
use wsmachine_tokio::{connect, Client, Message, Options};

#[tokio::test]
async fn echo_then_client_close_is_clean_on_both_ends() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    let (mut ws, response) = connect(&format!("ws://{addr}/chat")).await.unwrap();
    assert_eq!(response.status(), 101);
    ws.send("hello").await.unwrap();
    ws.send(vec![1u8, 2, 3]).await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("hello".into())));
    assert_eq!(ws.recv().await, Some(Message::Binary(vec![1, 2, 3])));
    let closed = timeout(LIMIT, ws.close(CloseCode::NORMAL, "bye"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.code, CloseCode::NORMAL);
    assert!(closed.clean);
    assert_eq!(
        closed.cause,
        CloseCause::Handshake {
            initiated_locally: true
        }
    );
    // The client waited for the server's end of stream: no error, no
    // linger timeout.
    assert_eq!(closed.io_error, None);
    let server = timeout(LIMIT, outcomes.recv()).await.unwrap().unwrap();
    assert!(server.clean);
    assert_eq!(server.reason, "bye");
    assert_eq!(
        server.cause,
        CloseCause::Handshake {
            initiated_locally: false
        }
    );
    // The server's Close came as the last message.
    assert_eq!(
        ws.recv().await,
        Some(Message::Close(Some((CloseCode::NORMAL, String::new()))))
    );
    assert_eq!(ws.recv().await, None);
    assert_eq!(ws.send("late").await, Err(wsmachine_tokio::Error::Closed));
}

#[tokio::test]
async fn server_closes_tcp_first_after_the_close_handshake() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let mut tcp = raw_client(addr).await;
    tcp.write_all(&masked(0x88, &[0x03, 0xe8])).await.unwrap();
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((first, payload), (0x88, vec![0x03, 0xe8]));
    // RFC 6455 §7.1.1: the server closes the TCP connection first; the
    // client has not closed its side.
    assert_eq!(eof_within(&mut tcp, LIMIT).await, Some(true));
}

#[tokio::test]
async fn client_waits_for_the_server_to_close_tcp() {
    let (listener, addr) = listener().await;
    let client = tokio::spawn(async move {
        let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
        ws.close(CloseCode::NORMAL, "").await.unwrap()
    });
    let mut tcp = raw_server(&listener).await;
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((first, payload), (0x88, vec![0x03, 0xe8]));
    tcp.write_all(&unmasked(0x88, &[0x03, 0xe8])).await.unwrap();
    // The close handshake is done, but the client leaves the TCP close to
    // the server: no end of stream from it for a while.
    assert_eq!(eof_within(&mut tcp, Duration::from_millis(300)).await, None);
    tcp.shutdown().await.unwrap();
    let closed = timeout(LIMIT, client).await.unwrap().unwrap();
    assert!(closed.clean);
    assert_eq!(closed.io_error, None);
    assert_eq!(eof_within(&mut tcp, LIMIT).await, Some(true));
}

#[tokio::test]
async fn peer_vanishing_ends_with_1006() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    let tcp = raw_client(addr).await;
    drop(tcp);
    let server = timeout(LIMIT, outcomes.recv()).await.unwrap().unwrap();
    assert_eq!(server.code, CloseCode::ABNORMAL);
    assert!(!server.clean);
    assert_eq!(server.cause, CloseCause::Eof);
}

#[tokio::test]
async fn protocol_violation_is_answered_and_reported() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    let mut tcp = raw_client(addr).await;
    // An unmasked frame from a client (RFC 6455 §5.1): 1002.
    tcp.write_all(&unmasked(0x81, b"hi")).await.unwrap();
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!(first, 0x88);
    assert_eq!(&payload[..2], &[0x03, 0xea]);
    let server = timeout(LIMIT, outcomes.recv()).await.unwrap().unwrap();
    // The connection failed without a close handshake: 1006, with the
    // violation and the code sent to the peer as its cause.
    assert_eq!(server.code, CloseCode::ABNORMAL);
    assert!(!server.clean);
    let CloseCause::Violation(error) = server.cause else {
        panic!("{server:?}")
    };
    assert_eq!(error.close_code(), CloseCode::PROTOCOL_ERROR);
    assert_eq!(eof_within(&mut tcp, LIMIT).await, Some(true));
}

#[tokio::test]
async fn keepalive_pings_then_times_out_a_silent_peer() {
    let mut options = Options::default();
    options.handshake.connection.keepalive = Some(Keepalive {
        idle: Duration::from_millis(100),
        timeout: Duration::from_millis(150),
    });
    let (addr, mut outcomes) = echo_server(options).await;
    let mut tcp = raw_client(addr).await;
    // The driver pings on its own clock, with nobody sending.
    let (first, _) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!(first, 0x89);
    let server = timeout(LIMIT, outcomes.recv()).await.unwrap().unwrap();
    assert_eq!(server.cause, CloseCause::KeepaliveTimeout);
    assert!(!server.clean);
}

#[tokio::test]
async fn close_timeout_ends_a_handshake_the_peer_ignores() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake.connection.close_timeout = Duration::from_millis(200);
    let client = tokio::spawn(async move {
        let (mut ws, _) = Client::new(format!("ws://{addr}/"))
            .options(options)
            .connect()
            .await
            .unwrap();
        ws.close(CloseCode::NORMAL, "").await.unwrap()
    });
    let mut tcp = raw_server(&listener).await;
    let (first, _) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!(first, 0x88);
    // No reply: the client gives up after its close timeout.
    let closed = timeout(LIMIT, client).await.unwrap().unwrap();
    assert_eq!(closed.cause, CloseCause::CloseTimeout);
    assert!(!closed.clean);
}

#[tokio::test]
async fn pings_are_answered_while_nobody_sends() {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = wsmachine_tokio::accept(tcp).await.unwrap();
        // The reader half receives; nobody ever sends.
        let (mut reader, _writer) = ws.split();
        while reader.recv().await.is_some() {}
    });
    let mut tcp = raw_client(addr).await;
    tcp.write_all(&masked(0x89, b"are you there"))
        .await
        .unwrap();
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((first, payload.as_slice()), (0x8a, &b"are you there"[..]));
}

#[tokio::test]
async fn dropping_every_handle_closes_with_1000() {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = wsmachine_tokio::accept(tcp).await.unwrap();
        drop(ws);
    });
    let mut tcp = raw_client(addr).await;
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((first, payload), (0x88, vec![0x03, 0xe8]));
}

#[tokio::test]
async fn close_dropped_after_its_first_poll_still_completes() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    {
        let close = ws.close(CloseCode::GOING_AWAY, "");
        // Polled once, then dropped.
        let _ = timeout(Duration::from_nanos(1), close).await;
    }
    let closed = timeout(LIMIT, ws.closed()).await.unwrap();
    assert_eq!(closed.code, CloseCode::GOING_AWAY);
    assert!(closed.clean);
    assert!(
        timeout(LIMIT, outcomes.recv())
            .await
            .unwrap()
            .unwrap()
            .clean
    );
}

#[tokio::test]
async fn cancelled_recv_loses_no_message() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    // Nothing to receive yet: the call is cancelled.
    assert!(timeout(Duration::from_millis(50), ws.recv()).await.is_err());
    ws.send("after").await.unwrap();
    let got = timeout(LIMIT, ws.recv()).await.unwrap();
    assert_eq!(got, Some(Message::Text("after".into())));
}

#[tokio::test]
async fn a_peer_that_stops_reading_cannot_hold_a_closed_connection() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake.connection.close_timeout = Duration::from_millis(200);
    options.linger = Duration::from_millis(200);
    let client = Client::new(format!("ws://{addr}/"))
        .options(options)
        .connect();
    let (client, _server) = tokio::join!(client, raw_server(&listener));
    let (ws, _) = client.unwrap();
    let (_reader, mut writer) = ws.split();
    // The server reads nothing: fill the kernel's buffers and the driver's.
    let mut queued = 0;
    while writer.try_send(vec![0u8; 64 * 1024]).is_ok() {
        queued += 1;
        assert!(queued < 2000, "never over the mark");
        tokio::task::yield_now().await;
    }
    // The close times out, and the output left unwritten does not keep the
    // driver waiting beyond the linger.
    let closed = timeout(LIMIT, writer.close(CloseCode::NORMAL, ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.cause, CloseCause::CloseTimeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_just_before_a_close_are_answered_before_the_close_reply() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    for _ in 0..10 {
        let mut tcp = raw_client(addr).await;
        // Two messages and the Close in one write: one read on the server.
        let mut bytes = masked(0x81, b"a");
        bytes.extend(masked(0x81, b"b"));
        bytes.extend(masked(0x88, &[0x03, 0xe8]));
        tcp.write_all(&bytes).await.unwrap();
        let a = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
        let b = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
        let close = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
        assert_eq!((a.0, a.1.as_slice()), (0x81, &b"a"[..]));
        assert_eq!((b.0, b.1.as_slice()), (0x81, &b"b"[..]));
        assert_eq!(close.0, 0x88);
        assert_eq!(eof_within(&mut tcp, LIMIT).await, Some(true));
        drop(tcp);
        assert!(
            timeout(LIMIT, outcomes.recv())
                .await
                .unwrap()
                .unwrap()
                .clean
        );
    }
}

#[tokio::test]
async fn a_close_behind_messages_nobody_takes_is_answered_after_the_close_timeout() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake.connection.close_timeout = Duration::from_millis(200);
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let incoming = wsmachine_tokio::read_request(tcp, &options).await.unwrap();
        let ws = incoming
            .accept(wsmachine_tokio::default_accept())
            .await
            .unwrap();
        // Never receives.
        tokio::time::sleep(LIMIT).await;
        drop(ws);
    });
    let mut tcp = raw_client(addr).await;
    let mut bytes = masked(0x81, b"unread");
    bytes.extend(masked(0x88, &[0x03, 0xe8]));
    tcp.write_all(&bytes).await.unwrap();
    let close = timeout(Duration::from_secs(2), read_frame(&mut tcp))
        .await
        .unwrap();
    assert_eq!(close, (0x88, vec![0x03, 0xe8]));
}

#[tokio::test]
async fn a_message_before_a_violation_is_answered_before_the_failure() {
    let (addr, mut outcomes) = echo_server(Options::default()).await;
    let mut tcp = raw_client(addr).await;
    // A message, then a continuation with nothing to continue (Autobahn
    // 5.15's shape), in one write.
    let mut bytes = masked(0x81, b"first");
    bytes.extend(masked(0x00, b"orphan"));
    tcp.write_all(&bytes).await.unwrap();
    let echo = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((echo.0, echo.1.as_slice()), (0x81, &b"first"[..]));
    let close = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((close.0, &close.1[..2]), (0x88, &[0x03, 0xea][..]));
    drop(tcp);
    let server = timeout(LIMIT, outcomes.recv()).await.unwrap().unwrap();
    assert!(matches!(server.cause, CloseCause::Violation(_)));
}
