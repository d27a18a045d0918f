//! # wsmachine-tokio
//!
//! An async [tokio] driver for [wsmachine]: WebSocket servers over any
//! `AsyncRead + AsyncWrite` transport, clients for `ws://` and `wss://`
//! URLs, messages as a [`Stream`](futures_core::Stream) and a
//! [`Sink`](futures_sink::Sink), halves for different tasks, keepalive and
//! close timeouts on tokio's clock, and backpressure.
//!
//! Every protocol rule is wsmachine's: this crate moves bytes between the
//! transport and a [`wsmachine::Connection`], gives it the clock and the end
//! of the transport, and hands its events to you.
//!
//! ```no_run
//! use wsmachine_tokio::{accept, Message};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//!     loop {
//!         let (tcp, _) = listener.accept().await?;
//!         tokio::spawn(async move {
//!             let Ok(mut ws) = accept(tcp).await else { return };
//!             while let Some(message) = ws.recv().await {
//!                 if let Message::Text(_) | Message::Binary(_) = message {
//!                     if ws.send(message).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             }
//!         });
//!     }
//! }
//! ```
//!
//! ## How a connection runs: a driver task per connection
//!
//! Each connection gets a small task of its own (as quinn runs quinn-proto
//! with a connection driver) that alone touches the transport. The
//! [`WebSocket`] and its halves share the [`wsmachine::Connection`] with it
//! behind a lock: sending queues frames in the connection and wakes the
//! driver; the driver reads, feeds the connection, queues each message for
//! [`recv`](WebSocket::recv) and writes whatever the connection has for the
//! peer. So a pong, the reply to a Close, a keepalive ping and the close
//! timeout all happen while nobody polls the handles, a reader and a writer
//! in different tasks never compete for the socket, and the close order of
//! RFC 6455 §7.1.1 is kept in one place.
//!
//! The price: a task per connection and a wake-up across tasks for each
//! batch of messages (a message is copied once, from the read into the
//! message you receive). The alternative, a reader that also writes, needs
//! no task but writes nothing while nobody reads, and two halves polling one
//! socket race for its single write waker.
//!
//! ## Memory
//!
//! The driver reads into a buffer on its stack, so between messages a
//! connection holds no read buffer; it hands every output buffer back once
//! written. An idle connection holds the connection machine, the shared
//! state and the task (see the crate's README for the measured size).
//!
//! ## Closing
//!
//! However it ends, [`recv`](WebSocket::recv) gives `None` and
//! [`closed`](WebSocket::closed) gives the [`Closed`] outcome: code,
//! reason, whether the close handshake completed, and why. The driver then
//! shuts the transport down (over TLS, with close_notify): a server closes
//! first and reads until the client's end of stream for
//! [`Options::linger`]; a client waits for the server to close, bounded by
//! [`Config::close_linger`](wsmachine::Config::close_linger).
//!
//! ## Cancel safety
//!
//! Every async method says whether it is cancel-safe; all of them are:
//! [`recv`](WebSocket::recv) takes a message only when it returns it,
//! [`send`](WebSocket::send) queues its message in its last step or not at
//! all, and a [`close`](WebSocket::close) dropped after its first poll still
//! completes in the driver.
//!
//! [tokio]: https://tokio.rs
//! [wsmachine]: https://docs.rs/wsmachine

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod deadline;
mod driver;
mod input;
mod message;
mod options;
mod proxy;
mod server;
mod shared;
mod shutdown;
mod socket;
#[cfg(feature = "rustls")]
mod tls;

pub use client::{connect, Client, ConnectError};
pub use message::{Closed, Error, Message};
pub use options::Options;
pub use server::{accept, default_accept, read_request, AcceptError, Incoming};
pub use shutdown::GracefulShutdown;
pub use socket::{Reader, WebSocket, Writer};

pub use wsmachine;
#[cfg(feature = "rustls")]
pub use {rustls, tokio_rustls};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
