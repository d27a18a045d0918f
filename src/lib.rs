//! # wsmachine
//!
//! WebSocket ([RFC 6455]) as pure state machines: bytes in, events and bytes
//! out.
//!
//! ## The sans-IO contract
//!
//! This crate never touches a socket, a clock or an operating-system random
//! source. It is deterministic: the same inputs give the same outputs.
//!
//! - **Bytes** from the peer are an input ([`Connection::handle_input`], or
//!   read straight into the connection's own buffers with
//!   [`Connection::recv_buffer`] and [`Connection::handle_received`], so a
//!   large message is copied once); bytes for the peer are an output ([`Connection::poll_output`]) that the
//!   caller writes and acknowledges ([`Connection::advance_output`]),
//!   partially if need be.
//! - **Time** is an input: [`Connection::poll_timeout`] says when the machine
//!   next needs the clock and [`Connection::handle_timeout`] gives it. The
//!   caller picks the epoch: any `Duration` that grows works, so it runs
//!   without `std`.
//! - **Randomness** is an input: a client is created with the [`Randomness`]
//!   its masking keys come from. There is no fallback generator.
//! - **End of input** is an input: [`Connection::handle_eof`].
//!
//! Any runtime can drive it: a blocking loop, an async task, an epoll loop, an
//! embedded superloop. The invariant a driver keeps: after every input (bytes,
//! the clock, the end of the transport), take the events until there are no
//! more ([`Connection::handle_all`] does it), write out `poll_output`, and
//! sleep no longer than `poll_timeout`.
//!
//! Incomplete input is a status, not an error: a cut frame is kept until more
//! bytes arrive. However a connection ends — the close handshake, the peer's
//! protocol violation ([`ProtocolError`], answered with a Close frame), the
//! end of the transport, a timeout — it reports it the same way, once: the
//! last event is [`Event::Closed`] with the [`CloseOutcome`]. A caller's
//! misuse is a [`SendError`] that changes nothing.
//!
//! ## The run loop
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::{Duration, Instant};
//! use wsmachine::{Config, Connection, Event};
//!
//! # fn main() -> std::io::Result<()> {
//! // After the opening handshake (see the handshake module), for a server:
//! let mut sock = TcpStream::connect("127.0.0.1:9001")?;
//! let mut conn = Connection::server(Config::default());
//! let start = Instant::now();
//! let mut buf = vec![0u8; 64 * 1024];
//! // Payloads that are not in `buf` (messages that arrived in pieces) are
//! // handed over here, so that the handler can reply while it holds them.
//! let mut message = Vec::new();
//! let mut on_event = |conn: &mut Connection, event: Event<'_>| match event {
//!     Event::Text(text) => drop(conn.send_text(text)), // echo
//!     Event::Closed { outcome, reason } => eprintln!("closed: {outcome:?} {reason}"),
//!     _ => {}
//! };
//!
//! loop {
//!     // 1. The clock first: a timer may queue output (a keepalive ping) or
//!     //    end the connection (the final event reports it).
//!     conn.handle_timeout(start.elapsed());
//!     conn.handle_all(&mut [], &mut message, &mut on_event);
//!     // 2. Write what the machine has for the peer (a partial write is fine).
//!     while !conn.poll_output().is_empty() {
//!         let n = sock.write(conn.poll_output())?;
//!         conn.advance_output(n);
//!     }
//!     if conn.is_closed() {
//!         break; // all written, the Close frame too: drop the socket
//!     }
//!     // 3. Read no longer than the next deadline.
//!     let wait = conn.poll_timeout().map(|t| t.saturating_sub(start.elapsed()));
//!     sock.set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
//!     // 4. Feed what arrived; each event goes to the handler, in order.
//!     match sock.read(&mut buf) {
//!         Ok(0) => conn.handle_eof(),
//!         Ok(n) => conn.handle_all(&mut buf[..n], &mut message, &mut on_event),
//!         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
//!             || e.kind() == std::io::ErrorKind::TimedOut => {}
//!         Err(_) => conn.handle_eof(),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! [RFC 6455]: https://www.rfc-editor.org/rfc/rfc6455

#![no_std]
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod close_code;
mod config;
mod connection;
mod copy;
mod error;
mod event;
pub mod extension;
pub mod frame;
pub mod handshake;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod http1;
mod rand;
mod role;
mod status;
mod usage_error;
mod utf8;

pub use close_code::CloseCode;
pub use config::{Config, Delivery, Keepalive};
pub use connection::{Connection, State};
pub use error::{ProtocolError, SendError, Violation};
pub use event::{CloseCause, CloseOutcome, Event, MessageKind};
pub use frame::OpCode;
pub use handshake::{ClientHandshake, HandshakeConfig, ServerHandshake};
#[cfg(feature = "chacha")]
pub use rand::ChaChaRandom;
#[cfg(feature = "getrandom")]
pub use rand::OsRandom;
pub use rand::Randomness;
pub use role::Role;
pub use status::Status;

/// Internals the fuzz targets reach, only in fuzzing builds (cargo-fuzz sets
/// `--cfg fuzzing`): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// XORs `buf` with `key` as if it started `offset` bytes into the
    /// payload (RFC 6455 §5.3).
    pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
        crate::frame::mask::apply_mask(buf, key, offset);
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
