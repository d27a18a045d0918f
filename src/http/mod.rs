//! The opening handshake for requests and responses of the `http` crate
//! (feature `http`): the entry for servers and clients built on hyper,
//! axum, h2 or any stack that speaks `http` 1.x types. The feature needs
//! `std` (the `http` crate does).
//!
//! One entry serves both ways a WebSocket opens:
//!
//! - over HTTP/1.1, a GET with `Upgrade: websocket` and a key, answered by
//!   101 with `Sec-WebSocket-Accept` (RFC 6455 §4);
//! - over HTTP/2, an extended CONNECT with `:protocol = websocket`, answered
//!   by 200 (RFC 8441; the server's stack must advertise
//!   `SETTINGS_ENABLE_CONNECT_PROTOCOL`). HTTP/3 is the same (RFC 9220).
//!
//! The checks, the rejection statuses, the Origin comparison and the
//! negotiation (subprotocol, extensions, permessage-deflate) are those of
//! [`ServerHandshake`](crate::ServerHandshake) and
//! [`ClientHandshake`](crate::ClientHandshake), run by the same code; only
//! the parsing of bytes is left to the stack. Both end in the same
//! [`Connection`](crate::Connection), which then runs over the upgraded
//! stream (HTTP/1.1) or the CONNECT stream's DATA frames (HTTP/2).
//!
//! # Server
//!
//! ```
//! use wsmachine::http::ServerUpgrade;
//! use wsmachine::handshake::Accept;
//! use wsmachine::Config;
//!
//! // What h2 or hyper hand a service for `new WebSocket("wss://example.com/chat")`
//! // over HTTP/2; `:protocol` comes from the stack's `ext::Protocol`.
//! let request = http::Request::builder()
//!     .method("CONNECT")
//!     .version(http::Version::HTTP_2)
//!     .uri("https://example.com/chat")
//!     .header("sec-websocket-version", "13")
//!     .header("origin", "https://example.com")
//!     .body(())?;
//! let (parts, ()) = request.into_parts();
//! let upgrade = match ServerUpgrade::new(&parts, Some("websocket"), Config::default()) {
//!     Ok(upgrade) => upgrade,
//!     Err(rejected) => panic!("send {:?}", rejected.response()),
//! };
//! assert!(upgrade.origin_allowed(&["https://example.com"]));
//! let accepted = upgrade.accept(Accept::new())?;
//! assert_eq!(accepted.response.status(), 200);
//! let _connection = accepted.connection; // runs over the stream
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A plain request ([`Rejection::is_not_upgrade`]) is the server's to
//! answer (the page on `/`); any other [`Rejection`] carries the ready
//! response.
//!
//! # Client
//!
//! [`ClientUpgrade::new`] builds the request for the chosen version; the
//! caller adds the stack's `:protocol` extension for HTTP/2, sends it, and
//! passes the answer to [`ClientUpgrade::handle_response`].
//!
//! # Running the connection over an HTTP/2 stream (RFC 8441 §5–6)
//!
//! - The stream's DATA is the byte stream: feed it to
//!   [`Connection::handle_input`](crate::Connection::handle_input).
//! - END_STREAM from the peer is the end of input:
//!   [`Connection::handle_eof`](crate::Connection::handle_eof), as a TCP
//!   FIN would be. Once the connection is closed and its output written,
//!   end the stream on our side with END_STREAM.
//! - RST_STREAM is an abort: RFC 8441 maps an orderly TCP close to
//!   END_STREAM and a TCP reset to RST_STREAM (with CANCEL). Call
//!   `handle_eof` too. Before the close handshake that closes the
//!   connection with 1006 and no Close frame is expected; the final event
//!   reports it like any other end.
//! - Output goes out in pieces no larger than the stream's flow-control
//!   capacity: write at most that many bytes of
//!   [`poll_output`](crate::Connection::poll_output) and report them with
//!   [`advance_output`](crate::Connection::advance_output); the rest waits
//!   for a WINDOW_UPDATE.

mod client;
mod error;
mod server;
mod view;

pub use client::{ClientConnected, ClientUpgrade};
pub use error::Rejection;
pub use server::{ServerAccepted, ServerUpgrade};
