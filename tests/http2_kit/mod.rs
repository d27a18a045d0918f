//! The client side of the HTTP/2 and HTTP/1.1 tests: the example's service
//! on a loopback port, an h2 client that opens WebSockets with extended
//! CONNECT and drives each [`Connection`] by hand over its stream, and a
//! hyper HTTP/1.1 client.

mod http1;

pub(crate) use http1::{http1_open, http1_page};

use std::future::poll_fn;
use std::net::SocketAddr;

use bytes::Bytes;
use h2::client::SendRequest;
use h2::{RecvStream, SendStream};
use http::{Response, Version};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::Mutex;
use wsmachine::extension::Extension;
use wsmachine::handshake::{ClientRequest, ResponseError};
use wsmachine::http::ClientUpgrade;
use wsmachine::{CloseCode, CloseOutcome, Config, Connection};
use wsmachine_testkit::{feed, poll_final, Ev, TestRng};

use crate::http_service::{serve_connection, Settings};

/// The example's service on a loopback port, with the outcomes of its
/// WebSockets.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    outcomes: Mutex<UnboundedReceiver<(&'static str, Option<CloseOutcome>)>>,
}

impl Server {
    /// The example's settings: extended CONNECT advertised.
    pub(crate) fn settings() -> Settings {
        Settings {
            connect_protocol: true,
            ..Settings::default()
        }
    }

    pub(crate) async fn start(mut settings: Settings) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, outcomes) = unbounded_channel();
        settings.outcomes = Some(tx);
        // Ends with the test's runtime.
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve_connection(TokioIo::new(sock), settings.clone()));
            }
        });
        Server {
            addr,
            outcomes: Mutex::new(outcomes),
        }
    }

    /// The next WebSocket's outcome, once it is closed.
    pub(crate) async fn outcome(&self) -> (&'static str, Option<CloseOutcome>) {
        self.outcomes.lock().await.recv().await.expect("an outcome")
    }
}

/// The request every test starts from.
pub(crate) fn request() -> ClientRequest {
    ClientRequest::from_url("ws://localhost/").expect("url")
}

/// Why a WebSocket did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The server did not advertise `SETTINGS_ENABLE_CONNECT_PROTOCOL`.
    NotAdvertised,
    /// The stream failed (reset, connection error).
    Http2(#[allow(dead_code)] h2::Error),
    /// The server answered, but not with a WebSocket.
    Handshake(#[allow(dead_code)] ResponseError),
}

/// An HTTP/2 connection to the server.
pub(crate) struct H2 {
    send: SendRequest<Bytes>,
}

impl H2 {
    /// Connects, with `window` as our streams' flow-control window, and
    /// waits until the server's SETTINGS are in (a PING's answer comes after
    /// them).
    pub(crate) async fn connect(addr: SocketAddr, window: Option<u32>) -> H2 {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let mut builder = h2::client::Builder::new();
        if let Some(window) = window {
            builder.initial_window_size(window);
        }
        let (send, mut connection) = builder.handshake(tcp).await.expect("h2 handshake");
        let mut ping = connection.ping_pong().expect("ping");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        ping.ping(h2::Ping::opaque()).await.expect("pong");
        H2 { send }
    }

    /// Opens a WebSocket, if the server allows extended CONNECT.
    pub(crate) async fn open(
        &mut self,
        request: ClientRequest,
        seed: u64,
    ) -> Result<Ws, OpenError> {
        if !self.send.is_extended_connect_protocol_enabled() {
            return Err(OpenError::NotAdvertised);
        }
        self.open_unchecked(request, seed).await
    }

    /// Opens a WebSocket without looking at the server's settings.
    pub(crate) async fn open_unchecked(
        &mut self,
        request: ClientRequest,
        seed: u64,
    ) -> Result<Ws, OpenError> {
        let (mut req, upgrade) =
            ClientUpgrade::new(request, Version::HTTP_2, Config::default(), TestRng(seed))
                .expect("request");
        // h2 sends `:protocol` from its own extension type.
        req.extensions_mut()
            .insert(h2::ext::Protocol::from_static("websocket"));
        let mut send = self.send.clone().ready().await.map_err(OpenError::Http2)?;
        let (response, tx) = send.send_request(req, false).map_err(OpenError::Http2)?;
        let response = response.await.map_err(OpenError::Http2)?;
        let connected = upgrade
            .handle_response(&response)
            .map_err(OpenError::Handshake)?;
        Ok(Ws {
            conn: connected.connection,
            extensions: connected.extensions,
            tx,
            rx: response.into_body(),
            pieces: Vec::new(),
            received: Vec::new(),
        })
    }

    /// The answer to an opening request changed by `change`, which the
    /// server refuses.
    pub(crate) async fn refused(
        &mut self,
        request: ClientRequest,
        change: impl FnOnce(&mut http::Request<()>),
    ) -> Response<()> {
        let (mut req, _) =
            ClientUpgrade::new(request, Version::HTTP_2, Config::default(), TestRng(9))
                .expect("request");
        req.extensions_mut()
            .insert(h2::ext::Protocol::from_static("websocket"));
        change(&mut req);
        let mut send = self.send.clone().ready().await.expect("ready");
        let (response, _tx) = send.send_request(req, false).expect("sent");
        response.await.expect("answered").map(|_| ())
    }
}

/// A WebSocket on an HTTP/2 stream, driven by hand.
#[derive(Debug)]
pub(crate) struct Ws {
    pub(crate) conn: Connection,
    pub(crate) extensions: Vec<Extension>,
    tx: SendStream<Bytes>,
    rx: RecvStream,
    /// The size of each DATA frame sent.
    pub(crate) pieces: Vec<usize>,
    /// The size of each DATA frame received.
    pub(crate) received: Vec<usize>,
}

impl Ws {
    /// Writes the connection's output in pieces no larger than the stream's
    /// flow-control capacity, each reported with a partial
    /// `advance_output`. Returns the bytes written.
    pub(crate) async fn flush(&mut self) -> usize {
        let mut total = 0;
        while !self.conn.poll_output().is_empty() {
            let n = self.capacity(self.conn.poll_output().len()).await;
            let piece = Bytes::copy_from_slice(&self.conn.poll_output()[..n]);
            self.tx.send_data(piece, false).expect("send");
            self.conn.advance_output(n);
            self.pieces.push(n);
            total += n;
        }
        total
    }

    /// Writes `bytes` as they are, within the window.
    pub(crate) async fn send_raw(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.capacity(bytes.len()).await;
            self.tx
                .send_data(Bytes::copy_from_slice(&bytes[..n]), false)
                .expect("send");
            bytes = &bytes[n..];
        }
    }

    /// Waits until the stream may send, and says how much (at most `want`).
    async fn capacity(&mut self, want: usize) -> usize {
        self.tx.reserve_capacity(want);
        loop {
            let n = self.tx.capacity().min(want);
            if n > 0 {
                return n;
            }
            match poll_fn(|cx| self.tx.poll_capacity(cx)).await {
                Some(Ok(_)) => {}
                other => panic!("no capacity: {other:?}"),
            }
        }
    }

    /// The events of the next DATA frames, at least one event unless the
    /// stream ended (then the final event). Answers (pongs, a Close) go out.
    pub(crate) async fn events(&mut self) -> Vec<Ev> {
        loop {
            let events = match self.rx.data().await {
                Some(Ok(data)) => {
                    self.received.push(data.len());
                    let _ = self.rx.flow_control().release_capacity(data.len());
                    feed(&mut self.conn, &data)
                }
                // END_STREAM is the end of input; RST_STREAM an abort.
                None | Some(Err(_)) => {
                    self.conn.handle_eof();
                    poll_final(&mut self.conn).into_iter().collect()
                }
            };
            self.flush().await;
            if !events.is_empty() || self.conn.is_closed() {
                return events;
            }
        }
    }

    /// Every event until the connection is closed; then our END_STREAM.
    pub(crate) async fn events_until_closed(&mut self) -> Vec<Ev> {
        let mut all = Vec::new();
        while !self.conn.is_closed() {
            all.extend(self.events().await);
        }
        self.flush().await;
        let _ = self.tx.send_data(Bytes::new(), true);
        all
    }

    /// The close handshake from our side: the server echoes 1000 and ends
    /// its stream.
    pub(crate) async fn close_from_client(&mut self) {
        self.conn.close(CloseCode::NORMAL, "").expect("close");
        self.flush().await;
        let events = self.events_until_closed().await;
        assert!(
            events.iter().any(|e| matches!(e, Ev::Close(Some(1000), _))),
            "{events:?}"
        );
        let outcome = self.conn.close_outcome().expect("closed");
        assert!(outcome.clean, "{outcome:?}");
    }

    /// RST_STREAM (CANCEL).
    pub(crate) fn reset(&mut self) {
        self.tx.send_reset(h2::Reason::CANCEL);
    }
}
