//! wss:// on loopback with a certificate made in the test: the handshake,
//! the roots of trust, close_notify in both directions, and one handshake
//! bound over TLS and the WebSocket upgrade.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::{timeout, Instant};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use wsmachine_tokio::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use wsmachine_tokio::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use wsmachine_tokio::wsmachine::{CloseCause, CloseCode};
use wsmachine_tokio::{Client, ConnectError, Message};

/// A self-signed certificate for `localhost` and the acceptor serving it.
fn certificate() -> (CertificateDer<'static>, TlsAcceptor) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = key.cert.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], private)
        .unwrap();
    (cert, TlsAcceptor::from(Arc::new(config)))
}

/// A wss:// echo server; each connection's outcome goes to the channel.
async fn tls_echo_server(
    acceptor: TlsAcceptor,
) -> (
    u16,
    tokio::sync::mpsc::UnboundedReceiver<wsmachine_tokio::Closed>,
) {
    let (listener, addr) = listener().await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(serve(listener, acceptor, tx));
    (addr.port(), rx)
}

async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: tokio::sync::mpsc::UnboundedSender<wsmachine_tokio::Closed>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let ws = wsmachine_tokio::accept(tls).await.unwrap();
            let _ = tx.send(echo(ws).await);
        });
    }
}

#[tokio::test]
async fn wss_echo_and_clean_close() {
    let (cert, acceptor) = certificate();
    let (port, mut outcomes) = tls_echo_server(acceptor).await;
    let (mut ws, _) = Client::new(format!("wss://localhost:{port}/"))
        .add_root_certificate(cert)
        .connect()
        .await
        .unwrap();
    ws.send("over tls").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("over tls".into())));
    let closed = timeout(LIMIT, ws.close(CloseCode::NORMAL, ""))
        .await
        .unwrap()
        .unwrap();
    assert!(closed.clean);
    assert_eq!(
        closed.cause,
        CloseCause::Handshake {
            initiated_locally: true
        }
    );
    // The server ended TLS with close_notify: rustls reports a bare end of
    // the TCP stream as an error, and there is none.
    assert_eq!(closed.io_error, None);
    assert!(
        timeout(LIMIT, outcomes.recv())
            .await
            .unwrap()
            .unwrap()
            .clean
    );
}

#[tokio::test]
async fn an_unknown_certificate_is_refused() {
    let (_cert, acceptor) = certificate();
    let (port, _outcomes) = tls_echo_server(acceptor).await;
    let result = Client::new(format!("wss://localhost:{port}/"))
        .connect()
        .await;
    assert!(matches!(result, Err(ConnectError::Io(_))), "{result:?}");
}

#[tokio::test]
async fn a_whole_client_config_can_be_given() {
    let (cert, acceptor) = certificate();
    let (port, _outcomes) = tls_echo_server(acceptor).await;
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let (mut ws, _) = Client::new(format!("wss://localhost:{port}/"))
        .tls_config(Arc::new(config))
        .connect()
        .await
        .unwrap();
    ws.send("configured").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("configured".into())));
}

#[tokio::test]
async fn server_sends_close_notify_then_closes_first() {
    let (cert, acceptor) = certificate();
    let (port, mut outcomes) = tls_echo_server(acceptor).await;
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    upgrade(&mut tls).await;
    tls.write_all(&masked(0x88, &[0x03, 0xe8])).await.unwrap();
    let (first, _) = timeout(LIMIT, read_frame(&mut tls)).await.unwrap();
    assert_eq!(first, 0x88);
    // A clean end of the TLS stream (a read of 0, not UnexpectedEof) is
    // close_notify.
    let mut byte = [0u8; 1];
    let n = timeout(LIMIT, tokio::io::AsyncReadExt::read(&mut tls, &mut byte))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0);
    assert!(
        timeout(LIMIT, outcomes.recv())
            .await
            .unwrap()
            .unwrap()
            .clean
    );
}

#[tokio::test]
async fn client_sends_close_notify_after_the_server_closed() {
    let (cert, acceptor) = certificate();
    let (listener, addr) = listener().await;
    let client = tokio::spawn(async move {
        let (mut ws, _) = Client::new(format!("wss://localhost:{}/", addr.port()))
            .add_root_certificate(cert)
            .connect()
            .await
            .unwrap();
        ws.close(CloseCode::NORMAL, "").await.unwrap()
    });
    let (tcp, _) = listener.accept().await.unwrap();
    let mut tls = acceptor.accept(tcp).await.unwrap();
    let head = read_head(&mut tls).await;
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap()
        .trim()
        .to_owned();
    let accept = wsmachine_tokio::wsmachine::handshake::accept_key(&key);
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    tls.write_all(response.as_bytes()).await.unwrap();
    let (first, _) = timeout(LIMIT, read_frame(&mut tls)).await.unwrap();
    assert_eq!(first, 0x88);
    tls.write_all(&unmasked(0x88, &[0x03, 0xe8])).await.unwrap();
    tls.shutdown().await.unwrap();
    let closed = timeout(LIMIT, client).await.unwrap().unwrap();
    assert!(closed.clean);
    assert_eq!(closed.io_error, None);
    // The client's TLS ended with close_notify too.
    let mut byte = [0u8; 1];
    let n = timeout(LIMIT, tokio::io::AsyncReadExt::read(&mut tls, &mut byte))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0);
}

/// `Client::handshake_timeout` documents a bound on "the TLS and WebSocket
/// handshakes together". A server slow in TLS (0.7 s) and then silent on the
/// upgrade must make a 1 s bound fail at about 1 s, not at 1.7 s.
#[tokio::test]
async fn handshake_timeout_bounds_tls_and_websocket_together() {
    let (cert, acceptor) = certificate();
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        let mut tls = acceptor.accept(tcp).await.unwrap();
        // Read the upgrade request and never answer it.
        let mut buf = [0u8; 1024];
        while let Ok(n) = tls.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    });
    let start = Instant::now();
    let result = timeout(
        LIMIT,
        Client::new(format!("wss://localhost:{}/", addr.port()))
            .add_root_certificate(cert)
            .handshake_timeout(Duration::from_secs(1))
            .connect(),
    )
    .await
    .unwrap();
    let elapsed = start.elapsed();
    assert!(matches!(result, Err(ConnectError::Timeout)), "{result:?}");
    assert!(
        elapsed < Duration::from_millis(1300),
        "the 1 s handshake bound ended after {elapsed:?}"
    );
}
