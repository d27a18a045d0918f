//! Traffic through the driver: split halves under load, backpressure and
//! the cancellation of a waiting send, graceful shutdown, a CONNECT proxy,
//! and what an idle connection holds.

mod support;

use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;
use wsmachine_tokio::wsmachine::{CloseCause, CloseCode};
use wsmachine_tokio::{connect, Client, GracefulShutdown, Message, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_in_two_tasks_under_load() {
    const COUNT: usize = 3000;
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    let (mut reader, mut writer) = ws.split();
    let sender = tokio::spawn(async move {
        for i in 0..COUNT {
            // Sizes from 1 byte to past a read chunk.
            let len = 1 + (i * 7919) % 20_000;
            let mut data = vec![(i % 251) as u8; len];
            data[0] = (i % 256) as u8;
            writer.send(data).await.unwrap();
            if i % 500 == 0 {
                writer.send(Message::Ping(vec![1])).await.unwrap();
            }
        }
        writer
    });
    let mut received = 0;
    while received < COUNT {
        match timeout(LIMIT, reader.recv()).await.unwrap().unwrap() {
            Message::Binary(data) => {
                assert_eq!(data.len(), 1 + (received * 7919) % 20_000);
                assert_eq!(data[0], (received % 256) as u8);
                received += 1;
            }
            Message::Pong(_) => {}
            other => panic!("{other:?}"),
        }
    }
    let mut writer = sender.await.unwrap();
    let closed = timeout(LIMIT, writer.close(CloseCode::NORMAL, ""))
        .await
        .unwrap()
        .unwrap();
    assert!(closed.clean);
    let ws = wsmachine_tokio::WebSocket::reunite(reader, writer).unwrap();
    assert_eq!(ws.close_outcome(), Some(closed));
}

#[tokio::test]
async fn send_waits_over_the_high_water_mark_and_a_cancelled_send_sends_nothing() {
    const SIZE: usize = 64 * 1024;
    // 2 + 8 bytes of header with a 64-bit length, 4 of mask.
    const FRAME: usize = SIZE + 14;
    let (listener, addr) = listener().await;
    let client = Client::new(format!("ws://{addr}/")).connect();
    let (client, mut server) = tokio::join!(client, raw_server(&listener));
    let (mut ws, _) = client.unwrap();
    // The server does not read: the kernel's buffers fill, then the
    // driver's output passes the mark and `send` waits.
    let mut sent = 0;
    loop {
        assert!(sent < 2000, "send never waited");
        let send = ws.send(vec![7u8; SIZE]);
        match timeout(Duration::from_millis(300), send).await {
            Ok(result) => {
                result.unwrap();
                sent += 1;
            }
            Err(_) => break, // waiting: cancelled
        }
    }
    // The close waits for the peer: it runs in its own task.
    let closing = tokio::spawn(async move { ws.close(CloseCode::NORMAL, "").await });
    // Everything queued arrives, the cancelled message does not, then the
    // Close frame.
    let mut all = vec![0u8; sent * FRAME + 8];
    timeout(LIMIT, server.read_exact(&mut all))
        .await
        .unwrap()
        .unwrap();
    for frame in all[..sent * FRAME].chunks(FRAME) {
        assert_eq!(&frame[..2], &[0x82, 0xff]);
    }
    assert_eq!(&all[sent * FRAME..sent * FRAME + 2], &[0x88, 0x82]);
    server
        .write_all(&unmasked(0x88, &[0x03, 0xe8]))
        .await
        .unwrap();
    server.shutdown().await.unwrap();
    assert!(
        timeout(LIMIT, closing)
            .await
            .unwrap()
            .unwrap()
            .unwrap()
            .clean
    );
}

#[tokio::test]
async fn reading_pauses_while_received_messages_wait() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.read_high_water = 16 * 1024;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let incoming = wsmachine_tokio::read_request(tcp, &options).await.unwrap();
        let ws = incoming
            .accept(wsmachine_tokio::default_accept())
            .await
            .unwrap();
        // Nobody receives for a while.
        tokio::time::sleep(Duration::from_millis(600)).await;
        ws
    });
    let (mut client, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    // The server stops reading at its mark, so the client's sends wait
    // once the kernel's buffers are full.
    let mut blocked = false;
    for _ in 0..2000 {
        if timeout(
            Duration::from_millis(200),
            client.send(vec![1u8; 64 * 1024]),
        )
        .await
        .is_err()
        {
            blocked = true;
            break;
        }
    }
    assert!(blocked, "the server read without bound");
    let mut ws = server.await.unwrap();
    // Receiving resumes the reading.
    let message = timeout(LIMIT, ws.recv()).await.unwrap().unwrap();
    assert_eq!(message, Message::Binary(vec![1u8; 64 * 1024]));
}

#[tokio::test]
async fn graceful_shutdown_closes_every_connection_with_1001() {
    let shutdown = GracefulShutdown::new();
    let mut options = Options::default();
    options.shutdown = Some(shutdown.clone());
    let (addr, mut outcomes) = echo_server(options).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
        ws.send("x").await.unwrap();
        assert!(ws.recv().await.is_some());
        clients.push(tokio::spawn(async move {
            while ws.recv().await.is_some() {}
            ws.closed().await
        }));
    }
    let left = timeout(LIMIT, shutdown.shutdown(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(left, 0);
    for client in clients {
        let closed = timeout(LIMIT, client).await.unwrap().unwrap();
        assert_eq!(closed.code, CloseCode::GOING_AWAY);
        assert!(closed.clean);
        assert_eq!(
            closed.cause,
            CloseCause::Handshake {
                initiated_locally: false
            }
        );
    }
    for _ in 0..3 {
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
async fn through_a_connect_proxy() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (proxy_addr, tunnel) = proxy().await;
    let (mut ws, _) = Client::new(format!("ws://{addr}/"))
        .proxy(format!("http://{proxy_addr}"))
        .connect()
        .await
        .unwrap();
    ws.send("tunnelled").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("tunnelled".into())));
    assert!(ws.close(CloseCode::NORMAL, "").await.unwrap().clean);
    assert_eq!(
        timeout(LIMIT, tunnel).await.unwrap().unwrap(),
        addr.to_string()
    );
}

#[tokio::test]
async fn a_refusing_proxy_fails_the_connect() {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (mut client, _) = listener.accept().await.unwrap();
        read_head(&mut client).await;
        let _ = client
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let result = Client::new("ws://127.0.0.1:9/")
        .proxy(addr.to_string())
        .connect()
        .await;
    assert!(
        matches!(result, Err(wsmachine_tokio::ConnectError::Io(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_idle_connection_holds_no_buffer_after_traffic() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    // Messages larger than a read, and many small ones.
    ws.send(vec![3u8; 200_000]).await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Binary(vec![3u8; 200_000])));
    for _ in 0..100 {
        ws.send("small").await.unwrap();
    }
    for _ in 0..100 {
        ws.recv().await.unwrap();
    }
    ws.flush().await.unwrap();
    // No read, message or output buffer: what is left is the connection's
    // small box of extras (the client's randomness), under 256 bytes.
    let held = ws.heap_bytes();
    assert!(held < 256, "{held} bytes held while idle");
}

#[tokio::test]
async fn the_last_large_message_leaves_no_buffer_behind() {
    // Nothing follows the message: the connection's buffer for it (and its
    // assembled text) is released once it is handed to the reader.
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (mut ws, _) = connect(&format!("ws://{addr}/")).await.unwrap();
    let text = "ж".repeat(100_000);
    ws.send(text.as_str()).await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text(text)));
    ws.send(vec![5u8; 200_000]).await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Binary(vec![5u8; 200_000])));
    ws.flush().await.unwrap();
    let held = ws.heap_bytes();
    assert!(held < 256, "{held} bytes held while idle");
}

#[tokio::test]
async fn a_read_of_many_small_messages_is_answered_in_order() {
    // Thousands of messages arrive in one read: the reader takes them one
    // at a time from what the driver holds, in order, and the Close behind
    // them is answered after the last echo.
    const COUNT: usize = 3000;
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let mut tcp = raw_client(addr).await;
    let mut burst = Vec::new();
    for i in 0..COUNT {
        burst.extend(masked(0x81, format!("{}", i % 100).as_bytes()));
    }
    burst.extend(masked(0x88, &1000u16.to_be_bytes()));
    tcp.write_all(&burst).await.unwrap();
    for i in 0..COUNT {
        let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
        assert_eq!(
            (first, payload),
            (0x81, format!("{}", i % 100).into_bytes())
        );
    }
    let (first, payload) = timeout(LIMIT, read_frame(&mut tcp)).await.unwrap();
    assert_eq!((first, payload), (0x88, 1000u16.to_be_bytes().to_vec()));
}
