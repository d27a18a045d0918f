//! The async driver of the tokio examples: runs a [`Connection`] over any
//! pair of tokio read and write halves (a TCP socket's, or the stream hyper
//! hands over after an HTTP/1.1 upgrade or an HTTP/2 extended CONNECT).

use std::io::{self, ErrorKind};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{sleep_until, timeout, Instant};
use wsmachine::Connection;

use super::echo;

/// Stop reading from a peer while more than this waits to be written to it.
const HIGH_WATER: usize = 1 << 20;
/// After our side is closed: how long to wait for the last bytes to go out.
pub(crate) const LINGER: Duration = Duration::from_secs(1);

/// Runs `conn` until it is closed and its output is written, echoing every
/// message. Each pass gives the connection the time, then waits in one
/// `select!` for whichever comes first: bytes from the peer, room to write
/// the pending output, or the connection's next deadline (`poll_timeout`).
/// A write may take fewer bytes than offered: `advance_output(n)` reports
/// exactly those. (hyper's upgraded HTTP/2 stream keeps within the
/// stream's flow-control window itself; a driver that holds the stream
/// writes no more than its capacity, as the HTTP/2 tests' client does.)
pub(crate) async fn drive<R, W>(
    rd: &mut R,
    wr: &mut W,
    conn: &mut Connection,
    message: &mut Vec<u8>,
    buf: &mut [u8],
    peer: &str,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // The connection's clock: a `Duration` since this instant.
    let start = Instant::now();
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
        // Each branch's future only borrows; the handler that runs may then
        // use the connection mutably. Reads and writes are cancel-safe.
        tokio::select! {
            read = rd.read(buf), if reading => match read {
                // End of stream: a TCP FIN, or HTTP/2's END_STREAM; a reset
                // (TCP RST, HTTP/2 RST_STREAM) is an abort, reported alike.
                Ok(0) => conn.handle_eof(),
                Ok(n) => echo::feed(conn, message, &mut buf[..n], peer),
                Err(e) => {
                    conn.handle_eof();
                    return Err(e);
                }
            },
            written = wr.write(conn.poll_output()), if writing => match written {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => conn.advance_output(n),
                Err(e) => {
                    conn.handle_eof();
                    return Err(e);
                }
            },
            () = sleep_until_some(deadline) => {}
        }
    }
    // Closed: write what is left (a Close frame).
    while !conn.poll_output().is_empty() {
        let n = timeout(LINGER, wr.write(conn.poll_output()))
            .await
            .map_err(|_| io::Error::new(ErrorKind::TimedOut, "peer stopped reading"))??;
        if n == 0 {
            return Err(ErrorKind::WriteZero.into());
        }
        conn.advance_output(n);
    }
    wr.flush().await
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
