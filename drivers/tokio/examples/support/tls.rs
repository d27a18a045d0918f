//! A self-signed certificate for the examples' `--tls`.

use std::io;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use wsmachine_tokio::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use wsmachine_tokio::rustls::{self, ServerConfig};

/// An acceptor with a new certificate for `localhost` and 127.0.0.1,
/// written as PEM to `cert_out`.
pub(crate) fn self_signed_acceptor(cert_out: &str) -> io::Result<TlsAcceptor> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let key = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    std::fs::write(cert_out, key.cert.pem())?;
    eprintln!("certificate written to {cert_out}");
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![key.cert.der().clone()], private)
        .map_err(io::Error::other)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
