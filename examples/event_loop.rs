//! A single-threaded, non-blocking event loop (mio) serving many WebSocket
//! connections at once: the shape of a custom server or proxy loop.
//!
//! ```sh
//! cargo run --release --example event_loop -- 127.0.0.1:9003 [IDLE_SECS]
//! ```
//!
//! It echoes every text and binary message, answers pings and closes cleanly,
//! like the other echo servers. Keepalive pings go out after `IDLE_SECS`
//! (default 30) of silence.
//!
//! The loop keeps one state per socket: the handshake machine, then the
//! connection. On every readiness event it drives that socket: give the
//! machine the time, write until the socket would block (what is left stays
//! in the machine's output, and write interest is registered until it is
//! gone), read until the socket would block and feed the machine. Reading
//! pauses while a peer's pending output is above a threshold
//! (backpressure). The poll timeout is the earliest deadline over all
//! connections (keepalive, close and handshake timeouts), on one clock: a
//! `Duration` since the loop started. A connection is dropped once it is
//! closed and its output is written.

#[path = "support/accept.rs"]
mod accept;
#[path = "support/echo.rs"]
mod echo;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use wsmachine::handshake::{HandshakeConfig, Reply, RequestError, ServerHandshake, UpgradeRequest};
use wsmachine::{Connection, Keepalive, Status};

const LISTENER: Token = Token(0);
/// Stop reading from a peer while more than this waits to be written to it.
const HIGH_WATER: usize = 1 << 20;
/// Reads per connection per turn before the others get theirs.
const READ_BUDGET: usize = 16;
/// Bound on receiving the opening handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Once closed: how long the peer gets to take our last bytes, and then to
/// end its stream after ours.
const LINGER: Duration = Duration::from_secs(1);

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:9003".to_owned())
        .parse()
        .map_err(|_| io::Error::other("the address must be IP:PORT"))?;
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

    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    eprintln!("event loop echo server on ws://{addr}/ (keepalive after {idle} s idle)");

    // The one clock of every machine: a `Duration` since this instant.
    let start = Instant::now();
    let mut peers: HashMap<Token, Peer> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    // Connections that used up their read budget and may have more to read.
    let mut again: Vec<Token> = Vec::new();

    loop {
        // Sleep until the earliest deadline. A scan is fine for an example;
        // a server with many thousands of connections keeps a timer heap.
        let now = start.elapsed();
        let wait = if again.is_empty() {
            peers
                .values()
                .filter_map(Peer::next_deadline)
                .min()
                .map(|t| t.saturating_sub(now))
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = poll.poll(&mut events, wait) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }

        let mut ready: Vec<Token> = std::mem::take(&mut again);
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(
                    &listener,
                    &poll,
                    &mut peers,
                    &mut next_token,
                    &config,
                    start.elapsed(),
                );
            } else {
                ready.push(event.token());
            }
        }
        // Connections whose deadline has come.
        let now = start.elapsed();
        ready.extend(
            peers
                .iter()
                .filter(|(_, p)| p.next_deadline().is_some_and(|t| t <= now))
                .map(|(t, _)| *t),
        );
        ready.sort_unstable();
        ready.dedup();

        for token in ready {
            let Some(peer) = peers.get_mut(&token) else {
                continue;
            };
            // Edge-triggered readiness: whatever the event said, drive both
            // directions until the socket would block.
            let result = peer.drive(&mut buf, start.elapsed()).and_then(|turn| {
                peer.update_interest(&poll, token)?;
                Ok(turn)
            });
            match result {
                Ok(Turn::Wait) => {}
                Ok(Turn::Again) => again.push(token),
                Ok(Turn::Done) => remove(&poll, &mut peers, token, None),
                Err(e) => remove(&poll, &mut peers, token, Some(e)),
            }
        }
    }
}

/// Accepts every waiting connection.
fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    peers: &mut HashMap<Token, Peer>,
    next_token: &mut usize,
    config: &HandshakeConfig,
    now: Duration,
) {
    loop {
        let (mut sock, addr) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                // Out of descriptors, for instance: try again at the next event.
                eprintln!("accept failed: {e}");
                return;
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        if let Err(e) = sock.set_nodelay(true) {
            eprintln!("{addr}: {e}");
        }
        if let Err(e) = poll
            .registry()
            .register(&mut sock, token, Interest::READABLE)
        {
            eprintln!("{addr}: cannot register: {e}");
            continue;
        }
        peers.insert(
            token,
            Peer {
                sock,
                addr: addr.to_string(),
                stage: Stage::Handshake(ServerHandshake::new(config.clone())),
                http_out: Vec::new(),
                message: Vec::new(),
                read_size: echo::ReadSize::new(),
                deadline: Some(now + HANDSHAKE_TIMEOUT),
                writable: false,
            },
        );
    }
}

/// Deregisters and drops a connection, logging how it ended.
fn remove(poll: &Poll, peers: &mut HashMap<Token, Peer>, token: Token, error: Option<io::Error>) {
    let Some(mut peer) = peers.remove(&token) else {
        return;
    };
    if let Some(e) = error {
        if let Stage::Open(conn) = &mut peer.stage {
            conn.handle_eof();
            log_outcome(&peer.addr, conn);
        }
        eprintln!("{}: {e}", peer.addr);
    }
    let _ = poll.registry().deregister(&mut peer.sock);
}

fn log_outcome(addr: &str, conn: &Connection) {
    if let Some(o) = conn.close_outcome() {
        eprintln!(
            "{addr}: closed with {} ({:?}, clean: {})",
            o.code, o.cause, o.clean
        );
    }
}

/// One socket and its machine.
struct Peer {
    sock: TcpStream,
    addr: String,
    stage: Stage,
    /// HTTP bytes to write before any frame: the 101, or a refusal.
    http_out: Vec<u8>,
    /// Where the connection hands over a message to echo (released after
    /// a large one).
    message: Vec<u8>,
    /// The size of the next read.
    read_size: echo::ReadSize,
    /// The handshake, final flush or linger deadline (the connection keeps
    /// its own).
    deadline: Option<Duration>,
    /// Write interest is registered.
    writable: bool,
}

// Most peers are open: boxing the connection would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Stage {
    /// Reading the HTTP request.
    Handshake(ServerHandshake),
    /// The WebSocket, open or closing.
    Open(Connection),
    /// An HTTP reply instead of a WebSocket: close once it is written.
    Refused,
    /// Our side is shut down: read and discard until the peer's end of
    /// stream, so that bytes in flight do not turn our close into a reset
    /// that could destroy the last frame we sent.
    Lingering,
}

/// What a connection needs after a turn.
enum Turn {
    /// Nothing until its next event or deadline.
    Wait,
    /// It used its read budget: drive it again soon.
    Again,
    /// Closed and written out: drop it.
    Done,
}

impl Peer {
    /// When this connection next needs the clock.
    fn next_deadline(&self) -> Option<Duration> {
        let conn = match &self.stage {
            Stage::Open(conn) => conn.poll_timeout(),
            _ => None,
        };
        match (self.deadline, conn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn pending_output(&self) -> usize {
        let conn = match &self.stage {
            Stage::Open(conn) => conn.pending_output_len(),
            _ => 0,
        };
        self.http_out.len() + conn
    }

    /// Writes, reads and feeds the machine until the socket would block, the
    /// peer is backpressured, or the read budget is used up.
    fn drive(&mut self, buf: &mut [u8], now: Duration) -> io::Result<Turn> {
        for _ in 0..READ_BUDGET {
            if let Stage::Open(conn) = &mut self.stage {
                // The clock first: a timer may queue a frame written below.
                conn.handle_timeout(now);
            }
            self.write()?;
            if self.deadline.is_some_and(|d| now >= d) {
                match &self.stage {
                    Stage::Handshake(_) => eprintln!("{}: no handshake in time", self.addr),
                    Stage::Open(conn) => {
                        log_outcome(&self.addr, conn);
                        eprintln!("{}: the peer did not take our last bytes", self.addr);
                    }
                    _ => {}
                }
                return Ok(Turn::Done);
            }
            // Closed (or refused) and written out: close our side and linger.
            let finished = match &self.stage {
                Stage::Open(conn) => conn.is_closed(),
                Stage::Refused => true,
                _ => false,
            };
            if finished {
                if self.pending_output() > 0 {
                    // Write interest is registered; a peer that stopped
                    // reading gets a bounded time to take the rest.
                    self.deadline.get_or_insert(now + LINGER);
                    return Ok(Turn::Wait);
                }
                if let Stage::Open(conn) = &self.stage {
                    log_outcome(&self.addr, conn);
                }
                self.stage = Stage::Lingering;
                self.deadline = Some(now + LINGER);
                if self.sock.shutdown(Shutdown::Write).is_err() {
                    return Ok(Turn::Done);
                }
            }
            if self.pending_output() > HIGH_WATER {
                // Backpressure: read again once the output has drained.
                return Ok(Turn::Wait);
            }
            let n = match self.read(buf) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Turn::Wait),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) if matches!(self.stage, Stage::Lingering) => return Ok(Turn::Done),
                Err(e) => return Err(e),
            };
            if n == 0 && matches!(self.stage, Stage::Lingering | Stage::Handshake(_)) {
                return Ok(Turn::Done);
            }
        }
        Ok(Turn::Again)
    }

    /// Reads once and hands the bytes to the machine of this stage. An open
    /// connection reads into its own buffers (a large message straight into
    /// its place, and nothing held between messages); the handshake reads
    /// into the loop's shared buffer `buf`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Stage::Open(conn) = &mut self.stage else {
            let n = self.sock.read(buf)?;
            self.feed(&mut buf[..n]);
            return Ok(n);
        };
        let slice = conn.recv_buffer(self.read_size.get());
        let len = slice.len();
        let n = match self.sock.read(slice) {
            Ok(n) => n,
            Err(e) => {
                // Nothing read: the read area is not kept while we wait.
                conn.handle_received(0);
                return Err(e);
            }
        };
        self.read_size.after(n, len);
        conn.handle_received(n);
        if n == 0 {
            conn.handle_eof();
        }
        echo::received(conn, &mut self.message, &self.addr);
        Ok(n)
    }

    /// Hands `input` (empty: the end of stream) to the machine of a stage
    /// that reads from the shared buffer.
    fn feed(&mut self, input: &mut [u8]) {
        match &mut self.stage {
            Stage::Handshake(hs) if !input.is_empty() => match hs.handle_input(input) {
                Ok(Status::Partial) => {}
                Ok(Status::Complete(request)) => self.accept(request),
                Err(e) => self.refuse(&e),
            },
            // Not a WebSocket, or lingering: the bytes are ignored.
            _ => {}
        }
    }

    fn accept(&mut self, request: UpgradeRequest) {
        let path = request.request().path().to_owned();
        match request.accept(accept::options()) {
            Ok(accepted) => {
                eprintln!("{}: connected to {path}", self.addr);
                self.http_out = accepted.response_bytes;
                self.deadline = None;
                let mut conn = accepted.connection;
                let mut trailing = accepted.trailing;
                // The client's first frames may have come with its request.
                echo::feed(&mut conn, &mut self.message, &mut trailing, &self.addr);
                self.stage = Stage::Open(conn);
            }
            Err(e) => {
                eprintln!("{}: cannot accept: {e}", self.addr);
                self.http_out = Reply::new(500).encode().unwrap_or_default();
                self.stage = Stage::Refused;
            }
        }
    }

    fn refuse(&mut self, e: &RequestError) {
        self.http_out = if e.is_not_upgrade() {
            // A plain HTTP request: say what this is.
            Reply::new(200)
                .header("Content-Type", "text/plain; charset=utf-8")
                .body("A WebSocket echo server: connect with a WebSocket client.\n")
                .encode()
                .unwrap_or_default()
        } else {
            eprintln!("{}: {e}", self.addr);
            e.response_bytes()
        };
        self.stage = Stage::Refused;
    }

    /// Writes until everything is out or the socket would block; what is not
    /// written stays queued (`http_out`, then the connection's output).
    fn write(&mut self) -> io::Result<()> {
        loop {
            let pending: &[u8] = if !self.http_out.is_empty() {
                &self.http_out
            } else if let Stage::Open(conn) = &self.stage {
                conn.poll_output()
            } else {
                &[]
            };
            if pending.is_empty() {
                return Ok(());
            }
            let n = match self.sock.write(pending) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if !self.http_out.is_empty() {
                self.http_out.drain(..n);
            } else if let Stage::Open(conn) = &mut self.stage {
                conn.advance_output(n);
            }
        }
    }

    /// Asks for write readiness exactly while output is pending.
    fn update_interest(&mut self, poll: &Poll, token: Token) -> io::Result<()> {
        let writable = self.pending_output() > 0;
        if writable != self.writable {
            let interest = if writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            poll.registry()
                .reregister(&mut self.sock, token, interest)?;
            self.writable = writable;
        }
        Ok(())
    }
}
