//! Heap held per idle connection by the tokio driver (`wsmachine-tokio`)
//! after traffic: the driver task, the shared connection state, tokio's
//! registration of the socket, and a minimal echo task.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin tokio_idle [-- CONNECTIONS]
//! ```
//!
//! The server runs in this process on a current-thread runtime; the clients are
//! plain blocking sockets in another thread that write pre-encoded frames
//! (they allocate nothing while connections are counted). Each connection
//! sends a 5-byte text message and a 100 kB binary one (larger than a read,
//! so the connection assembles it) and reads the echoes. Then everything is
//! idle and the live heap is compared with the count before the clients
//! connected.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use wsmachine_bench::alloc_count::{kib, live_bytes, start_counting, Counting};
use wsmachine_testkit::encode_frame;

#[global_allocator]
static ALLOC: Counting = Counting;

const BIG: usize = 100_000;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("CONNECTIONS: a number"))
        .unwrap_or(500);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(serve(listener));
        // One connection first, so that the runtime's lazily made parts
        // are not counted against the measured ones.
        let warm = tokio::task::spawn_blocking(move || client(addr))
            .await
            .expect("warm-up");
        drop(warm);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let frames = Frames::new();
        start_counting();
        let before = live_bytes();
        let clients = tokio::task::spawn_blocking(move || {
            let mut clients = Vec::with_capacity(n);
            for _ in 0..n {
                clients.push(frames.exchange(addr));
            }
            clients
        })
        .await
        .expect("clients");
        // Let the drivers finish their writes and release their buffers.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = live_bytes();
        let per = (after - before) / n as isize;
        println!(
            "| wsmachine-tokio | {n} idle connections | {} per connection |",
            kib(per)
        );
        drop(clients);
    });
}

/// The echo server.
async fn serve(listener: tokio::net::TcpListener) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(serve_one(Some(tcp)));
    }
}

/// One connection's echo task.
async fn serve_one(tcp: Option<tokio::net::TcpStream>) {
    let Some(tcp) = tcp else { return };
    let Ok(mut ws) = wsmachine_tokio::accept(tcp).await else {
        return;
    };
    while let Some(message) = ws.recv().await {
        if ws.send(message).await.is_err() {
            break;
        }
    }
}

/// The client's bytes, encoded before counting starts.
struct Frames {
    request: Vec<u8>,
    messages: Vec<u8>,
    /// The echoes' length: the server's frames are unmasked.
    echoes: usize,
}

impl Frames {
    fn new() -> Frames {
        let request = b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            Sec-WebSocket-Version: 13\r\n\r\n"
            .to_vec();
        let big = vec![9u8; BIG];
        let mut messages = Vec::new();
        encode_frame(&mut messages, 0x81, b"hello", Some([1, 2, 3, 4]));
        encode_frame(&mut messages, 0x82, &big, Some([5, 6, 7, 8]));
        let mut echoes = Vec::new();
        encode_frame(&mut echoes, 0x81, b"hello", None);
        encode_frame(&mut echoes, 0x82, &big, None);
        let echoes = echoes.len();
        Frames {
            request,
            messages,
            echoes,
        }
    }

    /// Connects, exchanges both messages, and keeps the socket open.
    fn exchange(&self, addr: SocketAddr) -> TcpStream {
        let mut tcp = TcpStream::connect(addr).expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        tcp.write_all(&self.request).expect("request");
        let mut buf = [0u8; 16 * 1024];
        let mut head = 0;
        // The 101 response: read up to its empty line, byte by byte.
        let mut last = [0u8; 4];
        while last != *b"\r\n\r\n" {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).expect("response");
            last = [last[1], last[2], last[3], byte[0]];
            head += 1;
        }
        assert!(head > 12);
        tcp.write_all(&self.messages).expect("messages");
        let mut left = self.echoes;
        while left > 0 {
            let n = tcp.read(&mut buf[..left.min(16 * 1024)]).expect("echoes");
            assert!(n > 0, "the server closed");
            left -= n;
        }
        tcp
    }
}

/// The warm-up connection.
fn client(addr: SocketAddr) -> TcpStream {
    Frames::new().exchange(addr)
}
