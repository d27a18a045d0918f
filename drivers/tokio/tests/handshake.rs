//! The opening handshake through the driver: the server's decision
//! (accept with a subprotocol, refuse with a status, answer plain HTTP),
//! the client's headers and subprotocols, and the handshake timeout.

mod support;

use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use wsmachine_tokio::wsmachine::handshake::{Accept, Reply};
use wsmachine_tokio::{read_request, AcceptError, Client, ConnectError, Message, Options};

/// A server that accepts only `Authorization: Bearer good`, picking the
/// `chat.v2` subprotocol, and refuses anything else with 401.
async fn picky_server() -> std::net::SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let incoming = read_request(tcp, &Options::default()).await.unwrap();
                let request = incoming.request().unwrap();
                if request.headers().get_str("Authorization") != Some("Bearer good") {
                    let reply = Reply::new(401).body("who are you?");
                    return incoming.respond(reply).await.unwrap();
                }
                let upgrade = incoming.upgrade().unwrap();
                let picked = upgrade.pick_subprotocol(&["chat.v2"]).map(str::to_owned);
                let mut accept = Accept::new();
                if let Some(p) = picked {
                    accept = accept.subprotocol(p);
                }
                let ws = incoming.accept(accept).await.unwrap();
                echo(ws).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn headers_and_subprotocols_reach_the_server() {
    let addr = picky_server().await;
    let (mut ws, response) = Client::new(format!("ws://{addr}/"))
        .header("Authorization", "Bearer good")
        .subprotocol("chat.v3")
        .subprotocol("chat.v2")
        .connect()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get_str("Sec-WebSocket-Protocol"),
        Some("chat.v2")
    );
    assert_eq!(ws.subprotocol().as_deref(), Some("chat.v2"));
    ws.send("in").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("in".into())));
}

#[tokio::test]
async fn a_refusal_reaches_the_client_with_its_status() {
    let addr = picky_server().await;
    let result = Client::new(format!("ws://{addr}/"))
        .header("Authorization", "Bearer bad")
        .connect()
        .await;
    let Err(ConnectError::Handshake(e)) = result else {
        panic!("{result:?}")
    };
    let response = e.response().unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.body(), b"who are you?");
}

#[tokio::test]
async fn plain_http_gets_the_servers_answer() {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let incoming = read_request(tcp, &Options::default()).await.unwrap();
        assert!(incoming.error().unwrap().is_not_upgrade());
        assert_eq!(incoming.request().unwrap().path(), "/health");
        incoming
            .respond(Reply::new(200).body("ok\n"))
            .await
            .unwrap();
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    timeout(LIMIT, tcp.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok\n"), "{response}");
}

#[tokio::test]
async fn an_invalid_upgrade_is_answered_with_its_status() {
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        wsmachine_tokio::accept(tcp).await
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // Version 8: not 13.
    tcp.write_all(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    )
    .await
    .unwrap();
    let mut response = String::new();
    timeout(LIMIT, tcp.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 426"), "{response}");
    let result = server.await.unwrap();
    assert!(matches!(result, Err(AcceptError::Request(_))), "{result:?}");
}

#[tokio::test]
async fn a_request_that_trickles_in_times_out() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake_timeout = Duration::from_millis(200);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        read_request(tcp, &options).await.map(|_| ())
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // Slowloris: a byte now and then, never the end of the head.
    for byte in b"GET / HTTP/1.1\r\nHost" {
        if server.is_finished() {
            break;
        }
        let _ = tcp.write_all(&[*byte]).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = timeout(LIMIT, server).await.unwrap().unwrap();
    assert!(matches!(result, Err(AcceptError::Timeout)), "{result:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_the_client_out() {
    let (listener, addr) = listener().await;
    let _hold = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio::time::sleep(LIMIT).await;
        drop(tcp);
    });
    let result = Client::new(format!("ws://{addr}/"))
        .handshake_timeout(Duration::from_millis(200))
        .connect()
        .await;
    assert!(matches!(result, Err(ConnectError::Timeout)), "{result:?}");
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn permessage_deflate_is_negotiated_and_used() {
    use wsmachine_tokio::wsmachine::extension::deflate::DeflateConfig;
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (mut ws, response) = Client::new(format!("ws://{addr}/"))
        .deflate(DeflateConfig::default())
        .connect()
        .await
        .unwrap();
    let agreed = response
        .headers()
        .get_str("Sec-WebSocket-Extensions")
        .unwrap();
    assert!(agreed.starts_with("permessage-deflate"), "{agreed}");
    let text = "compressible ".repeat(1000);
    ws.send(text.as_str()).await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text(text)));
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn a_decoded_message_streams_out_whole_from_one_read() {
    // One small compressed frame decodes into many chunks of at most
    // `max_chunk_size`: the reader gets them all, though the peer sends
    // nothing more (each is decoded from bytes read already, as the reader
    // asks for it).
    use wsmachine_tokio::wsmachine::extension::deflate::DeflateConfig;
    use wsmachine_tokio::wsmachine::{Delivery, MessageKind};
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let mut options = Options::default();
    options.handshake.connection.delivery = Delivery::Chunks;
    options.handshake.connection.max_chunk_size = 1024;
    let (mut ws, response) = Client::new(format!("ws://{addr}/"))
        .deflate(DeflateConfig::default())
        .options(options)
        .connect()
        .await
        .unwrap();
    let agreed = response.headers().get_str("Sec-WebSocket-Extensions");
    assert!(agreed.is_some_and(|a| a.starts_with("permessage-deflate")));
    let text = "compressible ".repeat(2000);
    ws.send(text.as_str()).await.unwrap();
    let mut got = Vec::new();
    let mut chunks = 0;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), ws.recv()).await;
        match next.expect("the next chunk within 5 s") {
            Some(Message::Chunk { kind, data, fin }) => {
                assert_eq!(kind, MessageKind::Text);
                assert!(data.len() <= 1024, "{}", data.len());
                got.extend_from_slice(&data);
                chunks += 1;
                if fin {
                    break;
                }
            }
            other => panic!("expected a chunk, got {other:?}"),
        }
    }
    assert_eq!(got, text.as_bytes());
    assert!(chunks >= text.len() / 1024, "{chunks} chunks");
}

/// A compressible message that decodes into about a thousand chunks of
/// `max_chunk_size` 1000 from a few KiB on the wire.
#[cfg(feature = "deflate")]
fn record_stream() -> Vec<u8> {
    b"{\"k\":1}".iter().copied().cycle().take(1 << 20).collect()
}

/// A client with permessage-deflate, delivering chunks of at most 1000
/// bytes, to a raw server at `listener` that sends `message` compressed in
/// one frame, then ends the stream without a Close.
#[cfg(feature = "deflate")]
async fn chunks_then_end(
    listener: tokio::net::TcpListener,
    message: &[u8],
) -> wsmachine_tokio::WebSocket {
    use wsmachine::extension::deflate::DeflateConfig;
    use wsmachine::extension::{format_extensions, parse_extensions, Negotiate};
    use wsmachine::Delivery;
    let addr = listener.local_addr().unwrap();
    let client = tokio::spawn(async move {
        let mut options = Options::default();
        options.handshake.connection.delivery = Delivery::Chunks;
        options.handshake.connection.max_chunk_size = 1000;
        // miniz_oxide's inflater uses every byte of this stream while
        // about 30 chunks of its output are still to come.
        let mut deflate = DeflateConfig::default();
        deflate.backend = wsmachine::extension::deflate::Backend::MinizOxide;
        let (ws, _) = Client::new(format!("ws://{addr}/"))
            .deflate(deflate)
            .options(options)
            .connect()
            .await
            .unwrap();
        ws
    });
    let (mut tcp, _) = listener.accept().await.unwrap();
    let head = read_head(&mut tcp).await;
    let field = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let offer = parse_extensions(field("Sec-WebSocket-Extensions: ").as_bytes()).unwrap();
    let (answer, codec) = DeflateConfig::default().accept(&offer[0]).unwrap();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: {}\r\n\r\n",
        wsmachine::handshake::accept_key(&field("Sec-WebSocket-Key: ")),
        format_extensions(&[answer]).unwrap()
    );
    tcp.write_all(response.as_bytes()).await.unwrap();
    let mut server =
        wsmachine::Connection::server(wsmachine::Config::default()).with_codec(Box::new(codec));
    server.send_binary(message).unwrap();
    let mut wire = Vec::new();
    server.take_output(&mut wire);
    assert!(wire.len() < 16 << 10, "{} bytes on the wire", wire.len());
    tcp.write_all(&wire).await.unwrap();
    tcp.shutdown().await.unwrap();
    let ws = timeout(LIMIT, client).await.unwrap().unwrap();
    // The end of the stream is read while the reader takes its time.
    drop(tcp);
    ws
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn a_decoded_message_cut_by_the_end_of_the_stream_comes_out_whole_first() {
    // The reader yields after each chunk, so the driver reads the end of
    // the stream while the decoder still holds output of bytes read: the
    // reader gets the whole message (its bytes all arrived), then the 1006
    // of the end.
    let message = record_stream();
    let (listener, _) = listener().await;
    let mut ws = chunks_then_end(listener, &message).await;
    let (mut got, mut fin_seen) = (Vec::new(), false);
    while let Some(next) = timeout(LIMIT, ws.recv()).await.expect("within the limit") {
        let Message::Chunk { data, fin, .. } = next else {
            panic!("expected a chunk, got {next:?}");
        };
        got.extend_from_slice(&data);
        fin_seen |= fin;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(got == message, "{} of {} bytes", got.len(), message.len());
    assert!(fin_seen);
    let closed = ws.closed().await;
    assert_eq!(closed.code, wsmachine::CloseCode::ABNORMAL);
    assert!(!closed.clean);
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn a_reader_gone_after_the_end_of_the_stream_lets_the_connection_end() {
    // The reader goes before the last chunks: nobody will ask for those the
    // decoder still holds, so the driver feeds them and the end of the
    // stream applies (1006), instead of waiting forever.
    let message = record_stream();
    let (listener, _) = listener().await;
    let ws = chunks_then_end(listener, &message).await;
    let (mut reader, writer) = ws.split();
    // Taken slowly up to the last 20 kB, so that the driver has read every
    // byte and the end of the stream.
    let mut got = 0;
    while got + 20_000 < message.len() {
        let next = timeout(LIMIT, reader.recv()).await.unwrap();
        let Some(Message::Chunk {
            data, fin: false, ..
        }) = next
        else {
            panic!("expected a chunk that is not the last, got {next:?}");
        };
        got += data.len();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(reader);
    let closed = timeout(LIMIT, writer.closed())
        .await
        .expect("the end within the limit");
    assert_eq!(closed.code, wsmachine::CloseCode::ABNORMAL);
}
