//! The end of a connection at its edges: a transport whose shutdown cannot
//! finish, and our own `close()` while received input waits for the reader.

mod support;

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use support::*;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};
use tokio::time::{timeout, Instant};
use wsmachine_tokio::Options;

/// A transport whose shutdown must first write a record through the stream,
/// as TLS's close_notify does (tokio-rustls `poll_shutdown` writes the alert
/// and returns Pending while the socket has no room), and whose reads panic
/// once `armed`.
struct Quirky {
    io: DuplexStream,
    notify_sent: bool,
    shutdown_polls: Arc<AtomicUsize>,
    armed: Arc<AtomicBool>,
}

impl Quirky {
    fn new(io: DuplexStream) -> Quirky {
        Quirky {
            io,
            notify_sent: false,
            shutdown_polls: Arc::default(),
            armed: Arc::default(),
        }
    }
}

impl AsyncRead for Quirky {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        assert!(!self.armed.load(Ordering::Relaxed), "the transport broke");
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Quirky {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shutdown_polls.fetch_add(1, Ordering::Relaxed);
        if !self.notify_sent {
            match Pin::new(&mut self.io).poll_write(cx, &[0x15; 7]) {
                Poll::Ready(Ok(_)) => self.notify_sent = true,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A peer that sends its Close and then stops reading: the server's last
/// output gets `linger` to be written, and then the transport's shutdown
/// (which cannot write either) must be bounded too, without spinning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_that_cannot_write_is_bounded_and_does_not_spin() {
    let (server_io, mut client) = tokio::io::duplex(4096);
    let io = Quirky::new(server_io);
    let polls = io.shutdown_polls.clone();
    let mut options = Options::default();
    options.linger = Duration::from_millis(200);
    let server = tokio::spawn(async move { accept_with(io, &options).await });
    upgrade(&mut client).await;
    let mut ws = server.await.unwrap();
    // Fill the pipe: the client never reads again.
    ws.send(vec![0u8; 256 * 1024]).await.unwrap();
    client
        .write_all(&masked(0x88, &1000u16.to_be_bytes()))
        .await
        .unwrap();

    let start = Instant::now();
    let ended = timeout(Duration::from_secs(3), ws.closed()).await;
    let polls = polls.load(Ordering::Relaxed);
    assert!(
        ended.is_ok(),
        "driver still running after {:?} (linger 200 ms); poll_shutdown called {polls} times",
        start.elapsed()
    );
    assert!(
        polls < 1000,
        "driver spun: poll_shutdown called {polls} times"
    );
    drop(client);
}

/// `close()` while received messages wait over `read_high_water`: once our
/// Close is sent the driver reads again regardless of the mark, so a peer
/// that answers at once gives a clean close, not a close timeout.
#[tokio::test]
async fn close_completes_while_the_inbox_is_over_its_mark() {
    use wsmachine_tokio::wsmachine::{CloseCause, CloseCode};

    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.read_high_water = 4;
    options.handshake.connection.close_timeout = Duration::from_secs(1);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept_with(tcp, &options).await;
        // A message the application does not take before closing.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let start = Instant::now();
        let closed = ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        (closed, start.elapsed())
    });
    let mut tcp = raw_client(addr).await;
    tcp.write_all(&masked(0x81, b"over the mark"))
        .await
        .unwrap();
    // The peer answers the server's Close at once.
    answer_close(&mut tcp).await;
    let (closed, took) = timeout(LIMIT, server).await.unwrap().unwrap();
    assert_ne!(
        closed.cause,
        CloseCause::CloseTimeout,
        "{closed:?} after {took:?}"
    );
    assert!(closed.clean, "{closed:?}");
}

/// The same with two small messages in one read (far below the mark): once
/// our Close is sent the held input is fed and the peer's immediate reply
/// read, so `close()` takes about a round trip, not a close timeout.
#[tokio::test]
async fn close_is_not_delayed_by_held_input() {
    use wsmachine_tokio::wsmachine::CloseCode;

    let (listener, addr) = listener().await;
    let mut options = Options::default();
    options.handshake.connection.close_timeout = Duration::from_secs(2);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept_with(tcp, &options).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let start = Instant::now();
        let closed = ws.close(CloseCode::NORMAL, "").await.unwrap();
        (closed, start.elapsed())
    });
    let mut tcp = raw_client(addr).await;
    let mut both = masked(0x81, b"a");
    both.extend(masked(0x81, b"b"));
    tcp.write_all(&both).await.unwrap();
    answer_close(&mut tcp).await;
    drop(tcp); // and the client closes TCP at once: no linger wait either
    let (closed, took) = timeout(LIMIT, server).await.unwrap().unwrap();
    assert!(closed.clean, "{closed:?}");
    assert!(took < Duration::from_millis(500), "close() took {took:?}");
}

/// A driver task that ends before its connection is done (here its runtime
/// is shut down) ends the connection as abnormal (1006): `closed()` returns
/// instead of waiting forever.
#[test]
fn a_driver_stopped_with_its_runtime_ends_the_connection() {
    use wsmachine_tokio::wsmachine::CloseCode;

    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (drivers, main) = (runtime(), runtime());
    let (server_io, mut client) = tokio::io::duplex(4096);
    let ws = drivers.block_on(async move {
        let server = tokio::spawn(async move { accept_with(server_io, &Options::default()).await });
        upgrade(&mut client).await;
        let ws = server.await.unwrap();
        (ws, client)
    });
    // The driver task goes with its runtime.
    drop(drivers);
    let (ws, _client) = ws;
    let closed = main
        .block_on(async { timeout(Duration::from_secs(3), ws.closed()).await })
        .expect("closed() did not return after the driver stopped");
    assert_eq!(closed.code, CloseCode::ABNORMAL, "{closed:?}");
    assert!(!closed.clean, "{closed:?}");
}

/// A driver task that panics (here in the transport's read) ends its
/// connection as abnormal (1006) and wakes `recv` and `closed()`.
#[tokio::test]
async fn a_driver_that_panics_ends_the_connection() {
    use wsmachine_tokio::wsmachine::CloseCode;

    let (server_io, mut client) = tokio::io::duplex(4096);
    let io = Quirky::new(server_io);
    let armed = io.armed.clone();
    let server = tokio::spawn(async move { accept_with(io, &Options::default()).await });
    upgrade(&mut client).await;
    let mut ws = server.await.unwrap();
    armed.store(true, Ordering::Relaxed);
    client.write_all(&masked(0x81, b"boom")).await.unwrap();
    assert_eq!(timeout(LIMIT, ws.recv()).await.unwrap(), None);
    let closed = timeout(LIMIT, ws.closed()).await.unwrap();
    assert_eq!(closed.code, CloseCode::ABNORMAL, "{closed:?}");
    assert!(!closed.clean, "{closed:?}");
}

/// A client's `close()` while a message waits over `read_high_water`: after
/// the server's Close reply the client reads on to the server's end of
/// stream, so `close()` returns in a round trip, not after `close_linger`.
#[tokio::test]
async fn a_clients_close_sees_the_servers_end_while_the_inbox_is_over_its_mark() {
    use wsmachine_tokio::wsmachine::CloseCode;

    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let mut tcp = raw_server(&listener).await;
        tcp.write_all(&unmasked(0x81, b"over the mark"))
            .await
            .unwrap();
        let (first, _) = read_frame(&mut tcp).await;
        assert_eq!(first, 0x88);
        tcp.write_all(&unmasked(0x88, &1000u16.to_be_bytes()))
            .await
            .unwrap();
        // The server closes the TCP connection first, as it should.
        drop(tcp);
    });
    let mut options = Options::default();
    options.read_high_water = 4;
    let (mut ws, _) = wsmachine_tokio::Client::new(format!("ws://{addr}/"))
        .options(options)
        .connect()
        .await
        .unwrap();
    // The message arrives and is not taken.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let closed = timeout(LIMIT, ws.close(CloseCode::NORMAL, ""))
        .await
        .unwrap()
        .unwrap();
    let took = start.elapsed();
    assert!(closed.clean, "{closed:?}");
    assert!(took < Duration::from_millis(1000), "close() took {took:?}");
    server.await.unwrap();
}
