//! The client side: connect to a `ws://` or `wss://` URL, directly or
//! through an HTTP CONNECT proxy, and run the opening handshake.

use std::fmt;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};
use wsmachine::handshake::{
    ClientError, ClientHandshake, ClientRequest, Connected, Response, Scheme, Target, UrlError,
    UsageError,
};
use wsmachine::{OsRandom, Status};

use crate::options::{start, Options};
use crate::proxy::{self, ProxyChoice};
use crate::socket::WebSocket;

/// Connects to `url` (`ws://` or `wss://`) with the default settings.
/// Returns the connection and the server's 101 response.
pub async fn connect(url: &str) -> Result<(WebSocket, Response), ConnectError> {
    Client::new(url).connect().await
}

/// A client's settings: what to ask for and how to get there.
///
/// ```no_run
/// # async fn f() -> Result<(), wsmachine_tokio::ConnectError> {
/// use wsmachine_tokio::Client;
/// let (ws, response) = Client::new("wss://example.com/chat")
///     .header("Authorization", "Bearer abc")
///     .subprotocol("chat.v2")
///     .proxy_from_env()
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    url: String,
    headers: Vec<(String, String)>,
    subprotocols: Vec<String>,
    #[cfg(feature = "deflate")]
    deflate: Option<wsmachine::extension::deflate::DeflateConfig>,
    options: Options,
    connect_timeout: Duration,
    proxy: ProxyChoice,
    #[cfg(feature = "rustls")]
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    #[cfg(feature = "rustls")]
    roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Client {
    /// A client for `url`, with default [`Options`], a 10 s connect timeout
    /// and no proxy.
    pub fn new(url: impl Into<String>) -> Client {
        Client {
            url: url.into(),
            headers: Vec::new(),
            subprotocols: Vec::new(),
            #[cfg(feature = "deflate")]
            deflate: None,
            options: Options::default(),
            connect_timeout: Duration::from_secs(10),
            proxy: ProxyChoice::Direct,
            #[cfg(feature = "rustls")]
            tls: None,
            #[cfg(feature = "rustls")]
            roots: Vec::new(),
        }
    }

    /// Adds a header field to the request (`Authorization`, `Cookie`,
    /// `Origin`, `User-Agent`...).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Client {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Offers a subprotocol (most preferred first).
    #[must_use]
    pub fn subprotocol(mut self, subprotocol: impl Into<String>) -> Client {
        self.subprotocols.push(subprotocol.into());
        self
    }

    /// Offers permessage-deflate with `config`.
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(mut self, config: wsmachine::extension::deflate::DeflateConfig) -> Client {
        self.deflate = Some(config);
        self
    }

    /// The driver's and the connection's settings.
    #[must_use]
    pub fn options(mut self, options: Options) -> Client {
        self.options = options;
        self
    }

    /// Bound on opening the TCP connection (and the proxy tunnel).
    #[must_use]
    pub fn connect_timeout(mut self, within: Duration) -> Client {
        self.connect_timeout = within;
        self
    }

    /// Bound on the TLS and WebSocket handshakes together
    /// ([`Options::handshake_timeout`]).
    #[must_use]
    pub fn handshake_timeout(mut self, within: Duration) -> Client {
        self.options.handshake_timeout = within;
        self
    }

    /// Goes through the HTTP CONNECT proxy at `url` (`http://host:port`).
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Client {
        self.proxy = ProxyChoice::Url(url.into());
        self
    }

    /// Goes through the proxy the environment names: `HTTPS_PROXY` for
    /// `wss://`, `HTTP_PROXY` for `ws://` (or their lowercase forms), unless
    /// `NO_PROXY` lists the host.
    #[must_use]
    pub fn proxy_from_env(mut self) -> Client {
        self.proxy = ProxyChoice::Env;
        self
    }

    /// Trusts `cert` (DER) as a root besides webpki-roots.
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn add_root_certificate(
        mut self,
        cert: rustls::pki_types::CertificateDer<'static>,
    ) -> Client {
        self.roots.push(cert);
        self
    }

    /// Uses this rustls configuration for `wss://` (the added roots are
    /// then ignored).
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn tls_config(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Client {
        self.tls = Some(config);
        self
    }

    /// The request the handshake sends.
    fn request(&self) -> Result<ClientRequest, ConnectError> {
        let mut request = ClientRequest::from_url(&self.url).map_err(ConnectError::Url)?;
        for subprotocol in &self.subprotocols {
            request = request.subprotocol(subprotocol.clone());
        }
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        #[cfg(feature = "deflate")]
        if let Some(config) = &self.deflate {
            request = request.negotiate(config.clone());
        }
        Ok(request)
    }

    /// Connects and runs the handshakes.
    pub async fn connect(self) -> Result<(WebSocket, Response), ConnectError> {
        // Boxed: the handshakes' state is freed once they are done, instead
        // of sizing the caller's task for the connection's whole life.
        Box::pin(self.connect_boxed()).await
    }

    async fn connect_boxed(self) -> Result<(WebSocket, Response), ConnectError> {
        let request = self.request()?;
        let target = request.target().clone();
        let tcp = timeout(self.connect_timeout, self.open(&target))
            .await
            .map_err(|_| ConnectError::Timeout)??;
        tcp.set_nodelay(true)?;
        // One bound for the TLS and WebSocket handshakes together.
        let deadline = crate::deadline::after(self.options.handshake_timeout);
        match target.scheme() {
            #[cfg(feature = "rustls")]
            Scheme::Wss => {
                let config = match &self.tls {
                    Some(config) => config.clone(),
                    None => crate::tls::client_config(&self.roots).map_err(ConnectError::Tls)?,
                };
                let tls = timeout_at(deadline, crate::tls::connect(tcp, target.host(), config))
                    .await
                    .map_err(|_| ConnectError::Timeout)??;
                self.connect_on(tls, request, deadline).await
            }
            #[cfg(not(feature = "rustls"))]
            Scheme::Wss => Err(ConnectError::NoTls),
            _ => self.connect_on(tcp, request, deadline).await,
        }
    }

    /// The TCP connection: to the server, or a tunnel through the proxy.
    async fn open(&self, target: &Target) -> io::Result<TcpStream> {
        match self.proxy.for_target(target)? {
            Some(proxy) => proxy::tunnel(proxy, target).await,
            None => TcpStream::connect((target.host(), target.port())).await,
        }
    }

    /// Runs the WebSocket handshake over `io` (already connected, TLS done)
    /// by `deadline`.
    async fn connect_on<S>(
        &self,
        mut io: S,
        request: ClientRequest,
        deadline: Instant,
    ) -> Result<(WebSocket, Response), ConnectError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let config = self.options.handshake.clone();
        let mut hs =
            ClientHandshake::new(request, config, OsRandom::new()).map_err(ConnectError::Usage)?;
        let connected = timeout_at(deadline, handshake(&mut io, &mut hs))
            .await
            .map_err(|_| ConnectError::Timeout)??;
        let Connected {
            connection,
            response,
            trailing,
            ..
        } = connected;
        Ok((start(io, connection, trailing, &self.options), response))
    }
}

/// Writes the request and reads the response.
async fn handshake<S>(io: &mut S, hs: &mut ClientHandshake) -> Result<Connected, ConnectError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while !hs.poll_output().is_empty() {
        let n = io.write(hs.poll_output()).await?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::WriteZero).into());
        }
        hs.advance_output(n);
    }
    io.flush().await?;
    let mut buf = [0u8; 2048];
    loop {
        let n = io.read(&mut buf).await?;
        if n == 0 {
            return Err(ConnectError::Handshake(hs.handle_eof()));
        }
        match hs.handle_input(&buf[..n]) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(connected)) => return Ok(connected),
            Err(e) => return Err(ConnectError::Handshake(e)),
        }
    }
}

/// Why a client did not get a connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a valid `ws://` or `wss://` URL.
    Url(UrlError),
    /// The TCP connection, the proxy tunnel or the TLS handshake failed.
    Io(io::Error),
    /// Connecting or a handshake took longer than its timeout.
    Timeout,
    /// The rustls configuration could not be built (an invalid root).
    #[cfg(feature = "rustls")]
    Tls(rustls::Error),
    /// `wss://` without the `rustls` feature.
    #[cfg(not(feature = "rustls"))]
    NoTls,
    /// The server refused the upgrade (its response is in the error) or
    /// answered with an invalid handshake.
    Handshake(ClientError),
    /// The request is invalid (a header field the handshake writes itself,
    /// a subprotocol that is not a token).
    Usage(UsageError),
}

impl From<io::Error> for ConnectError {
    fn from(e: io::Error) -> Self {
        ConnectError::Io(e)
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Url(e) => write!(f, "invalid URL: {e}"),
            ConnectError::Io(e) => write!(f, "connection failed: {e}"),
            ConnectError::Timeout => f.write_str("timed out"),
            #[cfg(feature = "rustls")]
            ConnectError::Tls(e) => write!(f, "TLS configuration: {e}"),
            #[cfg(not(feature = "rustls"))]
            ConnectError::NoTls => f.write_str("wss:// needs the rustls feature"),
            ConnectError::Handshake(e) => write!(f, "handshake failed: {e}"),
            ConnectError::Usage(e) => write!(f, "invalid request: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {}
