//! The client's side of the opening handshake (RFC 6455 §4.1).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::{ClientError, ResponseError, ResponseErrorKind};
use super::key::new_key;
use super::negotiate::{check_answers, Offer};
use super::request;
use super::response;
use super::target::{Target, UrlError};
use super::HandshakeConfig;
use crate::connection::Connection;
use crate::extension::{Extension, Negotiate, Negotiator};
use crate::http1::{parse_response, BodyReader, Head, HeadReader, Response};
use crate::rand::Randomness;
use crate::status::Status;
use crate::usage_error::UsageError;

/// What a client asks for: the target, and optionally subprotocols,
/// extensions and extra header fields.
///
/// ```
/// use wsmachine::extension::Extension;
/// use wsmachine::handshake::ClientRequest;
/// let request = ClientRequest::from_url("wss://example.com/chat")?
///     .subprotocol("chat.v2")
///     .extension(Extension::new("permessage-deflate").flag("client_max_window_bits"))
///     .header("Origin", "https://example.com")
///     .header("Authorization", "Bearer abc");
/// # Ok::<(), wsmachine::handshake::UrlError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientRequest {
    pub(crate) target: Target,
    pub(crate) offer: Offer,
    pub(crate) negotiators: Vec<Negotiator>,
    pub(crate) headers: Vec<(String, String)>,
}

impl ClientRequest {
    /// A request for `target` with nothing else.
    pub fn new(target: Target) -> Self {
        ClientRequest {
            target,
            offer: Offer {
                subprotocols: Vec::new(),
                extensions: Vec::new(),
            },
            negotiators: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A request for a `ws://` or `wss://` URI.
    pub fn from_url(uri: &str) -> Result<Self, UrlError> {
        Target::parse(uri).map(ClientRequest::new)
    }

    /// Offers a subprotocol; offers are sent in the order added, most
    /// preferred first.
    #[must_use]
    pub fn subprotocol(mut self, subprotocol: impl Into<String>) -> Self {
        self.offer.subprotocols.push(subprotocol.into());
        self
    }

    /// Offers an extension with its parameters. The caller checks the
    /// server's answer ([`Connected::extensions`]) and gives the connection
    /// its codec; for an extension this crate can negotiate, use
    /// [`negotiate`](Self::negotiate) instead.
    #[must_use]
    pub fn extension(mut self, extension: Extension) -> Self {
        self.offer.extensions.push(extension);
        self
    }

    /// Offers an extension this end negotiates (permessage-deflate:
    /// `extension::deflate::DeflateConfig`, feature `deflate`), after the
    /// extensions offered so far. The handshake checks the server's answer
    /// against the offer and, if the server accepts, the [`Connection`] runs
    /// the extension's codec.
    #[must_use]
    pub fn negotiate(mut self, extension: impl Negotiate + Clone + 'static) -> Self {
        let negotiator = Negotiator::new(extension);
        self.offer.extensions.push(negotiator.offer());
        self.negotiators.push(negotiator);
        self
    }

    /// Adds a header field (`Origin`, `Authorization`, `Cookie`,
    /// `User-Agent`...).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }
}

#[derive(Debug)]
enum State {
    /// Reading the response's header block.
    Head(HeadReader),
    /// Reading the body of a refusal.
    Body(Box<Response>, BodyReader),
    /// Finished: the connection or the error was handed out.
    Done,
}

/// The client's handshake machine: writes the request, then reads the
/// server's response in any split and checks it.
///
/// 1. [`new`](Self::new) renders the request; write
///    [`poll_output`](Self::poll_output) and report what was written with
///    [`advance_output`](Self::advance_output).
/// 2. Feed the server's bytes to [`handle_input`](Self::handle_input) until it
///    returns [`Connected`] or an error; if the transport ends first, call
///    [`handle_eof`](Self::handle_eof).
///
/// The 16-byte nonce comes from the caller's [`Randomness`], which then moves
/// into the [`Connection`] to draw its masking keys.
pub struct ClientHandshake {
    config: HandshakeConfig,
    key: String,
    offer: Offer,
    negotiators: Vec<Negotiator>,
    rng: Option<Box<dyn Randomness>>,
    out: Vec<u8>,
    written: usize,
    state: State,
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("key", &self.key)
            .field("pending_output", &self.poll_output().len())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// Renders the request with a fresh key drawn from `rng`.
    ///
    /// Fails if a subprotocol is not a token or is repeated, an extension is
    /// not made of tokens, or a header field is invalid or one the handshake
    /// writes itself (`Host`, `Upgrade`, `Connection`, `Sec-WebSocket-*`).
    pub fn new(
        request: ClientRequest,
        config: HandshakeConfig,
        rng: impl Randomness + 'static,
    ) -> Result<Self, UsageError> {
        let mut rng: Box<dyn Randomness> = Box::new(rng);
        let key = new_key(&mut *rng);
        let mut out = Vec::with_capacity(256);
        request::write(
            &mut out,
            &request.target,
            &key,
            &request.offer,
            &request.headers,
        )?;
        Ok(ClientHandshake {
            config,
            key,
            offer: request.offer,
            negotiators: request.negotiators,
            rng: Some(rng),
            out,
            written: 0,
            state: State::Head(HeadReader::default()),
        })
    }

    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The request bytes not yet written.
    #[must_use]
    pub fn poll_output(&self) -> &[u8] {
        self.out.get(self.written..).unwrap_or_default()
    }

    /// Marks the first `n` bytes of [`poll_output`](Self::poll_output) as
    /// written.
    pub fn advance_output(&mut self, n: usize) {
        self.written = self.written.saturating_add(n).min(self.out.len());
        if self.written == self.out.len() {
            self.out = Vec::new();
            self.written = 0;
        }
    }

    /// Feeds bytes from the server.
    ///
    /// Returns [`Status::Partial`] until the response is complete. A valid
    /// 101 gives [`Connected`], with every byte that came after the response
    /// in [`Connected::trailing`]. Another status gives
    /// [`ResponseErrorKind::Refused`] once its body is read (by
    /// `Content-Length` or chunked coding; a body delimited by the end of the
    /// transport completes at [`handle_eof`](Self::handle_eof)). Interim
    /// 1xx responses other than 101 are skipped.
    pub fn handle_input(&mut self, mut input: &[u8]) -> Result<Status<Connected>, ClientError> {
        loop {
            match &mut self.state {
                State::Done => return Err(UsageError::Finished.into()),
                State::Body(resp, body) => {
                    if body.feed(resp, input) {
                        return Err(self.refused());
                    }
                    return Ok(Status::Partial);
                }
                State::Head(reader) => {
                    let (head, rest) = match reader.push(input, self.config.max_head_size) {
                        Head::Partial => return Ok(Status::Partial),
                        Head::TooLarge => {
                            return Err(self.fail(ResponseErrorKind::HeadTooLarge, None))
                        }
                        Head::Complete(head, rest) => (head, rest),
                    };
                    let mut resp = match parse_response(head, self.config.max_headers) {
                        Ok(r) => r,
                        Err(e) => return Err(self.fail(e.into(), None)),
                    };
                    match resp.status() {
                        101 => return self.finish(resp, rest).map(Status::Complete),
                        // RFC 9110 §15.2: "A client MUST be able to parse one
                        // or more 1xx responses received prior to a final
                        // response, even if the client does not expect one."
                        100..=199 => {}
                        _ => {
                            let body = BodyReader::new(&mut resp, self.config.max_body_size);
                            self.state = State::Body(Box::new(resp), body);
                        }
                    }
                    input = rest;
                }
            }
        }
    }

    /// The transport ended. The handshake cannot succeed any more: this gives
    /// the refusal whose body ran to the end of the transport, or
    /// [`ResponseErrorKind::UnexpectedEof`].
    pub fn handle_eof(&mut self) -> ClientError {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Done => UsageError::Finished.into(),
            State::Head(_) => ResponseError::new(ResponseErrorKind::UnexpectedEof, None).into(),
            State::Body(mut resp, mut body) => {
                body.eof(&mut resp);
                ResponseError::new(ResponseErrorKind::Refused, Some(*resp)).into()
            }
        }
    }

    fn fail(&mut self, kind: ResponseErrorKind, response: Option<Response>) -> ClientError {
        self.state = State::Done;
        ResponseError::new(kind, response).into()
    }

    fn refused(&mut self) -> ClientError {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Body(resp, _) => {
                ResponseError::new(ResponseErrorKind::Refused, Some(*resp)).into()
            }
            _ => ResponseError::new(ResponseErrorKind::Refused, None).into(),
        }
    }

    /// Checks a 101 and opens the connection.
    fn finish(&mut self, resp: Response, rest: &[u8]) -> Result<Connected, ClientError> {
        let mut agreement = match response::validate(&resp, Some(&self.key), &self.offer) {
            Ok(a) => a,
            Err(kind) => return Err(self.fail(kind, Some(resp))),
        };
        agreement.codec = match check_answers(&self.negotiators, &agreement.extensions) {
            Ok(codec) => codec,
            Err(e) => {
                return Err(self.fail(ResponseErrorKind::InvalidExtensionAnswer(e), Some(resp)))
            }
        };
        self.state = State::Done;
        // The randomness is taken once, here, after which the state is Done.
        let Some(rng) = self.rng.take() else {
            return Err(UsageError::Finished.into());
        };
        let config = self.config.connection.clone();
        let mut connection = Connection::client_boxed(config, rng);
        let extensions = agreement.open(&mut connection);
        Ok(Connected {
            connection,
            response: resp,
            trailing: rest.to_vec(),
            extensions,
        })
    }
}

/// A completed client handshake.
///
/// Feed [`trailing`](Self::trailing) to [`Connection::handle_input`] before any byte
/// read later: they are the server's first frames.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the connection and the trailing bytes must be used"]
pub struct Connected {
    /// The open connection, client role, with the agreed subprotocol and the
    /// handshake's randomness for masking keys.
    pub connection: Connection,
    /// The 101 response (for `Set-Cookie` and other header fields).
    pub response: Response,
    /// Bytes that came after the response: the start of the frame stream.
    pub trailing: Vec<u8>,
    /// The extensions the server agreed to, with its parameters. The
    /// connection runs the codec of one offered with
    /// [`ClientRequest::negotiate`]; for one offered with
    /// [`ClientRequest::extension`], give the connection its codec with
    /// [`Connection::set_codec`].
    pub extensions: Vec<Extension>,
}
