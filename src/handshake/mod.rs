//! The opening handshake (RFC 6455 §4) as two machines that hand over to a
//! [`Connection`](crate::Connection).
//!
//! Like the connection, the handshake machines do no I/O: bytes in, bytes
//! out. They parse HTTP/1.1 with `httparse`, compute the accept value with
//! SHA-1 and base64, and never lose a byte: whatever arrived after the
//! header block (a client's first frames pipelined behind its request, a
//! server's first frames right behind its 101) is handed over as `trailing`
//! bytes, to feed to the connection before anything read later.
//!
//! Extensions are negotiated through
//! [`Negotiate`](crate::extension::Negotiate): pass one to
//! [`Accept::negotiate`] or [`ClientRequest::negotiate`] (permessage-deflate
//! is one, with the `deflate` feature), and the connection runs the agreed
//! extension's codec.
//!
//! A name means one thing here: a [`Response`] is a response a client
//! received, parsed; a [`Reply`] is a response a server builds;
//! `response_bytes` are the bytes a server writes.
//!
//! # Server
//!
//! [`ServerHandshake`] reads the request in any split and checks it. A valid
//! request becomes an [`UpgradeRequest`]: look at the request (path,
//! cookies), the `Origin` ([`UpgradeRequest::origin_allowed`]), the offered
//! subprotocols and
//! extensions, then [`accept`](UpgradeRequest::accept) it, which renders the
//! 101 and creates the server [`Connection`](crate::Connection), or refuse it
//! with any [`Reply`]. An invalid request is a [`RequestError`] with a ready
//! response (400, 405, 426, 431) — or, for a plain HTTP request that shows
//! no sign of a WebSocket opening ([`RequestErrorKind::NotUpgrade`]), the
//! parsed request so the server can answer it itself.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use wsmachine::handshake::{Accept, HandshakeConfig, Reply, ServerHandshake};
//! use wsmachine::Status;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let listener = std::net::TcpListener::bind("127.0.0.1:9001")?;
//! let (mut sock, _) = listener.accept()?;
//! let mut hs = ServerHandshake::new(HandshakeConfig::default());
//! let mut buf = [0u8; 4096];
//! let request = loop {
//!     let n = sock.read(&mut buf)?;
//!     if n == 0 { return Ok(()); }
//!     match hs.handle_input(&buf[..n]) {
//!         Ok(Status::Partial) => continue,
//!         Ok(Status::Complete(request)) => break request,
//!         Err(e) if e.is_not_upgrade() && e.request().is_some_and(|r| r.path() == "/") => {
//!             sock.write_all(&Reply::new(200).header("Content-Type", "text/html").body("<h1>hi</h1>").encode()?)?;
//!             return Ok(());
//!         }
//!         Err(e) => { sock.write_all(&e.response_bytes())?; return Ok(()); }
//!     }
//! };
//! if !request.origin_allowed(&["https://example.com"]) {
//!     sock.write_all(&Reply::new(403).encode()?)?;
//!     return Ok(());
//! }
//! let protocol = request.pick_subprotocol(&["chat.v2"]).map(String::from);
//! let mut accept = Accept::new();
//! if let Some(p) = protocol { accept = accept.subprotocol(p); }
//! let mut accepted = request.accept(accept)?;
//! sock.write_all(&accepted.response_bytes)?;
//! let mut conn = accepted.connection;
//! let (_used, _event) = conn.handle_input(&mut accepted.trailing); // the client's first frames
//! // ... the run loop of the crate docs
//! # Ok(()) }
//! ```
//!
//! # Client
//!
//! [`ClientHandshake`] renders the request for a [`ClientRequest`] (a
//! [`Target`] parsed from a `ws://`/`wss://` URI or built from parts, plus
//! subprotocols, extensions and header fields), with a nonce from the
//! caller's [`Randomness`](crate::Randomness). It then reads the response in
//! any split and checks it; a 101 gives [`Connected`], whose connection
//! masks with the same randomness. Any other status (a redirect, 401, 403,
//! 5xx) is a [`ResponseErrorKind::Refused`] error carrying the response with
//! its body, bounded by [`HandshakeConfig::max_body_size`].
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use wsmachine::handshake::{ClientHandshake, ClientRequest, HandshakeConfig};
//! use wsmachine::{Randomness, Status};
//!
//! // `rng`: the platform's secure generator (`OsRandom` with the `getrandom` feature).
//! fn connect(rng: impl Randomness + 'static) -> Result<(), Box<dyn std::error::Error>> {
//!     let request = ClientRequest::from_url("ws://127.0.0.1:9001/chat")?.subprotocol("chat.v2");
//!     let mut sock = std::net::TcpStream::connect("127.0.0.1:9001")?;
//!     let mut hs = ClientHandshake::new(request, HandshakeConfig::default(), rng)?;
//!     sock.write_all(hs.poll_output())?;
//!     hs.advance_output(hs.poll_output().len());
//!     let mut buf = [0u8; 4096];
//!     let connected = loop {
//!         let n = sock.read(&mut buf)?;
//!         if n == 0 { return Err(hs.handle_eof().into()); }
//!         if let Status::Complete(c) = hs.handle_input(&buf[..n])? { break c; }
//!     };
//!     let (mut conn, mut trailing) = (connected.connection, connected.trailing);
//!     conn.send_text("hello")?;
//!     let (_used, _event) = conn.handle_input(&mut trailing); // the server's first frames
//!     // ... the run loop of the crate docs
//!     Ok(())
//! }
//! ```
//!
//! # Limits
//!
//! Hostile input is bounded ([`HandshakeConfig`]): a header block may hold
//! at most [`max_head_size`](HandshakeConfig::max_head_size) bytes (16 KiB by
//! default) and [`max_headers`](HandshakeConfig::max_headers) fields (64);
//! past either, the server answers 431 and the machine holds no more than the
//! limit. A refused response's body is kept up to
//! [`max_body_size`](HandshakeConfig::max_body_size) (64 KiB). Feeding a
//! request one byte at a time costs linear time: only new bytes are scanned
//! for the end of the header block, and the HTTP parser runs once.
//!
//! # WebSockets over HTTP/2 and HTTP/3
//!
//! RFC 8441 (HTTP/2) and RFC 9220 (HTTP/3) bootstrap a WebSocket with an
//! extended CONNECT request (`:protocol = websocket`) on one stream, answered
//! by a 2xx. There is no `Sec-WebSocket-Key` and no `Sec-WebSocket-Accept`,
//! and the stream carries the frames, so these machines are not used. With
//! the `http` feature, `wsmachine::http` takes such a request as the `http`
//! crate's types (hyper, axum, h2) and runs the same checks and negotiation
//! as these machines. Without it, the caller's HTTP/2 or HTTP/3 stack
//! negotiates, using the same header fields:
//! `sec-websocket-protocol` (a comma-separated list; the server picks one)
//! and `sec-websocket-extensions`
//! ([`parse_extensions`](crate::extension::parse_extensions) and
//! [`format_extensions`](crate::extension::format_extensions) read and
//! write them; an extension's [`Negotiate`](crate::extension::Negotiate)
//! gives the answer and the codec). Then it creates the machine directly for
//! its role and feeds it the stream's bytes:
//!
//! ```
//! use wsmachine::{Config, Connection};
//! // Server side of an extended CONNECT that agreed on "chat.v2":
//! let conn = Connection::server(Config::default()).with_subprotocol(Some("chat.v2".into()));
//! assert_eq!(conn.subprotocol(), Some("chat.v2"));
//! ```
//!
//! A client passes its [`Randomness`](crate::Randomness) for masking keys
//! (`Connection::client(config, rng)`) and sets the agreed codec with
//! [`Connection::set_codec`](crate::Connection::set_codec); the agreed
//! extensions stay with the caller, as they do in [`Accepted::extensions`]
//! and [`Connected::extensions`].

mod client;
mod error;
pub(crate) mod key;
pub(crate) mod negotiate;
pub(crate) mod origin;
pub(crate) mod request;
pub(crate) mod response;
mod server;
mod target;
pub(crate) mod view;

pub use client::{ClientHandshake, ClientRequest, Connected};
pub use error::{ClientError, RequestError, RequestErrorKind, ResponseError, ResponseErrorKind};
pub use key::accept_key;
pub use negotiate::Accept;
pub use server::{Accepted, ServerHandshake, UpgradeRequest};
pub use target::{Scheme, Target, UrlError};

pub use crate::http1::{Headers, Reply, Request, Response};
pub use crate::usage_error::UsageError;

use crate::config::Config;

/// Limits of the handshake machines, and the configuration of the
/// [`Connection`](crate::Connection) they create.
///
/// ```
/// let mut config = wsmachine::handshake::HandshakeConfig::default();
/// config.max_head_size = 32 * 1024; // large cookies
/// config.connection.max_message_size = 1 << 20;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeConfig {
    /// Largest header block (request or status line, header fields, and the
    /// empty line ending them), in bytes. Default 16 KiB, the default of
    /// Node.js's HTTP server: enough for browsers' requests with a few kilobytes
    /// of cookies. Past it a server answers 431.
    pub max_head_size: usize,
    /// Most header fields in a block. Default 64 (Chromium's handshake sends
    /// about 13). Past it a server answers 431.
    pub max_headers: usize,
    /// Client only: most bytes of a refused response's body kept. Default
    /// 64 KiB. The response is handed over at the first byte past it, with
    /// the body marked truncated.
    pub max_body_size: usize,
    /// The configuration of the connection the handshake creates.
    pub connection: Config,
}

impl Default for HandshakeConfig {
    fn default() -> Self {
        HandshakeConfig {
            max_head_size: 16 * 1024,
            max_headers: 64,
            max_body_size: 64 * 1024,
            connection: Config::default(),
        }
    }
}
