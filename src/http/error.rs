//! A request that is not a valid WebSocket opening, with the ready response.

use alloc::string::String;
use core::fmt;

use crate::handshake::RequestErrorKind;

/// The request is not a valid WebSocket opening: the peer's fault, or a
/// plain HTTP request ([`is_not_upgrade`](Self::is_not_upgrade)) the server
/// answers itself (a page, a health check).
///
/// The checks and their order are those of the byte-level
/// [`ServerHandshake`](crate::ServerHandshake), and so are the statuses over
/// HTTP/1.1 (the table in [`RequestErrorKind`]). An extended CONNECT (HTTP/2,
/// HTTP/3) has no `Upgrade`: where HTTP/1.1 answers 426, it answers 400,
/// with `Sec-WebSocket-Version: 13` for a wrong version (RFC 8441 §5 keeps
/// RFC 6455's version rules), and a method other than CONNECT gets 405 with
/// `Allow: CONNECT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    kind: RequestErrorKind,
    connect: bool,
}

impl Rejection {
    pub(crate) fn new(kind: RequestErrorKind, connect: bool) -> Self {
        Rejection { kind, connect }
    }

    /// What was wrong.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    /// Whether this is a plain HTTP request, with no sign of a WebSocket
    /// opening ([`RequestErrorKind::NotUpgrade`]).
    pub fn is_not_upgrade(&self) -> bool {
        self.kind == RequestErrorKind::NotUpgrade
    }

    /// The status of the ready response.
    pub fn status(&self) -> u16 {
        match self.connect {
            true => self.kind.status_over_connect(),
            false => self.kind.status(),
        }
    }

    /// The ready response: the status, the header fields it needs
    /// (`Sec-WebSocket-Version: 13`, `Allow`, and over HTTP/1.1 `Upgrade`
    /// and `Connection`), and a one-line plain-text body.
    pub fn response(&self) -> ::http::Response<String> {
        let mut response = ::http::Response::new(alloc::format!("{}\n", self.kind.reason()));
        // The status is one of 400, 405, 426 and 431.
        *response.status_mut() =
            ::http::StatusCode::from_u16(self.status()).unwrap_or(::http::StatusCode::BAD_REQUEST);
        let headers = response.headers_mut();
        for (name, value) in self.kind.ready_fields(self.connect) {
            headers.append(*name, ::http::HeaderValue::from_static(value));
        }
        headers.insert(
            ::http::header::CONTENT_TYPE,
            ::http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebSocket handshake refused ({}): {}",
            self.status(),
            self.kind.reason()
        )
    }
}

impl core::error::Error for Rejection {}
