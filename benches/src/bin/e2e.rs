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
//! Each connection is a client thread with raw sockets and pre-encoded
//! frames, so the load generator costs the same against every server. With
//! `--depth 1` each connection sends one message and waits for its echo
//! (request/response); a larger depth keeps that many in flight.
//! The servers are stopped by their process handles at the end.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use wsmachine_bench::frames::encode_frame;
use wsmachine_bench::runner::median;

#[derive(Clone, Copy)]
struct Options {
    conns: usize,
    size: usize,
    depth: usize,
    secs: f64,
    rounds: usize,
}

fn options() -> Options {
    let mut o = Options {
        conns: 64,
        size: 32,
        depth: 1,
        secs: 3.0,
        rounds: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v: String = args.next().expect("a value after the flag");
        match a.as_str() {
            "--conns" => o.conns = v.parse().expect("--conns N"),
            "--size" => o.size = v.parse().expect("--size BYTES (at most 125)"),
            "--depth" => o.depth = v.parse().expect("--depth N"),
            "--secs" => o.secs = v.parse().expect("--secs S"),
            "--rounds" => o.rounds = v.parse().expect("--rounds N"),
            _ => panic!("unknown argument {a}"),
        }
    }
    assert!(o.size <= 125 && o.depth >= 1 && o.conns >= 1);
    o
}

/// A server process under test, stopped when dropped.
struct Server {
    name: &'static str,
    addr: SocketAddr,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

fn start(name: &'static str, exe: &Path) -> io::Result<Server> {
    if !exe.exists() {
        return Err(io::Error::other(format!(
            "{} is not built; see the command at the top of benches/src/bin/e2e.rs",
            exe.display()
        )));
    }
    let addr = free_port()?;
    let child = Command::new(exe)
        .arg(addr.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { name, addr, child };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            return Err(io::Error::other(format!("{name} did not start on {addr}")));
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// What one round against one server measured.
struct Round {
    messages: usize,
    secs: f64,
    /// Round-trip times in nanoseconds, sorted.
    rtts: Vec<u64>,
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

fn handshake(sock: &mut TcpStream, addr: SocketAddr) -> io::Result<()> {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    sock.write_all(request.as_bytes())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Read byte by byte so no frame byte is taken with the response head.
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    if !head.starts_with(b"HTTP/1.1 101") {
        return Err(io::Error::other("the server refused the upgrade"));
    }
    Ok(())
}

/// An open WebSocket connection to `addr`.
fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let mut sock = TcpStream::connect(addr)?;
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    handshake(&mut sock, addr)?;
    Ok(sock)
}

/// One connection's run: echo for `o.secs` from now, then close. Returns the
/// round-trip times.
fn client(mut sock: TcpStream, o: &Options, seed: u8) -> io::Result<Vec<u64>> {
    let payload: Vec<u8> = (0..o.size).map(|i| seed.wrapping_add(i as u8)).collect();
    let mut frame = Vec::new();
    encode_frame(&mut frame, 0x2, &payload, Some([seed, 0x5a, 0xa5, 0x3c]));
    let reply_len = 2 + o.size;
    let mut rtts = Vec::with_capacity(1 << 16);
    let mut sent = std::collections::VecDeque::with_capacity(o.depth);
    let mut buf = vec![0u8; 64 * 1024];
    let mut have = 0;
    let stop = Instant::now() + Duration::from_secs_f64(o.secs);
    let mut burst = Vec::with_capacity(frame.len() * o.depth);
    for _ in 0..o.depth {
        burst.extend_from_slice(&frame);
        sent.push_back(Instant::now());
    }
    sock.write_all(&burst)?;
    while !sent.is_empty() {
        let n = sock.read(&mut buf[have..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        have += n;
        let mut used = 0;
        let mut resend = 0;
        while have - used >= reply_len {
            let r = &buf[used..used + reply_len];
            if r[0] != 0x82 || usize::from(r[1]) != o.size || r[2..] != payload[..] {
                return Err(io::Error::other("the echo differs from the message"));
            }
            used += reply_len;
            let t = sent.pop_front().unwrap_or_else(Instant::now);
            rtts.push(t.elapsed().as_nanos() as u64);
            resend += 1;
        }
        buf.copy_within(used..have, 0);
        have -= used;
        if Instant::now() < stop && resend > 0 {
            burst.clear();
            for _ in 0..resend {
                burst.extend_from_slice(&frame);
                sent.push_back(Instant::now());
            }
            sock.write_all(&burst)?;
        }
    }
    // Close: a masked Close with 1000, then wait for the server to end.
    let mut close = Vec::new();
    encode_frame(&mut close, 0x8, &1000u16.to_be_bytes(), Some([1, 2, 3, 4]));
    sock.write_all(&close)?;
    sock.set_read_timeout(Some(Duration::from_secs(2)))?;
    while matches!(sock.read(&mut buf), Ok(n) if n > 0) {}
    Ok(rtts)
}

fn round(server: &Server, o: &Options) -> io::Result<Round> {
    let start = Arc::new(Barrier::new(o.conns + 1));
    let threads: Vec<_> = (0..o.conns)
        .map(|i| {
            let start = Arc::clone(&start);
            let addr = server.addr;
            let o = *o;
            thread::spawn(move || {
                let sock = connect(addr);
                // Every connection is open before the clock starts; a failed
                // one still waits, so that the others are released.
                start.wait();
                client(sock?, &o, i as u8)
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let mut rtts = Vec::new();
    for t in threads {
        match t.join() {
            Ok(Ok(r)) => rtts.extend(r),
            Ok(Err(e)) => return Err(io::Error::other(format!("{}: {e}", server.name))),
            Err(_) => {
                return Err(io::Error::other(format!(
                    "{}: a client panicked",
                    server.name
                )))
            }
        }
    }
    let secs = began.elapsed().as_secs_f64();
    rtts.sort_unstable();
    Ok(Round {
        messages: rtts.len(),
        secs,
        rtts,
    })
}

fn exe_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn main() -> io::Result<()> {
    let o = options();
    let dir = exe_dir();
    let servers = [
        start(
            "wsmachine echo_server (blocking)",
            &dir.join("examples/echo_server"),
        )?,
        start(
            "wsmachine event_loop (mio)",
            &dir.join("examples/event_loop"),
        )?,
        start("tungstenite echo (blocking)", &dir.join("tungstenite_echo"))?,
    ];
    println!(
        "## End to end: {} connections, {}-byte binary messages, {} in flight per connection, {} s × {} rounds\n",
        o.conns, o.size, o.depth, o.secs, o.rounds
    );
    let mut results: Vec<Vec<Round>> = servers.iter().map(|_| Vec::new()).collect();
    for r in 0..o.rounds {
        for k in 0..servers.len() {
            let i = (r + k) % servers.len();
            results[i].push(round(&servers[i], &o)?);
        }
    }
    let tung = servers.len() - 1;
    println!("| server | messages/s | p50 | p99 | vs tungstenite (messages/s) | vs tungstenite (p99, lower is better) |");
    println!("|---|---|---|---|---|---|");
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
        println!(
            "| {} | {:.0} k | {:.0} µs | {:.0} µs | {:.2} | {:.2} |",
            s.name,
            median(&rates) / 1e3,
            p(0.5) * 1e6,
            p(0.99) * 1e6,
            median(&ratio),
            median(&p99),
        );
    }
    println!();
    Ok(())
}
