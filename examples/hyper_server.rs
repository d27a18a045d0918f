//! The echo server on hyper: a page on `/`, and on the same path an echoing
//! WebSocket over HTTP/1.1 (Upgrade) and over HTTP/2 (extended CONNECT,
//! RFC 8441), with the `http` feature's entry into the same `Connection`.
//!
//! ```sh
//! cargo run --release --features http,deflate --example hyper_server -- 127.0.0.1:9004 [--tls [--cert FILE --key FILE]]
//! ```
//!
//! Plain, it speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c). With
//! `--tls` it speaks TLS (rustls) and offers `h2` and `http/1.1` by ALPN,
//! with a self-signed certificate made at start unless `--cert` and `--key`
//! (PEM files) are given: browsers then open their WebSockets over HTTP/2.
//! It prints one line per WebSocket on stderr, `websocket over HTTP/2` or
//! `websocket over HTTP/1.1`.

#[path = "support/accept.rs"]
mod accept;
#[path = "support/echo.rs"]
mod echo;
#[path = "support/http_service.rs"]
mod http_service;
#[path = "support/tokio_drive.rs"]
mod tokio_drive;

use std::io;
use std::sync::Arc;

use http_service::{serve_connection, Settings};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

#[tokio::main]
async fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9004".to_owned());
    let (mut tls, mut cert, mut key) = (false, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" => tls = true,
            "--cert" => cert = args.next(),
            "--key" => key = args.next(),
            other => return Err(io::Error::other(format!("unknown argument {other}"))),
        }
    }
    let acceptor = match tls {
        true => Some(TlsAcceptor::from(Arc::new(tls_config(cert, key)?))),
        false => None,
    };
    let listener = TcpListener::bind(&addr).await?;
    let scheme = if tls { "https" } else { "http" };
    eprintln!("echo server on {scheme}://{addr}/ (HTTP/1.1 and HTTP/2)");
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let _ = sock.set_nodelay(true);
        let acceptor = acceptor.clone();
        let settings = Settings {
            connect_protocol: true,
            ..Settings::default()
        };
        tokio::spawn(async move {
            match acceptor {
                None => serve_connection(TokioIo::new(sock), settings).await,
                Some(acceptor) => match acceptor.accept(sock).await {
                    Ok(stream) => serve_connection(TokioIo::new(stream), settings).await,
                    Err(e) => eprintln!("{peer}: TLS: {e}"),
                },
            }
        });
    }
}

/// rustls on ring, ALPN `h2` then `http/1.1`, with the given certificate
/// and key, or a self-signed one for `localhost` and `127.0.0.1`.
fn tls_config(cert: Option<String>, key: Option<String>) -> io::Result<rustls::ServerConfig> {
    let (chain, key) = match (cert, key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(&cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| io::Error::other(format!("{cert}: {e}")))?;
            let key = PrivateKeyDer::from_pem_file(&key)
                .map_err(|e| io::Error::other(format!("{key}: {e}")))?;
            (chain, key)
        }
        (None, None) => {
            let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
            let made = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
            let key = PrivatePkcs8KeyDer::from(made.key_pair.serialize_der());
            (vec![made.cert.der().clone()], key.into())
        }
        _ => return Err(io::Error::other("--cert and --key go together")),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
