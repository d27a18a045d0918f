//! Backpressure on the read side: held input and a full inbox do not stop
//! the connection from seeing its peer, and a reader that goes away or
//! a cancelled `recv` loses nothing.

mod support;

use std::time::Duration;

use support::*;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;
use wsmachine_tokio::{Message, Options};

/// Dropping the Reader while the driver paused reading for backpressure
/// resumes reading: a ping behind the paused input is answered.
#[tokio::test]
async fn dropping_the_reader_resumes_reading() {
    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.read_high_water = 4;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = accept_with(tcp, &options).await;
        let (reader, writer) = ws.split();
        let _ = rx.await;
        drop(reader);
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(writer);
    });
    let mut tcp = raw_client(addr).await;
    tcp.write_all(&masked(0x81, b"over the mark"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tcp.write_all(&masked(0x89, b"p")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.send(()).unwrap();
    let (first, payload) = timeout(Duration::from_secs(2), read_frame(&mut tcp))
        .await
        .unwrap();
    assert_eq!((first, payload), (0x8a, b"p".to_vec()));
}

/// A cancelled send (dropped while waiting for room) sends nothing, and the
/// next one goes out once; a recv cancelled in a select loses nothing.
#[tokio::test]
async fn cancelled_recv_in_select_loses_nothing() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (mut ws, _) = wsmachine_tokio::connect(&format!("ws://{addr}/"))
        .await
        .unwrap();
    for i in 0..200u32 {
        ws.send(format!("{i}")).await.unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 200 {
        tokio::select! {
            m = ws.recv() => got.push(m.unwrap()),
            _ = tokio::task::yield_now() => {}
        }
    }
    let want: Vec<Message> = (0..200u32).map(|i| Message::Text(format!("{i}"))).collect();
    assert_eq!(got, want);
}

/// A peer that answers every keepalive ping is not timed out as silent
/// while the application works on the first of two small messages read
/// together (the second held behind it, far below `read_high_water`).
#[tokio::test]
async fn keepalive_does_not_time_out_a_peer_that_answers_while_one_message_waits() {
    use wsmachine_tokio::wsmachine::Keepalive;
    use wsmachine_tokio::Message;

    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake.connection.keepalive = Some(Keepalive {
        idle: Duration::from_millis(200),
        timeout: Duration::from_millis(300),
    });
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept_with(tcp, &options).await;
        let first = ws.recv().await;
        // The application works on the first message for a while.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let outcome = ws.close_outcome();
        let second = ws.recv().await;
        (first, outcome, second)
    });
    let mut tcp = raw_client(addr).await;
    // Two small messages in one write.
    let mut both = masked(0x81, b"a");
    both.extend(masked(0x81, b"b"));
    tcp.write_all(&both).await.unwrap();
    // A responsive peer: every ping is answered at once.
    let peer = tokio::spawn(async move {
        loop {
            match read_frame(&mut tcp).await {
                (0x89, payload) => tcp.write_all(&masked(0x8a, &payload)).await.unwrap(),
                (0x88, _) => return,
                _ => {}
            }
        }
    });
    let (first, outcome, second) = timeout(LIMIT, server).await.unwrap().unwrap();
    assert_eq!(first, Some(Message::Text("a".into())));
    assert_eq!(outcome, None, "a peer that answered the ping was timed out");
    assert_eq!(second, Some(Message::Text("b".into())));
    peer.abort();
}
