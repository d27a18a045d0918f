//! Handshake errors, split by who is at fault.
//!
//! - [`RequestError`] (server side) and [`ResponseError`] (client side): the
//!   peer sent something the handshake cannot accept. The server's error
//!   carries a ready HTTP response for the client.
//! - [`UsageError`]: the caller asked for something the protocol forbids
//!   (a subprotocol the client never offered, a header with a line break in
//!   it). Nothing was sent.
//!
//! Input that is merely incomplete is neither: it is [`Status::Partial`](crate::Status::Partial).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::extension::{AnswerError, ExtensionParseError};
use crate::http1::{ParseError, Reply, Request, Response};
use crate::usage_error::UsageError;

/// What was wrong with a client's opening handshake (RFC 6455 §4.2.1).
///
/// The checks run in the order of the variants below and the first failure
/// wins. Each kind has the HTTP status the server answers with
/// ([`status`](Self::status)); every ready response also carries
/// `Content-Type`, `Content-Length`, a one-line body and `Connection: close`
/// (`Connection: Upgrade, close` in a 426).
///
/// A request with no sign of a WebSocket opening is [`NotUpgrade`](Self::NotUpgrade),
/// whatever else is wrong with it. The signs are an `Upgrade` field listing
/// `websocket`, or any of `Sec-WebSocket-Key`, `Sec-WebSocket-Version`,
/// `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions`. A request with a
/// sign is a WebSocket opening: every kind after `NotUpgrade` is one that
/// failed a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// The header block grew past
    /// [`HandshakeConfig::max_head_size`](super::HandshakeConfig::max_head_size)
    /// without ending. 431.
    HeadTooLarge,
    /// More header fields than
    /// [`HandshakeConfig::max_headers`](super::HandshakeConfig::max_headers). 431.
    TooManyHeaders,
    /// Not a well-formed HTTP/1.x request (including obsolete line folding). 400.
    Malformed,
    /// A well-formed request with no sign of a WebSocket opening: a plain
    /// HTTP request (any method, any version), or an upgrade to another
    /// protocol (`Upgrade: h2c` without any `Sec-WebSocket-*` field). Nothing
    /// else is checked. The parsed request is available, so a server can
    /// answer it itself (a page, a health check). The ready answer is 426 with
    /// `Upgrade: websocket` and `Sec-WebSocket-Version: 13`.
    NotUpgrade,
    /// A WebSocket opening whose method is not GET (`POST`, `HEAD`...). 405
    /// with `Allow: GET`.
    MethodNotAllowed,
    /// A WebSocket opening in HTTP/1.0: the handshake needs HTTP/1.1 or
    /// later. 400.
    HttpVersion,
    /// A WebSocket opening with no `Host` header field, or more than one. 400.
    InvalidHost,
    /// A WebSocket opening (it carries a `Sec-WebSocket-*` field) without an
    /// `Upgrade` field listing `websocket`: no `Upgrade` at all, or one naming
    /// only other protocols (`h2c`). 426 with `Upgrade: websocket` and
    /// `Sec-WebSocket-Version: 13`, which say what to send.
    UpgradeNotWebSocket,
    /// A WebSocket opening with no `Connection` header field listing the
    /// `upgrade` token (none at all, or only `keep-alive`). 426 with
    /// `Upgrade: websocket` and `Sec-WebSocket-Version: 13`.
    ConnectionNotUpgrade,
    /// A WebSocket opening whose `Sec-WebSocket-Version` is missing, repeated
    /// or not exactly `13` (`8`, `13, 8`). 426 with
    /// `Sec-WebSocket-Version: 13` and `Upgrade: websocket`.
    UnsupportedVersion,
    /// A WebSocket opening whose `Sec-WebSocket-Key` is missing, repeated, or
    /// not the base64 form of 16 bytes. 400.
    InvalidKey,
    /// A WebSocket opening that announces a body (`Content-Length` other than
    /// 0, or `Transfer-Encoding`). Its bytes would otherwise be taken for
    /// WebSocket frames. 400.
    UnexpectedBody,
    /// A WebSocket opening with a `Sec-WebSocket-Protocol` element that is
    /// not a token. 400.
    InvalidSubprotocols,
    /// A WebSocket opening with a `Sec-WebSocket-Extensions` field that does
    /// not follow RFC 6455 §9.1. 400.
    InvalidExtensions(ExtensionParseError),
}

impl RequestErrorKind {
    /// The HTTP status code of the ready response.
    pub const fn status(self) -> u16 {
        use RequestErrorKind::*;
        match self {
            HeadTooLarge | TooManyHeaders => 431,
            NotUpgrade | UpgradeNotWebSocket | ConnectionNotUpgrade | UnsupportedVersion => 426,
            MethodNotAllowed => 405,
            Malformed | HttpVersion | InvalidHost | InvalidKey | UnexpectedBody
            | InvalidSubprotocols | InvalidExtensions(_) => 400,
        }
    }

    /// The status of the ready response to an extended CONNECT (HTTP/2,
    /// HTTP/3), which has no `Upgrade` and no 101: where HTTP/1.1 answers
    /// 426 (upgrade to WebSocket, or to version 13), it answers 400.
    #[cfg(feature = "http")]
    pub(crate) const fn status_over_connect(self) -> u16 {
        match self.status() {
            426 => 400,
            status => status,
        }
    }

    /// The header fields the ready response needs besides its body's, for
    /// an HTTP/1.1 upgrade or (`connect`) an extended CONNECT.
    pub(crate) fn ready_fields(self, connect: bool) -> &'static [(&'static str, &'static str)] {
        use RequestErrorKind::*;
        match (self, connect) {
            (MethodNotAllowed, false) => &[("Allow", "GET")],
            (MethodNotAllowed, true) => &[("Allow", "CONNECT")],
            // RFC 9110 §15.5.22: "The server MUST send an Upgrade header field
            // in a 426 response to indicate the required protocol(s)", and
            // §7.8: "A sender of Upgrade MUST also send an "Upgrade"
            // connection option in the Connection header field".
            // RFC 6455 §4.4: the server "MUST respond with a
            // |Sec-WebSocket-Version| header field ... containing all versions
            // it is willing to use".
            (
                NotUpgrade | UpgradeNotWebSocket | ConnectionNotUpgrade | UnsupportedVersion,
                false,
            ) => &[
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade, close"),
                ("Sec-WebSocket-Version", "13"),
            ],
            // HTTP/2 and HTTP/3 forbid connection-specific fields (RFC 9113
            // §8.2.2); the version still tells a client what to send.
            (UpgradeNotWebSocket | UnsupportedVersion, true) => &[("Sec-WebSocket-Version", "13")],
            _ => &[],
        }
    }

    /// A short, readable reason; also the body of the ready response.
    pub const fn reason(self) -> &'static str {
        use RequestErrorKind::*;
        match self {
            HeadTooLarge => "request header block too large",
            TooManyHeaders => "too many request header fields",
            Malformed => "malformed HTTP request",
            NotUpgrade => "not a WebSocket upgrade request",
            MethodNotAllowed => "a WebSocket upgrade must use GET",
            HttpVersion => "a WebSocket upgrade needs HTTP/1.1 or later",
            InvalidHost => "missing or repeated Host",
            UpgradeNotWebSocket => "a WebSocket upgrade needs Upgrade: websocket",
            ConnectionNotUpgrade => "Connection does not include upgrade",
            UnsupportedVersion => "unsupported Sec-WebSocket-Version",
            InvalidKey => "missing or invalid Sec-WebSocket-Key",
            UnexpectedBody => "a WebSocket upgrade request has no body",
            InvalidSubprotocols => "invalid Sec-WebSocket-Protocol",
            InvalidExtensions(_) => "invalid Sec-WebSocket-Extensions",
        }
    }
}

impl From<ParseError> for RequestErrorKind {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::TooManyHeaders => RequestErrorKind::TooManyHeaders,
            ParseError::Malformed => RequestErrorKind::Malformed,
        }
    }
}

impl fmt::Display for RequestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// The client's opening handshake was refused: the peer's fault.
///
/// It carries the ready response ([`response_bytes`](Self::response_bytes),
/// or [`reply`](Self::reply) to add header fields to it): write it,
/// then close the transport. When the header block parsed, the request is
/// there too ([`request`](Self::request)); for
/// [`RequestErrorKind::NotUpgrade`] that lets a server answer a plain HTTP
/// request with a response of its own ([`Reply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    kind: RequestErrorKind,
    request: Option<Box<Request>>,
    trailing: Vec<u8>,
}

impl RequestError {
    pub(crate) fn new(kind: RequestErrorKind, request: Option<Request>, trailing: Vec<u8>) -> Self {
        RequestError {
            kind,
            request: request.map(Box::new),
            trailing,
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    /// The HTTP status of the ready response.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// Whether this is a plain HTTP request, with no sign of a WebSocket
    /// opening ([`RequestErrorKind::NotUpgrade`]): one a server may want to
    /// answer itself.
    pub fn is_not_upgrade(&self) -> bool {
        self.kind == RequestErrorKind::NotUpgrade
    }

    /// The parsed request, when the header block was well-formed.
    pub fn request(&self) -> Option<&Request> {
        self.request.as_deref()
    }

    /// Takes the parsed request out.
    pub fn into_request(self) -> Option<Request> {
        self.request.map(|r| *r)
    }

    /// Bytes that arrived after the request's header block (for a server that
    /// keeps the connection open after answering a plain request, they start
    /// the next request).
    pub fn trailing(&self) -> &[u8] {
        &self.trailing
    }

    /// The ready response as a [`Reply`], to add header fields to.
    pub fn reply(&self) -> Reply {
        let mut reply = Reply::new(self.status());
        for (name, value) in self.kind.ready_fields(false) {
            reply = reply.header(*name, *value);
        }
        reply
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(alloc::format!("{}\n", self.kind.reason()))
    }

    /// The ready HTTP/1.1 response: status line, `Content-Length`,
    /// `Connection: close` and the header fields the status needs. Write it,
    /// then close the transport.
    #[must_use]
    pub fn response_bytes(&self) -> Vec<u8> {
        self.reply().render()
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebSocket handshake refused ({}): {}",
            self.status(),
            self.kind.reason()
        )
    }
}

impl core::error::Error for RequestError {}

/// What was wrong with a server's response (RFC 6455 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// The header block grew past
    /// [`HandshakeConfig::max_head_size`](super::HandshakeConfig::max_head_size).
    HeadTooLarge,
    /// More header fields than
    /// [`HandshakeConfig::max_headers`](super::HandshakeConfig::max_headers).
    TooManyHeaders,
    /// Not a well-formed HTTP/1.x response (including obsolete line folding).
    Malformed,
    /// The transport ended before the response's header block did.
    UnexpectedEof,
    /// The server answered with a status other than 101 (a redirect, 401,
    /// 403, 5xx...). The response, with its body up to
    /// [`HandshakeConfig::max_body_size`](super::HandshakeConfig::max_body_size),
    /// is in [`ResponseError::response`].
    Refused,
    /// A 101 response in a version other than HTTP/1.1.
    HttpVersion,
    /// `Upgrade` missing or not `websocket`.
    UpgradeNotWebSocket,
    /// `Connection` missing or without the `upgrade` token.
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Accept` missing or not the value for our key.
    InvalidAccept,
    /// A `Sec-WebSocket-Protocol` we did not offer, or more than one.
    SubprotocolNotOffered,
    /// A `Sec-WebSocket-Extensions` entry we did not offer.
    ExtensionNotOffered,
    /// A `Sec-WebSocket-Extensions` field that does not follow RFC 6455 §9.1.
    InvalidExtensions(ExtensionParseError),
    /// The server's answer to an extension we negotiate
    /// ([`ClientRequest::negotiate`](super::ClientRequest::negotiate)) breaks
    /// our offer, or the extension's rules (RFC 7692 §5 for
    /// permessage-deflate).
    InvalidExtensionAnswer(AnswerError),
}

impl ResponseErrorKind {
    /// A short, readable reason.
    pub const fn reason(self) -> &'static str {
        use ResponseErrorKind::*;
        match self {
            HeadTooLarge => "response header block too large",
            TooManyHeaders => "too many response header fields",
            Malformed => "malformed HTTP response",
            UnexpectedEof => "connection ended before the response",
            Refused => "the server refused the upgrade",
            HttpVersion => "101 response not in HTTP/1.1",
            UpgradeNotWebSocket => "Upgrade is not websocket",
            ConnectionNotUpgrade => "Connection does not include upgrade",
            InvalidAccept => "wrong Sec-WebSocket-Accept",
            SubprotocolNotOffered => "subprotocol not offered",
            ExtensionNotOffered => "extension not offered",
            InvalidExtensions(_) => "invalid Sec-WebSocket-Extensions",
            InvalidExtensionAnswer(_) => "invalid extension answer",
        }
    }
}

impl From<ParseError> for ResponseErrorKind {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::TooManyHeaders => ResponseErrorKind::TooManyHeaders,
            ParseError::Malformed => ResponseErrorKind::Malformed,
        }
    }
}

impl fmt::Display for ResponseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// The server's response did not establish a WebSocket: the peer's fault, or
/// its decision ([`ResponseErrorKind::Refused`]). Close the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    kind: ResponseErrorKind,
    response: Option<Box<Response>>,
}

impl ResponseError {
    pub(crate) fn new(kind: ResponseErrorKind, response: Option<Response>) -> Self {
        ResponseError {
            kind,
            response: response.map(Box::new),
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> ResponseErrorKind {
        self.kind
    }

    /// The response, when its header block was well-formed: status, header
    /// fields (`Location`, `WWW-Authenticate`, `Retry-After`...) and, for
    /// [`ResponseErrorKind::Refused`], the body.
    pub fn response(&self) -> Option<&Response> {
        self.response.as_deref()
    }

    /// Takes the response out.
    pub fn into_response(self) -> Option<Response> {
        self.response.map(|r| *r)
    }

    /// The response's status code, when there was a response.
    pub fn status(&self) -> Option<u16> {
        self.response().map(Response::status)
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status() {
            Some(status) => write!(
                f,
                "WebSocket handshake failed ({status}): {}",
                self.kind.reason()
            ),
            None => write!(f, "WebSocket handshake failed: {}", self.kind.reason()),
        }
    }
}

impl core::error::Error for ResponseError {}

/// Why a [`ClientHandshake`](super::ClientHandshake) did not produce a
/// connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The server's response: refused, or broke the protocol.
    Response(ResponseError),
    /// The caller's misuse (input after the handshake ended).
    Usage(UsageError),
}

impl ClientError {
    /// The server's response, when there was a well-formed one.
    pub fn response(&self) -> Option<&Response> {
        match self {
            ClientError::Response(e) => e.response(),
            ClientError::Usage(_) => None,
        }
    }
}

impl From<ResponseError> for ClientError {
    fn from(e: ResponseError) -> Self {
        ClientError::Response(e)
    }
}

impl From<UsageError> for ClientError {
    fn from(e: UsageError) -> Self {
        ClientError::Usage(e)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Response(e) => e.fmt(f),
            ClientError::Usage(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ClientError::Response(e) => Some(e),
            ClientError::Usage(e) => Some(e),
        }
    }
}
