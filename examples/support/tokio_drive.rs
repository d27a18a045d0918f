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
///
/// The read goes straight into the connection's own buffers
/// (`recv_buffer`): a large message is read into its place. So that the
/// read's future can hold that slice while a write is under way, the output
/// is first taken into `out`, which the write borrows. A write may take
/// fewer bytes than offered; the rest waits in `out`. (hyper's upgraded
/// HTTP/2 stream keeps within the stream's flow-control window itself; a
/// driver that holds the stream writes no more than its capacity, with a
/// partial `advance_output(n)`, as the HTTP/2 tests' client does.)
pub(crate) async fn drive<R, W>(
    rd: &mut R,
    wr: &mut W,
    conn: &mut Connection,
    message: &mut Vec<u8>,
    peer: &str,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // The connection's clock: a `Duration` since this instant.
    let start = Instant::now();
    let mut read_size = echo::ReadSize::new();
    // Output taken from the connection; bytes before `written` are written.
    let mut out = Vec::new();
    let mut written = 0;
    // Bytes the writer took but may hold until flushed (TLS, buffering).
    let mut unflushed = false;
    loop {
        // The clock first: a timer may queue a frame (a keepalive ping) that
        // this pass then writes.
        conn.handle_timeout(start.elapsed());
        if conn.is_closed() {
            break;
        }
        if written == out.len() {
            out.clear();
            written = 0;
            conn.take_output(&mut out);
        }
        let deadline = conn.poll_timeout().map(|t| start + t);
        let writing = written < out.len();
        let reading = out.len() - written + conn.pending_output_len() <= HIGH_WATER;
        let slice: &mut [u8] = if reading {
            conn.recv_buffer(read_size.get())
        } else {
            &mut []
        };
        let len = slice.len();
        // Reads and writes are cancel-safe: a slice not read into is taken
        // back by the connection's next call.
        tokio::select! {
            read = rd.read(slice), if reading => match read {
                // End of stream: a TCP FIN, or HTTP/2's END_STREAM; a reset
                // (TCP RST, HTTP/2 RST_STREAM) is an abort, reported alike.
                Ok(0) => {
                    conn.handle_received(0);
                    conn.handle_eof();
                    echo::received(conn, message, peer);
                }
                Ok(n) => {
                    read_size.after(n, len);
                    conn.handle_received(n);
                    echo::received(conn, message, peer);
                }
                Err(e) => {
                    conn.handle_received(0);
                    conn.handle_eof();
                    return Err(e);
                }
            },
            w = write_or_flush(wr, &out[written..]), if writing || unflushed => match w {
                Ok(Some(0)) => return Err(ErrorKind::WriteZero.into()),
                Ok(Some(n)) => {
                    written += n;
                    unflushed = true;
                }
                Ok(None) => unflushed = false,
                Err(e) => {
                    conn.handle_eof();
                    return Err(e);
                }
            },
            () = sleep_until_some(deadline) => {}
        }
    }
    // Closed: write what is left (a Close frame).
    out.drain(..written);
    conn.take_output(&mut out);
    // Bounded: a peer that stopped reading cannot hold the task.
    let last = async {
        wr.write_all(&out).await?;
        wr.flush().await
    };
    timeout(LINGER, last)
        .await
        .map_err(|_| io::Error::new(ErrorKind::TimedOut, "peer stopped reading"))?
}

/// Writes some of `buf`, or flushes when it is empty (`None`).
async fn write_or_flush<W: AsyncWrite + Unpin>(
    wr: &mut W,
    buf: &[u8],
) -> io::Result<Option<usize>> {
    match buf.is_empty() {
        false => wr.write(buf).await.map(Some),
        true => wr.flush().await.map(|()| None),
    }
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
