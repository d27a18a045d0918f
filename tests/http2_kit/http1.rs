//! A hyper HTTP/1.1 client: the page, and a WebSocket over the upgraded
//! connection.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Version};
use http_body_util::{BodyExt, Empty};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsmachine::handshake::ClientRequest;
use wsmachine::http::ClientUpgrade;
use wsmachine::{Config, Connection};
use wsmachine_testkit::{feed, poll_final, Ev, TestRng};

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn connect(addr: SocketAddr) -> Sender {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("http1 handshake");
    tokio::spawn(connection.with_upgrades());
    sender
}

/// The page on `/`.
pub(crate) async fn http1_page(addr: SocketAddr) -> String {
    let mut sender = connect(addr).await;
    let req = Request::get("/")
        .header("host", "localhost")
        .body(Empty::new())
        .expect("request");
    let response = sender.send_request(req).await.expect("response");
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.expect("body");
    String::from_utf8(body.to_bytes().to_vec()).expect("UTF-8")
}

/// A WebSocket opened by an HTTP/1.1 upgrade through hyper.
pub(crate) async fn http1_open(addr: SocketAddr, request: ClientRequest) -> Ws1 {
    let mut sender = connect(addr).await;
    let (req, upgrade) =
        ClientUpgrade::new(request, Version::HTTP_11, Config::default(), TestRng(5))
            .expect("request");
    let response = sender
        .send_request(req.map(|()| Empty::new()))
        .await
        .expect("response");
    let connected = upgrade.handle_response(&response).expect("101");
    let io = hyper::upgrade::on(response).await.expect("upgraded");
    Ws1 {
        conn: connected.connection,
        io: TokioIo::new(io),
    }
}

/// A WebSocket over hyper's upgraded HTTP/1.1 connection.
pub(crate) struct Ws1 {
    pub(crate) conn: Connection,
    io: TokioIo<Upgraded>,
}

impl Ws1 {
    /// Writes the output, then reads until there are events.
    pub(crate) async fn exchange(&mut self) -> Vec<Ev> {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let out = self.conn.poll_output().to_vec();
            self.io.write_all(&out).await.expect("write");
            self.conn.advance_output(out.len());
            if self.conn.is_closed() {
                return Vec::new();
            }
            let events = match self.io.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    self.conn.handle_eof();
                    poll_final(&mut self.conn).into_iter().collect()
                }
                Ok(n) => feed(&mut self.conn, &buf[..n]),
            };
            if !events.is_empty() {
                let out = self.conn.poll_output().to_vec();
                self.io.write_all(&out).await.expect("write");
                self.conn.advance_output(out.len());
                return events;
            }
        }
    }

    /// Every event until the connection is closed.
    pub(crate) async fn exchange_until_closed(&mut self) -> Vec<Ev> {
        let mut all = Vec::new();
        while !self.conn.is_closed() {
            all.extend(self.exchange().await);
        }
        all
    }
}
