//! The loopback benchmark: starts the echo servers (wsmachine's blocking
//! `echo_server` and mio `event_loop` examples, and tungstenite's
//! `tungstenite_echo`), each on a free port, then runs the same load against
//! each in interleaved rounds and reports messages/s and latency.
//!
//! ```sh
//! cargo build --release -p wsmachine-bench --bins
//! cargo build --release --example echo_server --example event_loop
//! cargo run -p wsmachine-bench --release --bin e2e [-- --conns 64 --size 32 --depth 1 --secs 3 --rounds 5]
//! ```
//!
//! `--set tokio` runs the tokio servers instead: the driver's `echo` example
//! (`wsmachine-tokio`), the hand-written `tokio_echo_server` loop, and
//! tokio-tungstenite's echo, the reference of the ratios; a line after the
//! table gives the driver against the hand-written loop:
//!
//! ```sh
//! cargo build --release --example tokio_echo_server
//! cargo build --release -p wsmachine-tokio --example echo
//! cargo build --release -p wsmachine-bench --bins
//! cargo run -p wsmachine-bench --release --bin e2e -- --set tokio --threads 1 --size 5
//! ```
//!
//! The load comes from a few threads (`--threads`, default 2), each driving
//! its share of the connections with a mio loop over raw sockets and
//! pre-encoded frames, so the load generator costs the same against every
//! server and does not outnumber a single-threaded server's thread. It
//! keeps its own cost low so that the servers, not it, set the pace: the
//! messages a connection sends at once go in one write, a read's echoes are
//! timed with one clock reading, and a read that does not fill the buffer
//! is not followed by one that only says WouldBlock. With
//! `--depth 1` each connection sends one message and waits for its echo
//! (request/response); a larger depth keeps that many in flight.
//! `--text` sends text messages (ASCII) instead of binary.
//!
//! Each row also gives the server's resident memory per connection, read
//! from `/proc` while the round's connections are still open, over what it
//! held when warm (after a short round on two connections).
//! The servers are stopped by their process handles at the end.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use wsmachine_bench::runner::median;
use wsmachine_bench::servers::Server;
use wsmachine_bench::wire::{connect_from, request, Reader};
use wsmachine_testkit::encode_frame;

#[derive(Clone, Copy)]
struct Options {
    conns: usize,
    size: usize,
    depth: usize,
    /// Load threads; each drives its share of the connections with mio.
    threads: usize,
    secs: f64,
    rounds: usize,
    /// Which servers: `blocking` (default) or `tokio`.
    set: &'static str,
    /// Text messages (opcode 1, ASCII payloads) instead of binary.
    text: bool,
}

fn options() -> Options {
    let mut o = Options {
        conns: 64,
        size: 32,
        depth: 1,
        threads: 2,
        secs: 3.0,
        rounds: 5,
        set: "blocking",
        text: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--text" {
            o.text = true;
            continue;
        }
        let v: String = args.next().expect("a value after the flag");
        match a.as_str() {
            "--conns" => o.conns = v.parse().expect("--conns N"),
            "--size" => o.size = v.parse().expect("--size BYTES (at most 125)"),
            "--depth" => o.depth = v.parse().expect("--depth N"),
            "--threads" => o.threads = v.parse().expect("--threads N"),
            "--secs" => o.secs = v.parse().expect("--secs S"),
            "--rounds" => o.rounds = v.parse().expect("--rounds N"),
            "--set" if v == "tokio" => o.set = "tokio",
            "--set" if v == "blocking" => o.set = "blocking",
            _ => panic!("unknown argument {a}"),
        }
    }
    assert!(o.size <= 125 && o.depth >= 1 && o.conns >= 1 && o.threads >= 1);
    o
}

fn start(name: &str, exe: &Path) -> io::Result<Server> {
    Server::start::<&str>(name, exe, &["{addr}"], &[])
}

/// What one round against one server measured.
struct Round {
    messages: usize,
    secs: f64,
    /// Round-trip times in nanoseconds, sorted.
    rtts: Vec<u64>,
    /// The server's resident memory per open connection after the load,
    /// over what it held when warm (see `main`), in bytes.
    rss_per_conn: f64,
}

impl Round {
    fn rate(&self) -> f64 {
        self.messages as f64 / self.secs
    }

    fn percentile(&self, p: f64) -> Duration {
        let i = ((self.rtts.len() as f64 * p) as usize).min(self.rtts.len().saturating_sub(1));
        Duration::from_nanos(self.rtts.get(i).copied().unwrap_or_default())
    }
}

/// An open WebSocket connection to `addr` from the loopback source address
/// `source` (several, so that thousands of connections per round do not run
/// out of one address's ephemeral ports), made non-blocking.
fn connect(addr: SocketAddr, source: Ipv4Addr) -> io::Result<mio::net::TcpStream> {
    let mut sock = connect_from(source, addr)?;
    let mut reader = Reader::new(&mut sock);
    reader.handshake(&request(addr, None), None)?;
    if reader.buffered() > 0 {
        return Err(io::Error::other("a frame before the first message"));
    }
    sock.set_nonblocking(true)?;
    Ok(mio::net::TcpStream::from_std(sock))
}

/// Writes all of `bytes` to a non-blocking socket (the frames are small, so
/// the socket buffer almost always takes them at once).
fn write_all(sock: &mut mio::net::TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match sock.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::yield_now(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One connection of the load.
struct Client {
    sock: mio::net::TcpStream,
    payload: Vec<u8>,
    /// The first byte of the echo: FIN and the message's opcode.
    first: u8,
    /// `depth` pre-encoded frames; a send writes a prefix.
    burst: Vec<u8>,
    frame_len: usize,
    /// When each message in flight was sent, oldest first.
    sent: VecDeque<Instant>,
    buf: Vec<u8>,
    have: usize,
    rtts: Vec<u64>,
}

impl Client {
    fn new(sock: mio::net::TcpStream, o: &Options, seed: u8) -> Self {
        let payload: Vec<u8> = if o.text {
            (0..o.size)
                .map(|i| b'a' + (seed as usize + i) as u8 % 26)
                .collect()
        } else {
            (0..o.size).map(|i| seed.wrapping_add(i as u8)).collect()
        };
        let first = if o.text { 0x81 } else { 0x82 };
        let mut frame = Vec::new();
        encode_frame(&mut frame, first, &payload, Some([seed, 0x5a, 0xa5, 0x3c]));
        Client {
            sock,
            payload,
            first,
            burst: frame.repeat(o.depth),
            frame_len: frame.len(),
            sent: VecDeque::new(),
            buf: vec![0u8; 64 * 1024],
            have: 0,
            rtts: Vec::with_capacity(1 << 14),
        }
    }

    /// Sends `n` messages (at most the depth) in one write, all stamped
    /// with one clock reading.
    fn send(&mut self, n: usize) -> io::Result<()> {
        let now = Instant::now();
        self.sent.extend(std::iter::repeat_n(now, n));
        write_all(&mut self.sock, &self.burst[..n * self.frame_len])
    }

    /// Reads what arrived, checks each echo, and sends as many new messages
    /// as came back while `more`. Returns whether messages are in flight.
    fn on_readable(&mut self, more: bool) -> io::Result<bool> {
        let reply_len = 2 + self.payload.len();
        let mut back = 0;
        loop {
            let room = self.buf.len() - self.have;
            let drained = match self.sock.read(&mut self.buf[self.have..]) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                // A read that did not fill the buffer emptied the socket: a
                // later arrival is a new readiness edge, so no second read
                // is needed to see WouldBlock.
                Ok(n) => {
                    self.have += n;
                    n < room
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let now = Instant::now();
            let mut used = 0;
            while self.have - used >= reply_len {
                let r = &self.buf[used..used + reply_len];
                if r[0] != self.first
                    || usize::from(r[1]) != self.payload.len()
                    || r[2..] != self.payload[..]
                {
                    return Err(io::Error::other("the echo differs from the message"));
                }
                used += reply_len;
                let t = self.sent.pop_front().unwrap_or(now);
                self.rtts.push(now.duration_since(t).as_nanos() as u64);
                back += 1;
            }
            self.buf.copy_within(used..self.have, 0);
            self.have -= used;
            if drained {
                break;
            }
        }
        if more && back > 0 {
            self.send(back)?;
        }
        Ok(!self.sent.is_empty())
    }

    /// A masked Close with 1000; the server's reply is not waited for.
    fn close(&mut self) {
        let mut close = Vec::new();
        encode_frame(&mut close, 0x88, &1000u16.to_be_bytes(), Some([1, 2, 3, 4]));
        let _ = write_all(&mut self.sock, &close);
    }
}

/// One load thread: its connections, driven by one mio loop for `o.secs`
/// after the start signal. Returns them, still open, with their round-trip
/// times.
fn load(
    socks: Vec<mio::net::TcpStream>,
    o: &Options,
    first: usize,
    start: &Barrier,
) -> io::Result<Vec<Client>> {
    let mut poll = mio::Poll::new()?;
    let mut clients: Vec<Client> = socks
        .into_iter()
        .enumerate()
        .map(|(i, sock)| Client::new(sock, o, (first + i) as u8))
        .collect();
    for (i, c) in clients.iter_mut().enumerate() {
        poll.registry()
            .register(&mut c.sock, mio::Token(i), mio::Interest::READABLE)?;
    }
    start.wait();
    let stop = Instant::now() + Duration::from_secs_f64(o.secs);
    let give_up = stop + Duration::from_secs(10);
    for c in clients.iter_mut() {
        c.send(o.depth)?;
    }
    let mut in_flight = clients.len();
    let mut events = mio::Events::with_capacity(1024);
    while in_flight > 0 {
        if Instant::now() > give_up {
            return Err(io::Error::other("echoes stopped coming"));
        }
        poll.poll(&mut events, Some(Duration::from_millis(100)))?;
        let more = Instant::now() < stop;
        for e in events.iter() {
            let c = &mut clients[e.token().0];
            if c.sent.is_empty() {
                continue;
            }
            if !c.on_readable(more)? {
                in_flight -= 1;
            }
        }
    }
    Ok(clients)
}

/// One round against `server`: opens the connections, runs the load, reads
/// the server's memory while they are still open (`base`: its resident set
/// when warm), then closes them.
fn round(server: &Server, o: &Options, base: u64) -> io::Result<Round> {
    let socks = (0..o.conns)
        .map(|i| connect(server.addr, Ipv4Addr::new(127, 0, 0, 2 + (i % 16) as u8)))
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| io::Error::other(format!("{}: {e}", server.name)))?;
    let start = Arc::new(Barrier::new(o.threads + 1));
    let per = o.conns.div_ceil(o.threads);
    let mut socks = socks.into_iter();
    let threads: Vec<_> = (0..o.threads)
        .map(|t| {
            let mine: Vec<_> = socks.by_ref().take(per).collect();
            let start = Arc::clone(&start);
            let o = *o;
            thread::spawn(move || load(mine, &o, t * per, &start))
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let mut clients = Vec::new();
    for t in threads {
        match t.join() {
            Ok(Ok(c)) => clients.extend(c),
            Ok(Err(e)) => return Err(io::Error::other(format!("{}: {e}", server.name))),
            Err(_) => {
                return Err(io::Error::other(format!(
                    "{}: a load thread panicked",
                    server.name
                )))
            }
        }
    }
    let secs = began.elapsed().as_secs_f64();
    let rss = server.rss()?;
    let mut rtts = Vec::new();
    for mut c in clients {
        c.close();
        rtts.extend(c.rtts);
    }
    rtts.sort_unstable();
    Ok(Round {
        messages: rtts.len(),
        secs,
        rtts,
        rss_per_conn: rss.saturating_sub(base) as f64 / o.conns as f64,
    })
}

fn exe_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn main() -> io::Result<()> {
    let o = options();
    let dir = exe_dir();
    let servers = servers(&o, &dir)?;
    // Each server's resident memory once warm: after a short round on two
    // connections, so that what every server touches once (its runtime's
    // threads and their stacks, allocator arenas) is not counted per
    // connection.
    let warm = Options {
        conns: 2,
        secs: 0.2,
        ..o
    };
    let mut bases = Vec::new();
    for s in &servers {
        round(s, &warm, 0)?;
        bases.push(s.rss()?);
    }
    println!(
        "## End to end: {} connections from {} load threads, {}-byte {} messages, {} in flight per connection, {} s × {} rounds\n",
        o.conns,
        o.threads,
        o.size,
        if o.text { "text" } else { "binary" },
        o.depth,
        o.secs,
        o.rounds
    );
    let mut results: Vec<Vec<Round>> = servers.iter().map(|_| Vec::new()).collect();
    for r in 0..o.rounds {
        for k in 0..servers.len() {
            let i = (r + k) % servers.len();
            results[i].push(round(&servers[i], &o, bases[i])?);
        }
    }
    table(&servers, &results, &o);
    if o.set == "tokio" {
        driver_against_loop(&results, o.rounds);
    }
    println!();
    Ok(())
}

/// The table of one run: a row per server, ratios against the last.
fn table(servers: &[Server], results: &[Vec<Round>], o: &Options) {
    let tung = servers.len() - 1;
    let reference = if o.set == "tokio" {
        "tokio-tungstenite"
    } else {
        "tungstenite"
    };
    println!("| server | messages/s | p50 | p99 | RSS per connection | vs {reference} (messages/s) | vs {reference} (p99, lower is better) | vs {reference} (RSS per connection) |");
    println!("|---|---|---|---|---|---|---|---|");
    for (i, s) in servers.iter().enumerate() {
        let rates: Vec<f64> = results[i].iter().map(Round::rate).collect();
        let p = |q: f64| {
            median(
                &results[i]
                    .iter()
                    .map(|r| r.percentile(q).as_secs_f64())
                    .collect::<Vec<_>>(),
            )
        };
        let ratio: Vec<f64> = (0..o.rounds)
            .map(|r| results[i][r].rate() / results[tung][r].rate())
            .collect();
        let p99: Vec<f64> = (0..o.rounds)
            .map(|r| {
                results[i][r].percentile(0.99).as_secs_f64()
                    / results[tung][r].percentile(0.99).as_secs_f64()
            })
            .collect();
        let rss: Vec<f64> = results[i].iter().map(|r| r.rss_per_conn).collect();
        let reference_rss = median(
            &results[tung]
                .iter()
                .map(|r| r.rss_per_conn)
                .collect::<Vec<_>>(),
        );
        // No ratio against a reference that grew by nothing.
        let rss_ratio = if reference_rss > 0.0 {
            format!("{:.3}", median(&rss) / reference_rss)
        } else {
            "-".to_owned()
        };
        println!(
            "| {} | {:.0} k | {:.0} µs | {:.0} µs | {:.1} KiB | {:.2} | {:.2} | {} |",
            s.name,
            median(&rates) / 1e3,
            p(0.5) * 1e6,
            p(0.99) * 1e6,
            median(&rss) / 1024.0,
            median(&ratio),
            median(&p99),
            rss_ratio,
        );
    }
}

/// The servers of the chosen set; the last is the reference of the ratios.
fn servers(o: &Options, dir: &Path) -> io::Result<Vec<Server>> {
    Ok(if o.set == "tokio" {
        vec![
            start("wsmachine-tokio echo (driver)", &dir.join("examples/echo"))?,
            start(
                "wsmachine tokio_echo_server (hand-written loop)",
                &dir.join("examples/tokio_echo_server"),
            )?,
            start(
                "tokio-tungstenite echo",
                &dir.join("tokio_tungstenite_echo"),
            )?,
        ]
    } else {
        vec![
            start(
                "wsmachine echo_server (blocking)",
                &dir.join("examples/echo_server"),
            )?,
            start(
                "wsmachine event_loop (mio)",
                &dir.join("examples/event_loop"),
            )?,
            start("tungstenite echo (blocking)", &dir.join("tungstenite_echo"))?,
        ]
    })
}

/// Rows 0 and 1 of the tokio set: the driver against the hand-written loop.
fn driver_against_loop(results: &[Vec<Round>], rounds: usize) {
    // Rows 0 and 1: the driver and the hand-written loop.
    let ratio = |f: &dyn Fn(&Round) -> f64| {
        median(
            &(0..rounds)
                .map(|r| f(&results[0][r]) / f(&results[1][r]))
                .collect::<Vec<_>>(),
        )
    };
    println!(
        "\nThe driver against the hand-written loop: {:.2} × its messages/s, {:.2} × its p99.",
        ratio(&Round::rate),
        ratio(&|r: &Round| r.percentile(0.99).as_secs_f64()),
    );
}
