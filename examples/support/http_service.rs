//! The service of `hyper_server`, which its tests run too: the page on `/`,
//! and on the same path an echoing WebSocket, opened by an HTTP/1.1 upgrade
//! or an HTTP/2 extended CONNECT (RFC 8441). Both go through
//! [`ServerUpgrade`] to the same [`Connection`](wsmachine::Connection),
//! which then runs over the stream hyper hands over.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::rt::{Read, Write};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::sync::mpsc::UnboundedSender;
use wsmachine::http::ServerUpgrade;
use wsmachine::{CloseOutcome, Config};

use super::accept;
use super::tokio_drive::drive;

/// The page on `/`: it opens a WebSocket back to the server (`wss:` when it
/// came over TLS), sends a message and shows the echo and the extensions.
const PAGE: &str = include_str!("echo.html");

/// The response body of every answer.
pub(crate) type Body = Full<Bytes>;

/// Where outcomes are reported.
type Outcomes = UnboundedSender<(&'static str, Option<CloseOutcome>)>;

/// How a connection is served.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    /// Advertise `SETTINGS_ENABLE_CONNECT_PROTOCOL`, without which an HTTP/2
    /// client may not open a WebSocket.
    pub(crate) connect_protocol: bool,
    /// The HTTP/2 flow-control window of each stream; hyper's default if
    /// `None`.
    pub(crate) stream_window: Option<u32>,
    /// Where each WebSocket's outcome is reported, with the protocol it
    /// arrived on, once it is closed.
    pub(crate) outcomes: Option<Outcomes>,
}

/// Serves one connection (plain, TLS, HTTP/1.1 or HTTP/2 with or without
/// prior knowledge) until it ends.
pub(crate) async fn serve_connection<I>(io: I, settings: Settings)
where
    I: Read + Write + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    if settings.connect_protocol {
        builder.http2().enable_connect_protocol();
    }
    if let Some(window) = settings.stream_window {
        builder.http2().initial_stream_window_size(window);
    }
    let service = service_fn(move |req: Request<Incoming>| {
        let outcomes = settings.outcomes.clone();
        async move { Ok::<_, Infallible>(handle(req, outcomes)) }
    });
    if let Err(e) = builder.serve_connection_with_upgrades(io, service).await {
        eprintln!("http connection: {e}");
    }
}

/// One request: a WebSocket opening is accepted (the WebSocket runs in a
/// task of its own), a plain `GET /` gets the page, anything else 404. Any
/// body type: hyper's, or axum's in a route handler.
pub(crate) fn handle<B>(req: Request<B>, outcomes: Option<Outcomes>) -> Response<Body>
where
    B: Send + 'static,
{
    // HTTP/2's `:protocol`, which hyper keeps in an extension of its own.
    let protocol = req.extensions().get::<hyper::ext::Protocol>();
    let protocol = protocol.map(|p| p.as_str().to_owned());
    let (parts, body) = req.into_parts();
    let upgrade = match ServerUpgrade::new(&parts, protocol.as_deref(), Config::default()) {
        Ok(upgrade) => upgrade,
        Err(e) if e.is_not_upgrade() => return plain(&parts),
        Err(e) => {
            eprintln!("refused ({}): {e}", parts.uri);
            return e.response().map(Full::from);
        }
    };
    // A browser's page may open a WebSocket only to the site it came from:
    // the request's own authority (Cross-Site WebSocket Hijacking defence).
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    let host = parts.headers.get(hyper::header::HOST);
    let host = host.and_then(|h| h.to_str().ok()).map(str::to_owned);
    let site = authority.or(host).unwrap_or_default();
    let allowed = [format!("http://{site}"), format!("https://{site}")];
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    if upgrade.origin().is_some() && !upgrade.origin_allowed(&allowed) {
        eprintln!("refused: origin {:?} is not {site}", upgrade.origin());
        return status(StatusCode::FORBIDDEN, "origin not allowed\n");
    }
    let over = match upgrade.is_extended_connect() {
        true => "HTTP/2",
        false => "HTTP/1.1",
    };
    let accepted = match upgrade.accept(accept::options()) {
        Ok(accepted) => accepted,
        Err(e) => return status(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n")),
    };
    eprintln!("websocket over {over}");
    let request = Request::from_parts(parts, body);
    tokio::spawn(run_websocket(request, accepted.connection, over, outcomes));
    accepted.response.map(|()| Full::default())
}

/// Runs an accepted WebSocket over the stream hyper hands over once the
/// response is sent.
async fn run_websocket<B>(
    request: Request<B>,
    mut conn: wsmachine::Connection,
    over: &'static str,
    outcomes: Option<Outcomes>,
) where
    B: Send + 'static,
{
    let upgraded = match hyper::upgrade::on(request).await {
        Ok(upgraded) => upgraded,
        Err(e) => return eprintln!("upgrade failed: {e}"),
    };
    let (mut rd, mut wr) = tokio::io::split(TokioIo::new(upgraded));
    let mut message = Vec::new();
    let peer = format!("websocket over {over}");
    if let Err(e) = drive(&mut rd, &mut wr, &mut conn, &mut message, &peer).await {
        eprintln!("{peer}: {e}");
    }
    // Our end of the stream: END_STREAM over HTTP/2, FIN over HTTP/1.1.
    // Bounded, as the last write is.
    let shutdown = tokio::io::AsyncWriteExt::shutdown(&mut wr);
    let _ = tokio::time::timeout(super::tokio_drive::LINGER, shutdown).await;
    let outcome = conn.close_outcome();
    if let Some(o) = &outcome {
        eprintln!(
            "{peer}: closed with {} ({:?}, clean: {})",
            o.code, o.cause, o.clean
        );
    }
    if let Some(outcomes) = outcomes {
        let _ = outcomes.send((over, outcome));
    }
}

/// A request with no sign of a WebSocket opening.
fn plain(parts: &http::request::Parts) -> Response<Body> {
    if parts.method != http::Method::GET || parts.uri.path() != "/" {
        return status(StatusCode::NOT_FOUND, "not found\n");
    }
    let mut response = Response::new(Full::from(PAGE));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn status(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Full::from(text.to_owned()));
    *response.status_mut() = status;
    response
}
