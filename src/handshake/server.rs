//! The server's side of the opening handshake (RFC 6455 §4.2).

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{RequestError, RequestErrorKind};
use super::negotiate::{agree, offered_extensions, pick_subprotocol, Accept};
use super::origin::request_origin_allowed;
use super::request;
use super::response::write_switching;
use super::HandshakeConfig;
use crate::config::Config;
use crate::connection::Connection;
use crate::extension::Extension;
use crate::http1::{
    parse_request, parse_request_prefix, skip_empty_lines, Head, HeadReader, Request,
};
use crate::status::Status;
use crate::usage_error::UsageError;

/// The server's handshake machine: reads a client's request, in any split,
/// and checks it.
///
/// Feed it bytes with [`handle_input`](Self::handle_input) until it returns
/// the request ([`UpgradeRequest`]) or an error. Then:
///
/// - accept with [`UpgradeRequest::accept`], which gives the 101 response to
///   write, the [`Connection`], and the bytes that came after the request;
/// - or refuse with a [`Reply`](super::Reply) of your choosing (401, 403,
///   404, 429...).
///
/// An error ([`RequestError`]) carries a ready response to write; for a plain
/// HTTP request ([`RequestError::is_not_upgrade`]) it carries the parsed
/// request, so the server can answer it itself.
///
/// After either result the machine is empty again, ready to read another
/// request on the same transport (useful only when a reply kept it open).
#[derive(Debug)]
pub struct ServerHandshake {
    config: HandshakeConfig,
    head: HeadReader,
    /// Calls to the HTTP parser (for the linear-cost test).
    #[cfg(test)]
    parses: usize,
}

impl Default for ServerHandshake {
    fn default() -> Self {
        ServerHandshake::new(HandshakeConfig::default())
    }
}

impl ServerHandshake {
    /// A machine waiting for a request.
    pub fn new(config: HandshakeConfig) -> Self {
        ServerHandshake {
            config,
            head: HeadReader::default(),
            #[cfg(test)]
            parses: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &HandshakeConfig {
        &self.config
    }

    /// How many bytes of an unfinished request are held (never more than
    /// [`HandshakeConfig::max_head_size`]).
    pub fn buffered_len(&self) -> usize {
        self.head.len()
    }

    /// Feeds bytes from the client.
    ///
    /// Returns [`Status::Partial`] while the request's header block is
    /// incomplete; the bytes are kept, so pass only new bytes next time. Only
    /// new bytes are scanned for the block's end, and the HTTP parser runs
    /// once, on the complete block.
    ///
    /// Bytes after the header block (frames a client sent right behind its
    /// request) are never lost: they are in
    /// [`UpgradeRequest::trailing`] or [`RequestError::trailing`].
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Status<UpgradeRequest>, RequestError> {
        let (request, trailing) = match self.whole_request(input) {
            Some(parsed) => parsed,
            None => {
                let (head, rest) = match self.head.push(input, self.config.max_head_size) {
                    Head::Partial => return Ok(Status::Partial),
                    Head::TooLarge => {
                        self.head.clear();
                        return Err(RequestError::new(
                            RequestErrorKind::HeadTooLarge,
                            None,
                            Vec::new(),
                        ));
                    }
                    Head::Complete(head, rest) => (head, rest),
                };
                let trailing = rest.to_vec();
                #[cfg(test)]
                {
                    self.parses += 1;
                }
                match parse_request(head, self.config.max_headers) {
                    Ok(r) => (r, trailing),
                    Err(e) => return Err(RequestError::new(e.into(), None, trailing)),
                }
            }
        };
        match request::validate(&request) {
            Ok((key, subprotocols)) => Ok(Status::Complete(UpgradeRequest {
                request,
                key,
                subprotocols,
                trailing,
                config: self.config.connection.clone(),
            })),
            Err(kind) => Err(RequestError::new(kind, Some(request), trailing)),
        }
    }
}

impl ServerHandshake {
    /// The common case without the reader: nothing is held from before and
    /// `input` ends with the empty line that ends a header block (a client
    /// sends its request and waits). Parsed where it lies, then the block is
    /// copied once; no scan for its end. `None` (also for a request the
    /// parser refuses, which the reader's path then reports): leave it to the
    /// reader.
    fn whole_request(&mut self, input: &[u8]) -> Option<(Request, Vec<u8>)> {
        if self.head.len() != 0 {
            return None;
        }
        let input = skip_empty_lines(input);
        let ends_block = input.ends_with(b"\n\n") || input.ends_with(b"\n\r\n");
        if !ends_block || input.len() > self.config.max_head_size {
            return None;
        }
        let (request, len) = parse_request_prefix(input, self.config.max_headers).ok()??;
        #[cfg(test)]
        {
            self.parses += 1;
        }
        Some((
            request.with_head(input[..len].to_vec()),
            input[len..].to_vec(),
        ))
    }
}

/// A valid WebSocket upgrade request, waiting for the server's decision.
///
/// Look at the request ([`request`](Self::request): path, `Origin`, cookies)
/// and at what it offers, then [`accept`](Self::accept) it or write a
/// [`Reply`](super::Reply) instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "accept the request or answer it with a Reply"]
pub struct UpgradeRequest {
    request: Request,
    /// The `Sec-WebSocket-Key`: 24 base64 characters.
    key: [u8; 24],
    /// The offered subprotocols (the extension offer is parsed when asked
    /// for).
    subprotocols: Vec<String>,
    trailing: Vec<u8>,
    config: Config,
}

impl UpgradeRequest {
    /// The whole request: target, path and query, `Host`, `Origin`, every
    /// header field.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Whether the request carries an `Origin` that is one of `allowed`
    /// (serializations such as `"https://example.com"` or
    /// `"http://localhost:8080"`).
    ///
    /// The comparison is exact on scheme, host and port, with schemes and
    /// hosts ASCII case-insensitive and a default port equal to no port; a
    /// path, a trailing slash or the origin `null` never match. A request
    /// without `Origin` is not allowed: it does not come from a browser, so
    /// a server that also serves non-browser clients checks
    /// [`Request::origin`]`.is_none()` first, and authenticates those
    /// clients another way.
    ///
    /// This is the defence against Cross-Site WebSocket Hijacking: without it
    /// any web page can open a WebSocket to the server with the visitor's
    /// cookies. Refuse a request that fails it with 403.
    pub fn origin_allowed(&self, allowed: &[&str]) -> bool {
        request_origin_allowed(&self.request, allowed)
    }

    /// The `Sec-WebSocket-Key` value.
    pub fn key(&self) -> &str {
        core::str::from_utf8(&self.key).unwrap_or_default()
    }

    /// The subprotocols the client offered, in its order of preference (all
    /// `Sec-WebSocket-Protocol` fields, comma-split and trimmed).
    pub fn subprotocols(&self) -> &[String] {
        &self.subprotocols
    }

    /// The first offered subprotocol, in the client's order of preference,
    /// that is in `supported`.
    pub fn pick_subprotocol(&self, supported: &[&str]) -> Option<&str> {
        pick_subprotocol(&self.subprotocols, supported)
    }

    /// The extensions the client offered, in order (all
    /// `Sec-WebSocket-Extensions` fields). A name may appear several times,
    /// once per alternative set of parameters.
    ///
    /// The offer was checked when the request was read, and is parsed on
    /// each call (call it once): a server that declines every extension
    /// never builds it. To agree to a permessage-deflate offer, pass the
    /// extension to [`Accept::negotiate`](super::Accept::negotiate) rather
    /// than looking for it here.
    pub fn extensions(&self) -> Vec<Extension> {
        offered_extensions(self.offer())
    }

    /// The values of the `Sec-WebSocket-Extensions` fields, as they lie.
    fn offer(&self) -> impl Iterator<Item = &[u8]> {
        self.request.headers().get_all("Sec-WebSocket-Extensions")
    }

    /// Bytes that arrived after the request (the client's first frames).
    pub fn trailing(&self) -> &[u8] {
        &self.trailing
    }

    /// Accepts the request: renders the 101 response and creates the server
    /// [`Connection`] with the configured [`Config`].
    ///
    /// Fails, consuming the request, if the chosen subprotocol or an
    /// extension was not offered, or a header field is invalid or one the
    /// handshake writes itself; answer with a 500 [`Reply`](super::Reply)
    /// then.
    pub fn accept(self, accept: Accept) -> Result<Accepted, UsageError> {
        let (agreement, headers) = agree(&self.subprotocols, || self.offer(), accept)?;
        let mut response_bytes = Vec::new();
        write_switching(&mut response_bytes, &self.key, &agreement, &headers)?;
        let mut connection = Connection::server(self.config);
        let extensions = agreement.open(&mut connection);
        Ok(Accepted {
            response_bytes,
            connection,
            trailing: self.trailing,
            extensions,
        })
    }
}

/// An accepted handshake: what to write, and the connection to go on with.
///
/// Write [`response_bytes`](Self::response_bytes) first, then feed
/// [`trailing`](Self::trailing) to [`Connection::handle_input`] before any byte read
/// later: they are the client's first frames.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the 101 response must be written to the client"]
pub struct Accepted {
    /// The 101 response to write.
    pub response_bytes: Vec<u8>,
    /// The open connection, server role, with the agreed subprotocol and
    /// the codec of the extension [`Accept::negotiate`] agreed to.
    pub connection: Connection,
    /// Bytes that came after the request: the start of the frame stream.
    pub trailing: Vec<u8>,
    /// The extensions agreed to, as written in the response (with the
    /// answer of an extension [`Accept::negotiate`] agreed to).
    pub extensions: Vec<Extension>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytewise_input_costs_linear_time_and_one_parse() {
        let mut request = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            Sec-WebSocket-Version: 13\r\nCookie: "
            .to_vec();
        request.resize(64 * 1024 - 4, b'c');
        request.extend_from_slice(b"\r\n\r\n");
        let config = HandshakeConfig {
            max_head_size: 64 * 1024,
            ..HandshakeConfig::default()
        };

        let mut hs = ServerHandshake::new(config);
        let mut result = None;
        for (i, b) in request.iter().enumerate() {
            match hs.handle_input(core::slice::from_ref(b)) {
                Ok(Status::Partial) => assert!(i < request.len() - 1),
                Ok(Status::Complete(req)) => result = Some(req),
                Err(e) => assert_eq!(Err(e), Ok(()), "byte {i}"),
            }
        }
        assert!(result.is_some_and(|r| r.request().path() == "/chat"));
        assert_eq!(hs.parses, 1);
        assert!(
            hs.head.examined <= 3 * request.len(),
            "examined {}",
            hs.head.examined
        );
    }
}
