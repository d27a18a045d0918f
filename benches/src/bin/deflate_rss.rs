//! Server memory per idle permessage-deflate connection, as the operating
//! system counts it: the server's resident set (VmRSS) grows by this much
//! per connection that has exchanged one message and then sits idle.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin deflate_rss -- \
//!     --port 9010 --pid SERVER_PID [--conns 500] [--offer chromium|firefox|none]
//! ```
//!
//! The server (any echo server on 127.0.0.1:PORT, process SERVER_PID) must be
//! running; `benches/deflate_rss.sh` starts ours, Node ws and Python
//! websockets in turn. Each connection offers permessage-deflate as Chromium
//! does (`client_max_window_bits`) or as Firefox does (plain), or offers
//! nothing (the connection's cost without deflate), sends one
//! 125-byte JSON text message compressed, reads the echo, then stays open.
//! A warm-up of 20 connections, opened and closed, comes first.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use wsmachine::extension::deflate::{DeflateConfig, PerMessageDeflate};
use wsmachine::extension::{AnswerError, Extension, Negotiate};
use wsmachine::handshake::{ClientHandshake, ClientRequest, Connected, HandshakeConfig};
use wsmachine::{Connection, Event, OsRandom, Status};
use wsmachine_bench::corpus::json_messages;

/// The offer as Firefox and Node ws send it: `permessage-deflate` alone.
#[derive(Clone)]
struct PlainOffer(DeflateConfig);

impl Negotiate for PlainOffer {
    type Codec = PerMessageDeflate;
    fn name(&self) -> &str {
        self.0.name()
    }
    fn offer(&self) -> Extension {
        Extension::new("permessage-deflate")
    }
    fn accept(&self, offer: &Extension) -> Option<(Extension, PerMessageDeflate)> {
        self.0.accept(offer)
    }
    fn check_answer(&self, answer: &Extension) -> Result<PerMessageDeflate, AnswerError> {
        self.0.check_answer(answer)
    }
}

/// The server's resident set, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server process");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// What a connection offers.
#[derive(Clone, Copy, PartialEq)]
enum Offer {
    /// `client_max_window_bits`, as Chromium and Python websockets send.
    Chromium,
    /// Plain `permessage-deflate`, as Firefox and Node ws send.
    Firefox,
    /// No extension: the connection's cost without deflate.
    None,
}

fn connect(port: u16, offer: Offer) -> (TcpStream, Connection) {
    let url = format!("ws://127.0.0.1:{port}/");
    let request = ClientRequest::from_url(&url).expect("url");
    let request = match offer {
        Offer::Chromium => request.negotiate(DeflateConfig::default()),
        Offer::Firefox => request.negotiate(PlainOffer(DeflateConfig::default())),
        Offer::None => request,
    };
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut hs = ClientHandshake::new(request, HandshakeConfig::default(), OsRandom::new())
        .expect("request");
    sock.write_all(hs.poll_output()).expect("write");
    hs.advance_output(hs.poll_output().len());
    let mut buf = [0u8; 4096];
    loop {
        let n = sock.read(&mut buf).expect("read");
        assert!(n > 0, "the server closed during the handshake");
        match hs.handle_input(&buf[..n]).expect("handshake") {
            Status::Partial => {}
            Status::Complete(Connected {
                connection,
                extensions,
                ..
            }) => {
                let want = usize::from(offer != Offer::None);
                assert_eq!(extensions.len(), want, "permessage-deflate agreed");
                return (sock, connection);
            }
        }
    }
}

/// Sends `message` and reads until its echo arrives.
fn exchange(sock: &mut TcpStream, conn: &mut Connection, message: &str) {
    conn.send_text(message).expect("send");
    sock.write_all(conn.poll_output()).expect("write");
    conn.advance_output(conn.poll_output().len());
    let mut buf = vec![0u8; 4096];
    loop {
        let n = sock.read(&mut buf).expect("read");
        assert!(n > 0, "the server closed");
        let mut input = &mut buf[..n];
        while !input.is_empty() {
            let (used, event) = conn.handle_input(input);
            if let Some(Event::Text(t)) = event {
                assert_eq!(t, message, "the echo");
                return;
            }
            input = &mut input[used..];
        }
    }
}

fn main() {
    let (mut port, mut pid, mut conns, mut offer) = (0u16, 0u32, 500usize, Offer::Chromium);
    wsmachine_bench::runner::parse_flags(
        "use --port P --pid PID [--conns N] [--offer chromium|firefox]",
        |flag, v| {
            match flag {
                "--port" => port = v.parse().expect("--port P"),
                "--pid" => pid = v.parse().expect("--pid PID"),
                "--conns" => conns = v.parse().expect("--conns N"),
                "--offer" => {
                    offer = match v.as_str() {
                        "chromium" => Offer::Chromium,
                        "firefox" => Offer::Firefox,
                        "none" => Offer::None,
                        _ => panic!("--offer chromium|firefox|none"),
                    }
                }
                _ => return false,
            }
            true
        },
    );
    assert!(port != 0 && pid != 0, "--port and --pid are required");
    let message = json_messages(125, 1).remove(0);
    for _ in 0..20 {
        let (mut sock, mut conn) = connect(port, offer);
        exchange(&mut sock, &mut conn, &message);
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = rss_kib(pid);
    let mut open = Vec::with_capacity(conns);
    for _ in 0..conns {
        let (mut sock, mut conn) = connect(port, offer);
        exchange(&mut sock, &mut conn, &message);
        open.push((sock, conn));
    }
    std::thread::sleep(Duration::from_secs(1));
    let after = rss_kib(pid);
    let per = (after.saturating_sub(before)) as f64 / conns as f64;
    println!("{per:.1}");
    eprintln!("rss {before} KiB -> {after} KiB over {conns} connections: {per:.1} KiB each");
    drop(open);
}
