//! The server side: read the upgrade request, look at it, then accept it,
//! refuse it or answer it as plain HTTP.

use std::fmt;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;
use wsmachine::handshake::UsageError;
use wsmachine::handshake::{Accept, Reply, Request, RequestError, ServerHandshake, UpgradeRequest};
use wsmachine::Status;

use crate::options::{start, Options};
use crate::socket::WebSocket;

/// Accepts a WebSocket over `io` (a TCP stream, a TLS stream, an upgraded
/// HTTP connection) with the default [`Options`]: any path, no
/// subprotocol, permessage-deflate when built with the `deflate` feature.
/// A request that is not a valid upgrade is answered with its error status.
pub async fn accept<S>(io: S) -> Result<WebSocket, AcceptError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Boxed: the handshake's state (its read buffer, the options) lives on
    // the heap while it runs and is freed after it, instead of sizing the
    // caller's task for the connection's whole life.
    Box::pin(async move {
        let options = Options::default();
        read_request(io, &options)
            .await?
            .accept(default_accept())
            .await
    })
    .await
}

/// What [`accept`] agrees to: permessage-deflate when built with `deflate`.
pub fn default_accept() -> Accept {
    let accept = Accept::new();
    #[cfg(feature = "deflate")]
    let accept = accept.negotiate(wsmachine::extension::deflate::DeflateConfig::default());
    accept
}

/// Reads the opening request, within [`Options::handshake_timeout`], and
/// hands it over for a decision.
///
/// Its state lives on the heap while it runs (as with every handshake here),
/// so that it does not size the caller's task for the connection's life.
pub async fn read_request<S>(io: S, options: &Options) -> Result<Incoming<S>, AcceptError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    Box::pin(read_request_boxed(io, options.clone())).await
}

async fn read_request_boxed<S>(mut io: S, options: Options) -> Result<Incoming<S>, AcceptError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let deadline = crate::deadline::after(options.handshake_timeout);
    let mut hs = ServerHandshake::new(options.handshake.clone());
    let read = async {
        let mut buf = [0u8; 2048];
        loop {
            let n = io.read(&mut buf).await?;
            if n == 0 {
                return Err(AcceptError::Eof);
            }
            match hs.handle_input(&buf[..n]) {
                Ok(Status::Partial) => {}
                Ok(Status::Complete(request)) => return Ok(Ok(request)),
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    let request = tokio::time::timeout_at(deadline, read)
        .await
        .map_err(|_| AcceptError::Timeout)??;
    Ok(Incoming {
        io,
        request,
        options,
        deadline,
    })
}

/// A request read and waiting for the server's decision.
#[derive(Debug)]
pub struct Incoming<S> {
    io: S,
    request: Result<UpgradeRequest, RequestError>,
    options: Options,
    deadline: tokio::time::Instant,
}

impl<S> Incoming<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// The HTTP request (path, query, `Origin`, cookies...), if it parsed.
    pub fn request(&self) -> Option<&Request> {
        match &self.request {
            Ok(upgrade) => Some(upgrade.request()),
            Err(e) => e.request(),
        }
    }

    /// The WebSocket upgrade, if the request is a valid one (offered
    /// subprotocols and extensions, the Origin check).
    pub fn upgrade(&self) -> Option<&UpgradeRequest> {
        self.request.as_ref().ok()
    }

    /// Why the request is not a valid upgrade; [`RequestError::is_not_upgrade`]
    /// tells a plain HTTP request.
    pub fn error(&self) -> Option<&RequestError> {
        self.request.as_ref().err()
    }

    /// Accepts the upgrade: writes the 101 response and starts the
    /// connection. A request that is not a valid upgrade is answered with
    /// its error status and the transport closed.
    pub async fn accept(self, accept: Accept) -> Result<WebSocket, AcceptError> {
        Box::pin(self.accept_boxed(accept)).await
    }

    async fn accept_boxed(self, accept: Accept) -> Result<WebSocket, AcceptError> {
        let Incoming {
            mut io,
            request,
            options,
            deadline,
        } = self;
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                let bytes = e.response_bytes();
                finish(io, &bytes, &options).await?;
                return Err(AcceptError::Request(e));
            }
        };
        let accepted = request.accept(accept).map_err(AcceptError::Usage)?;
        tokio::time::timeout_at(deadline, io.write_all(&accepted.response_bytes))
            .await
            .map_err(|_| AcceptError::Timeout)??;
        Ok(start(io, accepted.connection, accepted.trailing, &options))
    }

    /// Answers with `reply` instead (a refusal such as 401, 403, 404 or
    /// 503, or a plain HTTP response) and closes the transport.
    pub async fn respond(self, reply: Reply) -> Result<(), AcceptError> {
        let bytes = reply.encode().map_err(AcceptError::Usage)?;
        Box::pin(finish(self.io, &bytes, &self.options)).await
    }
}

/// Writes a response that ends the exchange, then closes our side first and
/// reads until the client's end, bounded by the linger.
async fn finish<S>(mut io: S, bytes: &[u8], options: &Options) -> Result<(), AcceptError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    timeout(options.handshake_timeout, async {
        io.write_all(bytes).await?;
        io.shutdown().await
    })
    .await
    .map_err(|_| AcceptError::Timeout)??;
    let _ = timeout(options.linger, async {
        let mut buf = [0u8; 512];
        while let Ok(n) = io.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    Ok(())
}

/// Why a server's handshake did not give a connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum AcceptError {
    /// The transport failed.
    Io(io::Error),
    /// The client left before sending a whole request.
    Eof,
    /// The handshake did not complete within [`Options::handshake_timeout`].
    Timeout,
    /// The request is not a valid upgrade; its error response was written.
    Request(RequestError),
    /// The server's answer was invalid (a subprotocol not offered, a bad
    /// header field).
    Usage(UsageError),
}

impl From<io::Error> for AcceptError {
    fn from(e: io::Error) -> Self {
        AcceptError::Io(e)
    }
}

impl fmt::Display for AcceptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcceptError::Io(e) => write!(f, "transport error: {e}"),
            AcceptError::Eof => f.write_str("the client left during the handshake"),
            AcceptError::Timeout => f.write_str("handshake timed out"),
            AcceptError::Request(e) => write!(f, "invalid request: {e}"),
            AcceptError::Usage(e) => write!(f, "invalid answer: {e}"),
        }
    }
}

impl std::error::Error for AcceptError {}
