//! A blocking std::net driver for a `Connection`, shared by the examples.
//!
//! It is the run loop of the crate docs: write the output, arm the read
//! timeout from `poll_timeout`, read, feed, hand each event to the caller.

#![allow(unreachable_pub, dead_code)]

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use wsmachine::{CloseOutcome, Connection, Event, Role};

/// Writes everything the connection has for the peer.
pub fn flush(sock: &mut TcpStream, conn: &mut Connection) -> io::Result<()> {
    while !conn.poll_output().is_empty() {
        match sock.write(conn.poll_output()) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => conn.advance_output(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether a failed read only means "nothing yet": the read timeout that
/// `poll_timeout` armed expired (`WouldBlock` or `TimedOut`, by platform), or
/// a signal interrupted it. Try again after the clock is given.
pub fn read_again(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Runs `conn` over `sock` until it closes, calling `on_event` for each event.
/// `pending` holds bytes that arrived with the handshake, fed first.
///
/// The socket is read into the connection's own buffers (`recv_buffer`), so
/// a large message is read straight into its place and nothing is held
/// between messages. Reads start at 4 KiB and double while they come back
/// full, up to 256 KiB.
///
/// Returns how the connection ended; a transport error counts as its end
/// (abnormal unless the close handshake had completed). Errors are write errors.
pub fn run(
    sock: &mut TcpStream,
    conn: &mut Connection,
    mut pending: Vec<u8>,
    mut on_event: impl FnMut(&mut Connection, Event<'_>),
) -> io::Result<Option<CloseOutcome>> {
    let start = Instant::now();
    // Messages are handed over here, so that the handler can send while it
    // holds an event.
    let mut message = Vec::new();
    let mut read_size = MIN_READ;
    conn.handle_all(&mut pending, &mut message, &mut on_event);
    loop {
        // The clock first: a timer may queue output (a keepalive ping) that
        // must be written before we block in read, or close the connection,
        // which the final event reports.
        conn.handle_timeout(start.elapsed());
        take_events(conn, &mut message, &mut on_event);
        flush(sock, conn)?;
        if conn.is_closed() {
            break;
        }
        let wait = conn.poll_timeout().map(|t| {
            t.saturating_sub(start.elapsed())
                .max(Duration::from_millis(1))
        });
        sock.set_read_timeout(wait)?;
        let slice = conn.recv_buffer(read_size);
        let len = slice.len();
        match sock.read(slice) {
            Ok(n) if n > 0 => {
                conn.handle_received(n);
                read_size = if n == len {
                    (read_size * 2).min(MAX_READ)
                } else {
                    MIN_READ
                };
            }
            Err(e) if read_again(&e) => continue,
            // The end of the transport, or a reset: the final event says
            // whether the close handshake had completed (else 1006).
            _ => {
                conn.handle_eof();
                take_events(conn, &mut message, &mut on_event);
                break;
            }
        }
        // Each event, in order, with the connection to reply on; a
        // violation's Close frame is queued and the loop sends it.
        take_events(conn, &mut message, &mut on_event);
    }
    // Send what is left (a Close frame), then close our side. A server closes
    // TCP first (RFC 6455 §7.1.1); reading until the peer's EOF for a moment
    // keeps unread bytes from turning our close into a reset that could
    // destroy the Close frame in flight.
    let _ = flush(sock, conn);
    let _ = sock.shutdown(Shutdown::Write);
    if conn.role() == Role::Server {
        let _ = sock.set_read_timeout(Some(Duration::from_millis(200)));
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
    Ok(conn.close_outcome())
}

/// The first read size, and the most a read doubles to.
const MIN_READ: usize = 4 << 10;
const MAX_READ: usize = 256 << 10;

/// Hands every event the connection has to `on_event`.
fn take_events(
    conn: &mut Connection,
    message: &mut Vec<u8>,
    on_event: &mut impl FnMut(&mut Connection, Event<'_>),
) {
    while let Some(event) = conn.poll_event_into(message) {
        on_event(conn, event);
    }
    // A large message handed over is not kept while the connection waits.
    if message.capacity() > 4096 {
        *message = Vec::new();
    }
}

/// Echoes every data message back, as an echo server or the Autobahn client does.
pub fn echo(conn: &mut Connection, event: Event<'_>) {
    let result = match event {
        Event::Text(text) => conn.send_text(text),
        Event::Binary(data) => conn.send_binary(data),
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("echo not sent: {e}");
    }
}

/// Opens a TCP connection to a `ws://` URL and performs the client handshake.
/// Returns the socket, the connection and the bytes that came after the 101.
pub fn connect(
    url: &str,
    rng: impl wsmachine::Randomness + 'static,
) -> Result<(TcpStream, Connection, Vec<u8>), Box<dyn std::error::Error>> {
    use wsmachine::handshake::{ClientHandshake, ClientRequest, HandshakeConfig};
    use wsmachine::Status;

    let request = ClientRequest::from_url(url)?;
    #[cfg(feature = "deflate")]
    let request = request.negotiate(wsmachine::extension::deflate::DeflateConfig::default());
    let target = request.target();
    let mut sock = TcpStream::connect((target.host(), target.port()))?;
    sock.set_nodelay(true)?;
    let mut hs = ClientHandshake::new(request, HandshakeConfig::default(), rng)?;
    sock.write_all(hs.poll_output())?;
    hs.advance_output(hs.poll_output().len());
    let mut buf = [0u8; 4096];
    let connected = loop {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Err(hs.handle_eof().into());
        }
        if let Status::Complete(c) = hs.handle_input(&buf[..n])? {
            break c;
        }
    };
    Ok((sock, connected.connection, connected.trailing))
}
