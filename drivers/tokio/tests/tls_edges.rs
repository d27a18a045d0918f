//! wss:// timing at its edges: one handshake bound over TLS and the
//! WebSocket upgrade.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use wsmachine_tokio::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use wsmachine_tokio::rustls::{self, ServerConfig};
use wsmachine_tokio::{Client, ConnectError};

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
    let result = tokio::time::timeout(
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
