//! An echo server on the driver, with the defences a deployment needs.
//!
//! ```sh
//! cargo run --release -p wsmachine-tokio --example echo -- 127.0.0.1:9002 \
//!     [--tls] [--cert-out PATH] [--max-per-ip N] [--origin URL]... [--handshake-timeout SECS] \
//!     [--keepalive SECS]
//! ```
//!
//! It echoes every text and binary message on any path and accepts
//! permessage-deflate; a plain GET gets a short text reply. The defences
//! (RFC 6455 §10.2 and §10.4):
//!
//! - a handshake timeout (default 10 s): a request that trickles in
//!   (slowloris) does not hold a connection open;
//! - `--max-per-ip N`: at most N open connections per client IP address,
//!   the next ones refused with 503 and `Retry-After` before any upgrade
//!   (off unless given, so that a benchmark from one address is not
//!   refused);
//! - `--origin URL` (repeatable): an Origin allow-list against Cross-Site
//!   WebSocket Hijacking; a browser request from another origin gets 403,
//!   a request without `Origin` (not a browser) is served.
//!
//! `--tls` serves wss:// with a self-signed certificate for `localhost` and
//! 127.0.0.1, written as PEM to `--cert-out` (default `echo-cert.pem`) for
//! clients to trust (`wscat --ca`). Ctrl-C shuts down gracefully: every
//! connection gets 1001 and its close handshake, within 5 s.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use wsmachine_tokio::wsmachine::extension::deflate::DeflateConfig;
use wsmachine_tokio::wsmachine::handshake::{Accept, Reply};
use wsmachine_tokio::wsmachine::Keepalive;
use wsmachine_tokio::{read_request, GracefulShutdown, Incoming, Message, Options, WebSocket};

#[path = "support/tls.rs"]
mod tls;

/// What the command line asks for.
#[derive(Debug, Default)]
struct Settings {
    addr: String,
    tls: bool,
    cert_out: String,
    max_per_ip: Option<usize>,
    origins: Vec<String>,
    handshake_timeout: u64,
    /// Seconds of silence before a keepalive ping; 0 for none.
    keepalive: u64,
}

fn settings() -> Result<Settings, String> {
    let mut args = std::env::args().skip(1);
    let mut s = Settings {
        addr: "127.0.0.1:9002".into(),
        cert_out: "echo-cert.pem".into(),
        handshake_timeout: 10,
        keepalive: 30,
        ..Settings::default()
    };
    let value = |args: &mut dyn Iterator<Item = String>, name: &str| {
        args.next().ok_or(format!("{name} needs a value"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" => s.tls = true,
            "--cert-out" => s.cert_out = value(&mut args, &arg)?,
            "--origin" => s.origins.push(value(&mut args, &arg)?),
            "--max-per-ip" => {
                let n = value(&mut args, &arg)?;
                s.max_per_ip = Some(n.parse().map_err(|_| "--max-per-ip N: a number")?);
            }
            "--handshake-timeout" => {
                let n = value(&mut args, &arg)?;
                s.handshake_timeout = n.parse().map_err(|_| "--handshake-timeout: seconds")?;
            }
            "--keepalive" => {
                let n = value(&mut args, &arg)?;
                s.keepalive = n.parse().map_err(|_| "--keepalive: seconds (0: none)")?;
            }
            a if !a.starts_with("--") => s.addr = a.to_owned(),
            a => return Err(format!("unknown option {a}")),
        }
    }
    Ok(s)
}

/// Open connections per client address.
type PerIp = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One connection counted in [`PerIp`] while it lives.
struct Slot(PerIp, IpAddr);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

/// A slot for `ip`, unless it has `max` connections open.
fn take_slot(per_ip: &PerIp, ip: IpAddr, max: Option<usize>) -> Option<Slot> {
    let mut map = per_ip.lock().unwrap_or_else(|e| e.into_inner());
    let n = map.entry(ip).or_insert(0);
    if max.is_some_and(|max| *n >= max) {
        return None;
    }
    *n += 1;
    Some(Slot(per_ip.clone(), ip))
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let settings = Arc::new(settings().map_err(io::Error::other)?);
    let shutdown = GracefulShutdown::new();
    let mut options = Options::default();
    options.handshake_timeout = Duration::from_secs(settings.handshake_timeout);
    options.handshake.connection.keepalive = (settings.keepalive > 0).then(|| Keepalive {
        idle: Duration::from_secs(settings.keepalive),
        timeout: Duration::from_secs(10),
    });
    options.shutdown = Some(shutdown.clone());
    let acceptor = if settings.tls {
        Some(tls::self_signed_acceptor(&settings.cert_out)?)
    } else {
        None
    };
    let listener = TcpListener::bind(&settings.addr).await?;
    let scheme = if settings.tls { "wss" } else { "ws" };
    eprintln!("echo server on {scheme}://{}/", listener.local_addr()?);
    let per_ip: PerIp = Arc::default();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => break,
        };
        let _ = tcp.set_nodelay(true);
        let slot = take_slot(&per_ip, peer.ip(), settings.max_per_ip);
        let (options, settings, acceptor) = (options.clone(), settings.clone(), acceptor.clone());
        tokio::spawn(async move {
            // The task's future is allocated once and kept for the
            // connection's life, so the handshake's state (TLS, the
            // request, the options) is boxed apart and freed when it is
            // done: an open connection's task keeps only the socket handle
            // and its slot.
            let opened = Box::pin(async move {
                match acceptor {
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(tls) => open(tls, slot, &options, &settings).await,
                        Err(e) => Err(e.to_string()),
                    },
                    None => open(tcp, slot, &options, &settings).await,
                }
            })
            .await;
            match opened {
                Ok(Some((ws, _slot))) => echo(ws).await,
                Ok(None) => {}
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
    eprintln!("shutting down");
    let left = shutdown.shutdown(Duration::from_secs(5)).await;
    eprintln!("{left} connection(s) did not close in time");
    Ok(())
}

/// The request's checks: the connection (with its slot), or `None` once a
/// refusal or a plain HTTP reply is written.
async fn open<S>(
    io: S,
    slot: Option<Slot>,
    options: &Options,
    settings: &Settings,
) -> Result<Option<(WebSocket, Slot)>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let incoming = read_request(io, options).await.map_err(|e| e.to_string())?;
    let Some(slot) = slot else {
        let reply =
            refusal(503, "too many connections from your address").header("Retry-After", "10");
        return answer(incoming, reply).await;
    };
    if incoming.error().is_some_and(|e| e.is_not_upgrade()) {
        let reply = refusal(
            200,
            "A WebSocket echo server: connect with a WebSocket client.",
        );
        return answer(incoming, reply).await;
    }
    if let Some(upgrade) = incoming.upgrade() {
        let origins: Vec<&str> = settings.origins.iter().map(String::as_str).collect();
        let from_browser = upgrade.request().origin().is_some();
        if !origins.is_empty() && from_browser && !upgrade.origin_allowed(&origins) {
            return answer(incoming, refusal(403, "origin not allowed")).await;
        }
    }
    let accept = Accept::new().negotiate(DeflateConfig::default());
    let ws = incoming.accept(accept).await.map_err(|e| e.to_string())?;
    Ok(Some((ws, slot)))
}

/// A plain-text reply with `status`.
fn refusal(status: u16, text: &str) -> Reply {
    Reply::new(status)
        .header("Content-Type", "text/plain")
        .body(format!("{text}\n"))
}

/// Answers `incoming` with `reply` instead of a connection.
async fn answer<S>(incoming: Incoming<S>, reply: Reply) -> Result<Option<(WebSocket, Slot)>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    incoming.respond(reply).await.map_err(|e| e.to_string())?;
    Ok(None)
}

async fn echo(mut ws: WebSocket) {
    while let Some(message) = ws.recv().await {
        if let Message::Text(_) | Message::Binary(_) = message {
            if ws.send(message).await.is_err() {
                break;
            }
        }
    }
}
