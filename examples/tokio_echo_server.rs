//! The echo server on tokio: a task per connection, each driving the machines
//! with an async loop, timers included.
//!
//! This is the hand-written loop, for people writing their own driver. To
//! use WebSockets on tokio, use the `wsmachine-tokio` package
//! (`drivers/tokio`): its `echo` example does this in a few lines, and its
//! source (`drivers/tokio/src/driver.rs`) is a complete driver with split
//! halves, TLS and graceful shutdown.
//!
//! ```sh
//! cargo run --release --example tokio_echo_server -- 127.0.0.1:9002 [IDLE_SECS]
//! ```
//!
//! It echoes every text and binary message, answers pings and closes cleanly.
//! Keepalive is on: after `IDLE_SECS` (default 30) of silence it pings the
//! peer and drops it if nothing arrives within 10 s more. A plain HTTP `GET`
//! gets a short text reply.
//!
//! How the machines fit an async runtime: the task owns the socket and the
//! [`Connection`]. Each pass gives the connection the time, then waits in one
//! `select!` for whichever comes first: the socket readable, the socket
//! writable while output waits, or the connection's next deadline
//! (`poll_timeout`). Reading and writing at once means a peer that sends a
//! lot before reading cannot deadlock the two ends; reading pauses while too
//! much output waits (backpressure). Waiting on readiness rather than in
//! `read` lets the read go straight into the connection's own buffers
//! (`recv_buffer`): the task holds no read buffer, and an idle connection
//! holds no buffer at all.

#[path = "support/accept.rs"]
mod accept;
#[path = "support/echo.rs"]
mod echo;

use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep_until, timeout, Instant};
use wsmachine::handshake::{HandshakeConfig, Reply, RequestError, ServerHandshake, UpgradeRequest};
use wsmachine::{Connection, Keepalive, Status};

/// Bound on reading the opening handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Stop reading from a peer while more than this waits to be written to it.
const HIGH_WATER: usize = 1 << 20;
/// After our side is closed: how long to wait for the peer's end of stream.
const LINGER: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9002".to_owned());
    let idle = match args.next() {
        Some(s) => s
            .parse()
            .map_err(|_| io::Error::other("IDLE_SECS must be a number of seconds"))?,
        None => 30,
    };
    let mut config = HandshakeConfig::default();
    config.connection.keepalive = Some(Keepalive {
        idle: Duration::from_secs(idle),
        timeout: Duration::from_secs(10),
    });

    let listener = TcpListener::bind(&addr).await?;
    eprintln!("echo server on ws://{addr}/ (keepalive after {idle} s idle)");
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let config = config.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(sock, peer, config).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// One connection: the opening handshake, then the WebSocket until it closes.
async fn serve(mut sock: TcpStream, peer: SocketAddr, config: HandshakeConfig) -> io::Result<()> {
    sock.set_nodelay(true)?;
    // A task's future is allocated once, at the size of its largest state,
    // and kept for the connection's life: the handshake's state (the
    // machine and a buffer for the request) is boxed apart and freed once
    // the request is read, so that an open connection's task does not
    // carry it.
    let request = match Box::pin(read_opening(&mut sock, config)).await? {
        Some(request) => request,
        None => return Ok(()), // gone before sending a whole request
    };
    let request = match request {
        Ok(request) => request,
        Err(e) if e.is_not_upgrade() => {
            // A plain HTTP request: say what this is.
            let reply = Reply::new(200)
                .header("Content-Type", "text/plain; charset=utf-8")
                .body("A WebSocket echo server: connect with a WebSocket client.\n");
            sock.write_all(&reply.encode().map_err(io::Error::other)?)
                .await?;
            return close_transport(sock).await;
        }
        Err(e) => {
            eprintln!("{peer}: {e}");
            sock.write_all(&e.response_bytes()).await?;
            return close_transport(sock).await;
        }
    };
    let path = request.request().path().to_owned();
    let accepted = request
        .accept(accept::options())
        .map_err(io::Error::other)?;
    sock.write_all(&accepted.response_bytes).await?;
    eprintln!("{peer}: connected to {path}");

    let mut conn = accepted.connection;
    let mut trailing = accepted.trailing;
    // Where the connection hands over a message to echo.
    let mut message = Vec::new();
    let name = peer.to_string();
    // The client's first frames may have come with its request.
    echo::feed(&mut conn, &mut message, &mut trailing, &name);
    let result = drive(&sock, &mut conn, &mut message, &name).await;
    match conn.close_outcome() {
        Some(o) => eprintln!(
            "{peer}: closed with {} ({:?}, clean: {})",
            o.code, o.cause, o.clean
        ),
        None => eprintln!("{peer}: ended before closing"),
    }
    result?;
    close_transport(sock).await
}

/// The opening request, within the handshake timeout; `None` if the client
/// left before sending a whole one.
async fn read_opening(
    sock: &mut TcpStream,
    config: HandshakeConfig,
) -> io::Result<Option<Result<UpgradeRequest, RequestError>>> {
    let mut hs = ServerHandshake::new(config);
    // For the request only (the WebSocket reads into its own buffers); it
    // lives in the boxed future, freed with it.
    let mut buf = [0u8; 4096];
    match timeout(HANDSHAKE_TIMEOUT, read_request(sock, &mut hs, &mut buf)).await {
        Err(_elapsed) => Err(io::Error::new(ErrorKind::TimedOut, "no handshake in time")),
        Ok(read) => read,
    }
}

/// Reads until the request's header block is complete; `None` at end of stream.
async fn read_request(
    sock: &mut TcpStream,
    hs: &mut ServerHandshake,
    buf: &mut [u8],
) -> io::Result<Option<Result<UpgradeRequest, RequestError>>> {
    loop {
        let n = sock.read(buf).await?;
        if n == 0 {
            return Ok(None);
        }
        match hs.handle_input(&buf[..n]) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(request)) => return Ok(Some(Ok(request))),
            Err(e) => return Ok(Some(Err(e))),
        }
    }
}

/// The async driver: runs `conn` over `sock` until the connection is closed
/// and its output is written.
async fn drive(
    sock: &TcpStream,
    conn: &mut Connection,
    message: &mut Vec<u8>,
    peer: &str,
) -> io::Result<()> {
    // The connection's clock: a `Duration` since this instant.
    let start = Instant::now();
    let mut read_size = echo::ReadSize::new();
    loop {
        // The clock first: a timer may queue a frame (a keepalive ping) that
        // this pass then writes.
        conn.handle_timeout(start.elapsed());
        if conn.is_closed() {
            break;
        }
        let deadline = conn.poll_timeout().map(|t| start + t);
        let writing = !conn.poll_output().is_empty();
        let reading = conn.pending_output_len() <= HIGH_WATER;
        // The readiness futures borrow only the socket; the branch that runs
        // may then use the connection. Both are cancel-safe.
        tokio::select! {
            ready = sock.readable(), if reading => {
                ready?;
                let slice = conn.recv_buffer(read_size.get());
                let len = slice.len();
                match sock.try_read(slice) {
                    Ok(n) => {
                        read_size.after(n, len);
                        conn.handle_received(n);
                        if n == 0 {
                            conn.handle_eof();
                        }
                        echo::received(conn, message, peer);
                    }
                    // Nothing read: the read area is not kept while we wait.
                    Err(e) if e.kind() == ErrorKind::WouldBlock => conn.handle_received(0),
                    Err(e) => {
                        conn.handle_eof();
                        return Err(e);
                    }
                }
            },
            ready = sock.writable(), if writing => {
                ready?;
                match sock.try_write(conn.poll_output()) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(n) => conn.advance_output(n),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => {
                        conn.handle_eof();
                        return Err(e);
                    }
                }
            },
            () = sleep_until_some(deadline) => {}
        }
    }
    // Closed: write what is left (a Close frame).
    while !conn.poll_output().is_empty() {
        timeout(LINGER, sock.writable())
            .await
            .map_err(|_| io::Error::new(ErrorKind::TimedOut, "peer stopped reading"))??;
        match sock.try_write(conn.poll_output()) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => conn.advance_output(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Closes our side, then reads until the peer's end of stream for a moment,
/// so that bytes still in flight from the peer do not turn our close into a
/// reset that could destroy the last frame we sent. A server closes TCP first
/// (RFC 6455 §7.1.1).
async fn close_transport(mut sock: TcpStream) -> io::Result<()> {
    sock.shutdown().await?;
    // Allocated for the linger only (see `serve`).
    let mut buf = vec![0u8; 512];
    let _ = timeout(LINGER, async {
        while let Ok(n) = sock.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    Ok(())
}
