//! The 10,000-connection benchmark: what an idle connection costs a server,
//! in resident memory, and how long opening them all takes.
//!
//! ```sh
//! bash benches/scale.sh [-- --conns 10000 --big 1000 --runs 1]
//! ```
//!
//! For each server — wsmachine's `event_loop`, `tokio_echo_server` and
//! `echo_server` examples, the tokio driver's `echo` (`wsmachine-tokio`),
//! tokio-tungstenite, Node ws and Python websockets,
//! each started here on a free loopback port and stopped by its process
//! handle — it opens `--conns` connections from a few threads, spread over
//! several 127.0.0.x source addresses; each sends one 125-byte text message,
//! reads the echo and stays open and idle. Then, one connection at a time,
//! the first `--big` connections each send a 1 MiB binary message and read
//! the echo, so that at any moment only one large message is in flight and
//! what is left afterwards is what the connections hold. The server's
//! `VmRSS` is read before, after the small messages and after the large
//! ones. The deflate rows (`--deflate-conns`) do the same with a browser's
//! permessage-deflate offer and one compressed 125-byte JSON message.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use wsmachine_bench::runner::parse_flags;
use wsmachine_bench::servers::Server;
use wsmachine_bench::wire::{compressed_text_frame, connect_from, request, Reader, DEFLATE_OFFER};
use wsmachine_testkit::encode_frame;

mod report;
use report::{print_tables, Measure};

struct Options {
    conns: usize,
    big: usize,
    deflate_conns: usize,
    threads: usize,
    runs: usize,
    /// Directory of the example servers built without and with `deflate`.
    examples: PathBuf,
    deflate_examples: Option<PathBuf>,
    /// `node_modules` holding ws; the Python with websockets installed.
    node_modules: Option<PathBuf>,
    python: Option<PathBuf>,
    /// Only the servers whose name contains this.
    only: String,
}

fn options() -> Options {
    let dir = exe_dir();
    let mut o = Options {
        conns: 10_000,
        big: 1_000,
        deflate_conns: 1_000,
        threads: 4,
        runs: 1,
        examples: dir.join("examples"),
        deflate_examples: None,
        node_modules: None,
        python: None,
        only: String::new(),
    };
    parse_flags(
        "use --conns N, --big N, --deflate-conns N, --threads N, --runs N, --examples DIR, \
         --deflate-examples DIR, --node-modules DIR, --python PATH, --only NAME",
        |flag, v| {
            let number = || v.parse::<usize>().expect("a number");
            match flag {
                "--conns" => o.conns = number(),
                "--big" => o.big = number(),
                "--deflate-conns" => o.deflate_conns = number(),
                "--threads" => o.threads = number().max(1),
                "--runs" => o.runs = number().max(1),
                "--examples" => o.examples = v.into(),
                "--deflate-examples" => o.deflate_examples = Some(v.into()),
                "--node-modules" => o.node_modules = Some(v.into()),
                "--python" => o.python = Some(v.into()),
                "--only" => o.only = v,
                _ => return false,
            }
            true
        },
    );
    o.big = o.big.min(o.conns);
    o
}

fn exe_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// How to start one server.
struct Spec {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, PathBuf)>,
}

/// The servers of a table: without permessage-deflate, or with it (only
/// those that have it).
fn specs(o: &Options, deflate: bool) -> Vec<Spec> {
    // Keepalive far beyond the run: the clients do not answer pings.
    const NO_KEEPALIVE: &str = "86400";
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers");
    let examples = if deflate {
        o.deflate_examples.clone()
    } else {
        Some(o.examples.clone())
    };
    let spec = |name, program: PathBuf, args: &[&str]| Spec {
        name,
        program,
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
    };
    let mut all = Vec::new();
    if let Some(dir) = examples {
        all.push(spec(
            "wsmachine event_loop (mio, 1 thread)",
            dir.join("event_loop"),
            &["{addr}", NO_KEEPALIVE],
        ));
        all.push(spec(
            "wsmachine tokio_echo_server (tokio task)",
            dir.join("tokio_echo_server"),
            &["{addr}", NO_KEEPALIVE],
        ));
        all.push(spec(
            "wsmachine-tokio echo (driver)",
            dir.join("driver_echo"),
            &["{addr}", "--keepalive", NO_KEEPALIVE],
        ));
        all.push(spec(
            "wsmachine echo_server (thread each)",
            dir.join("echo_server"),
            &["{addr}"],
        ));
    }
    if !deflate {
        all.push(spec(
            "tokio-tungstenite (tokio task)",
            exe_dir().join("tokio_tungstenite_echo"),
            &["{addr}"],
        ));
    }
    if let Some(modules) = &o.node_modules {
        let script = peers.join("ws_echo.js").display().to_string();
        let mut s = spec("Node ws", "node".into(), &[&script, "{addr}"]);
        s.env.push(("NODE_PATH", modules.clone()));
        all.push(s);
    }
    if let Some(python) = &o.python {
        let script = peers.join("websockets_echo.py").display().to_string();
        all.push(spec(
            "Python websockets (asyncio)",
            python.clone(),
            &[&script, "{addr}"],
        ));
    }
    all.retain(|s| s.name.contains(&o.only));
    all
}

/// The frames every connection sends.
struct Load {
    request: fn(SocketAddr) -> Vec<u8>,
    extension: Option<&'static str>,
    small: Vec<u8>,
    big: Vec<u8>,
    big_len: usize,
}

/// A JSON text of exactly 125 bytes (the largest single-byte length).
fn json_125() -> String {
    let mut text = String::from(
        r#"{"id":1042,"user":"alice","type":"chat","text":"hello from the benchmark","ts":"2026-12-01T23:00:00Z","pad":""#,
    );
    while text.len() < 123 {
        text.push('x');
    }
    text.push_str("\"}");
    assert_eq!(text.len(), 125);
    text
}

fn load(deflate: bool) -> Load {
    const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);
    let big_len = 1 << 20;
    let big_payload: Vec<u8> = (0..big_len).map(|i| (i * 31 % 251) as u8).collect();
    let mut big = Vec::new();
    encode_frame(&mut big, 0x82, &big_payload, KEY);
    let small = if deflate {
        compressed_text_frame(&json_125(), 1)
    } else {
        let mut small = Vec::new();
        encode_frame(&mut small, 0x81, json_125().as_bytes(), KEY);
        small
    };
    Load {
        request: if deflate {
            |addr| request(addr, Some(DEFLATE_OFFER))
        } else {
            |addr| request(addr, None)
        },
        extension: deflate.then_some("permessage-deflate"),
        small,
        big,
        big_len,
    }
}

/// Opens connection number `k`: handshake, one small message, its echo.
fn open_one(k: usize, server: SocketAddr, l: &Load) -> io::Result<TcpStream> {
    let source = Ipv4Addr::new(127, 0, 0, 2 + (k % 32) as u8);
    let mut sock = connect_from(source, server)?;
    let mut reader = Reader::new(&mut sock);
    reader.handshake(&(l.request)(server), l.extension)?;
    reader.write_all(&l.small)?;
    let (opcode, _) = reader.message()?;
    if opcode != 0x1 {
        return Err(io::Error::other("the echo is not a text message"));
    }
    Ok(sock)
}

/// Opens `n` connections from `threads` threads (each opening its share one
/// after another), within 5 minutes. Returns them, the time it took, and
/// the first error if some could not be opened.
fn open_all(
    n: usize,
    threads: usize,
    server: SocketAddr,
    l: &Load,
) -> (Vec<TcpStream>, f64, Option<io::Error>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let start = Instant::now();
    let results: Vec<(Vec<TcpStream>, Option<io::Error>)> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut socks = Vec::new();
                    for k in (t..n).step_by(threads) {
                        if Instant::now() > deadline {
                            return (socks, Some(io::Error::other("out of time")));
                        }
                        match open_one(k, server, l) {
                            Ok(sock) => socks.push(sock),
                            Err(e) => return (socks, Some(e)),
                        }
                    }
                    (socks, None)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an opening thread"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let mut all = Vec::with_capacity(n);
    let mut error = None;
    for (socks, e) in results {
        all.extend(socks);
        error = error.or(e);
    }
    (all, secs, error)
}

/// One large message echoed on each of `socks`, one connection at a time.
fn big_echoes(socks: &mut [TcpStream], l: &Load) -> io::Result<()> {
    for sock in socks {
        let mut reader = Reader::new(sock);
        reader.write_all(&l.big)?;
        let (opcode, len) = reader.message()?;
        if opcode != 0x2 || len != l.big_len {
            return Err(io::Error::other("the echo is not the 1 MiB message"));
        }
    }
    Ok(())
}

/// Lets the server finish its work before its memory is read.
fn settle() {
    thread::sleep(Duration::from_millis(1500));
}

fn measure(spec: &Spec, o: &Options, deflate: bool) -> io::Result<Measure> {
    let l = load(deflate);
    let server = Server::start(
        spec.name,
        &spec.program,
        &spec.args.iter().map(String::as_str).collect::<Vec<_>>(),
        &spec.env,
    )?;
    settle();
    let mut m = Measure {
        base: server.rss()?,
        ..Measure::default()
    };
    let n = if deflate { o.deflate_conns } else { o.conns };
    let (mut socks, secs, error) = open_all(n, o.threads, server.addr, &l);
    m.opened = socks.len();
    m.open_secs = secs;
    if let Some(e) = error {
        eprintln!("{}: opened {} of {n}: {e}", spec.name, socks.len());
        m.error = Some(e.to_string());
    }
    settle();
    m.after_small = server.rss()?;
    if !deflate && o.big > 0 && m.error.is_none() {
        let big = o.big.min(socks.len());
        let start = Instant::now();
        match big_echoes(&mut socks[..big], &l) {
            Ok(()) => {
                m.big_secs = start.elapsed().as_secs_f64();
                settle();
                m.after_big = Some(server.rss()?);
                m.big = big;
            }
            Err(e) => {
                eprintln!("{}: 1 MiB echoes: {e}", spec.name);
                m.error = Some(e.to_string());
            }
        }
    }
    drop(socks);
    drop(server);
    Ok(m)
}

fn main() -> io::Result<()> {
    let o = options();
    for deflate in [false, true] {
        if deflate && o.deflate_conns == 0 {
            continue;
        }
        let specs = specs(&o, deflate);
        let mut results: Vec<Vec<Measure>> = specs.iter().map(|_| Vec::new()).collect();
        let mut loads = Vec::new();
        for run in 0..o.runs {
            loads.push(load_average());
            for (i, spec) in specs.iter().enumerate() {
                eprintln!(
                    "run {}: {} ({})",
                    run + 1,
                    spec.name,
                    if deflate { "deflate" } else { "plain" }
                );
                results[i].push(measure(spec, &o, deflate)?);
            }
        }
        loads.push(load_average());
        let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
        print_tables(&names, &results, deflate, &loads);
    }
    Ok(())
}

/// The 1-minute load average.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split(' ').next().and_then(|l| l.parse().ok()))
        .unwrap_or(f64::NAN)
}
