//! The driver's settings, and how a connection is started once its opening
//! handshake is done.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use wsmachine::handshake::HandshakeConfig;
use wsmachine::Connection;

use crate::driver;
use crate::shared::{Marks, Shared};
use crate::shutdown::GracefulShutdown;
use crate::socket::WebSocket;

/// Settings of the driver, for servers and clients.
///
/// The protocol's limits (message sizes, the close timeout, keepalive) are
/// the connection's: [`HandshakeConfig::connection`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Limits of the opening handshake and the connection's configuration.
    pub handshake: HandshakeConfig,
    /// The whole opening handshake must complete within this (a server
    /// reading a request that trickles in, byte by byte: slowloris; a
    /// client waiting for a response). Default 10 s.
    pub handshake_timeout: Duration,
    /// Sending waits while more than this many bytes wait to be written.
    /// Default 64 KiB.
    pub write_high_water: usize,
    /// Reading from the transport pauses while more than this many payload
    /// bytes of received messages wait to be taken. Default 64 KiB. A
    /// reader kept without calling `recv` thus stops the reading (drop it
    /// if you do not read); reading resumes once our Close is sent.
    pub read_high_water: usize,
    /// Server: after shutting the transport down, how long to read on until
    /// the client's end of stream, so that bytes in flight do not turn the
    /// close into a reset. Default 1 s.
    pub linger: Duration,
    /// Server: the graceful shutdown its connections join.
    pub shutdown: Option<GracefulShutdown>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            handshake: HandshakeConfig::default(),
            handshake_timeout: Duration::from_secs(10),
            write_high_water: 64 * 1024,
            read_high_water: 64 * 1024,
            linger: Duration::from_secs(1),
            shutdown: None,
        }
    }
}

/// Starts the driver task of an open connection; `trailing` are the bytes
/// that came with the handshake.
pub(crate) fn start<S>(
    io: S,
    conn: Connection,
    mut trailing: Vec<u8>,
    options: &Options,
) -> WebSocket
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let marks = Marks {
        write_high_water: options.write_high_water,
        read_high_water: options.read_high_water,
    };
    let shared = Shared::new(conn, marks);
    if !trailing.is_empty() {
        shared.lock().feed_read(&mut trailing);
    }
    if let Some(shutdown) = &options.shutdown {
        shutdown.register(&shared);
    }
    tokio::spawn(driver::run(io, shared.clone(), options.linger));
    WebSocket::new(shared)
}
