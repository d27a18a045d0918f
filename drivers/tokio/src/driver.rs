//! The task that runs one connection: it reads the transport, feeds the
//! connection, writes its output, keeps its clock and, once it has closed,
//! shuts the transport down in the order RFC 6455 §7.1.1 asks for.
//!
//! It is the only code that touches the transport, so a reader and a writer
//! in different tasks never compete for it, and whatever a read causes (a
//! pong, the reply to a Close, a keepalive ping) is written even while no
//! handle is polled.

use std::future::{poll_fn, Future};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use wsmachine::{CloseCode, Role, State};

use crate::deadline::{add, after};
use crate::shared::{Inner, Shared};

/// Bytes read at a time, into a buffer on the stack: between reads the
/// connection holds no read buffer at all.
const READ_CHUNK: usize = 16 * 1024;
/// Passes of the loop before the task yields to others.
const BUDGET: usize = 32;

/// Where the driver is in the life of the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reading and writing until the connection is closed and its output
    /// written.
    Open,
    /// Shutting our side down (TLS: close_notify, then TCP FIN), until the
    /// deadline: a shutdown that must write (close_notify) to a peer that
    /// stopped reading cannot finish, and the transport is then dropped.
    Shutdown(Instant),
    /// Server: our side is shut; reading until the peer's end of stream, so
    /// that bytes still in flight do not turn our close into a reset.
    Linger(Instant),
    /// Finished.
    Done,
}

/// The driver's own state: the bytes being written and the stage.
#[derive(Debug)]
struct Driver {
    epoch: Instant,
    /// Output taken from the connection, written up to `pos`.
    out: Vec<u8>,
    pos: usize,
    need_flush: bool,
    /// The transport reached its end or failed.
    eof: bool,
    /// A write failed: output is discarded from then on.
    broken: bool,
    stage: Stage,
    linger: Duration,
    /// Once closed: the end of the wait for the last output to be written.
    flush_deadline: Option<Instant>,
}

/// Ends the connection if the driver stops before it is done (a panic, the
/// runtime shutting down): the connection is closed abnormally (1006) and
/// everyone waiting is woken, instead of waiting forever.
struct Ending<'a>(&'a Shared);

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        let mut inner = self.0.lock();
        if inner.finished {
            return;
        }
        if !std::thread::panicking() {
            // The connection tells how it ended.
            inner.conn.handle_eof();
            inner.settle();
        }
        if inner.outcome.is_none() {
            // Unwinding from a panic (the connection is not called again:
            // a second panic would abort).
            inner.end_abnormally();
        }
        inner.finished = true;
        inner.wake_all();
    }
}

/// Runs the connection in `shared` over `io` to its end.
pub(crate) async fn run<S>(mut io: S, shared: Arc<Shared>, linger: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(sleep);
    let mut driver = Driver {
        epoch: Instant::now(),
        out: Vec::new(),
        pos: 0,
        need_flush: false,
        eof: false,
        broken: false,
        stage: Stage::Open,
        linger,
        flush_deadline: None,
    };
    let _ending = Ending(&shared);
    poll_fn(|cx| driver.poll(cx, &mut io, &shared, sleep.as_mut())).await;
}

impl Driver {
    fn poll<S>(
        &mut self,
        cx: &mut Context<'_>,
        io: &mut S,
        shared: &Shared,
        mut sleep: Pin<&mut Sleep>,
    ) -> Poll<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut inner = shared.lock();
        inner.set_driver_waker(cx.waker());
        for _ in 0..BUDGET {
            inner.conn.handle_timeout(self.epoch.elapsed());
            if inner.handles == 0 && inner.conn.state() == State::Open {
                // Every handle is gone: nobody will read or send again.
                let _ = inner.conn.close(CloseCode::NORMAL, "");
            }
            inner.settle();
            let mut progress = self.write(cx, io, &mut inner);
            progress |= self.step(cx, io, &mut inner);
            if self.stage == Stage::Done {
                inner.finished = true;
                inner.wake_all();
                return Poll::Ready(());
            }
            if progress {
                continue;
            }
            let deadline = match self.stage {
                Stage::Shutdown(deadline) | Stage::Linger(deadline) => Some(deadline),
                _ => earliest(
                    earliest(
                        inner.conn.poll_timeout().map(|t| add(self.epoch, t)),
                        self.flush_deadline,
                    ),
                    inner.held_until(),
                ),
            };
            let Some(deadline) = deadline else {
                return Poll::Pending;
            };
            if sleep.deadline() != deadline {
                sleep.as_mut().reset(deadline);
            }
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        // Busy: let other tasks run, then go on.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// What the stage asks for besides writing; whether anything moved.
    fn step<S>(&mut self, cx: &mut Context<'_>, io: &mut S, inner: &mut Inner) -> bool
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        match self.stage {
            Stage::Open => {
                let progress = self.read(cx, io, inner);
                if !inner.conn.is_closed() {
                    return progress;
                }
                let written = self.broken
                    || (self.pos == self.out.len()
                        && !self.need_flush
                        && inner.conn.pending_output_len() == 0);
                // A peer that stops reading cannot hold the connection
                // open: the last output gets the linger to be written.
                let deadline = *self
                    .flush_deadline
                    .get_or_insert_with(|| after(self.linger));
                if written || Instant::now() >= deadline {
                    self.stage = Stage::Shutdown(after(self.linger));
                    return true;
                }
                progress
            }
            Stage::Shutdown(deadline) => {
                if Pin::new(io).poll_shutdown(cx).is_pending() {
                    if Instant::now() >= deadline {
                        self.stage = Stage::Done;
                        return true;
                    }
                    return false;
                }
                // RFC 6455 §7.1.1: "the underlying TCP connection, in most
                // normal cases, SHOULD be closed first by the server". A
                // client's connection waited for that already.
                self.stage = match inner.conn.role() {
                    Role::Server if !self.eof => Stage::Linger(after(self.linger)),
                    _ => Stage::Done,
                };
                true
            }
            Stage::Linger(deadline) => {
                if self.discard(cx, io) || Instant::now() >= deadline {
                    self.stage = Stage::Done;
                    return true;
                }
                false
            }
            Stage::Done => true,
        }
    }

    /// Writes the connection's output; whether any byte was written.
    fn write<S>(&mut self, cx: &mut Context<'_>, io: &mut S, inner: &mut Inner) -> bool
    where
        S: AsyncWrite + Unpin,
    {
        let mut progress = false;
        loop {
            if self.pos == self.out.len() {
                self.pos = 0;
                self.out.clear();
                if inner.conn.pending_output_len() == 0 {
                    break;
                }
                inner.conn.take_output(&mut self.out);
                if self.broken {
                    self.out = Vec::new();
                    continue;
                }
            }
            match Pin::new(&mut *io).poll_write(cx, &self.out[self.pos..]) {
                Poll::Pending => break,
                Poll::Ready(Ok(n)) if n > 0 => {
                    self.pos += n;
                    self.need_flush = true;
                    progress = true;
                }
                Poll::Ready(Ok(_)) => self.fail(inner, std::io::ErrorKind::WriteZero),
                Poll::Ready(Err(e)) => self.fail(inner, e.kind()),
            }
        }
        if self.need_flush && self.pos == self.out.len() && !self.broken {
            match Pin::new(&mut *io).poll_flush(cx) {
                Poll::Pending => {}
                Poll::Ready(Ok(())) => self.need_flush = false,
                Poll::Ready(Err(e)) => self.fail(inner, e.kind()),
            }
        }
        if self.pos == self.out.len() && inner.conn.pending_output_len() == 0 {
            self.release(inner);
        }
        inner.in_flight = self.out.len() - self.pos;
        if progress {
            // Room for writers, or the output drained for a flush.
            inner.wake_waiters();
        }
        progress
    }

    /// All written: neither the driver nor the connection keeps an output
    /// buffer while idle.
    fn release(&mut self, inner: &mut Inner) {
        if self.out.capacity() > 0 {
            self.out = Vec::new();
            inner.conn.take_output(&mut self.out);
            self.out = Vec::new();
            self.pos = 0;
        }
    }

    /// The transport failed: the connection ends (1006), output is dropped.
    fn fail(&mut self, inner: &mut Inner, kind: std::io::ErrorKind) {
        self.broken = true;
        self.need_flush = false;
        self.out = Vec::new();
        self.pos = 0;
        inner.io_error.get_or_insert(kind);
        inner.conn.handle_eof();
        inner.finish_after_eof();
        inner.settle();
    }

    /// Reads once and feeds what arrived; whether anything happened.
    fn read<S>(&mut self, cx: &mut Context<'_>, io: &mut S, inner: &mut Inner) -> bool
    where
        S: AsyncRead + Unpin,
    {
        if inner.has_held() {
            // The reader feeds it; the driver only when nobody will, or
            // once our Close is sent (the peer's reply is behind it).
            return inner.feed_held_if_due();
        }
        if self.eof {
            return inner.finish_after_eof();
        }
        if inner.inbox_full() || inner.conn.is_closed() {
            return false;
        }
        let mut buf = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
        let mut buf = ReadBuf::uninit(&mut buf);
        match Pin::new(io).poll_read(cx, &mut buf) {
            Poll::Pending => return false,
            Poll::Ready(Ok(())) if !buf.filled().is_empty() => inner.feed_read(buf.filled_mut()),
            Poll::Ready(result) => {
                self.eof = true;
                if let Err(e) = result {
                    inner.io_error.get_or_insert(e.kind());
                }
                inner.conn.handle_eof();
                inner.finish_after_eof();
                inner.settle();
            }
        }
        true
    }

    /// Lingering: reads and drops bytes; whether the peer's end came.
    fn discard<S>(&mut self, cx: &mut Context<'_>, io: &mut S) -> bool
    where
        S: AsyncRead + Unpin,
    {
        let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
        // Bounded: a peer that keeps sending meets the deadline.
        for _ in 0..BUDGET {
            let mut buf = ReadBuf::uninit(&mut buf);
            match Pin::new(&mut *io).poll_read(cx, &mut buf) {
                Poll::Pending => return false,
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {}
                Poll::Ready(_) => {
                    self.eof = true;
                    return true;
                }
            }
        }
        false
    }
}

/// The earlier of two optional deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
