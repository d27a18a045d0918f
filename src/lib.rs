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
//! - **Bytes** from the peer are an input ([`Connection::read`]); bytes for the
//!   peer are an output ([`Connection::poll_output`]) that the caller writes
//!   and acknowledges ([`Connection::advance_output`]), partially if need be.
//! - **Time** is an input: [`Connection::poll_timeout`] says when the machine
//!   next needs the clock and [`Connection::handle_timeout`] gives it. The
//!   caller picks the epoch: any `Duration` that grows works, so it runs
//!   without `std`.
//! - **Randomness** is an input: a client's masking keys come from a
//!   [`Randomness`] the caller supplies. There is no fallback generator.
//! - **End of input** is an input: [`Connection::handle_eof`].
//!
//! Any runtime can drive it: a blocking loop, an async task, an epoll loop, an
//! embedded superloop. The invariant a driver keeps: after every input (bytes
//! or the clock), take the events until `read` returns `None`, write out
//! `poll_output`, and sleep no longer than `poll_timeout`.
//!
//! Incomplete input is a status, not an error: `read` keeps a cut header and
//! returns `None` until more bytes arrive. A peer's protocol violation is a
//! [`ProtocolError`] carrying the close code the connection has already queued
//! in a Close frame; a caller's misuse is a [`SendError`] that changes nothing.
//! A normal close is an [`Event::Close`], not an error.
//!
//! ## The run loop
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Instant;
//! use wsmachine::{Config, Connection, Event};
//!
//! # fn main() -> std::io::Result<()> {
//! // After the opening handshake (see the handshake module), for a server:
//! let mut sock = TcpStream::connect("127.0.0.1:9001")?;
//! let mut conn = Connection::server(Config::default());
//! let start = Instant::now();
//! let mut buf = vec![0u8; 64 * 1024];
//! let mut message = Vec::new();
//!
//! while !conn.is_closed() {
//!     // 1. Give the clock first: a timer may queue output (a keepalive ping).
//!     conn.handle_timeout(start.elapsed());
//!     // 2. Write what the machine has for the peer (a partial write is fine).
//!     while !conn.poll_output().is_empty() {
//!         let n = sock.write(conn.poll_output())?;
//!         conn.advance_output(n);
//!     }
//!     // 3. Read no longer than the next deadline.
//!     let wait = conn.poll_timeout().map(|t| t.saturating_sub(start.elapsed()));
//!     sock.set_read_timeout(wait.map(|w| w.max(std::time::Duration::from_millis(1))))?;
//!     // 4. Read and feed; drain the events.
//!     let n = match sock.read(&mut buf) {
//!         Ok(0) => { conn.handle_eof(); break; }
//!         Ok(n) => n,
//!         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
//!             || e.kind() == std::io::ErrorKind::TimedOut => continue,
//!         Err(e) => return Err(e),
//!     };
//!     let mut pos = 0;
//!     loop {
//!         // `message` holds a message that arrives in pieces; events borrow it
//!         // and `buf`, not `conn`, so we can reply while holding one.
//!         let (used, event) = match conn.read_with_buffer(&mut buf[pos..n], &mut message) {
//!             Ok(r) => r,
//!             Err(violation) => { eprintln!("{violation}"); break; } // Close is queued
//!         };
//!         pos += used;
//!         match event {
//!             None => break,
//!             Some(Event::Text(t)) => { conn.send_text(t).ok(); } // echo
//!             Some(Event::Close { code, reason }) => eprintln!("closed: {code:?} {reason}"),
//!             Some(_) => {}
//!         }
//!     }
//! }
//! // 5. Closed: flush what is left (the Close frame), then drop the socket.
//! sock.write_all(conn.poll_output())?;
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
mod error;
mod event;
pub mod extension;
pub mod frame;
pub mod handshake;
mod http1;
mod rand;
mod role;
mod status;
mod usage_error;
pub mod utf8;

pub use close_code::CloseCode;
pub use config::{Config, Delivery, Keepalive};
pub use connection::{Connection, State};
pub use error::{Error, ProtocolError, SendError, Violation};
pub use event::{CloseCause, CloseOutcome, Event, MessageKind};
pub use frame::mask;
pub use frame::OpCode;
pub use handshake::{ClientHandshake, HandshakeConfig, ServerHandshake};
#[cfg(feature = "getrandom")]
pub use rand::OsRandom;
pub use rand::Randomness;
pub use role::Role;
pub use status::Status;

// The connection's path to the opcode, from before it moved to the frame.
pub(crate) use frame::opcode;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
