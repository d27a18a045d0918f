//! The handles a user holds: [`WebSocket`], and its halves [`Reader`] and
//! [`Writer`].

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use wsmachine::{CloseCode, State};

use crate::message::{Closed, Error, Message};
use crate::shared::{Inner, Shared};

/// A WebSocket connection, run by its own driver task.
///
/// Receive with [`recv`](Self::recv) or as a [`Stream`]; send with
/// [`send`](Self::send) or as a [`Sink`]; [`split`](Self::split) it for a
/// reader and a writer in different tasks. Pings are answered and Close
/// frames replied to by the driver, whether or not anyone is receiving.
///
/// Dropping every handle closes the connection with 1000 (bounded by
/// [`Config::close_timeout`](wsmachine::Config::close_timeout)).
#[derive(Debug)]
pub struct WebSocket {
    reader: Reader,
    writer: Writer,
}

/// The receiving half of a [`WebSocket`].
///
/// Dropping it drops messages from then on (the connection still answers
/// pings and Close frames).
#[derive(Debug)]
pub struct Reader {
    shared: Arc<Shared>,
}

/// The sending half of a [`WebSocket`]. Clone it to send from several
/// tasks; messages from one handle keep their order.
#[derive(Debug)]
pub struct Writer {
    shared: Arc<Shared>,
}

impl WebSocket {
    pub(crate) fn new(shared: Arc<Shared>) -> WebSocket {
        WebSocket {
            reader: Reader {
                shared: shared.clone(),
            },
            writer: Writer { shared },
        }
    }

    /// The next message, or `None` once the connection has ended (then
    /// [`closed`](Self::closed) says how).
    ///
    /// Cancel-safe: a message is taken only when the call returns it.
    pub async fn recv(&mut self) -> Option<Message> {
        self.reader.recv().await
    }

    /// Sends a message, waiting first while the output is over the
    /// high-water mark ([`Options::write_high_water`](crate::Options::write_high_water)).
    /// It returns once the message is queued; the driver writes it
    /// ([`flush`](Self::flush) waits for that).
    ///
    /// Cancel-safe: the message is queued whole in the call's last step, or
    /// not at all.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        self.writer.send(message).await
    }

    /// Waits until everything queued is written. Cancel-safe.
    pub async fn flush(&mut self) -> Result<(), Error> {
        self.writer.flush().await
    }

    /// Closes with `code` and `reason`, then waits for the end: the peer's
    /// Close (or the close timeout) and the transport shut down. Calling it
    /// when a close is under way only waits.
    ///
    /// Cancel-safe: the Close frame is queued on the first poll and the
    /// driver completes the handshake even if the call is dropped.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<Closed, Error> {
        self.writer.close(code, reason).await
    }

    /// Waits for the end of the connection and says how it ended.
    /// Cancel-safe.
    pub async fn closed(&self) -> Closed {
        self.writer.closed().await
    }

    /// How the connection ended, once it has.
    pub fn close_outcome(&self) -> Option<Closed> {
        self.reader.shared.lock().outcome.clone()
    }

    /// The subprotocol agreed in the handshake.
    pub fn subprotocol(&self) -> Option<String> {
        self.reader
            .shared
            .lock()
            .conn
            .subprotocol()
            .map(str::to_owned)
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.reader.shared.lock().conn.state()
    }

    /// Heap bytes the connection machine holds now (its buffers, the
    /// extension's state).
    pub fn heap_bytes(&self) -> usize {
        self.reader.shared.lock().conn.heap_bytes()
    }

    /// The two halves, for a reader and a writer in different tasks.
    pub fn split(self) -> (Reader, Writer) {
        (self.reader, self.writer)
    }

    /// Puts halves split from the same connection back together; gives them
    /// back if they are not.
    pub fn reunite(reader: Reader, writer: Writer) -> Result<WebSocket, (Reader, Writer)> {
        if Arc::ptr_eq(&reader.shared, &writer.shared) {
            Ok(WebSocket { reader, writer })
        } else {
            Err((reader, writer))
        }
    }
}

impl Reader {
    /// See [`WebSocket::recv`]. Cancel-safe.
    pub async fn recv(&mut self) -> Option<Message> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next message, for hand-written futures.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let mut inner = self.shared.lock();
        if let Some(message) = inner.pop() {
            return Poll::Ready(Some(message));
        }
        inner.feed_held();
        if let Some(message) = inner.pop() {
            return Poll::Ready(Some(message));
        }
        if inner.outcome.is_some() {
            return Poll::Ready(None);
        }
        inner.set_reader_waker(cx.waker());
        Poll::Pending
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.shared.lock().drop_reader();
    }
}

impl Stream for Reader {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Writer {
    /// See [`WebSocket::send`]. Cancel-safe.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        let message = message.into();
        poll_fn(|cx| self.poll_room(cx)).await?;
        self.queue(message)
    }

    /// Queues `message` now, without waiting for room: for a caller that
    /// drops or bounds slow peers rather than wait for them. Fails with
    /// [`SendError::Backpressure`](wsmachine::SendError::Backpressure)
    /// while over the high-water mark.
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        let mut inner = self.shared.lock();
        if inner.queued() > inner.marks.write_high_water {
            return Err(Error::Send(wsmachine::SendError::Backpressure));
        }
        queue(&mut inner, message.into())
    }

    /// See [`WebSocket::flush`]. Cancel-safe.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.poll_drained(cx)).await
    }

    /// See [`WebSocket::close`]. Cancel-safe.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<Closed, Error> {
        self.start_close(code, reason)?;
        Ok(self.closed().await)
    }

    /// See [`WebSocket::closed`]. Cancel-safe.
    pub async fn closed(&self) -> Closed {
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            match &inner.outcome {
                Some(outcome) if inner.finished => Poll::Ready(outcome.clone()),
                _ => {
                    inner.wait(cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Queues the Close frame unless one was sent.
    fn start_close(&self, code: CloseCode, reason: &str) -> Result<(), Error> {
        let mut inner = self.shared.lock();
        match inner.conn.close(code, reason) {
            Ok(()) | Err(wsmachine::SendError::Closed) => {
                inner.wake_driver();
                Ok(())
            }
            Err(e) => Err(Error::Send(e)),
        }
    }

    fn poll_room(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut inner = self.shared.lock();
        if inner.conn.state() != State::Open {
            return Poll::Ready(Err(Error::Closed));
        }
        if inner.queued() <= inner.marks.write_high_water {
            return Poll::Ready(Ok(()));
        }
        inner.wait(cx.waker());
        Poll::Pending
    }

    fn poll_drained(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut inner = self.shared.lock();
        if inner.queued() == 0 {
            return Poll::Ready(Ok(()));
        }
        if inner.finished {
            return Poll::Ready(Err(Error::Closed));
        }
        inner.wait(cx.waker());
        Poll::Pending
    }

    fn queue(&self, message: Message) -> Result<(), Error> {
        queue(&mut self.shared.lock(), message)
    }
}

/// Hands `message` to the connection and wakes the driver to write it.
fn queue(inner: &mut Inner, message: Message) -> Result<(), Error> {
    let result = match &message {
        Message::Text(text) => inner.conn.send_text(text),
        Message::Binary(data) => inner.conn.send_binary(data),
        Message::Ping(data) => inner.conn.send_ping(data),
        Message::Pong(data) => inner.conn.send_pong(data),
        Message::Close(frame) => match frame {
            Some((code, reason)) => inner.conn.close(*code, reason),
            None => inner.conn.close(CloseCode::NORMAL, ""),
        },
        Message::Chunk { kind, data, fin } => send_chunk(inner, *kind, data, *fin),
    };
    inner.wake_driver();
    result.map_err(Error::from)
}

/// A piece of a fragmented message: the first piece begins it.
fn send_chunk(
    inner: &mut Inner,
    kind: wsmachine::MessageKind,
    data: &[u8],
    fin: bool,
) -> Result<(), wsmachine::SendError> {
    if !inner.conn.is_sending_fragments() {
        inner.conn.begin_message(kind)?;
    }
    if fin {
        inner.conn.finish_message(data)
    } else {
        inner.conn.send_fragment(data)
    }
}

impl Clone for Writer {
    fn clone(&self) -> Self {
        self.shared.lock().handles += 1;
        Writer {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shared.lock().drop_handle();
    }
}

impl Sink<Message> for Writer {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.poll_room(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.queue(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.poll_drained(cx)
    }

    /// Closes with 1000 and waits for the end of the connection.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.start_close(CloseCode::NORMAL, "")?;
        let mut inner = self.shared.lock();
        if inner.finished {
            return Poll::Ready(Ok(()));
        }
        inner.wait(cx.waker());
        Poll::Pending
    }
}

impl Stream for WebSocket {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.get_mut().reader.poll_recv(cx)
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.get_mut().writer).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        Pin::new(&mut self.get_mut().writer).start_send(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.get_mut().writer).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.get_mut().writer).poll_close(cx)
    }
}
