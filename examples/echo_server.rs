//! A blocking echo server: a thread per connection, driven by the machines.
//!
//! ```sh
//! cargo run --release --example echo_server -- 127.0.0.1:9001
//! ```
//!
//! It echoes every text and binary message, answers pings, closes cleanly and
//! closes TCP promptly after the close handshake. Open http://127.0.0.1:9001
//! in a browser: the page connects back over WebSocket and shows the echo. This
//! is also the server the Autobahn|Testsuite's fuzzing client tests.

#[path = "support/accept.rs"]
mod accept;
#[path = "support/blocking.rs"]
mod blocking;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use wsmachine::handshake::{HandshakeConfig, Reply, ServerHandshake};
use wsmachine::Status;

const PAGE: &str = include_str!("support/echo.html");

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    let listener = TcpListener::bind(&addr)?;
    eprintln!("echo server on ws://{addr}/ — open http://{addr}/ in a browser");
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        thread::spawn(move || {
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            if let Err(e) = serve(stream, &peer) {
                eprintln!("{peer}: {e}");
            }
        });
    }
    Ok(())
}

fn serve(mut sock: TcpStream, peer: &str) -> io::Result<()> {
    sock.set_nodelay(true)?;
    sock.set_write_timeout(Some(Duration::from_secs(30)))?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut hs = ServerHandshake::new(HandshakeConfig::default());
    let mut buf = [0u8; 4096];
    let request = loop {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        match hs.handle_input(&buf[..n]) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(request)) => break request,
            Err(e) if e.is_not_upgrade() => {
                // A plain HTTP request: the page that talks back over WebSocket.
                let reply = match e.request().map(|r| r.path()) {
                    Some("/") | Some("/index.html") => Reply::new(200)
                        .header("Content-Type", "text/html; charset=utf-8")
                        .body(PAGE),
                    _ => Reply::new(404)
                        .header("Content-Type", "text/plain")
                        .body("not found\n"),
                };
                sock.write_all(&reply.encode().map_err(io::Error::other)?)?;
                return Ok(());
            }
            Err(e) => {
                eprintln!("{peer}: handshake refused: {e}");
                sock.write_all(&e.response_bytes())?;
                return Ok(());
            }
        }
    };
    let path = request.request().path().to_owned();
    let accepted = request
        .accept(accept::options())
        .map_err(io::Error::other)?;
    sock.write_all(&accepted.response_bytes)?;
    eprintln!("{peer}: connected to {path}");
    let mut conn = accepted.connection;
    let outcome = blocking::run(&mut sock, &mut conn, accepted.trailing, blocking::echo)?;
    match outcome {
        Some(o) => eprintln!(
            "{peer}: closed with {} ({:?}, clean: {})",
            o.code, o.cause, o.clean
        ),
        None => eprintln!("{peer}: transport failed"),
    }
    Ok(())
}
