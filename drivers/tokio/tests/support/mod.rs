//! Helpers of the driver's tests: servers on loopback, raw peers that
//! speak the protocol by hand to observe the driver from outside.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsmachine_tokio::wsmachine;
use wsmachine_tokio::{Closed, Message, Options, WebSocket};

/// Bound on every wait in the tests.
pub const LIMIT: Duration = Duration::from_secs(10);

/// A listener on an ephemeral loopback port.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Echoes text and binary messages until the connection ends; gives the
/// outcome.
pub async fn echo(mut ws: WebSocket) -> Closed {
    while let Some(message) = ws.recv().await {
        if let Message::Text(_) | Message::Binary(_) = message {
            if ws.send(message).await.is_err() {
                break;
            }
        }
    }
    ws.closed().await
}

/// An echo server accepting with `options`; each connection's outcome goes
/// to the returned channel.
pub async fn echo_server(
    options: Options,
) -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<Closed>) {
    let (listener, addr) = listener().await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let options = options.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let ws = accept_with(tcp, &options).await;
                let _ = tx.send(echo(ws).await);
            });
        }
    });
    (addr, rx)
}

/// Accepts the upgrade on `io` with `options` and the default accept.
pub async fn accept_with<S>(io: S, options: &Options) -> WebSocket
where
    S: AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    wsmachine_tokio::read_request(io, options)
        .await
        .unwrap()
        .accept(wsmachine_tokio::default_accept())
        .await
        .unwrap()
}

/// A raw client: the upgrade request written by hand, the response read.
pub async fn raw_client(addr: SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    upgrade(&mut tcp).await;
    tcp
}

/// Writes the upgrade request by hand and reads the 101.
pub async fn upgrade(tcp: &mut (impl AsyncRead + tokio::io::AsyncWrite + Unpin)) {
    tcp.write_all(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    let head = read_head(tcp).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
}

/// A raw server: accepts one connection and answers its upgrade request.
pub async fn raw_server(listener: &TcpListener) -> TcpStream {
    let (mut tcp, _) = listener.accept().await.unwrap();
    let head = read_head(&mut tcp).await;
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap()
        .trim()
        .to_owned();
    let accept = wsmachine::handshake::accept_key(&key);
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    tcp.write_all(response.as_bytes()).await.unwrap();
    tcp
}

/// Reads an HTTP head byte by byte.
pub async fn read_head(tcp: &mut (impl AsyncRead + Unpin)) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    String::from_utf8(head).unwrap()
}

/// A frame as a client sends it: masked, with the key 0 (so the payload
/// reads as is).
pub fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut frame = vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// A frame as a server sends it: unmasked.
pub fn unmasked(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut frame = vec![first, payload.len() as u8];
    frame.extend_from_slice(payload);
    frame
}

/// As a client peer: reads the server's Close (within [`LIMIT`]) and
/// answers it with 1000.
pub async fn answer_close(tcp: &mut (impl AsyncRead + tokio::io::AsyncWrite + Unpin)) {
    let (first, _) = tokio::time::timeout(LIMIT, read_frame(tcp)).await.unwrap();
    assert_eq!(first, 0x88);
    tcp.write_all(&masked(0x88, &1000u16.to_be_bytes()))
        .await
        .unwrap();
}

/// Reads one frame with a payload under 126 bytes: (first byte, payload).
pub async fn read_frame(tcp: &mut (impl AsyncRead + Unpin)) -> (u8, Vec<u8>) {
    let first = tcp.read_u8().await.unwrap();
    let second = tcp.read_u8().await.unwrap();
    let masked = second & 0x80 != 0;
    let len = (second & 0x7f) as usize;
    assert!(len < 126);
    let mut key = [0u8; 4];
    if masked {
        tcp.read_exact(&mut key).await.unwrap();
    }
    let mut payload = vec![0u8; len];
    tcp.read_exact(&mut payload).await.unwrap();
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
    (first, payload)
}

/// Whether the peer ends the stream within `within` (`Some(true)`), sends
/// more bytes first (`Some(false)`), or neither (`None`).
pub async fn eof_within(tcp: &mut (impl AsyncRead + Unpin), within: Duration) -> Option<bool> {
    let mut byte = [0u8; 1];
    match tokio::time::timeout(within, tcp.read(&mut byte)).await {
        Ok(Ok(0)) | Ok(Err(_)) => Some(true),
        Ok(Ok(_)) => Some(false),
        Err(_) => None,
    }
}

/// A CONNECT proxy for one tunnel; says where the tunnel went.
pub async fn proxy() -> (std::net::SocketAddr, tokio::task::JoinHandle<String>) {
    let (listener, addr) = listener().await;
    let task = tokio::spawn(async move {
        let (mut client, _) = listener.accept().await.unwrap();
        let head = read_head(&mut client).await;
        let target = head.split(' ').nth(1).unwrap().to_owned();
        assert!(head.starts_with("CONNECT "), "{head}");
        let mut upstream = tokio::net::TcpStream::connect(target.as_str())
            .await
            .unwrap();
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .unwrap();
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        target
    });
    (addr, task)
}
