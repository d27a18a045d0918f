//! A small command-line WebSocket client: each stdin line goes out as a text
//! message, each message that comes back is printed.
//!
//! ```sh
//! cargo run --example client -- ws://127.0.0.1:9001/path
//! ```
//!
//! Text messages are printed to stdout as they are, binary ones as their
//! length and hex. At the end of stdin the client closes with 1000 and waits
//! for the close handshake (bounded by `Config::close_timeout` and
//! `Config::close_linger`). Diagnostics go to stderr. The exit status is 0
//! after a clean close and 1 when the handshake is refused (the status and
//! body are printed) or the connection fails.
//!
//! Only `ws://` works: this example has no TLS, so it refuses `wss://` URIs.
//! The machines themselves run over any TLS stream a program provides.
//!
//! Stdin and the socket are read at once without async: a thread reads stdin
//! lines into a channel, and the socket loop reads with a short timeout so it
//! looks at the channel between reads.

#[path = "support/blocking.rs"]
mod blocking;

use blocking::flush;

use std::error::Error;
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use wsmachine::handshake::{
    ClientError, ClientHandshake, ClientRequest, Connected, HandshakeConfig,
};
use wsmachine::{CloseCause, CloseCode, CloseOutcome, Connection, Event, OsRandom, Status};

/// How long the socket loop waits for the server before looking at stdin.
const STDIN_POLL: Duration = Duration::from_millis(10);
/// Bound on connecting and on the opening handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on a blocked write (a server that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: client ws://HOST[:PORT][/PATH]");
        return ExitCode::from(2);
    };
    match run(&url) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Connects, runs the session, and tells whether the connection closed cleanly.
fn run(url: &str) -> Result<bool, Box<dyn Error>> {
    let request = ClientRequest::from_url(url).map_err(|e| format!("{url}: {e}"))?;
    let target = request.target();
    if target.scheme().is_secure() {
        return Err("wss:// needs TLS, which this example does not have: use ws://".into());
    }
    let authority = target.host_header();
    let mut sock = TcpStream::connect((target.host(), target.port()))
        .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
    sock.set_nodelay(true)?;
    sock.set_write_timeout(Some(WRITE_TIMEOUT))?;

    let Connected {
        connection: mut conn,
        trailing: mut input,
        ..
    } = handshake(&mut sock, request)?;
    eprintln!("connected to {url}");

    // Stdin lines go through a small bounded channel: a fast producer (a
    // piped file) waits for the socket instead of filling memory.
    let (tx, lines) = mpsc::sync_channel::<String>(16);
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    eprintln!("stdin: {e}");
                    return;
                }
            };
            if tx.send(line).is_err() {
                return; // the socket loop is gone
            }
        }
        // Dropping `tx` tells the socket loop that stdin ended.
    });

    let start = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    let mut stdin_open = true;
    // The server's first frames may have come with its 101.
    print_events(&mut conn, &mut input);
    loop {
        while stdin_open {
            match lines.try_recv() {
                Ok(line) => {
                    if let Err(e) = conn.send_text(&line) {
                        eprintln!("line not sent: {e}");
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    stdin_open = false;
                    // Fails only if the server closed first: nothing to do.
                    let _ = conn.close(CloseCode::NORMAL, "");
                }
            }
        }
        // The clock first: a timer may queue a frame, written just below,
        // or close the connection, which the final event reports.
        conn.handle_timeout(start.elapsed());
        print_events(&mut conn, &mut []);
        if let Err(e) = flush(&mut sock, &mut conn) {
            conn.handle_eof();
            print_events(&mut conn, &mut []);
            return Err(format!("connection failed: {e}").into());
        }
        if conn.is_closed() {
            break;
        }
        // Wait for the server no longer than the machine's next deadline,
        // and, while stdin is open, than the stdin poll interval.
        let mut wait = conn
            .poll_timeout()
            .map(|t| t.saturating_sub(start.elapsed()));
        if stdin_open {
            wait = Some(wait.map_or(STDIN_POLL, |w| w.min(STDIN_POLL)));
        }
        // A zero read timeout is an error for std: wait at least 1 ms.
        sock.set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
        match sock.read(&mut buf) {
            Ok(0) => {
                conn.handle_eof();
                print_events(&mut conn, &mut []);
            }
            Ok(n) => print_events(&mut conn, &mut buf[..n]),
            Err(e) if blocking::read_again(&e) => {}
            Err(e) => {
                conn.handle_eof();
                print_events(&mut conn, &mut []);
                return Err(format!("connection failed: {e}").into());
            }
        }
    }
    // Closed: send what is left (our Close reply, if the server closed
    // first), then close the socket.
    let _ = flush(&mut sock, &mut conn);
    let _ = sock.shutdown(Shutdown::Both);
    let outcome = conn.close_outcome().ok_or("the connection is not closed")?;
    Ok(outcome.clean)
}

/// Says how the connection ended (the final event).
fn report(outcome: CloseOutcome, reason: &str) {
    match outcome.cause {
        _ if outcome.clean => eprintln!("closed cleanly with {} {reason:?}", outcome.code),
        CloseCause::Violation(e) => eprintln!("the server broke the protocol: {e}"),
        cause => eprintln!("connection lost ({cause:?}, close code {})", outcome.code),
    }
}

/// Sends the opening handshake and reads the server's response.
fn handshake(sock: &mut TcpStream, request: ClientRequest) -> Result<Connected, Box<dyn Error>> {
    let mut hs = ClientHandshake::new(request, HandshakeConfig::default(), OsRandom::new())?;
    sock.write_all(hs.poll_output())?;
    hs.advance_output(hs.poll_output().len());

    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("no handshake response from the server in time".into());
        }
        sock.set_read_timeout(Some(left))?;
        let result = match sock.read(&mut buf) {
            Ok(0) => Err(hs.handle_eof()),
            Ok(n) => hs.handle_input(&buf[..n]),
            Err(e) if blocking::read_again(&e) => continue,
            Err(e) => return Err(e.into()),
        };
        match result {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(connected)) => return Ok(connected),
            Err(e) => return Err(refusal(&e).into()),
        }
    }
}

/// A readable message for a failed handshake, with the server's status and
/// the start of its body when it answered.
fn refusal(e: &ClientError) -> String {
    let Some(response) = e.response() else {
        return e.to_string();
    };
    let mut msg = format!(
        "handshake refused: the server answered {} {}",
        response.status(),
        response.reason()
    );
    if let Some(location) = response.headers().get_str("Location") {
        msg.push_str(&format!(" (Location: {location})"));
    }
    let body = String::from_utf8_lossy(response.body());
    let body = body.trim();
    if !body.is_empty() {
        let cut: String = body.chars().take(500).collect();
        msg.push_str(&format!("\n{cut}"));
    }
    msg
}

/// Feeds bytes from the server to the connection and prints each message.
fn print_events(conn: &mut Connection, input: &mut [u8]) {
    let mut stdout = io::stdout().lock();
    conn.handle_all(input, &mut Vec::new(), |_, event| {
        // Write errors (a closed stdout pipe) are ignored: the session goes on.
        let _ = match event {
            Event::Text(text) => writeln!(stdout, "{text}"),
            Event::Binary(data) => writeln!(stdout, "{}", describe_binary(data)),
            Event::Close { code, reason } => {
                let code = code.map_or_else(|| "no code".to_owned(), |c| c.to_string());
                eprintln!("server sent Close ({code}) {reason:?}");
                Ok(())
            }
            Event::Closed { outcome, reason } => {
                report(outcome, reason);
                Ok(())
            }
            // Pings are answered by the machine (`Config::auto_pong`).
            _ => Ok(()),
        };
    });
    let _ = stdout.flush();
}

/// "[binary, N bytes] hex", the hex cut after 64 bytes.
fn describe_binary(data: &[u8]) -> String {
    const SHOWN: usize = 64;
    let mut s = format!("[binary, {} bytes] ", data.len());
    for b in data.iter().take(SHOWN) {
        s.push_str(&format!("{b:02x}"));
    }
    if data.len() > SHOWN {
        s.push_str("...");
    }
    s
}
